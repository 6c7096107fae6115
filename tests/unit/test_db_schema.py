"""Schema of the API and cell databases on SQLite: migrations, versions,
soft delete, archive and purge."""

import datetime
import shutil
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import archive
from common.db import engines
from common.db import main_models as m
from common.db import migration
from tests import fixtures

METADATA = fixtures.METADATA
NOW = datetime.datetime(2026, 1, 31, 12, 0, 0)


@pytest.fixture
def sqlite_url(tmp_path):
    """Factory of URLs of new, empty SQLite files; engines disposed after."""
    urls = []

    def make(name='db'):
        url = 'sqlite:///%s' % (tmp_path / ('%s.sqlite' % name))
        urls.append(url)
        return url

    yield make
    for url in urls:
        engines.get_engine(url).dispose()


@pytest.fixture
def cell_url(sqlite_url):
    url = sqlite_url('cell')
    migration.db_sync(url, migration.MAIN)
    return url


def _tables(url):
    return set(sa.inspect(engines.get_engine(url)).get_table_names())




# --- versions and sync ------------------------------------------------------

@pytest.mark.parametrize('database', [migration.API, migration.MAIN])
def test_sync_empty_database_reaches_head(sqlite_url, database):
    url = sqlite_url()
    assert migration.db_version(url, database) is None
    migration.db_sync(url, database)
    assert migration.db_version(url, database) == migration.head(database)
    migration.check_current(url, database)


@pytest.mark.parametrize('database', [migration.API, migration.MAIN])
def test_second_sync_is_a_noop(sqlite_url, database):
    url = sqlite_url()
    migration.db_sync(url, database)
    before = _tables(url)
    migration.db_sync(url, database)
    migration.db_sync(url, database, version=migration.head(database))
    assert _tables(url) == before
    assert migration.db_version(url, database) == migration.head(database)


@pytest.mark.parametrize('database', [migration.API, migration.MAIN])
def test_migrations_match_models(sqlite_url, database):
    url = sqlite_url()
    migration.db_sync(url, database)
    assert fixtures.schema_diff(url, database) == []
    expected = set(METADATA[database].tables) | {'alembic_version'}
    assert _tables(url) == expected


def test_main_schema_has_a_shadow_for_every_table(cell_url):
    tables = _tables(cell_url)
    for table in m.live_tables():
        assert 'shadow_' + table.name in tables
    shadow = sa.inspect(engines.get_engine(cell_url))
    assert shadow.get_unique_constraints('shadow_instances') == []
    assert shadow.get_foreign_keys('shadow_instance_extra') == []
    assert shadow.get_indexes('shadow_instances') == []
    live_cols = [c.name for c in m.Instance.__table__.columns]
    assert [c['name'] for c in shadow.get_columns('shadow_instances')] == (
        live_cols)


def test_api_and_main_trees_are_separate(sqlite_url):
    api_url, cell_url = sqlite_url('api'), sqlite_url('cell')
    migration.db_sync(api_url, migration.API)
    migration.db_sync(cell_url, migration.MAIN)
    assert 'cell_mappings' in _tables(api_url)
    assert 'cell_mappings' not in _tables(cell_url)
    assert 'instances' not in _tables(api_url)
    assert migration.head(migration.API) != migration.head(migration.MAIN)


def _set_version(url, revision, create=False):
    with engines.get_engine(url).begin() as conn:
        if create:
            conn.execute(sa.text(
                'CREATE TABLE alembic_version ('
                'version_num VARCHAR(32) NOT NULL PRIMARY KEY)'))
            conn.execute(sa.text('INSERT INTO alembic_version VALUES (:v)'),
                         {'v': revision})
        else:
            conn.execute(sa.text('UPDATE alembic_version SET version_num=:v'),
                         {'v': revision})


