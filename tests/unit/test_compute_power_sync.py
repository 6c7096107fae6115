"""nova-compute's power-state sync, start-up reconciliation, guests of
deleted servers and lifecycle events (nova_compute/power_sync.py), on
the fake driver and an in-memory conductor."""

import threading
import time
import types

import oslo_messaging as messaging
import pytest
import sqlalchemy as sa

from common import conf
from common import context
from common.db import engines
from common.db import main_models as main
from nova_compute import manager
from nova_compute import utils
from nova_compute.virt import fake
from nova_conductor import manager as conductor_manager
from nova_conductor.db import services
from tests.unit.compute_fakes import compute_with as _compute_with
from tests.unit.compute_fakes import guest_state as _guest_state
from tests.unit.compute_fakes import host_with as _host_with
from tests.unit.compute_fakes import settled as _settled

CONF = conf.CONF


@pytest.fixture(autouse=True)
def _reset_conf():
    yield
    CONF.reset()


# --- lifecycle events -------------------------------------------------------

def test_guest_that_stopped_by_itself_is_stopped():
    compute, conductor, _guest = _compute_with(None, power_state=4)
    compute.virtapi.handle_lifecycle_event('u1', 'stopped')
    assert _settled(conductor) == ('stopped', None, 4)
    assert conductor.actions == ['stop']


def test_guest_stopping_during_a_task_is_left_to_the_task():
    compute, conductor, _guest = _compute_with('powering-off',
                                               power_state=4)
    compute.virtapi.handle_lifecycle_event('u1', 'stopped')
    assert _settled(conductor) == ('active', 'powering-off', 1)


def test_stale_event_is_ignored():
    """A soft reboot's 'stopped' arriving once the guest runs again."""
    compute, conductor, _guest = _compute_with(None)
    compute.virtapi.handle_lifecycle_event('u1', 'stopped')
    assert _settled(conductor) == ('active', None, 1)
    assert conductor.writes == []


def test_event_of_a_stopped_server_records_the_power_state_only():
    compute, conductor, _guest = _compute_with(None, power_state=3,
                                               vm_state='stopped')
    compute.virtapi.handle_lifecycle_event('u1', 'suspended')
    assert _settled(conductor) == ('stopped', None, 3)


def test_event_of_an_unknown_guest_is_dropped():
    compute, conductor, _guest = _compute_with(None)
    compute.virtapi.handle_lifecycle_event('other', 'stopped')
    assert conductor.writes == []



# --- the hypervisor's connection --------------------------------------------
# The compute on a real conductor (SQLite cell database), called as the
# rpcapi would call it.

LOST = 'Connection to libvirt lost: end of file'


@pytest.fixture
def conductor(deployment, cell_db):
    CONF.set_override('connection', deployment.api_url,
                      group='api_database')
    CONF.set_override('connection', cell_db, group='database')
    return conductor_manager.ConductorManager()


def _registered(conductor, driver=None):
    """A compute on 'compute1' whose service the conductor registered."""
    compute = manager.ComputeManager('compute1', driver or fake.FakeDriver(),
                                     conductor)
    compute.service = types.SimpleNamespace(
        service_ref=conductor.service_register(
            context.get_admin_context(), 'compute1', 'nova-compute',
            'compute'))
    return compute


def _service_status(conductor, compute):
    with engines.reader(conductor.cell_url) as session:
        return tuple(session.execute(sa.select(
            main.Service.disabled, main.Service.disabled_reason).where(
                main.Service.id == compute.service.service_ref['id'])).one())


def _messages(caplog, level):
    """What the compute logged at ``level``."""
    return [r.getMessage() for r in caplog.records
            if r.name == 'nova_compute.power_sync' and r.levelname == level]


