"""GET /servers, /servers/detail and /servers/{id}: shapes per
microversion (Tempest's schemas and the real Nova 34 captures),
filters, sorting, paging, and who sees what.

Servers are seeded directly in the SQLite databases of the ``cloud``
fixture, where the conductor would have written them: build requests
(with their request spec and cell-less mapping) in the API database,
instances with their side rows in cell0 and cell1.
"""

import datetime
import hashlib
import json
import pathlib
import uuid as uuidlib

from oslo_policy import policy as oslo_policy
import pytest
from tempest.lib.api_schema.response.compute.v2_1 import servers as v21
from tempest.lib.api_schema.response.compute.v2_3 import servers as v23
from tempest.lib.api_schema.response.compute.v2_9 import servers as v29
from tempest.lib.api_schema.response.compute.v2_16 import servers as v216
from tempest.lib.api_schema.response.compute.v2_19 import servers as v219
from tempest.lib.api_schema.response.compute.v2_26 import servers as v226
from tempest.lib.api_schema.response.compute.v2_47 import servers as v247
from tempest.lib.api_schema.response.compute.v2_63 import servers as v263
from tempest.lib.api_schema.response.compute.v2_71 import servers as v271
from tempest.lib.api_schema.response.compute.v2_73 import servers as v273
from tempest.lib.api_schema.response.compute.v2_89 import servers as v289
from tempest.lib.api_schema.response.compute.v2_96 import servers as v296
from tempest.lib.api_schema.response.compute.v2_98 import servers as v298
from tempest.lib.api_schema.response.compute.v2_100 import servers as v2100

from common.db import api_models as api
from common.db import engines
from nova_api import policy
from tests.unit.api import server_rows
from tests.unit.api.conftest import ADMIN
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

BASE = '/v2.1/servers'
IMAGE = server_rows.IMAGE
REFERENCE = pathlib.Path(__file__).resolve().parents[2] / 'data' / 'nova-34'
T0 = server_rows.T0
# The newest Tempest schema module of each microversion range.
SCHEMAS = ((v21, '2.1'), (v23, '2.3'), (v29, '2.9'), (v216, '2.16'),
           (v219, '2.19'), (v226, '2.26'), (v247, '2.47'), (v263, '2.63'),
           (v271, '2.71'), (v273, '2.73'), (v289, '2.89'), (v296, '2.96'),
           (v298, '2.98'), (v2100, '2.100'))
VERSIONS = ('2.1', '2.2', '2.3', '2.9', '2.16', '2.19', '2.26', '2.47',
            '2.63', '2.71', '2.73', '2.75', '2.89', '2.90', '2.96', '2.98',
            '2.100', '2.104')


def _schemas(version):
    def minor(v):
        return int(v.split('.')[1])
    return [module for module, low in SCHEMAS
            if minor(low) <= minor(version)][-1]


@pytest.fixture
def servers(cloud):
    cloud.add_compute('cmp1')
    return server_rows.Servers(cloud)


def _get(cloud, path='', version=None, token=MEMBER):
    return cloud.request(BASE + path, version=version, token=token)


def _ids(response):
    return [s['id'] for s in response.json['servers']]


def _reference(name):
    with open(REFERENCE / ('%s.json' % name)) as f:
        return json.load(f)['response']['body']


# --- shapes -----------------------------------------------------------------

@pytest.mark.parametrize('version', VERSIONS)
def test_views_match_tempest(cloud, servers, version):
    """Every server kind, admin and member, each microversion."""
    building = servers.build_request()
    active = servers.instance(tags=['a'], volumes=['vol-1'],
                              metadata={'k': 'v'})
    failed = servers.instance(
        cell='cell0', vm_state='error', host=None, node=None,
        fault={'code': 500, 'message': 'No valid host was found. ',
               'details': 'Traceback...', 'host': None,
               'created_at': T0})
    schemas = _schemas(version)
    for token in (ADMIN, MEMBER):
        for uuid in (building, active, failed):
            assert_schema(schemas.get_server,
                          _get(cloud, '/' + uuid, version, token))
        assert_schema(schemas.list_servers_detail,
                      _get(cloud, '/detail', version, token))
        assert_schema(schemas.list_servers, _get(cloud, '', version, token))


