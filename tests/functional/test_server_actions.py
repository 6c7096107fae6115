"""Server power actions end to end: the five daemons as processes on
MariaDB and RabbitMQ, a real Glance, the fake virt driver.

One server goes through stop, start, reboot, pause, suspend, lock and
back as a client drives it, with Nova's 409s where its state forbids
an action; api -> conductor (task_state) -> compute (driver, final
state) each time.
"""

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import servers as schema

from tests.functional import member_servers as ms
from tests.functional import test_servers

MEMBER = ms.MEMBER


pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, module_mysql_db, glance):
    with ms.one_host_cloud(tmp_path_factory, module_mysql_db, glance,
                           'actions') as c:
        yield c


@pytest.fixture(scope='module')
def server(cloud):
    """A server of the member, ACTIVE."""
    return ms.boot(cloud, cloud.image['id'], 'actions')


def _settle(cloud, server_id, status):
    """Act's result once the host has finished: the server's view."""
    shown = ms.settled(cloud, server_id)
    assert shown['status'] == status, shown
    return shown


@pytest.mark.parametrize('body, status, power_state', [
    ({'os-stop': None}, 'SHUTOFF', 4),
    ({'os-start': None}, 'ACTIVE', 1),
    ({'reboot': {'type': 'SOFT'}}, 'ACTIVE', 1),
    ({'reboot': {'type': 'HARD'}}, 'ACTIVE', 1),
    ({'pause': None}, 'PAUSED', 3),
    ({'unpause': None}, 'ACTIVE', 1),
    ({'suspend': None}, 'SUSPENDED', 7),
    ({'resume': None}, 'ACTIVE', 1),
])
def test_power_action(cloud, server, body, status, power_state):
    """Run in this order, each from the state the previous one left."""
    response = ms.act(cloud, server, body)
    assert response.status_code in (
        schema.server_actions_common_schema['status_code']), response.text
    assert response.content == b''
    shown = _settle(cloud, server, status)
    assert shown['OS-EXT-STS:power_state'] == power_state


def test_stop_of_a_stopped_server_is_a_conflict(cloud, server):
    assert ms.act(cloud, server, {'os-stop': None}).status_code == 202
    _settle(cloud, server, 'SHUTOFF')
    again = ms.act(cloud, server, {'os-stop': None})
    assert again.status_code == 409
    assert again.json()['conflictingRequest']['message'] == (
        "Cannot 'stop' instance %s while it is in vm_state stopped"
        % server)
    assert ms.act(cloud, server, {'os-start': None}).status_code == 202
    _settle(cloud, server, 'ACTIVE')


def test_locked_server_refuses_its_member(cloud, server):
    locked = ms.act(cloud, server, {'lock': {'locked_reason': 'audit'}},
                  version='2.73')
    assert locked.status_code == 202, locked.text
    shown = cloud.api('GET', '/servers/%s' % server, version='2.73',
                      token=MEMBER).json()['server']
    assert shown['locked'] is True
    assert shown['locked_reason'] == 'audit'
    refused = ms.act(cloud, server, {'os-stop': None})
    assert refused.status_code == 409
    assert refused.json()['conflictingRequest']['message'] == (
        'Instance %s is locked' % server)
    assert ms.act(cloud, server, {'unlock': None}).status_code == 202
    unlocked = cloud.api('GET', '/servers/%s' % server, version='2.73',
                         token=MEMBER).json()['server']
    assert (unlocked['locked'], unlocked['locked_reason']) == (False, None)
    assert ms.act(cloud, server, {'os-stop': None}).status_code == 202
    _settle(cloud, server, 'SHUTOFF')
    assert ms.act(cloud, server, {'os-start': None}).status_code == 202
    _settle(cloud, server, 'ACTIVE')


def test_console_output(cloud, server):
    response = ms.act(cloud, server, {'os-getConsoleOutput': {'length': 2}})
    test_servers._validate(schema.get_console_output, response)
    assert response.json()['output'].endswith(' login:\n')
    whole = ms.act(cloud, server, {'os-getConsoleOutput': {}}).json()
    assert whole['output'].startswith('fake console of %s\n' % server)


def test_instance_actions_record_each_action(cloud, server):
    """os-instance-actions lists what the tests above did, newest
    first, each power action with its compute event finished."""
    listed = cloud.api('GET', '/servers/%s/os-instance-actions' % server,
                       token=MEMBER).json()['instanceActions']
    actions = [a['action'] for a in listed]
    assert actions[-1] == 'create'
    for action in ('stop', 'start', 'reboot', 'pause', 'unpause',
                   'suspend', 'resume', 'lock', 'unlock'):
        assert action in actions
    stop = next(a for a in listed if a['action'] == 'stop')
    events = cloud.api('GET', '/servers/%s/os-instance-actions/%s' % (
        server, stop['request_id'])).json()['instanceAction']['events']
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_stop_instance', 'Success')]