@pytest.mark.parametrize('database', [migration.API, migration.MAIN])
def test_unknown_revision_is_newer_schema_and_untouched(sqlite_url,
                                                        database):
    url = sqlite_url()
    _set_version(url, 'feedfacecafe', create=True)
    with pytest.raises(exception.DBSchemaNewer) as e:
        migration.db_sync(url, database)
    assert e.value.kwargs == {'database': database,
                              'current': 'feedfacecafe',
                              'head': migration.head(database)}
    assert 'feedfacecafe' in e.value.format_message()
    assert _tables(url) == {'alembic_version'}
    assert migration.db_version(url, database) == 'feedfacecafe'
    with pytest.raises(exception.DBSchemaNewer):
        migration.check_current(url, database)


def test_check_current_names_the_sync_command(sqlite_url):
    for database, command in ((migration.API, 'api_db sync'),
                              (migration.MAIN, 'db sync')):
        url = sqlite_url(database)
        with pytest.raises(exception.DBNotSynced) as e:
            migration.check_current(url, database)
        assert e.value.kwargs['command'] == command
        assert e.value.kwargs['current'] is None
        assert 'nova-manage %s' % command in e.value.format_message()


def test_downgrade_to_base_refused(cell_url):
    head = migration.head(migration.MAIN)
    with pytest.raises(exception.DBDowngradeNotSupported) as e:
        migration.db_sync(cell_url, migration.MAIN, version='base')
    assert head in e.value.format_message()
    assert migration.db_version(cell_url, migration.MAIN) == head


def test_unknown_target_version_refused(cell_url):
    with pytest.raises(exception.Invalid):
        migration.db_sync(cell_url, migration.MAIN, version='0123abcd')


def test_unknown_database_kind_refused(sqlite_url):
    with pytest.raises(exception.Invalid):
        migration.head('nova_cell0')
    with pytest.raises(exception.Invalid):
        migration.db_version(sqlite_url(), 'cell')


@pytest.fixture
def two_revision_tree(tmp_path, monkeypatch):
    """The main tree plus an empty second revision, in a temporary copy."""
    root = tmp_path / 'tree'
    shutil.copytree(migration._script_location(migration.MAIN), root / 'main',
                    ignore=shutil.ignore_patterns('__pycache__'))
    first = migration.head(migration.MAIN)
    (root / 'main' / 'versions' / 'f00d_second.py').write_text(
        'revision = "f00d00000002"\ndown_revision = %r\n'
        'branch_labels = None\ndepends_on = None\n\n\n'
        'def upgrade():\n    pass\n' % first)
    monkeypatch.setattr(migration, '_script_location',
                        lambda database: str(root / database))
    migration._scripts.cache_clear()
    yield first, 'f00d00000002'
    migration._scripts.cache_clear()


def test_sync_to_version_then_refuse_downgrade(two_revision_tree,
                                               sqlite_url):
    first, second = two_revision_tree
    url = sqlite_url()
    assert migration.head(migration.MAIN) == second
    migration.db_sync(url, migration.MAIN, version=first[:6])
    assert migration.db_version(url, migration.MAIN) == first
    with pytest.raises(exception.DBNotSynced):
        migration.check_current(url, migration.MAIN)
    migration.db_sync(url, migration.MAIN)
    assert migration.db_version(url, migration.MAIN) == second
    with pytest.raises(exception.DBDowngradeNotSupported) as e:
        migration.db_sync(url, migration.MAIN, version=first)
    assert e.value.kwargs == {'database': 'main', 'current': second,
                              'target': first}
    assert migration.db_version(url, migration.MAIN) == second


# --- soft delete ------------------------------------------------------------

def test_soft_deleted_service_lets_a_duplicate_coexist(cell_url):
    with engines.writer(cell_url) as session:
        first = m.Service(host='c1', binary='nova-compute',
                          topic='compute')
        session.add(first)
        session.flush()
        first.soft_delete()
    assert first.deleted == first.id and first.deleted_at is not None
    with engines.writer(cell_url) as session:
        session.add(m.Service(host='c1', binary='nova-compute',
                              topic='compute'))
    with pytest.raises(sa_exc.IntegrityError):
        with engines.writer(cell_url) as session:
            session.add(m.Service(host='c1', binary='nova-compute',
                                  topic='other'))
    with engines.reader(cell_url) as session:
        rows = session.scalars(sa.select(m.Service.deleted)).all()
    assert sorted(rows) == [0, first.id]