@pytest.mark.parametrize('state, reference', [
    ('build', 'server_GET_right_after_POST'),
    ('active', 'server_GET_ACTIVE'),
])
@pytest.mark.parametrize('suffix, version', [('2.37', '2.37'),
                                             ('latest', 'latest')])
def test_show_has_novas_fields(cloud, servers, state, reference, suffix,
                               version):
    uuid = (servers.build_request() if state == 'build'
            else servers.instance())
    server = _get(cloud, '/' + uuid, version, ADMIN).json['server']
    expected = _reference('%s__mv%s' % (reference, suffix))['server']
    assert sorted(server) == sorted(expected)
    assert sorted(server['flavor']) == sorted(expected['flavor'])
    assert sorted(server['image']) == sorted(expected['image'])
    same = ('OS-DCF:diskConfig', 'OS-EXT-SRV-ATTR:kernel_id',
            'OS-EXT-SRV-ATTR:launch_index', 'OS-EXT-SRV-ATTR:user_data',
            'OS-EXT-STS:power_state', 'OS-EXT-STS:task_state',
            'OS-EXT-STS:vm_state', 'OS-SRV-USG:terminated_at', 'accessIPv4',
            'addresses', 'config_drive', 'description', 'key_name',
            'locked', 'status', 'host_status', 'progress',
            'os-extended-volumes:volumes_attached', 'server_groups',
            'pinned_availability_zone', 'scheduler_hints', 'tags',
            'trusted_image_certificates', 'OS-EXT-AZ:availability_zone',
            'OS-EXT-SRV-ATTR:root_device_name')
    assert ({k: server[k] for k in same if k in expected} ==
            {k: expected[k] for k in same if k in expected})


def test_build_request_shows_as_nova_right_after_post(cloud, servers):
    uuid = servers.build_request(name='sample')
    server = _get(cloud, '/' + uuid, 'latest', ADMIN).json['server']
    assert server['OS-EXT-SRV-ATTR:instance_name'] == ''
    assert server['OS-EXT-SRV-ATTR:host'] is None
    assert server['hostId'] == '' and server['host_status'] == ''
    assert server['created'] == '2026-11-21T08:33:18Z'
    # No update yet: Nova formats the missing time as now.
    assert server['updated'].endswith('Z')


def test_active_server_values(cloud, servers):
    uuid = servers.instance(project='demo', key_name='key',
                            display_description='d', locked_by='owner',
                            locked_reason='maintenance',
                            access_ip_v4='192.0.2.1',
                            auto_disk_config=True,
                            trusted_certs=['cert-1'],
                            spec={'availability_zone': 'az1',
                                  'scheduler_hints': {'group': 'g'}})
    server = _get(cloud, '/' + uuid, 'latest', ADMIN).json['server']
    assert server['status'] == 'ACTIVE'
    assert server['hostId'] == hashlib.sha224(b'democmp1').hexdigest()
    assert server['OS-SRV-USG:launched_at'] == '2026-11-21T08:33:17.000000'
    assert server['created'] == server['updated'] == '2026-11-21T08:33:18Z'
    assert server['OS-EXT-SRV-ATTR:instance_name'] == 'instance-00000001'
    assert server['OS-EXT-AZ:availability_zone'] == 'nova'
    assert server['OS-DCF:diskConfig'] == 'AUTO'
    assert server['accessIPv4'] == '192.0.2.1'
    assert server['accessIPv6'] == ''
    assert server['locked'] is True
    assert server['locked_reason'] == 'maintenance'
    assert server['description'] == 'd'
    assert server['key_name'] == 'key'
    assert server['trusted_image_certificates'] == ['cert-1']
    assert server['pinned_availability_zone'] == 'az1'
    assert server['scheduler_hints'] == {'group': 'g'}
    assert server['flavor'] == {
        'vcpus': 1, 'ram': 512, 'disk': 1, 'ephemeral': 0, 'swap': 0,
        'original_name': 'm1.tiny', 'extra_specs': {'hw:cpu_policy':
                                                    'shared'}}
    assert server['image']['properties'] == {
        'base_image_ref': IMAGE, 'min_ram': '0', 'disk_format': 'qcow2'}
    assert server['image']['links'] == [{
        'rel': 'bookmark', 'href': 'http://localhost/images/%s' % IMAGE}]
    old = _get(cloud, '/' + uuid, '2.46', ADMIN).json['server']
    assert old['flavor'] == {'id': '1', 'links': [{
        'rel': 'bookmark', 'href': 'http://localhost/flavors/1'}]}
    assert 'properties' not in old['image']


