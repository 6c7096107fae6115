"""ComputeManager's periodic tasks, power actions, lifecycle events,
power-state sync and start-up reconciliation, and the hosts
nova-compute runs when it simulates many."""

import threading
import time
import types

import pytest

from common import conf
from common import context
from common import exception
from common import service
from nova_compute import cmd
from nova_compute import manager
from nova_compute.virt import driver
from nova_compute.virt import fake

CONF = conf.CONF
TASK = 'update_available_resource'
SYNC_TASK = '_sync_power_states'
RUNNING_DELETED_TASK = '_cleanup_running_deleted_instances'


@pytest.fixture(autouse=True)
def _reset_conf():
    yield
    CONF.reset()


class RecordingReporter:
    def __init__(self):
        self.calls = []

    def compute_node_update(self, ctxt, service_id, host,
                            hypervisor_hostname, values):
        self.calls.append((service_id, host, hypervisor_hostname))
        return dict(values, id=1)

    def instance_get_all_by_host(self, ctxt, host, full=False):
        return []


def _manager(host='compute1'):
    compute = manager.ComputeManager(host, fake.FakeDriver(),
                                     RecordingReporter())
    compute.service = types.SimpleNamespace(service_ref={'id': 7})
    return compute


def _tasks(compute):
    return [name for name, _task in compute._periodic_tasks]


def test_audit_runs_at_the_configured_interval():
    CONF.set_override('update_resources_interval', 30)
    compute = _manager()
    assert TASK in _tasks(compute)
    assert compute._periodic_spacing[TASK] == 30


def test_zero_interval_means_the_default_periodic_spacing():
    CONF.set_override('update_resources_interval', 0)
    assert _manager()._periodic_spacing[TASK] == 60


def test_negative_interval_disables_the_audit():
    CONF.set_override('update_resources_interval', -1)
    assert TASK not in _tasks(_manager())


def test_each_manager_runs_only_its_own_tasks():
    first, second = _manager('h1'), _manager('h2')
    assert _tasks(first) == _tasks(second) == [
        TASK, SYNC_TASK, RUNNING_DELETED_TASK]
    assert manager.ComputeManager._periodic_tasks == []


def test_power_state_sync_runs_at_its_interval():
    CONF.set_override('sync_power_state_interval', 20)
    assert _manager()._periodic_spacing[SYNC_TASK] == 20
    CONF.set_override('sync_power_state_interval', -1)
    assert SYNC_TASK not in _tasks(_manager())


@pytest.mark.parametrize('interval, action, spacing', [
    (1800, 'reap', 1800), (30, 'log', 30), (0, 'reap', None),
    (30, 'noop', None)])
def test_running_deleted_search_spacing(interval, action, spacing):
    """Zero disables it, as the option's help says, and so does noop."""
    CONF.set_override('running_deleted_instance_poll_interval', interval)
    CONF.set_override('running_deleted_instance_action', action)
    assert _manager()._periodic_spacing.get(RUNNING_DELETED_TASK) == spacing


def test_init_host_reports_the_node_once():
    compute = _manager()
    compute.init_host()
    assert compute.rt.reporter.calls == [(7, 'compute1', 'compute1')]
    assert compute.driver.get_available_nodes() == ['compute1']


def test_the_periodic_task_reports_through_the_tracker():
    compute = _manager()
    compute.init_host()
    CONF.set_override('reserved_host_memory_mb', 1024)
    compute._periodic_last_run[TASK] = None
    compute.run_periodic_tasks(context.get_admin_context(),
                               raise_on_error=True)
    assert len(compute.rt.reporter.calls) == 2


def test_simulated_host_names():
    assert cmd.simulated_names('compute', 3) == [
        'compute-0001', 'compute-0002', 'compute-0003']
    names = cmd.simulated_names('c', 10000)
    assert (names[0], names[-1]) == ('c-00001', 'c-10000')