def test_lost_connection_disables_the_service(conductor, caplog):
    compute = _registered(conductor)
    compute.virtapi.handle_connection_event(False, LOST)
    assert _service_status(conductor, compute) == (True, 'AUTO: ' + LOST)
    assert _messages(caplog, 'ERROR') == [
        'Connection to the hypervisor of compute1 is broken: ' + LOST]
    assert _messages(caplog, 'WARNING') == [
        'Compute service of compute1 is disabled: AUTO: ' + LOST]


def test_connection_back_enables_the_service(conductor, caplog):
    compute = _registered(conductor)
    compute.virtapi.handle_connection_event(False, LOST)
    caplog.set_level('INFO')
    compute.virtapi.handle_connection_event(True, None)
    assert _service_status(conductor, compute) == (False, None)
    assert _messages(caplog, 'INFO') == [
        'Connection to the hypervisor of compute1 is back',
        'Compute service of compute1 is enabled']


def test_operator_disable_is_kept(conductor, caplog):
    compute = _registered(conductor)
    with engines.writer(conductor.cell_url) as session:
        services.update(session, compute.service.service_ref['id'],
                        {'disabled': True, 'disabled_reason': 'maintenance'})
    compute.virtapi.handle_connection_event(False, LOST)
    compute.virtapi.handle_connection_event(True, None)
    assert _service_status(conductor, compute) == (True, 'maintenance')
    assert _messages(caplog, 'WARNING') == [
        'Compute service of compute1 is disabled: maintenance'] * 2


class UnreachableConductor:
    def service_set_host_enabled(self, ctxt, service_id, enabled,
                                 reason=None):
        raise messaging.MessagingTimeout('No reply on topic conductor')


def test_unreachable_conductor_is_a_warning(caplog):
    """The driver's event thread goes on; the service stays as it was."""
    compute = manager.ComputeManager('compute1', fake.FakeDriver(),
                                     UnreachableConductor())
    compute.service = types.SimpleNamespace(service_ref={'id': 7})
    compute.virtapi.handle_connection_event(False, LOST)
    [warning] = [r for r in caplog.records if r.levelname == 'WARNING']
    assert warning.getMessage() == (
        'Compute service of compute1 could not be disabled: '
        'No reply on topic conductor')
    assert warning.exc_info is None


def test_event_before_registration_changes_nothing(caplog):
    compute, conductor, _guest = _compute_with(None)
    compute.virtapi.handle_connection_event(True, None)
    assert _messages(caplog, 'WARNING') == [
        'Compute service of compute1 is not registered yet: its status '
        'is left as it is']


def test_libvirt_outage_takes_the_service_out_and_back(conductor,
                                                       tmp_path):
    """Through the libvirt driver on its test:///default: its start-up
    connection enables a service an earlier outage left disabled, a
    closed connection disables it, and the next connection enables it
    again."""
    libvirt = pytest.importorskip('libvirt')
    from nova_compute.virt.libvirt import driver as libvirt_driver
    CONF.set_override('connection_uri', 'test:///default', 'libvirt')
    CONF.set_override('instances_path', str(tmp_path / 'instances'))
    compute = _registered(conductor, libvirt_driver.LibvirtDriver(None))
    with engines.writer(conductor.cell_url) as session:
        services.set_host_enabled(session,
                                  compute.service.service_ref['id'], False,
                                  'Failed to connect to libvirt: earlier')
    compute.init_host()
    try:
        _wait_for_status(conductor, compute, (False, None))
        host = compute.driver._host
        host._on_close(host.get_connection(),
                       libvirt.VIR_CONNECT_CLOSE_REASON_EOF, host._conn_id)
        _wait_for_status(conductor, compute, (True, 'AUTO: ' + LOST))
        host.get_connection()
        _wait_for_status(conductor, compute, (False, None))
    finally:
        compute.cleanup_host()


def _wait_for_status(conductor, compute, status, timeout=5):
    deadline = time.monotonic() + timeout
    while _service_status(conductor, compute) != status:
        assert time.monotonic() < deadline, _service_status(conductor,
                                                            compute)
        time.sleep(0.05)


# --- power-state sync -------------------------------------------------------