def test_microversions_add_fields(cloud, servers):
    uuid = servers.instance(volumes=['vol-1'])

    def keys(version, token=ADMIN):
        return set(_get(cloud, '/' + uuid, version, token).json['server'])

    assert 'OS-EXT-SRV-ATTR:reservation_id' not in keys('2.2')
    assert 'OS-EXT-SRV-ATTR:reservation_id' in keys('2.3')
    assert _get(cloud, '/' + uuid, '2.2', ADMIN).json['server'][
        'os-extended-volumes:volumes_attached'] == [{'id': 'vol-1'}]
    assert _get(cloud, '/' + uuid, '2.3', ADMIN).json['server'][
        'os-extended-volumes:volumes_attached'] == [
        {'id': 'vol-1', 'delete_on_termination': False}]
    for field, version in (('locked', '2.9'), ('host_status', '2.16'),
                           ('description', '2.19'), ('tags', '2.26'),
                           ('trusted_image_certificates', '2.63'),
                           ('server_groups', '2.71'),
                           ('locked_reason', '2.73'),
                           ('pinned_availability_zone', '2.96'),
                           ('scheduler_hints', '2.100')):
        before = '2.%d' % (int(version.split('.')[1]) - 1)
        assert field not in keys(before), field
        assert field in keys(version), field


def test_member_sees_no_extended_attributes_until_hostname(cloud, servers):
    uuid = servers.instance(hostname='web-1')
    server = _get(cloud, '/' + uuid, '2.89').json['server']
    assert not [k for k in server if k.startswith('OS-EXT-SRV-ATTR')]
    assert 'host_status' not in server
    server = _get(cloud, '/' + uuid, '2.90').json['server']
    assert [k for k in server if k.startswith('OS-EXT-SRV-ATTR')] == [
        'OS-EXT-SRV-ATTR:hostname']
    assert server['OS-EXT-SRV-ATTR:hostname'] == 'web-1'


def test_fault_details_for_admins_or_non_500(cloud, servers):
    def fault(code):
        return {'code': code, 'message': 'm', 'details': 'trace',
                'host': None, 'created_at': T0}

    internal = servers.instance(cell='cell0', vm_state='error', host=None,
                                fault=fault(500))
    refused = servers.instance(cell='cell0', vm_state='error', host=None,
                               fault=fault(400))
    shown = _get(cloud, '/' + internal).json['server']['fault']
    assert shown == {'code': 500, 'message': 'm',
                     'created': '2026-11-21T08:33:17Z'}
    assert 'details' in _get(cloud, '/' + internal,
                             token=ADMIN).json['server']['fault']
    assert _get(cloud, '/' + refused).json['server']['fault'][
        'details'] == 'trace'
    server = _get(cloud, '/' + internal).json['server']
    assert server['status'] == 'ERROR' and 'progress' not in server
    assert server['OS-EXT-AZ:availability_zone'] == ''


