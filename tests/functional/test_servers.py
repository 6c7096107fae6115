"""Servers end to end: the five daemons as processes on MariaDB and
RabbitMQ, a real Glance, the fake virt driver.

A create travels api -> conductor -> scheduler -> conductor -> compute
and back; these tests drive it through the REST API as a client does
and check what the API shows and what the databases hold.
"""

import concurrent.futures
import contextlib
import json
import time

import pytest
import sqlalchemy as sa
from tempest.lib.api_schema.response.compute.v2_1 import servers as schema
from tempest.lib.common import rest_client

from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from tests.functional import daemons

FLAVOR = {'name': 'm1.tiny', 'ram': 512, 'vcpus': 1, 'disk': 1, 'id': '1'}


def _compute_conf(cloud, name, hosts, servers_per_host):
    """A nova-compute simulating ``hosts`` hosts named ``name``-000N,
    each with room for ``servers_per_host`` m1.tiny servers (memory is
    the scarce resource: no overcommit, nothing reserved)."""
    return cloud.conf_file('%s.conf' % name, (
        '[DEFAULT]\nhost = %s\nreserved_host_memory_mb = 0\n'
        'reserved_host_disk_mb = 0\nram_allocation_ratio = 1.0\n'
        '[fake]\nhost_count = %d\nmemory_mb = %d\nvcpus = 64\n'
        'local_gb = 1000\n') % (name, hosts, 512 * servers_per_host))


@contextlib.contextmanager
def _running_cloud(directory, mysql_db, glance, computes, **options):
    """A cloud whose computes are [(name, hosts, room per host)], its
    daemons up, hosts discovered, an image and m1.tiny ready.

    ``options`` are [DEFAULT] settings of its nova.conf."""
    with daemons.cloud(directory, mysql_db, **options) as c:
        _start(c, glance, computes)
        yield c


def _start(c, glance, computes):
    # Quotas off: the tests boot more servers than Nova's defaults allow
    # (the quota test sets its project's limit itself).
    shared_conf = c.conf_file('shared.conf', (
        '[glance]\napi_servers = %s\n[quota]\ninstances = -1\n'
        'cores = -1\nram = -1\n') % glance.url)
    c.start('nova-conductor', shared_conf)
    c.start('nova-scheduler', shared_conf)
    total = 0
    for name, hosts, per_host in computes:
        c.start('nova-compute', shared_conf,
                _compute_conf(c, name, hosts, per_host), name=name)
        total += hosts
    c.start('nova-api', shared_conf)
    c.wait_for_api()
    c.wait_for(lambda: len(c.compute_nodes()) == total, timeout=120)
    # A call sent before the scheduler's queue exists is lost.
    c.wait_for(lambda: c.up().get(('nova-scheduler', 'controller')))
    assert c.manage('cell_v2', 'discover_hosts') == 0
    c.image = glance.create_image('cirros', disk_format='qcow2')
    created = c.api('POST', '/flavors', json={'flavor': FLAVOR})
    assert created.status_code == 200, created.text


pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def shared_cloud(tmp_path_factory, module_mysql_db, glance):
    """One cloud for the tests that only add their own servers."""
    with _running_cloud(tmp_path_factory.mktemp('shared'), module_mysql_db,
                        glance, (('compute', 2, 1000),)) as c:
        yield c


@pytest.fixture
def make_cloud(tmp_path, mysql_db, glance):
    """Factory: a cloud of its own, for tests that size or break it:
    ``make_cloud(computes, **[DEFAULT] options)``."""
    with contextlib.ExitStack() as stack:
        yield lambda computes, **options: stack.enter_context(
            _running_cloud(tmp_path, mysql_db, glance, computes, **options))


def _boot(cloud, name='vm', version='2.37', **server):
    body = {'server': {'name': name, 'imageRef': cloud.image['id'],
                       'flavorRef': '1', 'networks': 'none', **server}}
    return cloud.api('POST', '/servers', version=version, json=body)


def _wait_status(cloud, server_id, statuses=('ACTIVE', 'ERROR'),
                 timeout=60):
    def settled():
        """the server settled"""
        body = cloud.api('GET', '/servers/%s' % server_id).json()['server']
        return body if body['status'] in statuses else None
    return cloud.wait_for(settled, timeout=timeout, interval=0.2)


def _validate(schema_dict, response):
    rest_client.RestClient.validate_response(
        schema_dict, _Resp(response), response.json())


