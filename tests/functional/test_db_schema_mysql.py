"""The schema on real MariaDB: migrations equal the models, InnoDB and
utf8mb4 everywhere, versions, and an archive/purge round trip."""

import datetime
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




@pytest.mark.parametrize('database', [migration.API, migration.MAIN])
def test_sync_and_compare(mysql_db, database):
    url = mysql_db('schema_' + database)
    assert migration.db_version(url, database) is None
    with pytest.raises(exception.DBNotSynced):
        migration.check_current(url, database)
    migration.db_sync(url, database)
    assert migration.db_version(url, database) == migration.head(database)
    migration.check_current(url, database)
    assert fixtures.schema_diff(url, database) == []
    migration.db_sync(url, database)
    assert migration.db_version(url, database) == migration.head(database)


@pytest.mark.parametrize('database', [migration.API, migration.MAIN])
def test_tables_are_innodb_utf8mb4(mysql_db, database):
    url = mysql_db('charset_' + database)
    migration.db_sync(url, database)
    with engines.get_engine(url).connect() as conn:
        rows = conn.execute(sa.text(
            'SELECT table_name, engine, table_collation '
            'FROM information_schema.tables '
            'WHERE table_schema = DATABASE()')).all()
    tables = {name: (engine, collation) for name, engine, collation in rows}
    assert set(tables) == set(METADATA[database].tables) | {
        'alembic_version'}
    for name in METADATA[database].tables:
        engine, collation = tables[name]
        assert engine == 'InnoDB', name
        assert collation.startswith('utf8mb4'), name


def test_unknown_revision_left_untouched(mysql_db):
    url = mysql_db('newer')
    migration.db_sync(url, migration.API)
    with engines.get_engine(url).begin() as conn:
        conn.execute(sa.text(
            "UPDATE alembic_version SET version_num = 'feedfacecafe'"))
    with pytest.raises(exception.DBSchemaNewer):
        migration.db_sync(url, migration.API)
    assert migration.db_version(url, migration.API) == 'feedfacecafe'


def test_soft_deleted_duplicate_and_unicode(mysql_db):
    url = mysql_db('softdel')
    migration.db_sync(url, migration.MAIN)
    with engines.writer(url) as session:
        svc = m.Service(host='c1', binary='nova-compute', topic='compute')
        session.add(svc)
        session.flush()
        svc.soft_delete()
    with engines.writer(url) as session:
        session.add(m.Service(host='c1', binary='nova-compute',
                              topic='compute', disabled_reason='\U0001f6a7'))
    with pytest.raises(sa_exc.IntegrityError):
        with engines.writer(url) as session:
            session.add(m.Service(host='c1', binary='nova-compute'))
    with engines.reader(url) as session:
        reason = session.scalar(sa.select(m.Service.disabled_reason).where(
            m.Service.deleted == 0))
    assert reason == '\U0001f6a7'


def test_archive_and_purge(mysql_db):
    url = mysql_db('archive')
    migration.db_sync(url, migration.MAIN)
    now = datetime.datetime(2026, 1, 31)
    with engines.writer(url) as session:
        uuids = []
        for days in (10, 1):
            inst = m.Instance(uuid=str(uuid.uuid4()))
            session.add(inst)
            session.flush()
            inst.deleted = inst.id
            inst.deleted_at = now - datetime.timedelta(days=days)
            session.add(m.Tag(resource_id=inst.uuid, tag='t'))
            action = m.InstanceAction(instance_uuid=inst.uuid)
            session.add(action)
            session.flush()
            session.add(m.InstanceActionEvent(action_id=action.id))
            uuids.append(inst.uuid)
        session.add(m.Instance(uuid=str(uuid.uuid4())))

    tables, archived, total = archive.archive_deleted_rows(
        url, before=now - datetime.timedelta(days=5))
    assert archived == uuids[:1]
    assert tables == {'instances': 1, 'tags': 1, 'instance_actions': 1,
                      'instance_actions_events': 1}
    assert total == 4
    tables, archived, total = archive.archive_deleted_rows(url)
    assert archived == uuids[1:] and total == 4

    assert archive.purge_shadow_tables(
        url, before=now - datetime.timedelta(days=5)) == 4
    assert archive.purge_shadow_tables(url) == 4
    with engines.reader(url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            m.shadow_table('instances'))) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(
            m.Instance)) == 1