def test_host_status(cloud, servers):
    cloud.add_compute('down', forced_down=True)
    cloud.add_compute('off', disabled=True)
    cloud.add_compute('silent', last_seen_up=T0, updated_at=T0)
    found = {host: servers.instance(host=host)
             for host in ('cmp1', 'down', 'off', 'silent', 'gone')}
    shown = {s['OS-EXT-SRV-ATTR:host']: s['host_status'] for s in
             _get(cloud, '/detail?all_tenants', '2.16',
                  ADMIN).json['servers']}
    assert shown == {'cmp1': 'UP', 'down': 'DOWN', 'off': 'MAINTENANCE',
                     'silent': 'UNKNOWN', 'gone': ''}
    assert _get(cloud, '/' + found['off'], '2.16',
                ADMIN).json['server']['host_status'] == 'MAINTENANCE'


@pytest.fixture
def rules(request):
    """Factory: override policy rules for this test."""
    request.addfinalizer(policy.reset)

    def set_rules(**rules):
        policy.init().set_rules(oslo_policy.Rules.from_dict(rules),
                                overwrite=False, use_conf=False)
    return set_rules


def test_host_status_unknown_only(cloud, servers, rules):
    cloud.add_compute('silent', last_seen_up=T0, updated_at=T0)
    servers.instance(host='silent')
    servers.instance(host='cmp1')
    rules(**{'os_compute_api:servers:show:host_status:unknown-only': '@'})
    shown = [s.get('host_status') for s in
             _get(cloud, '/detail', '2.16').json['servers']]
    assert shown == [None, 'UNKNOWN']


def test_extra_specs_hidden_by_policy(cloud, servers, rules):
    uuid = servers.instance()
    assert 'extra_specs' in _get(cloud, '/' + uuid,
                                 '2.47').json['server']['flavor']
    rules(**{'os_compute_api:servers:show:flavor-extra-specs': '!'})
    assert 'extra_specs' not in _get(cloud, '/' + uuid,
                                     '2.47').json['server']['flavor']
    assert 'extra_specs' not in _get(cloud, '/detail',
                                     '2.47').json['servers'][0]['flavor']


def test_server_groups_only_in_show(cloud, servers):
    uuid = servers.instance()
    group = str(uuidlib.uuid4())
    servers.join_group(group, uuid)
    assert _get(cloud, '/' + uuid, '2.71').json['server'][
        'server_groups'] == [group]
    assert 'server_groups' not in _get(cloud, '/detail',
                                       '2.71').json['servers'][0]


def test_addresses_from_the_network_info_cache(cloud, servers):
    vif = {'address': 'fa:16:3e:00:00:01', 'network': {
        'label': 'private', 'subnets': [{'ips': [
            {'address': '10.0.0.3', 'type': 'fixed', 'version': 4,
             'floating_ips': [{'address': '172.24.4.9', 'type': 'floating',
                               'version': 4}]}]}]}}
    uuid = servers.instance(network_info=[vif])
    assert _get(cloud, '/' + uuid).json['server']['addresses'] == {
        'private': [
            {'version': 4, 'addr': '10.0.0.3', 'OS-EXT-IPS:type': 'fixed',
             'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01'},
            {'version': 4, 'addr': '172.24.4.9',
             'OS-EXT-IPS:type': 'floating',
             'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01'}]}


def test_volume_backed_server_has_no_image(cloud, servers):
    uuid = servers.instance(image_ref='')
    assert _get(cloud, '/' + uuid, '2.98').json['server']['image'] == ''


# --- finding one ------------------------------------------------------------

def test_missing_server_is_novas_404(cloud, servers):
    expected = _reference('error_404_missing_server__mvlatest')
    missing = '00000000-0000-0000-0000-00000000dead'
    response = _get(cloud, '/' + missing, 'latest')
    assert response.status_int == 404 and response.json == expected
    assert_fault(_get(cloud, '/not-a-uuid'), 404, 'itemNotFound',
                 'Instance not-a-uuid could not be found.')


