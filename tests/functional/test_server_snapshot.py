"""createImage end to end: the five daemons as processes on MariaDB and
RabbitMQ, a real Glance, the fake virt driver.

nova-api creates the queued image in Glance with the properties Nova
gives a snapshot, the conductor sets the task_state and records the
action, nova-compute has the fake driver "extract" the disk, sets the
image's formats and uploads its data; Glance holds the image active.
A snapshot that fails leaves a fault and no image.
"""

import pytest
import requests
import sqlalchemy as sa

from common.db import engines
from common.db import main_models as main
from nova_compute.virt import fake
from tests.functional import member_servers as ms
from tests.functional import test_servers

MEMBER = ms.MEMBER
BODY_VERSION = '2.45'
# The server's image: properties a snapshot inherits, and one it
# does not (cache_in_nova, Nova's non_inheritable_image_properties).
BASE_PROPERTIES = {'os_type': 'linux', 'hw_disk_bus': 'virtio',
                   'cache_in_nova': 'True'}


pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, module_mysql_db, glance):
    with ms.one_host_cloud(tmp_path_factory, module_mysql_db, glance,
                           'snapshot') as c:
        yield c


@pytest.fixture(scope='module')
def base_image(glance):
    kernel = glance.create_image('snap-kernel', disk_format='aki',
                                 container_format='aki')
    return glance.create_image(
        'snap-base', min_ram=16, properties=dict(
            BASE_PROPERTIES, kernel_id=kernel['id']))


@pytest.fixture(scope='module')
def server(cloud, base_image):
    return ms.boot(cloud, base_image['id'], 'snapshotted')


def _create_image(cloud, server_id, entity, version=BODY_VERSION,
                  token=MEMBER):
    return cloud.api('POST', '/servers/%s/action' % server_id, token=token,
                     version=version, json={'createImage': entity})


def _glance_image(glance, image_id):
    """The image as Glance shows it to an admin; None once deleted."""
    resp = requests.get('%s/v2/images/%s' % (glance.url, image_id),
                        headers={'X-Auth-Token': 'admin:admin'}, timeout=30)
    if resp.status_code == 404:
        return None
    assert resp.status_code == 200, resp.text
    return resp.json()


def _action(cloud, server_id, name):
    """The server's latest instance action ``name`` with its events."""
    listed = cloud.api('GET', '/servers/%s/os-instance-actions' % server_id,
                       token=MEMBER).json()['instanceActions']
    action = next(a for a in listed if a['action'] == name)
    return cloud.api('GET', '/servers/%s/os-instance-actions/%s' % (
        server_id, action['request_id'])).json()['instanceAction']


def test_create_image_uploads_the_snapshot(cloud, glance, base_image,
                                           server):
    response = _create_image(cloud, server, {
        'name': 'snap-1', 'metadata': {'purpose': 'backup'}})
    assert response.status_code == 202, response.text
    assert 'Location' not in response.headers
    image_id = response.json()['image_id']
    shown = ms.settled(cloud, server)
    assert (shown['status'], shown['OS-EXT-STS:vm_state']) == (
        'ACTIVE', 'active')
    image = cloud.wait_for(lambda: (
        _glance_image(glance, image_id)['status'] == 'active' and
        _glance_image(glance, image_id)), timeout=30, interval=0.2)
    assert (image['name'], image['visibility'], image['owner']) == (
        'snap-1', 'private', 'demo')
    assert (image['disk_format'], image['container_format']) == (
        'raw', 'bare')
    assert image['min_ram'] == 16
    assert image['size'] == len(b'fake snapshot of %s\n' % server.encode())
    assert {k: image.get(k) for k in (
        'instance_uuid', 'user_id', 'image_type', 'base_image_ref',
        'os_type', 'hw_disk_bus', 'kernel_id', 'purpose')} == {
        'instance_uuid': server, 'user_id': 'demo',
        'image_type': 'snapshot', 'base_image_ref': base_image['id'],
        'os_type': 'linux', 'hw_disk_bus': 'virtio',
        'kernel_id': base_image['kernel_id'], 'purpose': 'backup'}
    assert 'cache_in_nova' not in image
    action = _action(cloud, server, 'createImage')
    assert [(e['event'], e['result']) for e in action['events']] == [
        ('compute_snapshot_instance', 'Success')]


