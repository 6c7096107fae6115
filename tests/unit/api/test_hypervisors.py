"""os-hypervisors over every microversion, against Tempest's schemas."""

import copy

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import hypervisors as v21
from tempest.lib.api_schema.response.compute.v2_28 import hypervisors as v228
from tempest.lib.api_schema.response.compute.v2_33 import hypervisors as v233
from tempest.lib.api_schema.response.compute.v2_53 import hypervisors as v253

from nova_api.controllers import hypervisors
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

BASE = '/v2.1/os-hypervisors'


@pytest.fixture
def hosts(cloud):
    """cmp1 and cmp2 mapped in cell1, far in cell2, and a node whose
    host was never discovered (not listed, as in Nova)."""
    cloud.add_cell2()
    services = {host: cloud.add_compute(host)
                for host in ('cmp1', 'cmp2')}
    services['far'] = cloud.add_compute('far', cell='cell2')
    cloud.add_compute('undiscovered', mapped=False)
    return services


def _get(cloud, path='', version=None, **kwargs):
    return cloud.request(BASE + path, version=version, **kwargs)


@pytest.mark.parametrize('version, list_schema, detail_schema', [
    ('2.1', v21.list_search_hypervisors, v21.list_hypervisors_detail),
    ('2.28', v228.list_search_hypervisors, v228.list_hypervisors_detail),
    ('2.33', v233.list_search_hypervisors, v233.list_hypervisors_detail),
    ('2.53', v253.list_search_hypervisors, v253.list_hypervisors_detail),
])
def test_lists_match_tempest(cloud, hosts, version, list_schema,
                             detail_schema):
    response = _get(cloud, '', version)
    assert_schema(list_schema, response)
    assert [h['hypervisor_hostname'] for h in
            response.json['hypervisors']] == ['cmp1', 'cmp2', 'far']
    assert_schema(detail_schema, _get(cloud, '/detail', version))


def test_ids_and_cpu_info_by_microversion(cloud, hosts):
    old = _get(cloud, '/detail', '2.27').json['hypervisors'][0]
    assert isinstance(old['id'], int)
    assert old['service'] == {'id': hosts['cmp1']['id'], 'host': 'cmp1',
                              'disabled_reason': None}
    assert old['cpu_info'] == '{"arch": "x86_64", "model": "Nehalem"}'
    new = _get(cloud, '/detail', '2.53').json['hypervisors'][0]
    assert new['service']['id'] == hosts['cmp1']['uuid']
    assert new['id'] == cloud.nodes()[0]['uuid']
    assert new['cpu_info'] == {'arch': 'x86_64', 'model': 'Nehalem'}
    assert (new['state'], new['status'], new['vcpus'],
            new['free_ram_mb']) == ('up', 'enabled', 8, 15872)


def test_paging_from_2_33(cloud, hosts):
    response = _get(cloud, '?limit=2', '2.33')
    assert_schema(v233.list_search_hypervisors, response)
    page = response.json['hypervisors']
    assert [h['hypervisor_hostname'] for h in page] == ['cmp1', 'cmp2']
    assert response.json['hypervisors_links'] == [{
        'rel': 'next',
        'href': 'http://localhost/v2.1/os-hypervisors?limit=2&marker=%s'
                % page[1]['id']}]
    rest = _get(cloud, '/detail?marker=%s' % page[1]['id'], '2.33')
    assert [h['hypervisor_hostname'] for h in rest.json['hypervisors']] == [
        'far']
    assert 'hypervisors_links' not in rest.json
    ignored = _get(cloud, '?limit=1', '2.32')
    assert len(ignored.json['hypervisors']) == 3


def test_paging_by_uuid_from_2_53(cloud, hosts):
    first = _get(cloud, '?limit=1', '2.53').json
    marker = first['hypervisors'][0]['id']
    assert first['hypervisors_links'][0]['href'].endswith(
        'marker=%s' % marker)
    rest = _get(cloud, '?marker=%s' % marker, '2.53').json
    assert [h['hypervisor_hostname'] for h in rest['hypervisors']] == [
        'cmp2', 'far']


@pytest.mark.parametrize('query, message', [
    ('?marker=999', 'marker [999] not found'),
    ('?limit=-1', None),
    ('?limit=x', None),
])
def test_bad_paging_is_400(cloud, hosts, query, message):
    assert_fault(_get(cloud, query, '2.33'), 400, 'badRequest', message)