def test_deleted_and_other_projects_servers_are_not_found(cloud, servers):
    deleted = servers.instance(deleted=1, vm_state='deleted')
    theirs = servers.instance(project='other')
    assert _get(cloud, '/' + deleted, token=ADMIN).status_int == 404
    assert _get(cloud, '/' + theirs).status_int == 404
    assert _get(cloud, '/' + theirs, token=ADMIN).status_int == 200


def test_other_projects_build_request_is_refused(cloud, servers):
    theirs = servers.build_request(project='other')
    assert_fault(_get(cloud, '/' + theirs), 403, 'forbidden')


def test_mapping_with_neither_cell_nor_build_request(cloud, servers):
    """The build request is gone and the mapping, read again, still has
    no cell: the server is not found."""
    uuid = servers.instance()
    with engines.writer(cloud.api_url) as session:
        mapping = session.query(api.InstanceMapping).filter_by(
            instance_uuid=uuid).one()
        mapping.cell_id = None
    assert _get(cloud, '/' + uuid).status_int == 404


# --- lists ------------------------------------------------------------------

def test_list_order_build_requests_first(cloud, servers):
    old = servers.instance(name='old')
    building = servers.build_request(name='building')
    failed = servers.instance(cell='cell0', name='failed', vm_state='error',
                              host=None)
    new = servers.instance(name='new')
    assert _ids(_get(cloud)) == [building, new, failed, old]
    assert _ids(_get(cloud, '?sort_key=display_name&sort_dir=asc')) == [
        building, failed, new, old]


def test_member_sees_own_project_admin_all_tenants(cloud, servers):
    mine = servers.instance()
    theirs = servers.instance(project='other')
    building = servers.build_request(project='other')
    assert _ids(_get(cloud)) == [mine]
    assert _ids(_get(cloud, token=ADMIN)) == []
    assert set(_ids(_get(cloud, '?all_tenants=1', token=ADMIN))) == {
        mine, theirs, building}
    assert set(_ids(_get(cloud, '?all_tenants&tenant_id=other',
                         token=ADMIN))) == {theirs, building}
    assert_fault(_get(cloud, '?all_tenants=1'), 403, 'forbidden')
    assert_fault(_get(cloud, '?all_tenants=maybe', token=ADMIN), 400,
                 'badRequest')
    # A member's project_id filter is dropped, not obeyed.
    assert _ids(_get(cloud, '?project_id=other')) == [mine]


def test_filters(cloud, servers):
    web = servers.instance(name='Web-1', tags=['a', 'b'],
                           reservation_id='r-web', key_name='k1')
    db = servers.instance(name='db-1', tags=['b'], vm_state='stopped',
                          host='cmp2', node='cmp2')
    building = servers.build_request(name='web-2', tags=['a'])

    def ids(query, version='2.104', token=MEMBER):
        return set(_ids(_get(cloud, '?' + query, version, token)))

    assert ids('name=web') == {web, building}
    assert ids('name=^db') == {db}
    assert ids('status=SHUTOFF') == {db}
    assert ids('status=ACTIVE&status=SHUTOFF') == {web, db}
    assert ids('status=BUILD') == {building}
    assert ids('reservation_id=r-web') == {web}
    assert ids('tags=a,b') == {web}
    assert ids('tags-any=a') == {web, building}
    assert ids('not-tags=a,b') == {db, building}
    assert ids('not-tags-any=a') == {db}
    assert ids('image=%s' % IMAGE) == {web, db, building}
    assert ids('image=other') == set()
    assert ids('ip=10.0.0.1') == set()
    # host is an administrator's filter; members' is dropped.
    assert ids('host=cmp2') == {web, db, building}
    assert ids('all_tenants&host=cmp2', token=ADMIN) == {db}
    assert ids('key_name=k1', '2.82') == {web, db, building}
    # As in Nova, a build request whose field is empty passes.
    assert ids('key_name=k1', '2.83') == {web, building}