def test_rows_inserted_without_deleted_are_alive(cell_url):
    with engines.get_engine(cell_url).begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO services (host, `binary`, topic, report_count) "
            "VALUES ('c2', 'nova-compute', 'compute', 0)"))
        assert conn.scalar(sa.text('SELECT deleted FROM services')) == 0


# --- archive and purge ------------------------------------------------------

def _instance(session, deleted_days_ago=None, children=True):
    """An instance with one row in each dependent table."""
    inst = m.Instance(uuid=str(uuid.uuid4()), project_id='p', user_id='u',
                      created_at=NOW - datetime.timedelta(days=30))
    session.add(inst)
    session.flush()
    if children:
        session.add_all([
            m.InstanceInfoCache(instance_uuid=inst.uuid, network_info='[]'),
            m.InstanceExtra(instance_uuid=inst.uuid, flavor='{}'),
            m.InstanceMetadata(instance_uuid=inst.uuid, key='k', value='v'),
            m.InstanceSystemMetadata(instance_uuid=inst.uuid, key='k'),
            m.InstanceFault(instance_uuid=inst.uuid, code=500),
            m.BlockDeviceMapping(instance_uuid=inst.uuid,
                                 uuid=str(uuid.uuid4())),
            m.Migration(instance_uuid=inst.uuid, uuid=str(uuid.uuid4())),
            m.Tag(resource_id=inst.uuid, tag='blue'),
            m.ConsoleAuthToken(instance_uuid=inst.uuid,
                               token_hash=uuid.uuid4().hex,
                               console_type='novnc', host='c1', port=5900,
                               expires=0),
        ])
        action = m.InstanceAction(instance_uuid=inst.uuid, action='create')
        session.add(action)
        session.flush()
        session.add(m.InstanceActionEvent(action_id=action.id, event='e'))
    if deleted_days_ago is not None:
        session.flush()
        inst.deleted = inst.id
        inst.deleted_at = NOW - datetime.timedelta(days=deleted_days_ago)
        for row in (session.scalars(sa.select(model).where(
                model.instance_uuid == inst.uuid)).all()
                for model in (m.InstanceInfoCache, m.InstanceExtra,
                              m.InstanceMetadata, m.InstanceSystemMetadata,
                              m.InstanceFault, m.BlockDeviceMapping)):
            for child in row:
                child.deleted = child.id
                child.deleted_at = inst.deleted_at
    return inst.uuid


def _count(url, name):
    with engines.get_engine(url).connect() as conn:
        return conn.scalar(sa.text('SELECT COUNT(*) FROM %s' % name))


DEPENDENTS = ['instance_info_caches', 'instance_extra', 'instance_metadata',
              'instance_system_metadata', 'instance_faults',
              'block_device_mapping', 'migrations', 'tags',
              'console_auth_tokens', 'instance_actions',
              'instance_actions_events']


