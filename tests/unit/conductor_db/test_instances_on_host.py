"""What a compute reads of its servers through the conductor: the
states of a host's live servers (power-state sync), whole records
(start-up), and which of its guests belong to deleted servers."""

import datetime

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from common import exception
from common.db import engines
from common.db import main_models as main
from common.db import migration
from nova_conductor.db import instances
from tests import fixtures


@pytest.fixture
def cell_url(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'cell.db')
    migration.db_sync(url, migration.MAIN)
    yield url
    engines.dispose_all()


def _read(url, func, *args, **kwargs):
    with engines.reader(url) as session:
        return func(session, *args, **kwargs)


def _set(url, instance_uuid, **values):
    with engines.writer(url) as session:
        session.execute(sa.update(main.Instance).where(
            main.Instance.uuid == instance_uuid).values(**values))


def test_states_of_the_live_servers_of_a_host(cell_url):
    first = fixtures.add_instance(cell_url, 'cmp1')
    second = fixtures.add_instance(cell_url, 'cmp1')
    _set(cell_url, second, vm_state='stopped', task_state='powering-on',
         power_state=4)
    fixtures.add_instance(cell_url, 'cmp1', deleted=True)
    fixtures.add_instance(cell_url, 'cmp2')
    records = _read(cell_url, instances.on_host, 'cmp1')
    with engines.reader(cell_url) as session:
        ids = dict(session.execute(sa.select(main.Instance.uuid,
                                             main.Instance.id)).all())
    assert records == [
        {'id': ids[first], 'uuid': first, 'host': 'cmp1',
         'vm_state': 'active', 'task_state': None, 'power_state': 1,
         'name': 'instance-%08x' % ids[first]},
        {'id': ids[second], 'uuid': second, 'host': 'cmp1',
         'vm_state': 'stopped', 'task_state': 'powering-on',
         'power_state': 4, 'name': 'instance-%08x' % ids[second]}]


def test_whole_records_of_a_host(cell_url):
    uuid = fixtures.add_instance(cell_url, 'cmp1')
    with engines.writer(cell_url) as session:
        session.add(main.InstanceSystemMetadata(
            instance_uuid=uuid, key='image_os_shutdown_timeout', value='5'))
    [record] = _read(cell_url, instances.on_host, 'cmp1', full=True)
    assert (record['uuid'], record['memory_mb'], record['system_metadata'],
            record['name']) == (uuid, 512, {'image_os_shutdown_timeout': '5'},
                                'instance-%08x' % record['id'])


def test_no_server_on_a_host(cell_url):
    assert _read(cell_url, instances.on_host, 'nowhere') == []
    assert _read(cell_url, instances.on_host, 'nowhere', full=True) == []


def test_deleted_among_the_guests(cell_url):
    live = fixtures.add_instance(cell_url, 'cmp1')
    deleted = fixtures.add_instance(cell_url, 'cmp1', deleted=True)
    unknown = '00000000-0000-4000-8000-00000000dead'
    assert _read(cell_url, instances.deleted_among,
                 [live, deleted, unknown]) == [deleted]
    assert _read(cell_url, instances.deleted_among, []) == []


def test_deleted_only_once_old_enough(cell_url):
    recent = fixtures.add_instance(cell_url, 'cmp1', deleted=True)
    old = fixtures.add_instance(cell_url, 'cmp1', deleted=True)
    _set(cell_url, old, deleted_at=timeutils.utcnow() -
         datetime.timedelta(seconds=120))
    assert _read(cell_url, instances.deleted_among, [recent, old],
                 older_than=60) == [old]
    assert sorted(_read(cell_url, instances.deleted_among, [recent, old])) \
        == sorted([recent, old])


def test_update_sets_and_removes_system_metadata_keys(cell_url):
    """What a compute notes (libvirt's machine type) and the 2.73 lock
    reason are system metadata; the other keys stay."""
    uuid = fixtures.add_instance(cell_url, 'cmp1')
    with engines.writer(cell_url) as session:
        session.add(main.InstanceSystemMetadata(
            instance_uuid=uuid, key='image_os_type', value='linux'))
    with engines.writer(cell_url) as session:
        record = instances.update(session, uuid, {
            'locked': True, 'locked_reason': 'audit',
            'system_metadata': {'image_hw_machine_type': 'pc'}})
    assert record['locked_reason'] == 'audit'
    assert record['system_metadata'] == {
        'image_os_type': 'linux', 'image_hw_machine_type': 'pc',
        'locked_reason': 'audit'}
    with engines.writer(cell_url) as session:
        record = instances.update(session, uuid, {'locked_reason': None})
    assert record['locked_reason'] is None
    assert 'locked_reason' not in record['system_metadata']


def test_a_compute_report_writes_without_reading_the_record_back(cell_url):
    """``reload=False`` (a compute's instance_report): the states are
    checked and written, and no record is built for a caller that has
    no use for it."""
    uuid = fixtures.add_instance(cell_url, 'cmp1')
    _set(cell_url, uuid, task_state='spawning')
    with engines.writer(cell_url) as session:
        assert instances.update(
            session, uuid, {'vm_state': 'active', 'task_state': None},
            expected_task_state=['spawning'], reload=False) is None
    with engines.reader(cell_url) as session:
        row = session.scalars(sa.select(main.Instance).where(
            main.Instance.uuid == uuid)).one()
        assert (row.vm_state, row.task_state) == ('active', None)
    with engines.writer(cell_url) as session:
        with pytest.raises(exception.UnexpectedTaskStateError):
            instances.update(session, uuid, {'task_state': None},
                             expected_task_state=['spawning'], reload=False)