def test_pattern_and_servers_from_2_53(cloud, hosts):
    instance = cloud.add_instance('cmp2')
    response = _get(cloud, '?hypervisor_hostname_pattern=CMP&'
                    'with_servers=true', '2.53')
    assert_schema(v253.list_search_hypervisors, response)
    found = response.json['hypervisors']
    assert [h['hypervisor_hostname'] for h in found] == ['cmp1', 'cmp2']
    assert 'servers' not in found[0]
    assert found[1]['servers'][0]['uuid'] == instance
    assert found[1]['servers'][0]['name'].startswith('instance-')
    assert 'hypervisors_links' not in response.json
    assert_fault(_get(cloud, '?hypervisor_hostname_pattern=zzz', '2.53'),
                 404, 'itemNotFound',
                 "No hypervisor matching 'zzz' could be found.")
    assert_fault(_get(cloud, '?hypervisor_hostname_pattern=cmp&limit=1',
                      '2.53'), 400, 'badRequest')
    assert_fault(_get(cloud, '?foo=1', '2.53'), 400, 'badRequest',
                 "Additional properties are not allowed ('foo' was "
                 "unexpected)")


def test_search_and_servers_routes_before_2_53(cloud, hosts):
    instance = cloud.add_instance('cmp1')
    response = _get(cloud, '/cmp/search', '2.1')
    assert_schema(v21.list_search_hypervisors, response)
    assert len(response.json['hypervisors']) == 2
    response = _get(cloud, '/cmp1/servers', '2.52')
    assert_schema(v21.get_hypervisors_servers, response)
    assert response.json['hypervisors'][0]['servers'][0]['uuid'] == instance
    assert_fault(_get(cloud, '/nothing/search'), 404, 'itemNotFound')
    assert_fault(_get(cloud, '/cmp1/servers', '2.53'), 404, 'itemNotFound')


def test_show(cloud, hosts):
    node = cloud.nodes()[1]
    response = _get(cloud, '/%s' % node['id'], '2.28')
    assert_schema(v228.get_hypervisor, response)
    assert response.json['hypervisor']['hypervisor_hostname'] == 'cmp2'
    response = _get(cloud, '/%s?with_servers=1' % node['uuid'], '2.53')
    assert_schema(v253.get_hypervisor, response)
    assert_fault(_get(cloud, '/9999'), 404, 'itemNotFound',
                 "Hypervisor with ID '9999' could not be found.")
    assert_fault(_get(cloud, '/abc'), 404, 'itemNotFound')
    assert_fault(_get(cloud, '/abc', '2.53'), 400, 'badRequest',
                 'Invalid uuid abc')


def test_statistics_sum_enabled_hosts_of_every_cell(cloud, hosts):
    cloud.add_compute('off', disabled=True)
    response = _get(cloud, '/statistics')
    assert_schema(v21.get_hypervisor_statistics, response)
    stats = response.json['hypervisor_statistics']
    assert (stats['count'], stats['vcpus'], stats['memory_mb']) == (
        4, 32, 4 * 16384)


def test_uptime_asks_the_host(cloud, hosts, compute_host):
    endpoint = compute_host('cmp1')
    node = cloud.nodes()[0]
    response = _get(cloud, '/%s/uptime' % node['id'])
    assert_schema(v21.get_hypervisor_uptime, response)
    assert response.json['hypervisor']['uptime'] == endpoint.answer
    endpoint.answer = NotImplementedError()
    assert_fault(_get(cloud, '/%s/uptime' % node['id']), 501,
                 'notImplemented')


def test_uptime_of_a_host_down_or_silent(cloud, hosts, config):
    config.config(rpc_response_timeout=1)
    node = cloud.nodes()[0]
    assert_fault(_get(cloud, '/%s/uptime' % node['id']), 400, 'badRequest',
                 'Compute service of cmp1 is unavailable at this time.')
    config.config(service_down_time=-1)
    assert_fault(_get(cloud, '/%s/uptime' % node['id']), 400, 'badRequest',
                 'Compute service of cmp1 is unavailable at this time.')


