"""What the resource tracker reports to the conductor, and when."""

import datetime
import types

import oslo_messaging as messaging
from oslo_utils import timeutils
import pytest

from common import conf
from common import context
from nova_compute import resource_tracker
from nova_compute.virt import fake

CONF = conf.CONF


@pytest.fixture(autouse=True)
def _reset_conf():
    yield
    CONF.reset()


class RecordingReporter:
    """The conductor's compute_node_update, remembered instead of sent."""

    def __init__(self):
        self.calls = []
        self.error = None

    def compute_node_update(self, ctxt, service_id, host,
                            hypervisor_hostname, values):
        if self.error:
            raise self.error
        self.calls.append((service_id, host, hypervisor_hostname, values))
        return dict(values, id=len(self.calls), host=host,
                    hypervisor_hostname=hypervisor_hostname)


def _tracker():
    drv = fake.FakeDriver()
    drv.init_host('compute1')
    return resource_tracker.ResourceTracker('compute1', drv,
                                            RecordingReporter())


def _update(rt):
    rt.update_available_resource(context.get_admin_context(), 42)
    return rt.reporter.calls


def test_reserved_amounts_count_as_used():
    CONF.set_override('reserved_host_memory_mb', 1024)
    CONF.set_override('reserved_host_disk_mb', 10 * 1024)
    CONF.set_override('reserved_host_cpus', 2)
    CONF.set_override('my_ip', '192.0.2.10')
    [(service_id, host, node, values)] = _update(_tracker())
    assert (service_id, host, node) == (42, 'compute1', 'compute1')
    assert values['vcpus_used'] == 2
    assert values['memory_mb_used'] == 1024
    assert values['local_gb_used'] == 10
    assert values['host_ip'] == '192.0.2.10'
    assert values['current_workload'] == 0
    # Free amounts, server counts and stats are the conductor's.
    assert not {'free_ram_mb', 'free_disk_gb', 'running_vms',
                'stats'} & set(values)
    assert values['supported_instances'] == '[["x86_64", "fake", "hvm"]]'


def test_guests_are_not_counted_by_the_tracker():
    """The conductor adds the servers claimed on the node: a guest the
    hypervisor runs must not be counted twice."""
    rt = _tracker()
    rt.driver.spawn(None, types.SimpleNamespace(
        uuid='u1', name='instance-1', vcpus=4, memory_mb=4096, root_gb=40,
        ephemeral_gb=0), {}, [], None, {})
    [(_, _, _, values)] = _update(rt)
    assert values['vcpus_used'] == 0
    assert values['memory_mb_used'] == 512


def test_initial_ratios_when_the_ratios_are_unset():
    CONF.set_override('initial_cpu_allocation_ratio', 4.0)
    [(_, _, _, values)] = _update(_tracker())
    assert (values['cpu_allocation_ratio'], values['ram_allocation_ratio'],
            values['disk_allocation_ratio']) == (4.0, 1.5, 1.0)


def test_configured_ratios_win_and_zero_means_unset():
    CONF.set_override('cpu_allocation_ratio', 2.0)
    CONF.set_override('ram_allocation_ratio', 1.0)
    CONF.set_override('disk_allocation_ratio', 0.0)
    [(_, _, _, values)] = _update(_tracker())
    assert (values['cpu_allocation_ratio'], values['ram_allocation_ratio'],
            values['disk_allocation_ratio']) == (2.0, 1.0, 1.0)


def test_keeps_the_nodes_the_conductor_returned():
    rt = _tracker()
    _update(rt)
    assert rt.compute_nodes['compute1']['id'] == 1


def test_no_resend_when_nothing_changed():
    rt = _tracker()
    _update(rt)
    _update(rt)
    assert len(rt.reporter.calls) == 1


def test_resend_when_something_changed():
    rt = _tracker()
    _update(rt)
    CONF.set_override('reserved_host_memory_mb', 2048)
    calls = _update(rt)
    assert len(calls) == 2
    assert calls[1][3]['memory_mb_used'] == 2048


def test_resend_unchanged_values_after_ten_intervals(monkeypatch):
    CONF.set_override('update_resources_interval', 30)
    now = [datetime.datetime(2025, 1, 1)]
    monkeypatch.setattr(timeutils, 'utcnow', lambda: now[0])
    rt = _tracker()
    _update(rt)
    now[0] += datetime.timedelta(seconds=299)
    _update(rt)
    assert len(rt.reporter.calls) == 1
    now[0] += datetime.timedelta(seconds=2)
    _update(rt)
    assert len(rt.reporter.calls) == 2


@pytest.mark.parametrize('error', [
    messaging.MessagingTimeout('no reply'),
    messaging.RemoteError('OperationalError', 'Deadlock found', 'trace'),
    RuntimeError('bug'),
])
def test_a_failed_report_is_retried_next_time(error):
    rt = _tracker()
    rt.reporter.error = error
    _update(rt)
    assert rt.compute_nodes == {}
    rt.reporter.error = None
    assert len(_update(rt)) == 1


def test_conductor_trouble_is_one_line(caplog):
    rt = _tracker()
    rt.reporter.error = messaging.RemoteError(
        'OperationalError', 'Deadlock found', 'a long remote traceback')
    _update(rt)
    [record] = caplog.records
    assert record.getMessage() == (
        'Could not report node compute1 to nova-conductor '
        '(OperationalError); retrying at the next audit')
    assert record.exc_info is None
