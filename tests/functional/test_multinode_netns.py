"""Nothing assumes one host: a nova-compute in a network namespace of
its own boots a server for a controller (nova-conductor,
nova-scheduler, nova-api) that runs in this one.

The two ends meet only across a veth pair (tests/functional/netns.py).
RabbitMQ and MariaDB listen on this machine's 127.0.0.1, which the
namespace cannot reach: the controller offers the broker on its veth
address through a forwarder, nova-api listens there too, and the
compute's nova.conf names no database at all.
"""

import json
import os
import subprocess
import sys
import urllib.parse

import pytest

from tests.functional import daemons
from tests.functional import member_servers
from tests.functional import netns
from tests.functional import tcpproxy
from tests.functional import test_servers

pytestmark = pytest.mark.usefixtures('clouds_service_down_time')

# GET argv[1] with the token argv[2]; prints the body.
_GET = ('import sys, urllib.request\n'
        'request = urllib.request.Request(\n'
        '    sys.argv[1], headers={"X-Auth-Token": sys.argv[2]})\n'
        'print(urllib.request.urlopen(request, timeout=10).read().decode())\n')


@pytest.fixture
def compute_host():
    """The compute's namespace and veth pair."""
    if os.geteuid() != 0:
        pytest.skip('network namespaces need root')
    try:
        with netns.namespace() as ns:
            yield ns
    except netns.NotPermitted as e:
        pytest.skip('ip netns add is not permitted here: %s' % e)


@pytest.fixture
def controller(tmp_path, mysql_db, glance, compute_host):
    """nova-conductor, nova-scheduler and nova-api in this namespace;
    nova-api and a forwarder to RabbitMQ (``controller.broker``) listen
    on the controller's veth address."""
    address = compute_host.controller_address
    broker = tcpproxy.TCPProxy(('127.0.0.1', 5672), listen=address)
    try:
        with daemons.cloud(tmp_path, mysql_db,
                           osapi_compute_listen=address) as cloud:
            cloud.broker = broker
            glance_conf = cloud.conf_file('glance.conf', glance.nova_conf())
            for binary in ('nova-conductor', 'nova-scheduler', 'nova-api'):
                cloud.start(binary, glance_conf)
            yield cloud
    finally:
        broker.close()


def _start_compute(cloud, ns, host):
    """nova-compute inside ``ns`` with a nova.conf of its own: the
    broker through the controller's veth address, no database."""
    transport_url = urllib.parse.urlsplit(cloud.transport_url)._replace(
        netloc='guest:guest@%s' % cloud.broker.url_netloc())
    conf = cloud.conf_file('compute-netns.conf', (
        '[DEFAULT]\nhost = %s\nmy_ip = %s\ntransport_url = %s\n'
        'compute_driver = fake.FakeDriver\nreport_interval = 1\n'
        'log_dir = %s\n') % (host, ns.address,
                             urllib.parse.urlunsplit(transport_url),
                             cloud.log_dir))
    binary = os.path.join(os.path.dirname(sys.executable), 'nova-compute')
    proc = subprocess.Popen(
        ns.command(binary, '--config-file', str(conf)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cloud.procs['nova-compute'] = proc
    return proc


def _states_seen_from(ns, cloud):
    """{(binary, host): state} of GET /os-services, asked from inside
    ``ns``; {} while the API does not answer there."""
    url = 'http://%s:%d/v2.1/os-services' % (ns.controller_address,
                                             cloud.api_port)
    answer = ns.python(_GET, url, daemons.ADMIN_TOKEN)
    if answer.returncode:
        return {}
    return {(s['binary'], s['host']): s['state']
            for s in json.loads(answer.stdout)['services']}


def test_a_compute_across_a_veth_pair_boots_a_server(
        controller, compute_host, glance):
    cloud, ns = controller, compute_host
    assert not ns.reachable('127.0.0.1', 5672), \
        'the namespace reaches the broker without the veth'
    assert ns.reachable(ns.controller_address, cloud.broker.port)
    host = 'compute-netns-%s' % ns.tag
    compute = _start_compute(cloud, ns, host)

    def all_up():
        """conductor, scheduler and the namespaced compute up in
        GET /os-services, asked from the namespace"""
        states = _states_seen_from(ns, cloud)
        return all(states.get(service) == 'up' for service in (
            ('nova-conductor', 'controller'),
            ('nova-scheduler', 'controller'), ('nova-compute', host)))
    cloud.wait_for(all_up, timeout=45)
    cloud.wait_for(lambda: [node for node in cloud.compute_nodes()
                            if node.host == host])
    assert cloud.manage('cell_v2', 'discover_hosts') == 0
    image = glance.create_image('cirros', disk_format='qcow2')
    flavor = cloud.api('POST', '/flavors',
                       json={'flavor': test_servers.FLAVOR})
    assert flavor.status_code == 200, flavor.text

    server_id = member_servers.boot(cloud, image['id'], 'across-the-veth')
    server = cloud.api('GET', '/servers/%s' % server_id).json()['server']
    assert server['OS-EXT-SRV-ATTR:host'] == host
    hypervisors = cloud.api('GET', '/os-hypervisors/detail',
                            version='2.53').json()['hypervisors']
    assert [(h['host_ip'], h['state']) for h in hypervisors
            if h['service']['host'] == host] == [(ns.address, 'up')]

    deleted = cloud.api('DELETE', '/servers/%s' % server_id,
                        token=member_servers.MEMBER)
    assert deleted.status_code == 204, deleted.text
    cloud.wait_for(lambda: cloud.api(
        'GET', '/servers/%s' % server_id).status_code == 404, timeout=30)
    assert compute.poll() is None