def _sync(compute):
    compute._sync_power_states(context.get_admin_context())


@pytest.mark.parametrize('vm_state, db_power, guest, settled, actions', [
    # Nova's _sync_instance_power_state, one row per rule.
    ('active', 1, 4, ('stopped', None, 4), ['stop']),
    ('active', 1, 6, ('stopped', None, 6), ['stop']),
    ('paused', 3, 4, ('stopped', None, 4), ['stop']),
    ('active', 1, 7, ('stopped', None, 4), ['stop']),
    ('stopped', 4, 1, ('stopped', None, 4), ['stop']),
    ('stopped', 4, 3, ('stopped', None, 4), ['stop']),
    ('active', 1, 3, ('active', None, 3), []),
    ('active', 1, None, ('active', None, 0), []),
    ('stopped', 1, 4, ('stopped', None, 4), []),
    ('stopped', 4, None, ('stopped', None, 0), []),
    ('paused', 3, 1, ('paused', None, 1), []),
    ('suspended', 7, 4, ('suspended', None, 4), []),
    ('error', 1, 4, ('error', None, 4), []),
])
def test_sync_settles_the_server_as_nova_does(vm_state, db_power, guest,
                                              settled, actions):
    compute, conductor = _host_with(({'vm_state': vm_state,
                                      'power_state': db_power}, guest))
    _sync(compute)
    assert _settled(conductor) == settled
    assert conductor.actions == actions
    if guest is not None:
        assert _guest_state(compute) == settled[2]


def test_sync_stopping_a_running_guest_runs_the_stop():
    """The stop API's path: task powering-off, then the compute's stop
    with its instance action event."""
    compute, conductor = _host_with(({'vm_state': 'stopped',
                                      'power_state': 4}, 1))
    _sync(compute)
    assert conductor.writes[0] == {'task_state': 'powering-off'}
    assert conductor.events == [('compute_stop_instance', 'start'),
                                ('compute_stop_instance', 'Success')]


def test_sync_writes_nothing_when_all_agree():
    compute, conductor = _host_with(({}, 1), ({'uuid': 'u2',
                                                'vm_state': 'stopped',
                                                'power_state': 4}, 4))
    _sync(compute)
    assert conductor.writes == []


def test_sync_leaves_a_server_with_a_task_to_the_task():
    compute, conductor = _host_with(({'task_state': 'powering-on',
                                      'vm_state': 'stopped',
                                      'power_state': 4}, 1))
    _sync(compute)
    assert conductor.writes == []
    assert _guest_state(compute) == 1


def test_sync_syncs_every_server_of_the_host_only():
    compute, conductor = _host_with(
        ({}, 4), ({'uuid': 'u2'}, 4),
        ({'uuid': 'u3', 'host': 'compute2'}, 4))
    _sync(compute)
    assert [r['vm_state'] for r in conductor.records.values()] == [
        'stopped', 'stopped', 'active']


def test_an_api_action_racing_the_sync_wins(monkeypatch):
    """The sync read the server stopped with no task; the API has set
    powering-on since: the sync's conditional writes fail and the
    guest is not powered off."""
    compute, conductor = _host_with(({'vm_state': 'stopped',
                                      'power_state': 4}, 1))
    stale = conductor.instance_get_all_by_host(None, 'compute1')
    conductor.record['task_state'] = 'powering-on'
    monkeypatch.setattr(conductor, 'instance_get_all_by_host',
                        lambda ctxt, host: stale)
    _sync(compute)
    assert conductor.writes == []
    assert _guest_state(compute) == 1


def test_sync_waits_for_the_servers_lock():
    """An action running on the server finishes before it is synced."""
    compute, conductor = _host_with(({}, 4))
    syncing = threading.Thread(target=_sync, args=(compute,))
    with utils.locked('u1'):
        syncing.start()
        syncing.join(0.2)
        assert syncing.is_alive() and conductor.writes == []
    syncing.join(5)
    assert _settled(conductor) == ('stopped', None, 4)


