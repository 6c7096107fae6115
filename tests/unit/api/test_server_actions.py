"""Server power actions, lock and console output in-process: the API
with a real conductor and a real ComputeManager on the fake driver,
over oslo.messaging's in-memory transport.

The API checks policy, lock, host and states (Nova's 409 wording), sets
the task_state through the conductor and casts to the host, which runs
the fake driver and settles the server.
"""

import concurrent.futures
import time
import types

import oslo_messaging as messaging
import pytest
import sqlalchemy as sa
from tempest.lib.api_schema.response.compute.v2_1 import servers as schema

from common import rpc
from common.db import engines
from common.db import main_models as main
from nova_compute import manager
from nova_compute import rpcapi as compute_rpcapi
from nova_compute.virt import fake
from nova_conductor import rpcapi as conductor_rpcapi
from tests.unit.api import server_rows
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

HOST = 'cmp1'
OTHER_ADMIN = 'admin:ops'


@pytest.fixture
def compute(conductor):
    """nova-compute of HOST: a ComputeManager and its fake driver."""
    compute = manager.ComputeManager(HOST, fake.FakeDriver(),
                                     conductor_rpcapi.ConductorAPI())
    compute.driver.init_host(HOST)
    server = rpc.get_server(messaging.Target(topic=compute_rpcapi.TOPIC,
                                             server=HOST), [compute])
    server.start()
    yield compute
    # Both servers are stopped and waited for at once (the conductor
    # fixture's own stop and wait then return at once): each wait takes
    # about a second.
    with concurrent.futures.ThreadPoolExecutor() as pool:
        for rpc_server in (server, conductor):
            rpc_server.stop()
            pool.submit(rpc_server.wait)


def _server(cloud, compute, power_state=1, **values):
    """A server on HOST with its guest running on the fake driver."""
    uuid = server_rows.add_server(cloud, host=HOST, power_state=power_state,
                                  **values)
    compute.driver.spawn(None, types.SimpleNamespace(
        uuid=uuid, name='instance-%s' % uuid, vcpus=1, memory_mb=512,
        root_gb=1, ephemeral_gb=0), {}, [], None, {})
    compute.driver._guest(types.SimpleNamespace(uuid=uuid)).state = (
        power_state)
    return uuid


def _row(cloud, uuid):
    with engines.reader(cloud.cells['cell1'].database_connection) as s:
        return s.scalars(sa.select(main.Instance).where(
            main.Instance.uuid == uuid)).one()


def _states(cloud, uuid):
    row = _row(cloud, uuid)
    return row.vm_state, row.task_state, row.power_state


def _wait_settled(cloud, uuid, timeout=5):
    """The states once the host has cleared the task."""
    deadline = time.monotonic() + timeout
    while _row(cloud, uuid).task_state is not None:
        assert time.monotonic() < deadline, _states(cloud, uuid)
        time.sleep(0.02)
    return _states(cloud, uuid)


def _act(cloud, uuid, body, token=MEMBER, version=None):
    return cloud.request('/v2.1/servers/%s/action' % uuid, 'POST',
                         token=token, version=version, body=body)


@pytest.mark.parametrize('body, before, after', [
    ({'os-stop': None}, ('active', 1), ('stopped', None, 4)),
    ({'os-start': None}, ('stopped', 4), ('active', None, 1)),
    ({'reboot': {'type': 'SOFT'}}, ('active', 1), ('active', None, 1)),
    ({'reboot': {'type': 'hard'}}, ('stopped', 4), ('active', None, 1)),
    ({'pause': None}, ('active', 1), ('paused', None, 3)),
    ({'unpause': None}, ('paused', 3), ('active', None, 1)),
    ({'suspend': None}, ('active', 1), ('suspended', None, 7)),
    ({'resume': None}, ('suspended', 7), ('active', None, 1)),
])
def test_action_reaches_the_host_and_settles(cloud, compute, body, before,
                                             after):
    vm_state, power_state = before
    uuid = _server(cloud, compute, vm_state=vm_state,
                   power_state=power_state)
    response = _act(cloud, uuid, body)
    assert response.status_int in (
        schema.server_actions_common_schema['status_code']), response.text
    assert response.body == b''
    assert _wait_settled(cloud, uuid) == after


@pytest.mark.parametrize('body, vm_state, action', [
    ({'os-stop': None}, 'stopped', 'stop'),
    ({'os-start': None}, 'active', 'start'),
    ({'reboot': {'type': 'SOFT'}}, 'stopped', 'reboot'),
    ({'pause': None}, 'paused', 'pause'),
    ({'unpause': None}, 'active', 'unpause'),
    ({'suspend': None}, 'stopped', 'suspend'),
    ({'resume': None}, 'active', 'resume'),
])
def test_state_that_forbids_the_action_is_novas_409(cloud, compute, body,
                                                    vm_state, action):
    uuid = _server(cloud, compute, vm_state=vm_state)
    assert_fault(_act(cloud, uuid, body), 409, 'conflictingRequest',
                 "Cannot '%s' instance %s while it is in vm_state %s"
                 % (action, uuid, vm_state))
    assert _states(cloud, uuid)[:2] == (vm_state, None)


