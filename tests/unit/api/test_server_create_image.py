"""createImage in-process: the API with a real conductor and a real
ComputeManager on the fake driver over oslo.messaging's in-memory
transport; Glance in memory.

The API checks the body, policy, lock and states, creates the queued
image with the properties Nova gives a snapshot, sets the task_state
and records the action; the host uploads the data and clears the task.
"""

import pytest
import sqlalchemy as sa

from common import glance
from common.db import engines
from common.db import main_models as main
from nova_compute.virt import fake
from tests.unit import image_fakes
from tests.unit.api import server_rows
from tests.unit.api import test_server_actions
from tests.unit.api.conftest import LATEST
from tests.unit.api.conftest import assert_fault
from tests.unit.api.test_server_actions import _act
from tests.unit.api.test_server_actions import _server
from tests.unit.api.test_server_actions import _states
from tests.unit.api.test_server_actions import _wait_settled

# nova-compute of the host the servers are on, as the power actions'.
compute = test_server_actions.compute
# What the server's image left in its system metadata.
IMAGE_SYSMETA = {
    'image_base_image_ref': 'b5a7c2d4-0000-4000-8000-000000000001',
    'image_kernel_id': 'k-1', 'image_ramdisk_id': 'r-1',
    'image_os_type': 'linux', 'image_min_ram': '64', 'image_min_disk': '1',
    'image_disk_format': 'qcow2', 'image_container_format': 'bare',
    'image_cache_in_nova': 'True', 'image_img_signature': 'abc',
    'image_os_glance_importing_to_stores': 'fs',
    'security_groups': '["default"]'}


@pytest.fixture
def images(monkeypatch, compute):
    """Glance in memory, for the API and the host alike."""
    store = image_fakes.FakeImages()
    monkeypatch.setattr(glance, 'API', lambda: store)
    compute.image_api = store
    return store


def _snapshot_server(cloud, compute, metadata=None, **values):
    uuid = _server(cloud, compute, metadata=metadata, **values)
    with engines.writer(cloud.cells['cell1'].database_connection) as s:
        s.add_all(main.InstanceSystemMetadata(instance_uuid=uuid, key=k,
                                              value=v)
                  for k, v in IMAGE_SYSMETA.items())
    return uuid


def _create_image(cloud, uuid, version=LATEST, **entity):
    entity.setdefault('name', 'snap')
    return _act(cloud, uuid, {'createImage': entity}, version=version)


def _events(cloud, uuid):
    with engines.reader(cloud.cells['cell1'].database_connection) as s:
        actions = s.scalars(sa.select(main.InstanceAction.action).where(
            main.InstanceAction.instance_uuid == uuid)).all()
        events = s.execute(sa.select(main.InstanceActionEvent.event,
                                     main.InstanceActionEvent.result)).all()
    return actions, [tuple(e) for e in events]


def test_create_image_makes_the_snapshot(cloud, compute, images):
    uuid = _snapshot_server(cloud, compute)
    response = _create_image(cloud, uuid, metadata={'purpose': 'backup',
                                                    'os_type': 'other'})
    assert response.status_int == 202, response.text
    image_id = response.json['image_id']
    assert 'Location' not in response.headers
    assert _wait_settled(cloud, uuid) == ('active', None, 1)
    image = images.images[image_id]
    assert (image['name'], image['visibility'], image['status']) == (
        'snap', 'private', 'active')
    assert (image['min_ram'], image['min_disk']) == (64, 1)
    assert (image['disk_format'], image['container_format']) == (
        'raw', 'bare')
    assert image['data'] == b'fake snapshot of %s\n' % uuid.encode()
    assert image['properties'] == {
        'base_image_ref': IMAGE_SYSMETA['image_base_image_ref'],
        'kernel_id': 'k-1', 'ramdisk_id': 'r-1', 'os_type': 'other',
        'purpose': 'backup', 'instance_uuid': uuid, 'user_id': 'demo',
        'image_type': 'snapshot'}
    assert _events(cloud, uuid) == (
        ['createImage'], [('compute_snapshot_instance', 'Success')])


def test_non_inheritable_image_properties_is_the_operators_list(
        cloud, compute, images, config):
    """The option replaces Nova's default list (cache_in_nova,
    bittorrent); the image signature is never inherited."""
    config.config(non_inheritable_image_properties=['os_type'])
    uuid = _snapshot_server(cloud, compute)
    response = _create_image(cloud, uuid)
    assert response.status_int == 202, response.text
    assert _wait_settled(cloud, uuid) == ('active', None, 1)
    properties = images.images[response.json['image_id']]['properties']
    assert properties['cache_in_nova'] == 'True'
    assert 'os_type' not in properties
    assert 'img_signature' not in properties


