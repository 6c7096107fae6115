"""rebuild, rescue/unrescue and diagnostics end to end: the five
daemons as processes on MariaDB and RabbitMQ, a real Glance, the fake
virt driver.

nova-api checks the lock, the states and the image, the conductor sets
the task_state and records the action, nova-compute has the fake driver
do the work and settles the states; the responses are checked with
Tempest's schemas.
"""

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import servers as v21
from tempest.lib.api_schema.response.compute.v2_48 import servers as v248

from nova_compute.virt import fake
from tests.functional import member_servers as ms
from tests.functional import test_servers

MEMBER = ms.MEMBER


pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, module_mysql_db, glance):
    with ms.one_host_cloud(tmp_path_factory, module_mysql_db, glance,
                           'rebuild') as c:
        yield c


@pytest.fixture(scope='module')
def images(glance):
    """The image servers boot and the one they are rebuilt from."""
    return (glance.create_image('rebuild-first'),
            glance.create_image('rebuild-second',
                                properties={'os_type': 'linux'}))


def _events(cloud, server_id, name):
    """(event, result) of the server's latest instance action ``name``."""
    listed = cloud.api('GET', '/servers/%s/os-instance-actions' % server_id,
                       token=MEMBER).json()['instanceActions']
    action = next(a for a in listed if a['action'] == name)
    shown = cloud.api('GET', '/servers/%s/os-instance-actions/%s' % (
        server_id, action['request_id'])).json()['instanceAction']
    return [(e['event'], e['result']) for e in shown['events']]


def _diagnostics(cloud, server_id, version='2.48'):
    return cloud.api('GET', '/servers/%s/diagnostics' % server_id,
                     version=version)


# --- rebuild -----------------------------------------------------------------


def test_rebuild_active_server_takes_the_new_image(cloud, images):
    first, second = images
    server = ms.boot(cloud, first['id'], 'rebuilt')
    response = ms.act(cloud, server, {'rebuild': {
        'imageRef': second['id'], 'name': 'renamed',
        'adminPass': 'secret', 'metadata': {'k': 'v'}}}, version='2.1')
    assert response.status_code == 202, response.text
    test_servers._validate(v21.rebuild_server_with_admin_pass, response)
    body = response.json()['server']
    assert (body['adminPass'], body['name'], body['image']['id']) == (
        'secret', 'renamed', second['id'])
    assert body['status'] == 'REBUILD'
    shown = ms.settled(cloud, server)
    assert (shown['status'], shown['image']['id'], shown['metadata']) == (
        'ACTIVE', second['id'], {'k': 'v'})
    assert shown['OS-EXT-STS:power_state'] == 1
    assert _events(cloud, server, 'rebuild') == [
        ('compute_rebuild_instance', 'Success')]


def test_rebuild_stopped_server_ends_stopped(cloud, images):
    first, second = images
    server = ms.boot(cloud, first['id'], 'rebuilt-stopped')
    assert ms.act(cloud, server, {'os-stop': None}).status_code == 202
    assert test_servers._wait_status(cloud, server, ('SHUTOFF',))
    response = ms.act(cloud, server, {'rebuild': {'imageRef': second['id']}})
    assert response.status_code == 202, response.text
    shown = ms.settled(cloud, server)
    assert (shown['status'], shown['OS-EXT-STS:power_state']) == (
        'SHUTOFF', 4)
    assert shown['image']['id'] == second['id']


def test_rebuild_failure_is_an_error_with_a_fault(cloud, images):
    first, second = images
    server = ms.boot(cloud, first['id'], 'rebuild-fails',
                   metadata={fake.REBUILD_ERROR_KEY: 'disk on fire'})
    response = ms.act(cloud, server, {'rebuild': {'imageRef': second['id']}})
    assert response.status_code == 202, response.text
    shown = ms.settled(cloud, server)
    assert shown['status'] == 'ERROR'
    assert shown['fault']['message'] == 'disk on fire'
    assert _events(cloud, server, 'rebuild') == [
        ('compute_rebuild_instance', 'Error')]
    # A server in ERROR can be rebuilt (here it fails again).
    response = ms.act(cloud, server, {'rebuild': {'imageRef': first['id']}})
    assert response.status_code == 202, response.text


def test_rebuild_refusals(cloud, glance, images):
    first, second = images
    server = ms.boot(cloud, first['id'], 'rebuild-refused')
    missing = ms.act(cloud, server, {'rebuild': {}})
    assert missing.status_code == 400
    assert 'imageRef' in missing.json()['badRequest']['message']
    unknown = ms.act(cloud, server, {'rebuild': {
        'imageRef': '6f1a1c5e-0000-4000-8000-000000000000'}})
    assert unknown.status_code == 400
    assert 'could not be found' in unknown.json()['badRequest']['message']
    queued = glance.create_image('rebuild-queued', upload=False)
    inactive = ms.act(cloud, server, {'rebuild': {'imageRef': queued['id']}})
    assert inactive.status_code == 400, inactive.text
    too_big = glance.create_image('rebuild-big', min_ram=100000)
    assert ms.act(cloud, server, {'rebuild': {
        'imageRef': too_big['id']}}).status_code == 400
    # description is 2.19, key_name 2.54, hostname 2.90.
    assert ms.act(cloud, server, {'rebuild': {
        'imageRef': second['id'], 'description': 'x'}},
        version='2.18').status_code == 400
    assert ms.act(cloud, server, {'rebuild': {
        'imageRef': second['id'], 'hostname': 'h-1'}},
        version='2.89').status_code == 400
    assert ms.act(cloud, server, {'lock': None}).status_code == 202
    locked = ms.act(cloud, server, {'rebuild': {'imageRef': second['id']}})
    assert locked.status_code == 409
    assert ms.act(cloud, server, {'unlock': None}).status_code == 202
    assert ms.act(cloud, server, {'pause': None}).status_code == 202
    assert test_servers._wait_status(cloud, server, ('PAUSED',))
    paused = ms.act(cloud, server, {'rebuild': {'imageRef': second['id']}})
    assert paused.status_code == 409
    assert 'vm_state paused' in paused.json()['conflictingRequest'][
        'message']