def _hosts_and_nodes():
    pairs = cmd.host_drivers(CONF)
    for host, drv in pairs:
        drv.init_host(host)
    return [(host, drv.get_available_nodes()[0]) for host, drv in pairs]


def test_one_fake_process_simulates_host_count_hosts():
    CONF.set_override('compute_driver', 'fake.FakeDriver')
    CONF.set_override('host', 'sim')
    CONF.set_override('host_count', 3, 'fake')
    assert _hosts_and_nodes() == [('sim-0001', 'sim-0001'),
                                  ('sim-0002', 'sim-0002'),
                                  ('sim-0003', 'sim-0003')]


def test_first_simulated_node_takes_the_configured_name():
    CONF.set_override('compute_driver', 'fake.FakeDriver')
    CONF.set_override('host', 'sim')
    CONF.set_override('host_count', 2, 'fake')
    CONF.set_override('hypervisor_hostname', 'hv', 'fake')
    assert _hosts_and_nodes() == [('sim-0001', 'hv'), ('sim-0002', 'hv-0002')]


def test_a_single_host_keeps_the_host_name():
    CONF.set_override('compute_driver', 'fake.FakeDriver')
    CONF.set_override('host', 'compute1')
    assert _hosts_and_nodes() == [('compute1', 'compute1')]


def test_no_compute_driver_is_an_error():
    with pytest.raises(driver.ComputeDriverNotSpecified):
        cmd.host_drivers(CONF)


def test_hosts_of_one_process_start_one_at_a_time(monkeypatch):
    running, most = [], []

    def start(svc):
        running.append(svc)
        most.append(len(running))
        time.sleep(0.01)
        running.remove(svc)
    monkeypatch.setattr(service.Service, 'start', start)
    starting = threading.Lock()
    services = [cmd.ComputeService('h%d' % i, fake.FakeDriver(), None,
                                   starting) for i in range(12)]
    starters = [threading.Thread(target=s.start) for s in services]
    for thread in starters:
        thread.start()
    for thread in starters:
        thread.join()
    assert most == [1] * 12


def test_the_manager_knows_its_service():
    svc = cmd.ComputeService('h1', fake.FakeDriver(), None,
                             threading.Lock())
    assert svc.manager.service is svc
    assert (svc.binary, svc.topic, svc.host) == ('nova-compute', 'compute',
                                                 'h1')


# --- power actions and lifecycle events -----------------------------------

class StateConductor:
    """The conductor's reads and writes of servers, kept in memory: an
    update happens only when the server's states are as ``expected``,
    as the real conductor's conditional write does.  ``record`` is the
    first server, 'u1'; ``add`` adds others."""

    def __init__(self, **record):
        self.records, self.deleted = {}, set()
        self.events, self.faults, self.writes, self.actions = [], [], [], []
        self.add(**record)

    def add(self, **record):
        record = dict(dict(
            uuid='u1', name='instance-u1', vcpus=1, memory_mb=512,
            root_gb=1, ephemeral_gb=0, host='compute1', vm_state='active',
            task_state=None, power_state=1, system_metadata={}), **record)
        self.records[record['uuid']] = record
        return record

    @property
    def record(self):
        return self.records['u1']

    def _live(self, instance_uuid):
        try:
            return self.records[instance_uuid]
        except KeyError:
            raise exception.InstanceNotFound(instance_id=instance_uuid)

    def instance_get_all_by_host(self, ctxt, host, full=False):
        return [dict(r) for r in self.records.values() if r['host'] == host]

    def instances_deleted(self, ctxt, instance_uuids, older_than=0):
        return [u for u in instance_uuids if u in self.deleted]

    def instance_update(self, ctxt, instance_uuid, values, expected=None,
                        event=None, action=None):
        record = self._live(instance_uuid)
        for attr, allowed in (expected or {}).items():
            if record[attr] not in allowed:
                raise exception.UnexpectedTaskStateError(
                    instance_uuid=instance_uuid, expected=allowed,
                    actual=record[attr])
        record.update(values)
        self.writes.append(values)
        if action:
            self.actions.append(action)
        if event:
            self.events.append((event['event'],
                                event.get('result', 'start')))
        return dict(record)

    def instance_destroy(self, ctxt, instance_uuid, event=None):
        del self.records[self._live(instance_uuid)['uuid']]
        self.deleted.add(instance_uuid)
        self.events.append((event['event'], 'Success'))

    def instance_fault_create(self, ctxt, instance_uuid, message, code=500,
                              details=None, host=None):
        self.faults.append((message, host))

    def action_event_start(self, ctxt, instance_uuid, event, host):
        self.events.append((event, 'start'))

    def action_event_finish(self, ctxt, instance_uuid, event, result,
                            exc_tb=None):
        self.events.append((event, result))