class _Resp(dict):
    """What Tempest's validate_response reads of a response."""

    def __init__(self, response):
        super().__init__(response.headers)
        self.status = response.status_code


def _node_usage(cloud, host):
    with engines.reader(cloud.cell_url) as session:
        node = session.scalars(sa.select(main.ComputeNode).where(
            main.ComputeNode.host == host)).one()
    return node.memory_mb_used, node.running_vms


def _count(url, model):
    with engines.reader(url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_boot_show_list_update_delete(shared_cloud):
    cloud = shared_cloud
    created = _boot(cloud, name='lifecycle', metadata={'role': 'web'})
    assert created.status_code == 202, created.text
    _validate(schema.create_server_with_admin_pass, created)
    server_id = created.json()['server']['id']
    assert created.headers['Location'].endswith('/servers/%s' % server_id)

    server = _wait_status(cloud, server_id)
    assert (server['status'], server['OS-EXT-STS:vm_state'],
            server['OS-EXT-STS:task_state'],
            server['OS-EXT-STS:power_state']) == ('ACTIVE', 'active', None, 1)
    host = server['OS-EXT-SRV-ATTR:host']
    assert host in ('compute-0001', 'compute-0002')
    assert server['metadata'] == {'role': 'web'}
    _validate(schema.get_server, cloud.api('GET', '/servers/%s' % server_id))

    listed = cloud.api('GET', '/servers?name=^lifecycle$').json()['servers']
    assert [s['id'] for s in listed] == [server_id]
    detail = cloud.api('GET', '/servers/detail?name=^lifecycle$&status=ACTIVE')
    _validate(schema.list_servers_detail, detail)
    assert [s['id'] for s in detail.json()['servers']] == [server_id]

    renamed = cloud.api('PUT', '/servers/%s' % server_id,
                        json={'server': {'name': 'renamed'}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()['server']['name'] == 'renamed'

    used, servers = _node_usage(cloud, host)
    deleted = cloud.api('DELETE', '/servers/%s' % server_id)
    assert deleted.status_code == 204, deleted.text
    cloud.wait_for(lambda: cloud.api(
        'GET', '/servers/%s' % server_id).status_code == 404)
    gone = cloud.api('GET', '/servers/%s' % server_id).json()
    assert gone['itemNotFound']['code'] == 404
    assert _node_usage(cloud, host) == (used - 512, servers - 1)
    with engines.reader(cloud.cell_url) as session:
        actions = session.scalars(sa.select(main.InstanceAction.action).where(
            main.InstanceAction.instance_uuid == server_id)).all()
    assert sorted(actions) == ['create', 'delete']


def test_no_valid_host_explains_which_filters_removed_hosts(shared_cloud):
    cloud = shared_cloud
    huge = {'name': 'huge', 'ram': 1024 * 1024, 'vcpus': 1, 'disk': 1,
            'id': 'huge'}
    assert cloud.api('POST', '/flavors',
                     json={'flavor': huge}).status_code == 200
    created = _boot(cloud, flavorRef='huge')
    assert created.status_code == 202, created.text
    server_id = created.json()['server']['id']
    server = _wait_status(cloud, server_id)
    assert server['status'] == 'ERROR'
    fault = server['fault']
    assert fault['code'] == 500
    assert fault['message'] == (
        'No valid host was found. There are not enough hosts available. '
        '2 hosts: MEMORY_MB 2->0'), fault
    with engines.reader(cloud.api_url) as session:
        mapping = session.scalars(sa.select(api.InstanceMapping).where(
            api.InstanceMapping.instance_uuid == server_id)).one()
        cell = session.get(api.CellMapping, mapping.cell_id)
    assert cell.name == 'cell0'


@pytest.mark.parametrize('change, message', [
    ({'flavorRef': 'nope'}, 'Invalid flavorRef provided.'),
    ({'imageRef': '6b8e1b0a-0a5c-4c55-9c4d-9b9a9b9a9b9a'},
     'could not be found'),
    ({'networks': [{'uuid': '6b8e1b0a-0a5c-4c55-9c4d-9b9a9b9a9b9a'}]},
     'networking service'),
    ({'name': 'x' * 256}, 'name'),
    ({'user_data': 'not base64!'}, 'user_data'),
])
def test_bad_requests_store_nothing(shared_cloud, change, message):
    cloud = shared_cloud
    before = [_count(cloud.api_url, model)
              for model in (api.BuildRequest, api.InstanceMapping)]
    refused = _boot(cloud, **change)
    assert refused.status_code == 400, refused.text
    assert message in refused.json()['badRequest']['message']
    assert [_count(cloud.api_url, model) for model in (
        api.BuildRequest, api.InstanceMapping)] == before


def test_image_not_active_and_too_small_flavor_refused(shared_cloud, glance):
    cloud = shared_cloud
    queued = glance.create_image('queued', upload=False)
    refused = _boot(cloud, imageRef=queued['id'])
    assert refused.status_code == 400
    assert 'is not active' in refused.json()['badRequest']['message']
    needy = glance.create_image('needy', min_ram=1024)
    refused = _boot(cloud, imageRef=needy['id'])
    assert refused.status_code == 400
    assert refused.json()['badRequest']['message'] == (
        "Flavor's memory is too small for requested image.")


def test_quota_exceeded_is_refused_with_novas_message(shared_cloud):
    cloud = shared_cloud
    limits = cloud.api('PUT', '/os-quota-sets/quota-project',
                       json={'quota_set': {'instances': 2}})
    assert limits.status_code == 200, limits.text
    token = 'quota-user:quota-project'
    body = {'server': {'name': 'q', 'imageRef': cloud.image['id'],
                       'flavorRef': '1', 'networks': 'none'}}
    first = cloud.api('POST', '/servers', version='2.37', token=token,
                      json={'server': dict(body['server'], min_count=2)})
    assert first.status_code == 202, first.text
    refused = cloud.api('POST', '/servers', version='2.37', token=token,
                        json=body)
    assert refused.status_code == 403, refused.text
    assert refused.json()['forbidden']['message'] == (
        'Quota exceeded for instances: Requested 1, but already used 2 of '
        '2 instances')


def test_parallel_boots_fill_hosts_exactly_and_explain_the_rest(make_cloud):
    """60 boots at once onto 3 hosts with room for 50: exactly 50 are
    ACTIVE, the other 10 ERROR with an explained NoValidHost, and no
    host holds more than it can."""
    cloud = make_cloud((('big', 2, 17), ('small', 1, 16)))
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        created = list(pool.map(lambda i: _boot(cloud, name='p%d' % i),
                                range(60)))
    assert {r.status_code for r in created} == {202}
    servers = [_wait_status(cloud, r.json()['server']['id'], timeout=120)
               for r in created]
    active = [s for s in servers if s['status'] == 'ACTIVE']
    errors = [s for s in servers if s['status'] == 'ERROR']
    assert (len(active), len(errors)) == (50, 10)
    for server in errors:
        assert server['fault']['message'].startswith(
            'No valid host was found.'), server['fault']
        assert 'MEMORY_MB' in server['fault']['message']
    per_host = {}
    for server in active:
        host = server['OS-EXT-SRV-ATTR:host']
        per_host[host] = per_host.get(host, 0) + 1
    assert per_host == {'big-0001': 17, 'big-0002': 17, 'small': 16}
    for node in cloud.compute_nodes():
        assert node.memory_mb_used <= node.memory_mb


def test_anti_affinity_holds_under_parallel_creates(make_cloud):
    cloud = make_cloud((('compute', 3, 10),))
    for attempt in range(3):
        group = cloud.api('POST', '/os-server-groups', version='2.64', json={
            'server_group': {'name': 'g%d' % attempt,
                             'policy': 'anti-affinity'}}).json()
        hints = {'group': group['server_group']['id']}
        body = {'server': {'name': 'aa', 'imageRef': cloud.image['id'],
                           'flavorRef': '1', 'networks': 'none'},
                'os:scheduler_hints': hints}
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            created = list(pool.map(lambda b: cloud.api(
                'POST', '/servers', version='2.37', json=b), [body] * 3))
        servers = [_wait_status(cloud, r.json()['server']['id'])
                   for r in created]
        assert [s['status'] for s in servers] == ['ACTIVE'] * 3
        hosts = {s['OS-EXT-SRV-ATTR:host'] for s in servers}
        assert len(hosts) == 3, hosts


def test_equal_hosts_fill_evenly(make_cloud):
    cloud = make_cloud((('compute', 10, 100),))
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        created = list(pool.map(lambda i: _boot(cloud, name='e%d' % i),
                                range(100)))
    servers = [_wait_status(cloud, r.json()['server']['id'], timeout=120)
               for r in created]
    per_host = {}
    for server in servers:
        assert server['status'] == 'ACTIVE', json.dumps(server)
        host = server['OS-EXT-SRV-ATTR:host']
        per_host[host] = per_host.get(host, 0) + 1
    assert len(per_host) == 10
    assert all(9 <= n <= 11 for n in per_host.values()), per_host


def test_delete_before_placement_leaves_nothing(make_cloud):
    """Without a scheduler the server stays a build request; deleting it
    then removes it, and the placement that follows makes nothing."""
    cloud = make_cloud((('compute', 1, 10),))
    cloud.procs['nova-scheduler'].terminate()
    cloud.procs['nova-scheduler'].wait()
    created = _boot(cloud)
    server_id = created.json()['server']['id']
    shown = cloud.api('GET', '/servers/%s' % server_id).json()['server']
    assert (shown['status'], shown['OS-EXT-STS:task_state']) == (
        'BUILD', 'scheduling')
    assert cloud.api('DELETE', '/servers/%s' % server_id).status_code == 204
    assert cloud.api('GET', '/servers/%s' % server_id).status_code == 404
    with engines.reader(cloud.api_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            api.BuildRequest)) == 0


def _hypervisor_usage(cloud, host):
    """(vcpus_used, memory_mb_used, running_vms) of ``host``'s node, as
    an admin reads them in GET /os-hypervisors/detail."""
    hypervisors = cloud.api('GET', '/os-hypervisors/detail').json()
    [node] = [h for h in hypervisors['hypervisors']
              if h['service']['host'] == host]
    return node['vcpus_used'], node['memory_mb_used'], node['running_vms']


def _compute_state(cloud, host):
    """'up' or 'down': the nova-compute of ``host`` in GET /os-services."""
    [compute] = cloud.api(
        'GET', '/os-services?binary=nova-compute&host=%s' % host
    ).json()['services']
    return compute['state']


def test_build_lost_on_a_dead_compute_times_out_then_deletes(make_cloud):
    """A killed compute still looks up until ``service_down_time`` has
    passed, so a server is placed on it and its build is lost.  The
    conductor puts it in ERROR after ``instance_build_timeout`` and frees
    its claim; once the service is down, deleting it and a server that
    was ACTIVE there happens locally."""
    build_timeout, down_time = 6, 8
    check_spacing = build_timeout // 2
    cloud = make_cloud((('compute', 1, 10),),
                       instance_build_timeout=build_timeout,
                       service_down_time=down_time, periodic_fuzzy_delay=0)
    idle = _hypervisor_usage(cloud, 'compute')
    survivor = _boot(cloud, name='survivor').json()['server']['id']
    assert _wait_status(cloud, survivor)['status'] == 'ACTIVE'
    one = _hypervisor_usage(cloud, 'compute')
    assert one == (idle[0] + 1, idle[1] + 512, idle[2] + 1)

    compute = cloud.procs['compute']
    compute.kill()
    compute.wait()
    posted = time.monotonic()
    created = _boot(cloud, name='orphan')
    assert created.status_code == 202, created.text
    orphan = created.json()['server']['id']

    def placed():
        """the orphan placed on a host (or settled)"""
        body = cloud.api('GET', '/servers/%s' % orphan).json()['server']
        return body if (body['OS-EXT-SRV-ATTR:host'] or
                        body['status'] != 'BUILD') else None
    server = cloud.wait_for(placed, timeout=build_timeout, interval=0.2)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == (
        'BUILD', 'compute')
    assert _hypervisor_usage(cloud, 'compute') == (
        one[0] + 1, one[1] + 512, one[2] + 1)

    server = _wait_status(cloud, orphan,
                          timeout=build_timeout + 2 * check_spacing + 10)
    # created_at keeps whole seconds: the cutoff may come a second early.
    assert time.monotonic() - posted >= build_timeout - 1
    assert server['status'] == 'ERROR'
    assert server['fault']['message'] == (
        'Instance build timed out. Set to error state.'), server['fault']
    assert _hypervisor_usage(cloud, 'compute') == one

    cloud.wait_for(lambda: _compute_state(cloud, 'compute') == 'down',
                   timeout=down_time + 10)
    for server_id in (orphan, survivor):
        deleted = cloud.api('DELETE', '/servers/%s' % server_id)
        assert deleted.status_code == 204, deleted.text

    def gone():
        """both servers gone from the list"""
        listed = cloud.api('GET', '/servers').json()['servers']
        return not {orphan, survivor} & {s['id'] for s in listed}
    cloud.wait_for(gone, timeout=5)
    assert _hypervisor_usage(cloud, 'compute') == idle