def test_rebuild_changes_description_and_hostname(cloud, images):
    first, second = images
    server = ms.boot(cloud, first['id'], 'rebuild-described')
    response = ms.act(cloud, server, {'rebuild': {
        'imageRef': second['id'], 'description': 'again',
        'hostname': 'new-host'}}, version='2.90')
    assert response.status_code == 202, response.text
    body = response.json()['server']
    assert (body['description'], body['OS-EXT-SRV-ATTR:hostname']) == (
        'again', 'new-host')
    assert ms.settled(cloud, server)['status'] == 'ACTIVE'


# --- rescue ------------------------------------------------------------------


def test_rescue_and_unrescue(cloud, images):
    first, second = images
    server = ms.boot(cloud, first['id'], 'rescued')
    response = ms.act(cloud, server, {'rescue': {'adminPass': 'pw'}})
    assert response.status_code == 200, response.text
    test_servers._validate(v21.rescue_server_with_admin_pass, response)
    assert response.json() == {'adminPass': 'pw'}
    shown = ms.settled(cloud, server)
    assert (shown['status'], shown['OS-EXT-STS:vm_state']) == (
        'RESCUE', 'rescued')
    assert _events(cloud, server, 'rescue') == [
        ('compute_rescue_instance', 'Success')]
    assert _diagnostics(cloud, server).json()['num_disks'] == 2
    # Only unrescue (and delete) from RESCUE.
    again = ms.act(cloud, server, {'rescue': None})
    assert again.status_code == 409
    assert ms.act(cloud, server, {'os-stop': None}).status_code == 409
    response = ms.act(cloud, server, {'unrescue': None})
    assert (response.status_code, response.text) == (202, '')
    shown = ms.settled(cloud, server)
    assert (shown['status'], shown['OS-EXT-STS:vm_state']) == (
        'ACTIVE', 'active')
    assert _events(cloud, server, 'unrescue') == [
        ('compute_unrescue_instance', 'Success')]
    assert _diagnostics(cloud, server).json()['num_disks'] == 1


def test_rescue_stopped_server_with_another_image(cloud, images):
    first, second = images
    server = ms.boot(cloud, first['id'], 'rescued-stopped')
    assert ms.act(cloud, server, {'os-stop': None}).status_code == 202
    assert test_servers._wait_status(cloud, server, ('SHUTOFF',))
    response = ms.act(cloud, server, {'rescue': {
        'rescue_image_ref': second['id']}})
    assert response.status_code == 200, response.text
    assert len(response.json()['adminPass']) > 0
    assert ms.settled(cloud, server)['status'] == 'RESCUE'


def test_rescue_refusals(cloud, images):
    first, _second = images
    server = ms.boot(cloud, first['id'], 'rescue-refused')
    assert ms.act(cloud, server, {'unrescue': None}).status_code == 409
    assert ms.act(cloud, server, {'rescue': {'bad': 1}}).status_code == 400
    assert ms.act(cloud, server, {'rescue': {
        'rescue_image_ref': 'nope'}}).status_code == 400
    assert ms.act(cloud, server, {'lock': None}).status_code == 202
    assert ms.act(cloud, server, {'rescue': None}).status_code == 409


# --- diagnostics -------------------------------------------------------------


def test_diagnostics(cloud, images):
    first, _second = images
    server = ms.boot(cloud, first['id'], 'diagnosed')
    response = _diagnostics(cloud, server)
    assert response.status_code == 200, response.text
    test_servers._validate(v248.show_server_diagnostics, response)
    body = response.json()
    assert (body['state'], body['driver'], body['num_cpus']) == (
        'running', 'libvirt', 1)
    legacy = _diagnostics(cloud, server, version='2.47')
    assert legacy.status_code == 200
    assert legacy.json()['memory'] == body['memory_details']['maximum'] * 1024
    assert 'vda_read' in legacy.json()
    member = cloud.api('GET', '/servers/%s/diagnostics' % server,
                       token=MEMBER)
    assert member.status_code == 403
    assert ms.act(cloud, server, {'os-stop': None}).status_code == 202
    assert test_servers._wait_status(cloud, server, ('SHUTOFF',))
    stopped = _diagnostics(cloud, server)
    assert stopped.status_code == 409
    assert 'power state' in stopped.json()['conflictingRequest']['message']