def test_admin_filters_own_project_unless_all_tenants(cloud, servers):
    theirs = servers.instance(project='other', host='cmp2', node='cmp2')
    assert set(_ids(_get(cloud, '?all_tenants=1&host=cmp2',
                         token=ADMIN))) == {theirs}
    assert set(_ids(_get(cloud, '?all_tenants=1&node=cmp',
                         token=ADMIN))) == {theirs}


def test_flavor_filter(cloud, servers):
    with engines.writer(cloud.api_url) as session:
        session.add(api.Flavor(id=1, name='m1.tiny', memory_mb=512,
                               vcpus=1, root_gb=1, ephemeral_gb=0,
                               flavorid='1', swap=0))
    tiny = servers.instance()
    servers.instance(instance_type_id=2)
    assert _ids(_get(cloud, '?flavor=1')) == [tiny]
    assert _ids(_get(cloud, '?flavor=nope')) == []


def test_status_validation(cloud, servers):
    servers.instance()
    assert _ids(_get(cloud, '?status=NOPE', '2.37')) == []
    assert_fault(_get(cloud, '?status=NOPE', '2.38'), 400, 'badRequest',
                 'Invalid status value')
    assert_fault(_get(cloud, '?status=DELETED'), 403, 'forbidden',
                 'Only administrators may list deleted instances')


def test_deleted_and_changes_since(cloud, servers):
    alive = servers.instance(updated_at=T0 + datetime.timedelta(hours=1))
    gone = servers.instance(deleted=1, vm_state='deleted',
                            updated_at=T0 + datetime.timedelta(hours=2))
    soft = servers.instance(vm_state='soft-delete',
                            updated_at=T0 + datetime.timedelta(hours=3))
    assert _ids(_get(cloud, token=ADMIN)) == []

    def ids(query, version='2.66'):
        return set(_ids(_get(cloud, '?project_id=demo&all_tenants&' + query,
                             version, ADMIN)))

    assert ids('') == {alive}
    assert ids('deleted=true') == {gone, soft}
    assert ids('status=DELETED') == {gone}
    assert ids('changes-since=2026-11-21T09:00:00Z') == {alive, gone, soft}
    assert ids('changes-since=2026-11-21T10:00:00Z') == {gone, soft}
    assert ids('changes-before=2026-11-21T11:00:00Z') == {alive, gone}
    # Before 2.66 changes-before is not a filter: ignored.
    assert ids('changes-before=2026-11-21T11:00:00Z', '2.65') == {alive}
    assert set(_ids(_get(cloud, '?changes-since=2026-11-21T10:00:00Z'))) == {
        gone, soft}
    assert_fault(_get(cloud, '?changes-since=2026-11-21T11:00:00Z&'
                      'changes-before=2026-11-21T10:00:00Z', '2.66'), 400,
                 'badRequest', 'The value of changes-since must be less '
                 'than or equal to changes-before.')
    assert_fault(_get(cloud, '?changes-since=yesterday'), 400, 'badRequest')
    deleted = _get(cloud, '?changes-since=2026-11-21T10:00:00Z',
                   '2.104').json['servers']
    assert {s['id'] for s in deleted} == {gone, soft}


def test_locked_filter(cloud, servers):
    locked = servers.instance(locked=True, locked_by='owner')
    servers.instance()
    assert _ids(_get(cloud, '?locked=true', '2.73')) == [locked]
    assert_fault(_get(cloud, '?locked=maybe', '2.73'), 400, 'badRequest')


def test_unknown_parameters(cloud, servers):
    servers.instance()
    assert _get(cloud, '?foo=bar', '2.74').status_int == 200
    assert_fault(_get(cloud, '?foo=bar', '2.75'), 400, 'badRequest')
    assert_fault(_get(cloud, '?metadata=x', token=ADMIN), 400, 'badRequest',
                 'Invalid filter field: metadata.')
    assert_fault(_get(cloud, '?_secret=x', token=ADMIN), 400, 'badRequest',
                 'Invalid filter field: _secret.')
    assert _get(cloud, '?metadata=x').status_int == 200
    assert_fault(_get(cloud, '?name=(', '2.1'), 400, 'badRequest')