def test_before_245_the_image_is_in_the_location(cloud, glance, server):
    response = _create_image(cloud, server, {'name': 'snap-2'},
                             version='2.44')
    assert response.status_code == 202, response.text
    assert response.content == b''
    location = response.headers['Location']
    prefix = glance.url + '/images/'
    assert location.startswith(prefix)
    ms.settled(cloud, server)
    image = _glance_image(glance, location[len(prefix):])
    assert (image['name'], image['status']) == ('snap-2', 'active')


def test_stopped_server_stays_stopped(cloud, glance, base_image):
    server_id = ms.boot(cloud, base_image['id'], 'stopped')
    stop = cloud.api('POST', '/servers/%s/action' % server_id, token=MEMBER,
                     json={'os-stop': None})
    assert stop.status_code == 202
    assert ms.settled(cloud, server_id)['status'] == 'SHUTOFF'
    response = _create_image(cloud, server_id, {'name': 'snap-3'})
    assert response.status_code == 202, response.text
    assert ms.settled(cloud, server_id)['status'] == 'SHUTOFF'
    image = _glance_image(glance, response.json()['image_id'])
    assert image['status'] == 'active'


def test_locked_server_is_a_conflict(cloud, server):
    assert cloud.api('POST', '/servers/%s/action' % server, token=MEMBER,
                     json={'lock': None}).status_code == 202
    try:
        refused = _create_image(cloud, server, {'name': 'snap-locked'})
        assert refused.status_code == 409
        assert refused.json()['conflictingRequest']['message'] == (
            'Instance %s is locked' % server)
    finally:
        assert cloud.api('POST', '/servers/%s/action' % server,
                         token=MEMBER,
                         json={'unlock': None}).status_code == 202


def test_server_in_error_is_a_conflict(cloud):
    """A server no host could take (ERROR in cell0, no host)."""
    huge = {'name': 'snap-huge', 'ram': 1024 * 1024, 'vcpus': 1, 'disk': 1,
            'id': 'snap-huge'}
    assert cloud.api('POST', '/flavors',
                     json={'flavor': huge}).status_code == 200
    created = test_servers._boot(cloud, flavorRef='snap-huge')
    server_id = created.json()['server']['id']
    assert test_servers._wait_status(cloud, server_id)['status'] == 'ERROR'
    refused = _create_image(cloud, server_id, {'name': 'snap-error'},
                            token='admin:admin')
    assert refused.status_code == 409
    assert refused.json()['conflictingRequest']['message'] == (
        "Cannot 'createImage' instance %s while it is in vm_state error"
        % server_id)


@pytest.mark.parametrize('entity, field', [
    ({}, 'name'), ({'name': ''}, 'name'), ({'name': ' lead'}, 'name'),
    ({'name': 'x' * 256}, 'name'),
    ({'name': 'snap', 'metadata': {'key': 5}}, 'key'),
    ({'name': 'snap', 'other': 1}, 'other')])
def test_bad_bodies_are_400(cloud, server, entity, field):
    refused = _create_image(cloud, server, entity)
    assert refused.status_code == 400
    assert field in refused.json()['badRequest']['message']


def test_metadata_counts_against_the_quota_until_238(cloud, server):
    limit = cloud.api('PUT', '/os-quota-sets/demo',
                      json={'quota_set': {'metadata_items': 1}})
    assert limit.status_code == 200, limit.text
    try:
        refused = _create_image(cloud, server, {
            'name': 'snap-quota', 'metadata': {'a': '1', 'b': '2'}},
            version='2.38')
        assert refused.status_code == 403
        assert refused.json()['forbidden']['message'] == (
            'Image metadata limit exceeded')
    finally:
        cloud.api('DELETE', '/os-quota-sets/demo')


def test_failed_snapshot_leaves_a_fault_and_no_image(cloud, glance,
                                                     base_image):
    server_id = ms.boot(cloud, base_image['id'], 'unlucky', metadata={
        fake.SNAPSHOT_ERROR_KEY: 'disk unreadable'})
    response = _create_image(cloud, server_id, {'name': 'snap-fails'})
    assert response.status_code == 202, response.text
    image_id = response.json()['image_id']
    shown = ms.settled(cloud, server_id)
    assert (shown['status'], shown['OS-EXT-STS:vm_state']) == (
        'ACTIVE', 'active')
    assert _glance_image(glance, image_id) is None
    with engines.reader(cloud.cell_url) as session:
        fault = session.scalars(sa.select(main.InstanceFault).where(
            main.InstanceFault.instance_uuid == server_id)).one()
    assert (fault.message, fault.host) == ('disk unreadable', 'compute')
    events = _action(cloud, server_id, 'createImage')['events']
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_snapshot_instance', 'Error')]
