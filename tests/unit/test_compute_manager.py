"""ComputeManager's periodic resource audit, and the hosts nova-compute
runs when it simulates many."""

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
    assert _tasks(compute) == [TASK]
    assert compute._periodic_spacing[TASK] == 30


def test_zero_interval_means_the_default_periodic_spacing():
    CONF.set_override('update_resources_interval', 0)
    assert _manager()._periodic_spacing[TASK] == 60


def test_negative_interval_disables_the_audit():
    CONF.set_override('update_resources_interval', -1)
    assert _tasks(_manager()) == []


def test_each_manager_runs_only_its_own_audit():
    first, second = _manager('h1'), _manager('h2')
    assert _tasks(first) == _tasks(second) == [TASK]
    assert manager.ComputeManager._periodic_tasks == []


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
    """The conductor's server writes, for one server kept in memory: an
    update happens only when the server's states are as ``expected``,
    as the real conductor's conditional write does."""

    def __init__(self, **record):
        self.record = dict(dict(
            uuid='u1', name='instance-u1', vcpus=1, memory_mb=512,
            root_gb=1, ephemeral_gb=0, host='compute1', vm_state='active',
            task_state=None, power_state=1, system_metadata={}), **record)
        self.events, self.faults, self.writes = [], [], []

    def instance_update(self, ctxt, instance_uuid, values, expected=None,
                        event=None):
        for attr, allowed in (expected or {}).items():
            if self.record[attr] not in allowed:
                raise exception.UnexpectedTaskStateError(
                    instance_uuid=instance_uuid, expected=allowed,
                    actual=self.record[attr])
        self.record.update(values)
        self.writes.append(values)
        if event:
            self.events.append((event['event'],
                                event.get('result', 'start')))
        return dict(self.record)

    def instance_fault_create(self, ctxt, instance_uuid, message, code=500,
                              details=None, host=None):
        self.faults.append((message, host))

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