def _compute_with(task_state, power_state=None, **record):
    """A manager whose conductor holds a server the API has given
    ``task_state``, its guest spawned on the fake driver."""
    conductor = StateConductor(task_state=task_state, **record)
    compute = manager.ComputeManager('compute1', fake.FakeDriver(),
                                     conductor)
    compute.driver.init_host('compute1')
    guest = types.SimpleNamespace(**conductor.record)
    compute.driver.spawn(None, guest, {}, [], None, {})
    if power_state is not None:
        compute.driver._guest(guest).state = power_state
    return compute, conductor, guest


def _settled(conductor):
    return tuple(conductor.record[k] for k in ('vm_state', 'task_state',
                                               'power_state'))


@pytest.mark.parametrize('method, task_state, power_state, settled', [
    ('stop_instance', 'powering-off', None, ('stopped', None, 4)),
    ('start_instance', 'powering-on', 4, ('active', None, 1)),
    ('pause_instance', 'pausing', None, ('paused', None, 3)),
    ('unpause_instance', 'unpausing', 3, ('active', None, 1)),
    ('suspend_instance', 'suspending', None, ('suspended', None, 7)),
    ('resume_instance', 'resuming', 7, ('active', None, 1)),
])
def test_power_action_settles_the_server(method, task_state, power_state,
                                         settled):
    compute, conductor, _guest = _compute_with(task_state, power_state)
    getattr(compute, method)(context.get_admin_context(), conductor.record)
    assert _settled(conductor) == settled
    event = 'compute_' + method
    assert conductor.events == [(event, 'start'), (event, 'Success')]


def test_reboot_goes_through_started_and_ends_active():
    compute, conductor, _guest = _compute_with('rebooting_hard', 4,
                                               vm_state='stopped')
    compute.reboot_instance(context.get_admin_context(), conductor.record,
                            'HARD')
    assert conductor.writes[0] == {'task_state': 'reboot_started_hard'}
    assert _settled(conductor) == ('active', None, 1)


def test_stop_gives_the_guest_the_configured_shutdown_time(monkeypatch):
    CONF.set_override('shutdown_timeout', 42)
    CONF.set_override('shutdown_retry_interval', 3, 'compute')
    compute, conductor, _guest = _compute_with('powering-off')
    calls = []
    monkeypatch.setattr(compute.driver, 'power_off',
                        lambda guest, timeout, retry: calls.append(
                            (guest.uuid, timeout, retry)))
    compute.stop_instance(context.get_admin_context(), conductor.record)
    assert calls == [('u1', 42, 3)]
    conductor.record.update(task_state='powering-off', system_metadata={
        'image_os_shutdown_timeout': '5'})
    compute.stop_instance(context.get_admin_context(), conductor.record)
    assert calls[1] == ('u1', 5, 3)


def test_failed_action_reverts_the_task_and_records_a_fault(monkeypatch):
    compute, conductor, _guest = _compute_with('pausing')

    def broken(guest):
        raise RuntimeError('hypervisor says no')
    monkeypatch.setattr(compute.driver, 'pause', broken)
    compute.pause_instance(context.get_admin_context(), conductor.record)
    assert _settled(conductor) == ('active', None, 1)
    assert conductor.faults == [('hypervisor says no', 'compute1')]
    assert conductor.events[-1] == ('compute_pause_instance', 'Error')