def _v288(schema):
    """Nova's 2.88 response: the 2.53 one without the resource counts
    and ``cpu_info``, with ``uptime`` (Tempest has no module for it)."""
    schema = copy.deepcopy(schema)
    body = schema['response_body']['properties']
    hypervisor = (body['hypervisors']['items'] if 'hypervisors' in body
                  else body['hypervisor'])
    for field in hypervisors.DETAIL_FIELDS + ('cpu_info',):
        hypervisor['properties'].pop(field, None)
        if field in hypervisor['required']:
            hypervisor['required'].remove(field)
    hypervisor['properties']['uptime'] = {'type': ['string', 'null']}
    hypervisor['required'].append('uptime')
    return schema


def test_resources_give_way_to_uptime_in_2_88(cloud, hosts, compute_host,
                                              config):
    """Each host is asked its uptime; one down (not asked) or silent
    shows none rather than failing the list."""
    config.config(rpc_response_timeout=1)
    answering = compute_host('cmp1')
    compute_host('far')
    cloud.add_compute('gone', forced_down=True)
    response = _get(cloud, '/detail', '2.88')
    assert_schema(_v288(v253.list_hypervisors_detail), response)
    found = {h['hypervisor_hostname']: h
             for h in response.json['hypervisors']}
    assert found['cmp1']['uptime'] == answering.answer
    assert found['cmp2']['uptime'] is None
    assert found['gone']['uptime'] is None
    assert 'vcpus' not in found['cmp1'] and 'cpu_info' not in found['cmp1']
    older = _get(cloud, '/detail', '2.87').json['hypervisors'][0]
    assert older['vcpus'] == 8 and 'uptime' not in older
    node = cloud.nodes()[0]
    response = _get(cloud, '/%s' % node['uuid'], '2.88')
    assert_schema(_v288(v253.get_hypervisor), response)
    assert response.json['hypervisor']['uptime'] == answering.answer
    assert_schema(v253.list_search_hypervisors, _get(cloud, '', '2.104'))


@pytest.mark.parametrize('path', ['/statistics', '/{id}/uptime'])
def test_statistics_and_uptime_are_gone_in_2_88(cloud, hosts, compute_host,
                                                path):
    compute_host('cmp1')
    path = path.format(id=cloud.nodes()[0]['uuid'])
    assert _get(cloud, path, '2.87').status_int == 200
    assert_fault(_get(cloud, path, '2.88'), 404, 'itemNotFound',
                 'The resource could not be found.')


def test_servers_always_shown_when_asked_from_2_75(cloud, hosts):
    cloud.add_instance('cmp2')
    query = '?with_servers=true&hypervisor_hostname_pattern=cmp'
    old = _get(cloud, query, '2.74').json['hypervisors']
    assert ['servers' in h for h in old] == [False, True]
    new = _get(cloud, query, '2.75').json['hypervisors']
    assert [len(h['servers']) for h in new] == [0, 1]
    assert 'servers' not in _get(cloud, '', '2.75').json['hypervisors'][0]


@pytest.mark.parametrize('query, version', [
    ('?foo=1&limit=1', '2.1'),
    ('?foo=1', '2.33'),
    ('?with_servers=banana', '2.52'),
])
def test_unknown_query_ignored_before_2_53(cloud, hosts, query, version):
    response = _get(cloud, query, version)
    assert response.status_int == 200, response.text
    assert len(response.json['hypervisors']) == 3
    assert 'servers' not in response.json['hypervisors'][0]


@pytest.mark.parametrize('query, message', [
    ('?limit=1&limit=2', "['1', '2'] is too long"),
    ('?with_servers=banana', "'banana' is not one of"),
    ('?limit=-1', "'-1' does not match"),
])
def test_query_validated_from_2_53(cloud, hosts, query, message):
    text = assert_fault(_get(cloud, query, '2.53'), 400, 'badRequest')
    assert text.startswith('Invalid input for query parameters ')
    assert message in text


def test_show_ignores_query_before_2_53_and_refuses_unknown_from(cloud,
                                                                 hosts):
    node = cloud.nodes()[0]
    assert _get(cloud, '/%s?with_servers=x' % node['id'],
                '2.52').status_int == 200
    assert_fault(_get(cloud, '/%s?foo=1' % node['uuid'], '2.53'), 400,
                 'badRequest')
