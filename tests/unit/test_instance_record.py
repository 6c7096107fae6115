"""instance_record.load on SQLite: the records of Core rows (the API's
reads) and of ORM Instance objects (the conductor's) are the same,
side tables included; tests/functional/test_instance_record_mysql.py
runs the same checks on MariaDB."""

import datetime

from oslo_serialization import jsonutils
import pytest
import sqlalchemy as sa

from common import instance_record
from common.db import engines
from common.db import main_models as main
from common.db import migration

T0 = datetime.datetime(2026, 3, 1, 9, 30)
FLAVOR = {'id': 3, 'flavorid': 'small', 'name': 'm1.small',
          'memory_mb': 2048, 'vcpus': 2, 'root_gb': 20, 'ephemeral_gb': 0,
          'swap': 512, 'rxtx_factor': 1.0, 'vcpu_weight': None,
          'is_public': True, 'description': None,
          'extra_specs': {'hw:cpu_policy': 'dedicated'}}
# Values JSON must escape, and characters beyond the BMP.
METADATA = {'quote"key': 'back\\slash', 'unicode': 'Grüße 😀',
            'newline': 'a\nb', 'json-like': '{"a": [1]}', 'empty': ''}
SYSTEM_METADATA = {'image_os_distro': 'cirros', 'image_min_ram': '0',
                   'security_groups': '["default", "web"]',
                   'locked_reason': 'maintenance'}
FULL = '00000000-0000-4000-8000-000000000001'
BARE = '00000000-0000-4000-8000-000000000002'


@pytest.fixture
def cell_url(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'cell.db')
    migration.db_sync(url, migration.MAIN)
    return url


def seed(url):
    """FULL: an ERROR server with every side row (and deleted ones that
    must not show); BARE: an active server with none."""
    with engines.writer(url) as session:
        session.add_all([
            main.Instance(uuid=FULL, id=7, project_id='p', user_id='u',
                          vm_state='error', host='cmp1', created_at=T0),
            main.Instance(uuid=BARE, id=8, project_id='p', user_id='u',
                          vm_state='active', created_at=T0)])
        session.flush()
        session.add(main.InstanceExtra(instance_uuid=FULL,
                                       flavor=jsonutils.dumps({
                                           'cur': FLAVOR, 'old': None,
                                           'new': None})))
        session.add_all(main.InstanceMetadata(instance_uuid=FULL, key=k,
                                              value=v)
                        for k, v in METADATA.items())
        session.add(main.InstanceMetadata(instance_uuid=FULL, key='gone',
                                          value='x', deleted=99))
        session.add_all(main.InstanceSystemMetadata(instance_uuid=FULL,
                                                    key=k, value=v)
                        for k, v in SYSTEM_METADATA.items())
        session.add_all(main.Tag(resource_id=FULL, tag=t)
                        for t in ('blue', 'green'))
        for seconds, message in ((0, 'older'), (5, 'latest')):
            session.add(main.InstanceFault(
                instance_uuid=FULL, code=500, message=message,
                details='trace', host='cmp1',
                created_at=T0 + datetime.timedelta(seconds=seconds)))


def check_load(url):
    """What every caller of load relies on, from rows and from dicts of
    their columns (what the conductor has after an update)."""
    seed(url)
    table = main.Instance.__table__
    with engines.reader(url) as session:
        rows = session.execute(sa.select(table).order_by(table.c.id)).all()
        core = instance_record.load(session, rows)
        dicts = instance_record.load(session,
                                     [dict(row._mapping) for row in rows])
    assert core == dicts
    full, bare = core
    assert full['uuid'] == FULL and bare['uuid'] == BARE
    assert full['metadata'] == METADATA
    assert full['system_metadata'] == SYSTEM_METADATA
    assert sorted(full['tags']) == ['blue', 'green']
    assert full['flavor'] == FLAVOR
    assert full['security_groups'] == ['default', 'web']
    assert full['locked_reason'] == 'maintenance'
    assert full['fault'] == {'code': 500, 'message': 'latest',
                             'details': 'trace', 'host': 'cmp1',
                             'created_at': T0 + datetime.timedelta(
                                 seconds=5)}
    assert full['name'] == 'instance-00000007'
    assert full['created_at'] == T0
    assert {k: bare[k] for k in ('metadata', 'system_metadata', 'tags',
                                 'flavor', 'fault', 'security_groups',
                                 'locked_reason')} == {
        'metadata': {}, 'system_metadata': {}, 'tags': [], 'flavor': None,
        'fault': None, 'security_groups': [], 'locked_reason': None}


def test_rows_and_dicts_of_their_columns_load_alike(cell_url):
    check_load(cell_url)


def test_columns_selected_beside_the_instance_stay(cell_url):
    """The API selects side columns (network info) with the rows."""
    seed(cell_url)
    table = main.Instance.__table__
    with engines.reader(cell_url) as session:
        [record] = instance_record.load(session, session.execute(
            sa.select(table, sa.literal('extra').label('beside'))
            .where(table.c.uuid == BARE)).all())
    assert record['beside'] == 'extra'


def test_nothing_to_load(cell_url):
    with engines.reader(cell_url) as session:
        assert instance_record.load(session, []) == []