@pytest.mark.parametrize('pool_size, u2_waits', [(2, False), (1, True)])
def test_sync_compares_pool_size_servers_at_once(pool_size, u2_waits):
    """With room for two, a server busy with an action does not hold up
    the next one."""
    CONF.set_override('sync_power_state_pool_size', pool_size)
    compute, conductor = _host_with(({}, 4), ({'uuid': 'u2'}, 4))
    syncing = threading.Thread(target=_sync, args=(compute,))
    with utils.locked('u1'):
        syncing.start()
        syncing.join(0.3)
        u2 = conductor.records['u2']['vm_state']
    syncing.join(5)
    assert u2 == ('active' if u2_waits else 'stopped')
    assert conductor.record['vm_state'] == 'stopped'


def test_sync_of_one_server_failing_does_not_stop_the_others(monkeypatch):
    compute, conductor = _host_with(({}, 4), ({'uuid': 'u2'}, 4))
    real = compute._power_state

    def broken(guest):
        if guest.uuid == 'u1':
            raise RuntimeError('hypervisor hiccup')
        return real(guest)
    monkeypatch.setattr(compute, '_power_state', broken)
    _sync(compute)
    assert conductor.records['u2']['vm_state'] == 'stopped'
    assert conductor.record['vm_state'] == 'active'


# --- start-up ----------------------------------------------------------------

def _init(compute):
    compute.service = types.SimpleNamespace(service_ref={'id': 7})
    compute.conductor.compute_node_update = (
        lambda ctxt, service_id, host, node, values: dict(values, id=1))
    compute.init_host()


def test_start_up_finishes_an_interrupted_delete():
    compute, conductor = _host_with(({'task_state': 'deleting'}, 1))
    _init(compute)
    assert conductor.records == {} and conductor.deleted == {'u1'}
    assert compute.driver.list_instance_uuids() == []


@pytest.mark.parametrize('task_state, guest, settled, driver_calls', [
    # Done before the compute died: only the states are settled.
    ('powering-off', 4, ('stopped', None, 4), []),
    ('pausing', 3, ('paused', None, 3), []),
    ('reboot_started', 1, ('active', None, 1), []),
    ('reboot_started_hard', 1, ('active', None, 1), []),
    # Not done: run again (a reboot that had begun, HARD).
    ('powering-off', 1, ('stopped', None, 4), ['power_off']),
    ('powering-on', 4, ('active', None, 1), ['power_on']),
    ('pausing', 1, ('paused', None, 3), ['pause']),
    ('unpausing', 3, ('active', None, 1), ['unpause']),
    ('suspending', 1, ('suspended', None, 7), ['suspend']),
    ('resuming', 7, ('active', None, 1), ['resume']),
    ('rebooting', 1, ('active', None, 1), ['reboot SOFT']),
    ('rebooting_hard', 1, ('active', None, 1), ['reboot HARD']),
    ('reboot_started', 4, ('active', None, 1), ['reboot HARD']),
])
def test_start_up_settles_an_interrupted_power_action(
        monkeypatch, task_state, guest, settled, driver_calls):
    compute, conductor = _host_with(({'task_state': task_state}, guest))
    calls = []
    for name in ('power_off', 'power_on', 'pause', 'unpause', 'suspend',
                 'resume', 'reboot'):
        real = getattr(compute.driver, name)

        def recording(*args, _name=name, _real=real):
            calls.append(_name if _name != 'reboot' else
                         'reboot %s' % args[3])
            return _real(*args)
        monkeypatch.setattr(compute.driver, name, recording)
    _init(compute)
    assert _settled(conductor) == settled
    assert calls == driver_calls


