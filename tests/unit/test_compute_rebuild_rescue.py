"""ComputeManager's rebuild, rescue/unrescue and diagnostics on the fake
driver, with an in-memory conductor; the fake driver's side of them."""

import oslo_messaging as messaging
import pytest

from common import context
from common import exception
from nova_compute.virt import fake
from tests.unit import compute_fakes

IMAGE = {'id': 'image-2', 'properties': {}}


def _rebuild(compute, conductor):
    compute.rebuild_instance(context.get_admin_context(), conductor.record,
                             IMAGE, 'pw')


def test_rebuild_goes_through_nova_task_states_and_ends_active():
    compute, conductor, _guest = compute_fakes.compute_with('rebuilding')
    _rebuild(compute, conductor)
    assert [w.get('task_state') for w in conductor.writes] == [
        'rebuild_block_device_mapping', 'rebuild_spawning', None]
    assert compute_fakes.settled(conductor) == ('active', None, 1)
    assert conductor.events == [('compute_rebuild_instance', 'start'),
                                ('compute_rebuild_instance', 'Success')]


def test_rebuild_of_a_stopped_server_leaves_it_stopped():
    compute, conductor, _guest = compute_fakes.compute_with(
        'rebuilding', 4, vm_state='stopped')
    _rebuild(compute, conductor)
    assert compute_fakes.settled(conductor) == ('stopped', None, 4)
    assert compute_fakes.guest_state(compute) == 4


def test_failed_rebuild_is_an_error_with_a_fault():
    compute, conductor, _guest = compute_fakes.compute_with(
        'rebuilding', metadata={fake.REBUILD_ERROR_KEY: 'no disk'})
    _rebuild(compute, conductor)
    assert compute_fakes.settled(conductor)[:2] == ('error', None)
    assert conductor.faults == [('no disk', 'compute1')]
    assert conductor.events[-1] == ('compute_rebuild_instance', 'Error')
    assert compute_fakes.guest_state(compute) == 0  # no guest


def test_rebuild_after_a_delete_took_over_does_nothing():
    compute, conductor, _guest = compute_fakes.compute_with('deleting')
    _rebuild(compute, conductor)
    assert compute_fakes.settled(conductor) == ('active', 'deleting', 1)
    assert conductor.events == []


def test_rescue_then_unrescue():
    compute, conductor, _guest = compute_fakes.compute_with('rescuing')
    ctxt = context.get_admin_context()
    compute.rescue_instance(ctxt, conductor.record, 'pw', IMAGE)
    assert compute_fakes.settled(conductor) == ('rescued', None, 1)
    assert compute.get_instance_diagnostics(
        ctxt, conductor.record)['num_disks'] == 2
    conductor.record['task_state'] = 'unrescuing'
    compute.unrescue_instance(ctxt, conductor.record)
    assert compute_fakes.settled(conductor) == ('active', None, 1)
    assert compute.get_instance_diagnostics(
        ctxt, conductor.record)['num_disks'] == 1
    assert [e for e, r in conductor.events if r == 'Success'] == [
        'compute_rescue_instance', 'compute_unrescue_instance']


def test_diagnostics_need_a_running_guest():
    compute, conductor, _guest = compute_fakes.compute_with(None, 4)
    with pytest.raises(messaging.ExpectedException) as raised:
        compute.get_instance_diagnostics(context.get_admin_context(),
                                         conductor.record)
    error = raised.value.exc_info[1]
    assert isinstance(error, exception.InstanceInvalidState)
    assert error.kwargs['attr'] == 'power state'


def test_fake_diagnostics_describe_the_guest():
    compute, conductor, _guest = compute_fakes.compute_with(
        None, vcpus=2, memory_mb=1024)
    diagnostics = compute.get_instance_diagnostics(
        context.get_admin_context(), conductor.record)
    assert (diagnostics['state'], diagnostics['num_cpus'],
            diagnostics['memory_details']['maximum'],
            len(diagnostics['cpu_details'])) == ('running', 2, 1024, 2)
