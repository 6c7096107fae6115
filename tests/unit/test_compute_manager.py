"""ComputeManager's periodic resource audit, and the hosts nova-compute
runs when it simulates many."""

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