def test_before_245_the_answer_is_a_location(cloud, compute,
                                             images):
    uuid = _snapshot_server(cloud, compute)
    response = _create_image(cloud, uuid, version='2.44')
    assert response.status_int == 202
    assert response.body == b''
    image_id, = images.images
    assert response.headers['Location'] == (
        '%s/images/%s' % (image_fakes.URL, image_id))
    _wait_settled(cloud, uuid)


@pytest.mark.parametrize('vm_state', ['stopped', 'paused', 'suspended'])
def test_other_allowed_states(cloud, compute, images,
                              vm_state):
    uuid = _snapshot_server(cloud, compute, vm_state=vm_state)
    assert _create_image(cloud, uuid).status_int == 202
    assert _wait_settled(cloud, uuid)[:2] == (vm_state, None)


@pytest.mark.parametrize('values, attr, state', [
    ({'vm_state': 'error'}, 'vm_state', 'error'),
    ({'vm_state': 'rescued'}, 'vm_state', 'rescued'),
    ({'task_state': 'pausing'}, 'task_state', 'pausing'),
])
def test_state_that_forbids_it_is_novas_409(cloud, compute, images,
                                            values, attr, state):
    uuid = _snapshot_server(cloud, compute, **values)
    assert_fault(_create_image(cloud, uuid), 409, 'conflictingRequest',
                 "Cannot 'createImage' instance %s while it is in %s %s"
                 % (uuid, attr, state))
    assert images.images == {}


def test_locked_server_is_a_conflict(cloud, compute, images):
    uuid = _snapshot_server(cloud, compute, locked=True, locked_by='admin')
    assert_fault(_create_image(cloud, uuid), 409, 'conflictingRequest',
                 'Instance %s is locked' % uuid)
    assert images.images == {}


@pytest.mark.parametrize('entity', [
    {}, {'name': ''}, {'name': ' snap'}, {'name': 'snap '},
    {'name': 'x' * 256}, {'name': 5}, {'name': 'snap', 'metadata': {'a': 1}},
    {'name': 'snap', 'metadata': {'a': 'x' * 256}},
    {'name': 'snap', 'metadata': []}, {'name': 'snap', 'extra': 1}])
def test_bad_bodies_are_400(cloud, compute, images, entity):
    uuid = _snapshot_server(cloud, compute)
    response = _act(cloud, uuid, {'createImage': entity})
    assert_fault(response, 400, 'badRequest')
    assert images.images == {}
    assert _states(cloud, uuid) == ('active', None, 1)


def test_metadata_counts_against_the_quota_until_238(
        cloud, compute, images, config):
    config.config(metadata_items=1, group='quota')
    uuid = _snapshot_server(cloud, compute)
    metadata = {'a': '1', 'b': '2'}
    assert_fault(_create_image(cloud, uuid, version='2.38',
                               metadata=metadata),
                 403, 'forbidden', 'Image metadata limit exceeded')
    assert images.images == {}
    assert _create_image(cloud, uuid, version='2.39',
                         metadata=metadata).status_int == 202
    _wait_settled(cloud, uuid)


def test_failed_snapshot_leaves_a_fault_and_no_image(
        cloud, compute, images):
    uuid = _snapshot_server(cloud, compute, metadata={
        fake.SNAPSHOT_ERROR_KEY: 'disk unreadable'})
    assert _create_image(cloud, uuid).status_int == 202
    assert _wait_settled(cloud, uuid) == ('active', None, 1)
    assert images.images == {}
    with engines.reader(cloud.cells['cell1'].database_connection) as s:
        fault = s.scalars(sa.select(main.InstanceFault).where(
            main.InstanceFault.instance_uuid == uuid)).one()
    assert (fault.message, fault.host) == ('disk unreadable', 'cmp1')
    assert _events(cloud, uuid)[1] == [('compute_snapshot_instance', 'Error')]


def test_other_projects_server_is_not_found(cloud, compute,
                                            images):
    uuid = server_rows.add_server(cloud, project_id='other')
    assert _create_image(cloud, uuid).status_int == 404
    assert images.images == {}