def test_archive_moves_only_deleted_rows_before_date(cell_url):
    with engines.writer(cell_url) as session:
        alive = _instance(session)
        old = _instance(session, deleted_days_ago=10)
        recent = _instance(session, deleted_days_ago=1)
        # A deleted metadata item of a live instance is archived alone.
        item = m.InstanceMetadata(instance_uuid=alive, key='gone',
                                  deleted_at=NOW - datetime.timedelta(days=9))
        session.add(item)
        session.flush()
        item.deleted = item.id

    tables, uuids, total = archive.archive_deleted_rows(
        cell_url, before=NOW - datetime.timedelta(days=5))
    assert uuids == [old]
    expected = {name: 1 for name in DEPENDENTS + ['instances']}
    expected['instance_metadata'] = 2
    assert tables == expected
    assert total == sum(expected.values())
    assert _count(cell_url, 'instances') == 2
    assert _count(cell_url, 'shadow_instances') == 1
    assert _count(cell_url, 'shadow_tags') == 1
    for name in DEPENDENTS:
        assert _count(cell_url, name) == 2, name
    with engines.reader(cell_url) as session:
        left = session.scalars(sa.select(m.Instance.uuid)).all()
    assert sorted(left) == sorted([alive, recent])

    tables, uuids, total = archive.archive_deleted_rows(cell_url)
    assert uuids == [recent]
    assert tables['instances'] == 1 and tables['instance_actions_events'] == 1
    assert archive.archive_deleted_rows(cell_url) == ({}, [], 0)
    assert _count(cell_url, 'instances') == 1
    for name in DEPENDENTS:
        assert _count(cell_url, name) == 1, name


def test_archive_respects_max_rows(cell_url):
    with engines.writer(cell_url) as session:
        for i in range(5):
            svc = m.Service(host='h%d' % i, binary='nova-compute')
            session.add(svc)
            session.flush()
            svc.soft_delete()
        session.add(m.Service(host='alive', binary='nova-compute'))
    runs = [archive.archive_deleted_rows(cell_url, max_rows=2)
            for _ in range(4)]
    assert [r[2] for r in runs] == [2, 2, 1, 0]
    assert runs[0] == ({'services': 2}, [], 2)
    assert _count(cell_url, 'services') == 1
    assert _count(cell_url, 'shadow_services') == 5


def test_archive_task_log_only_when_asked(cell_url):
    with engines.writer(cell_url) as session:
        for days in (10, 1):
            when = NOW - datetime.timedelta(days=days)
            session.add(m.TaskLog(
                task_name='instance_usage_audit', state='DONE', host='c1',
                period_beginning=when, period_ending=when, message='ok',
                updated_at=when))
    assert archive.archive_deleted_rows(cell_url) == ({}, [], 0)
    tables, _, total = archive.archive_deleted_rows(
        cell_url, task_log=True, before=NOW - datetime.timedelta(days=5))
    assert tables == {'task_log': 1} and total == 1
    archive.archive_deleted_rows(cell_url, task_log=True)
    assert _count(cell_url, 'task_log') == 0
    assert _count(cell_url, 'shadow_task_log') == 2


def test_archive_accepts_aware_before(cell_url):
    with engines.writer(cell_url) as session:
        _instance(session, deleted_days_ago=10, children=False)
    aware = (NOW - datetime.timedelta(days=5)).replace(
        tzinfo=datetime.timezone.utc)
    assert archive.archive_deleted_rows(cell_url, before=aware)[2] == 1


def test_purge_by_date_then_all(cell_url):
    with engines.writer(cell_url) as session:
        old = _instance(session, deleted_days_ago=10)
        _instance(session, deleted_days_ago=1)
    archive.archive_deleted_rows(cell_url)
    shadows = ['shadow_' + n for n in DEPENDENTS + ['instances']]
    for name in shadows:
        assert _count(cell_url, name) == 2, name

    purged = archive.purge_shadow_tables(
        cell_url, before=NOW - datetime.timedelta(days=5))
    assert purged == len(shadows)
    for name in shadows:
        assert _count(cell_url, name) == 1, name
    with engines.get_engine(cell_url).connect() as conn:
        assert old not in conn.scalars(sa.text(
            'SELECT uuid FROM shadow_instances')).all()
        # Rows that were never deleted themselves went with the instance.
        assert old not in conn.scalars(sa.text(
            'SELECT resource_id FROM shadow_tags')).all()

    assert archive.purge_shadow_tables(
        cell_url, before=NOW - datetime.timedelta(days=5)) == 0
    assert archive.purge_shadow_tables(cell_url) == len(shadows)
    for table in m.live_tables():
        assert _count(cell_url, 'shadow_' + table.name) == 0
    assert archive.purge_shadow_tables(cell_url) == 0
