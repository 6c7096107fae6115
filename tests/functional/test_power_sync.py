"""Power-state sync and start-up reconciliation end to end: the five
daemons as processes on MariaDB and RabbitMQ, a real Glance, the fake
virt driver, ``sync_power_state_interval`` = 1 s.

The fake driver has no way to change a guest from outside, so each test
makes the database and the hypervisor disagree from the database's
side, as they would after a guest changed behind the compute's back or
a compute died mid-action, and checks that nova-compute settles the
server through the conductor.  The guests of deleted servers are not
tested here: the fake driver cannot list its guests' uuids (see
tests/unit/test_compute_manager.py).
"""

import signal

import pytest
import sqlalchemy as sa

from common.db import engines
from common.db import main_models as main
from tests.functional import test_servers

pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, module_mysql_db, glance):
    with test_servers._running_cloud(
            tmp_path_factory.mktemp('sync'), module_mysql_db, glance,
            (('compute', 1, 10),), sync_power_state_interval=1,
            periodic_fuzzy_delay=0) as c:
        yield c


def _active_server(cloud, name):
    created = test_servers._boot(cloud, name=name)
    assert created.status_code == 202, created.text
    server_id = created.json()['server']['id']
    assert test_servers._wait_status(cloud, server_id)['status'] == 'ACTIVE'
    return server_id


def _set_states(cloud, server_id, **values):
    """The database's view of the server, changed behind nova's back."""
    with engines.writer(cloud.cell_url) as session:
        session.execute(sa.update(main.Instance).where(
            main.Instance.uuid == server_id).values(**values))


def _show(cloud, server_id):
    return cloud.api('GET', '/servers/%s' % server_id).json()['server']


def _wait_shown(cloud, server_id, status, power_state, timeout=15):
    def settled():
        """the server shown with the expected status and power state"""
        shown = _show(cloud, server_id)
        return shown if (
            shown['status'], shown['OS-EXT-STS:power_state'],
            shown['OS-EXT-STS:task_state']) == (
                status, power_state, None) else None
    return cloud.wait_for(settled, timeout=timeout, interval=0.2)


def _actions(cloud, server_id):
    listed = cloud.api('GET', '/servers/%s/os-instance-actions' % server_id)
    return [a['action'] for a in listed.json()['instanceActions']]


def test_server_whose_guest_is_off_is_stopped(cloud):
    """The guest is off but the database says active and running: the
    sync stops the server, as Nova's stop API would, and records it."""
    server_id = _active_server(cloud, 'went-off')
    stopped = cloud.api('POST', '/servers/%s/action' % server_id,
                        json={'os-stop': None})
    assert stopped.status_code == 202, stopped.text
    _wait_shown(cloud, server_id, 'SHUTOFF', 4)
    _set_states(cloud, server_id, vm_state='active', power_state=1)
    assert _show(cloud, server_id)['status'] == 'ACTIVE'
    _wait_shown(cloud, server_id, 'SHUTOFF', 4)
    assert _actions(cloud, server_id) == ['stop', 'stop', 'create']


def test_running_guest_of_a_stopped_server_is_powered_off(cloud):
    """The database says stopped (power state still running): the sync
    powers the guest off through the stop path; the power state the
    driver reports afterwards is recorded, and the server starts."""
    server_id = _active_server(cloud, 'still-running')
    _set_states(cloud, server_id, vm_state='stopped')
    _wait_shown(cloud, server_id, 'SHUTOFF', 4)
    listed = cloud.api('GET', '/servers/%s/os-instance-actions' % server_id)
    stop = listed.json()['instanceActions'][0]
    assert stop['action'] == 'stop'
    shown = cloud.api('GET', '/servers/%s/os-instance-actions/%s' % (
        server_id, stop['request_id'])).json()['instanceAction']
    assert [(e['event'], e['result']) for e in shown['events']] == [
        ('compute_stop_instance', 'Success')]
    started = cloud.api('POST', '/servers/%s/action' % server_id,
                        json={'os-start': None})
    assert started.status_code == 202, started.text
    _wait_shown(cloud, server_id, 'ACTIVE', 1)


def test_restart_finishes_what_a_dead_compute_left(cloud):
    """A delete and a pause the previous nova-compute took but did not
    finish: the new one deletes the first server and runs the pause
    again.  The fake driver's guests die with their process, so the
    pause fails: the server stays ACTIVE with its task cleared and the
    power state of a guest that is gone, NOSTATE."""
    deleting = _active_server(cloud, 'deleting')
    pausing = _active_server(cloud, 'pausing')
    compute = cloud.procs['compute']
    compute.send_signal(signal.SIGTERM)
    compute.wait(timeout=30)
    _set_states(cloud, deleting, task_state='deleting')
    _set_states(cloud, pausing, task_state='pausing')
    cloud.start('nova-compute', cloud.tmp_path / 'shared.conf',
                cloud.tmp_path / 'compute.conf', name='compute')
    cloud.wait_for(lambda: cloud.api(
        'GET', '/servers/%s' % deleting).status_code == 404, timeout=30)
    _wait_shown(cloud, pausing, 'ACTIVE', 0, timeout=30)
