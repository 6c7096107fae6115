"""A one-host cloud of real daemons (fake driver) and a member's
servers on it: what the tests of server actions (power, snapshot,
rebuild, rescue) share."""

import contextlib

from tests.functional import test_servers

MEMBER = 'demo:demo'


@contextlib.contextmanager
def one_host_cloud(tmp_path_factory, mysql_db, glance, name):
    """A cloud with one compute host, room for 10 servers."""
    with test_servers._running_cloud(
            tmp_path_factory.mktemp(name), mysql_db, glance,
            (('compute', 1, 10),)) as c:
        yield c


def boot(cloud, image_id, name, metadata=None):
    """A server of the member, ACTIVE; its id."""
    body = {'server': {'name': name, 'imageRef': image_id,
                       'flavorRef': '1', 'networks': 'none',
                       'metadata': metadata or {}}}
    created = cloud.api('POST', '/servers', version='2.37', token=MEMBER,
                        json=body)
    assert created.status_code == 202, created.text
    server_id = created.json()['server']['id']
    assert test_servers._wait_status(cloud, server_id)['status'] == 'ACTIVE'
    return server_id


def act(cloud, server_id, body, version=None, token=MEMBER):
    """POST /servers/{id}/action; the response."""
    return cloud.api('POST', '/servers/%s/action' % server_id, json=body,
                     token=token, version=version)


def settled(cloud, server_id):
    """The server's view once its task has ended."""
    def task_ended():
        """the server's task to end"""
        shown = cloud.api('GET', '/servers/%s' % server_id).json()['server']
        return shown if shown['OS-EXT-STS:task_state'] is None else None
    return cloud.wait_for(task_ended, timeout=30, interval=0.1)