def test_pending_task_forbids_all_but_a_hard_reboot(cloud, compute):
    uuid = _server(cloud, compute, task_state='pausing')
    assert_fault(_act(cloud, uuid, {'os-stop': None}), 409,
                 'conflictingRequest',
                 "Cannot 'stop' instance %s while it is in task_state "
                 "pausing" % uuid)
    assert _act(cloud, uuid, {'reboot': {'type': 'SOFT'}}).status_int == 409
    assert _act(cloud, uuid, {'reboot': {'type': 'HARD'}}).status_int == 202
    assert _wait_settled(cloud, uuid) == ('active', None, 1)


def test_server_without_a_host_is_not_ready(cloud, compute):
    uuid = server_rows.add_server(cloud, host=None, vm_state='error')
    assert_fault(_act(cloud, uuid, {'os-stop': None}), 409,
                 'conflictingRequest', 'Instance %s is not ready' % uuid)


def test_locked_server_refuses_its_owner_not_an_admin(cloud, compute):
    uuid = _server(cloud, compute)
    assert _act(cloud, uuid, {'lock': None}).status_int == 202
    row = _row(cloud, uuid)
    assert (row.locked, row.locked_by) == (True, 'owner')
    assert_fault(_act(cloud, uuid, {'os-stop': None}), 409,
                 'conflictingRequest', 'Instance %s is locked' % uuid)
    assert _act(cloud, uuid, {'os-stop': None},
                token=OTHER_ADMIN).status_int == 202
    assert _wait_settled(cloud, uuid) == ('stopped', None, 4)
    assert _act(cloud, uuid, {'unlock': None}).status_int == 202
    row = _row(cloud, uuid)
    assert (row.locked, row.locked_by) == (False, None)


def test_owner_cannot_lift_an_admins_lock(cloud, compute):
    uuid = _server(cloud, compute)
    assert _act(cloud, uuid, {'lock': {'locked_reason': 'audit'}},
                token=OTHER_ADMIN, version='2.73').status_int == 202
    assert _row(cloud, uuid).locked_by == 'admin'
    assert_fault(_act(cloud, uuid, {'unlock': None}), 403, 'forbidden')
    assert _act(cloud, uuid, {'unlock': None},
                token=OTHER_ADMIN).status_int == 202
    assert not _row(cloud, uuid).locked


def test_locked_reason_is_ignored_before_273(cloud, compute):
    """Before 2.73 the action's value is not looked at, as in Nova."""
    uuid = _server(cloud, compute)
    response = _act(cloud, uuid, {'lock': {'locked_reason': 'x'}},
                    version='2.72')
    assert response.status_int == 202
    assert _row(cloud, uuid).locked
    response = _act(cloud, uuid, {'lock': {'locked_reason': ''}},
                    version='2.73')
    assert response.status_int == 400


def test_other_projects_server_is_not_found(cloud, compute):
    uuid = _server(cloud, compute, project_id='other')
    assert _act(cloud, uuid, {'os-stop': None}).status_int == 404


@pytest.mark.parametrize('body', [
    {'reboot': {'type': 'WARM'}}, {'reboot': {}},
    {'os-stop': None, 'pause': None}, {'os-getConsoleOutput': {'x': 1}},
    {'os-getConsoleOutput': {'length': -2}},
    {'os-getConsoleOutput': {'length': 'ten'}}])
def test_bad_bodies_are_refused(cloud, compute, body):
    uuid = _server(cloud, compute)
    assert _act(cloud, uuid, body).status_int == 400
    assert _states(cloud, uuid) == ('active', None, 1)


@pytest.mark.parametrize('length, expected', [
    (None, None), (-1, None), (2, 'instance-%s login:\n'), ('1', ''),
    (0, '')])
def test_console_output(cloud, compute, length, expected):
    uuid = _server(cloud, compute)
    body = {} if length is None else {'length': length}
    response = _act(cloud, uuid, {'os-getConsoleOutput': body})
    assert_schema(schema.get_console_output, response)
    output = response.json['output']
    if expected is None:
        assert output.startswith('fake console of %s\n' % uuid)
        assert output.endswith('login:\n')
    else:
        assert output == (expected % uuid if '%s' in expected else expected)


def test_console_output_of_a_server_without_host_is_409(cloud, compute):
    uuid = server_rows.add_server(cloud, host=None, vm_state='error')
    assert _act(cloud, uuid, {'os-getConsoleOutput': {}}).status_int == 409