@pytest.mark.parametrize('task_state, vm_state, settled', [
    ('image_snapshot_pending', 'active', ('active', None, 1)),
    ('image_uploading', 'stopped', ('stopped', None, 1)),
    ('rebuilding', 'active', ('error', None, 1)),
    ('rebuild_spawning', 'stopped', ('error', None, 1)),
])
def test_start_up_abandons_an_interrupted_snapshot_or_rebuild(
        task_state, vm_state, settled):
    compute, conductor = _host_with(({'task_state': task_state,
                                      'vm_state': vm_state}, 1))
    _init(compute)
    assert _settled(conductor) == settled


def test_start_up_retry_that_fails_clears_the_task_with_a_fault():
    """The fake driver's guests vanish with nova-compute."""
    compute, conductor = _host_with(({'task_state': 'powering-on',
                                      'vm_state': 'stopped',
                                      'power_state': 4}, None))
    _init(compute)
    assert _settled(conductor) == ('stopped', None, 0)
    assert len(conductor.faults) == 1


@pytest.mark.parametrize('resume, power_state, writes', [
    (True, 1, [{'power_state': 1}]), (False, 4, [])])
def test_start_up_resumes_guests_that_were_running(resume, power_state,
                                                   writes):
    """Only an active server recorded running; a stopped one stays off."""
    CONF.set_override('resume_guests_state_on_host_boot', resume)
    compute, conductor = _host_with(({}, 4), ({'uuid': 'u2',
                                                'vm_state': 'stopped',
                                                'power_state': 4}, 4))
    _init(compute)
    assert _guest_state(compute) == power_state
    assert conductor.writes == writes
    assert _guest_state(compute, 'u2') == 4


def test_start_up_puts_a_guest_that_cannot_be_resumed_in_error():
    CONF.set_override('resume_guests_state_on_host_boot', True)
    compute, conductor = _host_with(({}, None))
    _init(compute)
    assert _settled(conductor) == ('error', None, 1)
    assert len(conductor.faults) == 1


def test_start_up_goes_on_after_a_server_that_fails(monkeypatch):
    compute, conductor = _host_with(({'task_state': 'deleting'}, 1),
                                    ({'uuid': 'u2',
                                      'task_state': 'deleting'}, 1))
    real = compute.terminate_instance

    def broken(ctxt, record):
        if record['uuid'] == 'u1':
            raise RuntimeError('conductor hiccup')
        real(ctxt, record)
    monkeypatch.setattr(compute, 'terminate_instance', broken)
    _init(compute)
    assert list(conductor.records) == ['u1']


# --- guests of deleted servers -----------------------------------------------

@pytest.mark.parametrize('action, left', [
    ('reap', {'u1': 1}), ('shutdown', {'u1': 1, 'gone': 4}),
    ('log', {'u1': 1, 'gone': 1}), ('noop', {'u1': 1, 'gone': 1})])
def test_guest_of_a_deleted_server(action, left):
    """'gone' is deleted in the database, 'stranger' unknown to it: only
    the first is acted on, at start-up and by the periodic task."""
    CONF.set_override('running_deleted_instance_action', action)
    compute, conductor = _host_with(({}, 1), ({'uuid': 'gone'}, 1),
                                    ({'uuid': 'stranger'}, 1))
    for uuid in ('gone', 'stranger'):
        del conductor.records[uuid]
    conductor.deleted.add('gone')
    _init(compute)
    guests = {u: _guest_state(compute, u)
              for u in compute.driver.list_instance_uuids()}
    assert guests == dict(left, stranger=1)
    compute._cleanup_running_deleted_instances(context.get_admin_context())
    assert {u: _guest_state(compute, u)
            for u in compute.driver.list_instance_uuids()} == guests


def test_running_deleted_timeout_is_passed_to_the_conductor(monkeypatch):
    CONF.set_override('running_deleted_instance_timeout', 90)
    compute, conductor = _host_with(({}, 1))
    asked = []
    monkeypatch.setattr(conductor, 'instances_deleted',
                        lambda ctxt, uuids, older_than: asked.append(
                            (uuids, older_than)) or [])
    compute._cleanup_running_deleted_instances(context.get_admin_context())
    assert asked == [(['u1'], 90)]
