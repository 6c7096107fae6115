"""ComputeManager.snapshot_instance on the fake driver, its conductor and
Glance in memory: the task states it goes through, what the image gets,
and what a failure leaves (a fault, an Error event, no image)."""

import types

import pytest

from common import context
from common import exception
from nova_compute.virt import fake
from tests.unit.compute_fakes import compute_with
from tests.unit.compute_fakes import settled
from tests.unit.image_fakes import FakeImages

EVENT = 'compute_snapshot_instance'


def _snapshotting(vm_state='active', power_state=1, **record):
    """A manager whose server the API has set to snapshot, and the
    queued image it is to fill."""
    compute, conductor, _guest = compute_with(
        'image_snapshot_pending', power_state, vm_state=vm_state, **record)
    compute.image_api = FakeImages()
    image = compute.image_api.create(None, {'name': 'snap',
                                            'properties': {'a': 'b'}})
    return compute, conductor, image['id']


def _snapshot(compute, conductor, image_id):
    compute.snapshot_instance(context.get_admin_context(), conductor.record,
                              image_id)


@pytest.mark.parametrize('vm_state, power_state', [
    ('active', 1), ('stopped', 4), ('paused', 3), ('suspended', 7)])
def test_snapshot_uploads_and_leaves_the_vm_state(vm_state, power_state):
    compute, conductor, image_id = _snapshotting(vm_state, power_state)
    at_upload = []
    compute.image_api.on_upload = lambda: at_upload.append(
        conductor.record['task_state'])
    _snapshot(compute, conductor, image_id)
    assert [w['task_state'] for w in conductor.writes] == [
        'image_snapshot', 'image_pending_upload', 'image_uploading', None]
    assert at_upload == ['image_uploading']
    assert settled(conductor)[:2] == (vm_state, None)
    assert not any('vm_state' in w for w in conductor.writes)
    assert conductor.events == [(EVENT, 'start'), (EVENT, 'Success')]
    assert conductor.faults == []
    image = compute.image_api.images[image_id]
    assert (image['status'], image['disk_format'],
            image['container_format']) == ('active', 'raw', 'bare')
    assert image['data'] == b'fake snapshot of u1\n'
    assert image['properties'] == {'a': 'b'}


def test_failed_driver_leaves_a_fault_and_no_image():
    compute, conductor, image_id = _snapshotting(
        metadata={fake.SNAPSHOT_ERROR_KEY: 'disk unreadable'})
    _snapshot(compute, conductor, image_id)
    assert settled(conductor) == ('active', None, 1)
    assert conductor.faults == [('disk unreadable', 'compute1')]
    assert conductor.events == [(EVENT, 'start'), (EVENT, 'Error')]
    assert compute.image_api.images == {}


def test_image_deleted_meanwhile_is_a_failed_upload():
    """Someone deleted the queued image in Glance: the upload fails,
    the server is left as it was with the reason."""
    compute, conductor, image_id = _snapshotting()
    compute.image_api.delete(None, image_id)
    _snapshot(compute, conductor, image_id)
    assert settled(conductor) == ('active', None, 1)
    assert conductor.faults == [
        ('Image %s could not be found.' % image_id, 'compute1')]
    assert conductor.events[-1] == (EVENT, 'Error')


def test_server_deleted_before_the_snapshot_starts():
    compute, conductor, image_id = _snapshotting()
    conductor.record['task_state'] = 'deleting'
    _snapshot(compute, conductor, image_id)
    assert conductor.events == []
    assert conductor.faults == []
    assert compute.image_api.images == {}


def test_server_deleted_during_the_snapshot_is_abandoned():
    """A delete that came while the disk was read: the image goes, no
    fault (the delete waiting for the server's lock follows)."""
    compute, conductor, image_id = _snapshotting()

    def deleted_meanwhile(context, instance, image_id, upload):
        conductor.record['task_state'] = 'deleting'
        upload(image_id, {}, b'')
    compute.driver.snapshot = deleted_meanwhile
    _snapshot(compute, conductor, image_id)
    assert settled(conductor) == ('active', 'deleting', 1)
    assert conductor.faults == []
    assert conductor.events == [(EVENT, 'start'), (EVENT, 'Error')]
    assert compute.image_api.images == {}


def test_driver_without_the_guest_fails_the_snapshot():
    compute, conductor, image_id = _snapshotting()
    compute.driver.destroy(None, types.SimpleNamespace(uuid='u1'), [])
    _snapshot(compute, conductor, image_id)
    assert conductor.faults == [
        (exception.InstanceNotFound(instance_id='u1').format_message(),
         'compute1')]
    assert settled(conductor)[:2] == ('active', None)
    assert compute.image_api.images == {}
