"""ComputeManager's periodic tasks, builds and power actions, and the
hosts nova-compute runs when it simulates many (its power-state sync:
test_compute_power_sync.py)."""

import threading
import time
import types

import pytest

from common import conf
from common import context
from common import service
from nova_compute import cmd
from nova_compute import manager
from nova_compute.virt import driver
from nova_compute.virt import fake
from tests.unit.compute_fakes import StateConductor
from tests.unit.compute_fakes import compute_with as _compute_with
from tests.unit.compute_fakes import settled as _settled

CONF = conf.CONF
TASK = 'update_available_resource'
SYNC_TASK = '_sync_power_states'
RUNNING_DELETED_TASK = '_cleanup_running_deleted_instances'
IMAGE_CACHE_TASK = '_run_image_cache_manager_pass'


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
        TASK, SYNC_TASK, IMAGE_CACHE_TASK, RUNNING_DELETED_TASK]
    assert manager.ComputeManager._periodic_tasks == []


def test_power_state_sync_runs_at_its_interval():
    CONF.set_override('sync_power_state_interval', 20)
    assert _manager()._periodic_spacing[SYNC_TASK] == 20
    CONF.set_override('sync_power_state_interval', -1)
    assert SYNC_TASK not in _tasks(_manager())


def test_image_cache_pass_runs_at_its_interval():
    CONF.set_override('manager_interval', 600, group='image_cache')
    assert _manager()._periodic_spacing[IMAGE_CACHE_TASK] == 600
    CONF.set_override('manager_interval', -1, group='image_cache')
    assert IMAGE_CACHE_TASK not in _tasks(_manager())


def test_image_cache_pass_gives_the_driver_this_hosts_servers(monkeypatch):
    conductor = StateConductor(image_ref='img-1')
    conductor.add(uuid='u2', image_ref='img-2')
    conductor.add(uuid='u3', image_ref='img-3', host='compute2')
    compute = manager.ComputeManager('compute1', fake.FakeDriver(),
                                     conductor)
    passes = []
    monkeypatch.setattr(compute.driver, 'manage_image_cache',
                        lambda ctxt, instances: passes.append(
                            sorted(i.image_ref for i in instances)))
    compute._run_image_cache_manager_pass(context.get_admin_context())
    assert passes == [['img-1', 'img-2']]


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


def test_cleanup_host_lets_the_driver_go(monkeypatch):
    compute, _conductor, _guest = _compute_with(None)
    hosts = []
    monkeypatch.setattr(compute.driver, 'cleanup_host', hosts.append)
    compute.cleanup_host()
    assert hosts == ['compute1']


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