def test_sorting(cloud, servers):
    b = servers.instance(name='b', host='cmp2')
    a = servers.instance(name='a', host='cmp1')
    c = servers.instance(name='c', host='cmp1')
    assert _ids(_get(cloud, '?sort_key=display_name&sort_dir=asc')) == [
        a, b, c]
    assert _ids(_get(cloud, '?sort_key=display_name')) == [c, b, a]
    assert _ids(_get(cloud, '?sort_key=host&sort_key=display_name&'
                     'sort_dir=asc&sort_dir=desc&all_tenants',
                     token=ADMIN)) == [c, a, b]
    # Keys Nova ignores before 2.75 and refuses from then.
    assert _ids(_get(cloud, '?sort_key=id&sort_dir=asc', '2.74')) == [c, a, b]
    assert_fault(_get(cloud, '?sort_key=id', '2.75'), 400, 'badRequest')
    assert_fault(_get(cloud, '?sort_key=host'), 403, 'forbidden',
                 'Only administrators can sort servers by host')
    assert_fault(_get(cloud, '?sort_dir=up'), 400, 'badRequest',
                 "Invalid input received: Unknown sort direction, must be "
                 "'desc' or 'asc'")


def test_paging(cloud, servers, config):
    config.config(max_limit=2, group='api')
    building = servers.build_request()
    older = [servers.instance(cell=cell) for cell in
             ('cell1', 'cell0', 'cell1', 'cell0')]
    expected = [building] + older[::-1]
    seen, query = [], '?limit=2'
    while query is not None:
        page = _get(cloud, query, '2.104').json
        seen += [s['id'] for s in page['servers']]
        query = None
        if 'servers_links' in page:
            href = page['servers_links'][0]['href']
            assert href.startswith('http://localhost/v2.1/servers?')
            query = '?' + href.split('?', 1)[1]
    assert seen == expected
    detail = _get(cloud, '/detail?limit=1&marker=%s' % building).json
    assert _ids_of(detail) == [older[3]]
    assert detail['servers_links'][0]['href'].startswith(
        'http://localhost/v2.1/servers/detail?')
    assert len(_ids(_get(cloud))) == 2  # max_limit caps the default
    assert_fault(_get(cloud, '?marker=%s' % uuidlib.uuid4()), 400,
                 'badRequest')
    assert _ids(_get(cloud, '?limit=0')) == []


def _ids_of(body):
    return [s['id'] for s in body['servers']]


def test_marker_of_a_deleted_server(cloud, servers):
    kept = servers.instance()
    gone = servers.instance(deleted=1, vm_state='deleted')
    assert _ids(_get(cloud, '?marker=%s' % gone)) == [kept]


def _break_cell2(cloud):
    """cell2's database becomes a directory: every query fails."""
    cloud.add_cell2()
    engines.get_engine(cloud.urls['cell2']).dispose()
    path = pathlib.Path(cloud.urls['cell2'][len('sqlite:///'):])
    path.unlink()
    path.mkdir()


def test_down_cell_is_skipped(cloud, servers):
    mine = servers.instance()
    _break_cell2(cloud)
    assert _ids(_get(cloud)) == [mine]


def test_down_cell_fails_the_list_when_configured(cloud, servers, config):
    """[api] list_records_by_skipping_down_cells false: a 500; unless
    [api] instance_list_per_project_cells leaves that cell out, as the
    member's project has no server there."""
    mine = servers.instance()
    _break_cell2(cloud)
    config.config(list_records_by_skipping_down_cells=False, group='api')
    assert _get(cloud).status_int == 500
    config.config(instance_list_per_project_cells=True, group='api')
    assert _ids(_get(cloud)) == [mine]