def test_failed_reboot_leaving_the_guest_off_is_an_error(monkeypatch):
    compute, conductor, guest = _compute_with('rebooting')

    def broken(ctxt, instance, network_info, reboot_type):
        compute.driver.power_off(instance)
        raise RuntimeError('stuck')
    monkeypatch.setattr(compute.driver, 'reboot', broken)
    compute.reboot_instance(context.get_admin_context(), conductor.record,
                            'SOFT')
    assert _settled(conductor) == ('error', None, 4)


def test_action_whose_task_was_replaced_is_abandoned(monkeypatch):
    """A delete came first: the driver is not touched."""
    compute, conductor, _guest = _compute_with('deleting')
    monkeypatch.setattr(compute.driver, 'power_off', None)
    compute.stop_instance(context.get_admin_context(), conductor.record)
    assert _settled(conductor) == ('active', 'deleting', 1)
    assert conductor.events == []


def test_console_output_tail():
    compute, conductor, _guest = _compute_with(None)
    ctxt = context.get_admin_context()
    whole = compute.get_console_output(ctxt, conductor.record)
    assert whole.startswith('fake console of u1\n')
    assert compute.get_console_output(ctxt, conductor.record, -1) == whole
    assert compute.get_console_output(ctxt, conductor.record, 0) == ''
    # As Nova counts them, the empty text after the last newline is a line.
    assert compute.get_console_output(ctxt, conductor.record, 2) == (
        'instance-u1 login:\n')


def test_the_driver_reports_through_the_managers_virtapi():
    compute, _conductor, _guest = _compute_with(None)
    assert compute.driver.virtapi is compute.virtapi


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


def test_cleanup_host_lets_the_driver_go(monkeypatch):
    compute, _conductor, _guest = _compute_with(None)
    hosts = []
    monkeypatch.setattr(compute.driver, 'cleanup_host', hosts.append)
    compute.cleanup_host()
    assert hosts == ['compute1']


# --- power-state sync -------------------------------------------------------

def _host_with(*servers):
    """A manager on 'compute1' and a conductor holding ``servers``:
    (record values, guest power state or None for no guest)."""
    conductor = StateConductor(**servers[0][0])
    compute = manager.ComputeManager('compute1', fake.FakeDriver(),
                                     conductor)
    compute.driver.init_host('compute1')
    for values, power_state in servers:
        record = conductor.add(**values)
        if power_state is not None:
            guest = types.SimpleNamespace(**record)
            compute.driver.spawn(None, guest, {}, [], None, {})
            compute.driver._guest(guest).state = power_state
    return compute, conductor


def _guest_state(compute, uuid='u1'):
    return compute._power_state(types.SimpleNamespace(uuid=uuid))


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
    with manager._locked('u1'):
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
    with manager._locked('u1'):
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




class PinningDriver(fake.FakeDriver):
    """Notes a machine type in the guest's system metadata, as the
    libvirt driver does when it spawns."""

    def spawn(self, context, instance, *args, **kwargs):
        super().spawn(context, instance, *args, **kwargs)
        instance.system_metadata['image_hw_machine_type'] = 'pc-i440fx-7.2'


def test_spawn_keeps_what_the_driver_noted_in_system_metadata():
    conductor = StateConductor(vm_state='building', task_state='scheduling',
                               power_state=0,
                               system_metadata={'image_os_type': 'linux'})
    compute = manager.ComputeManager('compute1', PinningDriver(), conductor)
    compute.driver.init_host('compute1')
    compute.build_and_run_instance(context.get_admin_context(),
                                   dict(conductor.record), {}, None, [], [],
                                   1)
    assert conductor.record['vm_state'] == 'active'
    # Only the noted key travels; the record the compute was given is
    # not changed behind the conductor's back.
    assert conductor.writes[-1]['system_metadata'] == {
        'image_hw_machine_type': 'pc-i440fx-7.2'}
