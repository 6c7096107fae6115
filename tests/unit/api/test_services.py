"""os-services over every microversion, writes through a real
conductor on the fake transport."""

import datetime

import pytest
import sqlalchemy as sa
from tempest.lib.api_schema.response.compute.v2_1 import services as v21
from tempest.lib.api_schema.response.compute.v2_11 import services as v211
from tempest.lib.api_schema.response.compute.v2_53 import services as v253

from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from common.db import mappings
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

OLD = datetime.datetime(2020, 1, 1, 8, 33, 10)


def _services(cloud, version=None, query=''):
    response = cloud.request('/v2.1/os-services' + query, version=version)
    return response, response.json['services']


@pytest.fixture
def computes(cloud):
    cloud.add_service('ctl', binary='nova-scheduler', topic='scheduler')
    cloud.add_service('ctl', binary='nova-osapi_compute')
    cloud.add_service('ctl', binary='nova-metadata')
    return [cloud.add_compute('cmp1'), cloud.add_compute('cmp2')]


@pytest.mark.parametrize('version, schema', [
    ('2.1', v21.list_services), ('2.11', v211.list_services),
    ('2.52', v211.list_services), ('2.53', v253.list_services)])
def test_list_matches_tempest(cloud, computes, version, schema):
    response, services = _services(cloud, version)
    assert_schema(schema, response)
    assert [(s['binary'], s['host']) for s in services] == [
        ('nova-scheduler', 'ctl'), ('nova-compute', 'cmp1'),
        ('nova-compute', 'cmp2')]


def test_fields_by_microversion(cloud, computes):
    _, (scheduler, cmp1, _cmp2) = _services(cloud, '2.1')
    assert cmp1['id'] == computes[0]['id']
    assert 'forced_down' not in cmp1
    assert (scheduler['zone'], cmp1['zone']) == ('internal', 'nova')
    assert (cmp1['status'], cmp1['state']) == ('enabled', 'up')
    _, (_, cmp1, _) = _services(cloud, '2.11')
    assert cmp1['forced_down'] is False and isinstance(cmp1['id'], int)
    _, (_, cmp1, _) = _services(cloud, '2.53')
    assert cmp1['id'] == computes[0]['uuid']


def test_updated_at_in_nova_format(cloud):
    cloud.add_compute('cmp1', updated_at=OLD, last_seen_up=OLD)
    _, (service,) = _services(cloud)
    assert service['updated_at'] == '2020-01-01T08:33:10.000000'
    assert service['state'] == 'down'


def test_filters_and_forced_down_state(cloud, computes):
    cloud.add_compute('cmp3', forced_down=True, disabled=True,
                      disabled_reason='maintenance')
    _, found = _services(cloud, '2.11', '?host=cmp3')
    assert [(s['host'], s['state'], s['status'], s['forced_down'],
             s['disabled_reason']) for s in found] == [
        ('cmp3', 'down', 'disabled', True, 'maintenance')]
    _, found = _services(cloud, query='?binary=nova-scheduler')
    assert [s['binary'] for s in found] == ['nova-scheduler']


def test_zone_comes_from_aggregates(cloud, computes, config):
    config.config(default_availability_zone='az-default')
    with engines.writer(cloud.api_url) as session:
        aggregate = api.Aggregate(uuid='a1', name='rack1')
        session.add(aggregate)
        session.flush()
        session.add(api.AggregateHost(host='cmp1',
                                      aggregate_id=aggregate.id))
        session.add(api.AggregateMetadata(key='availability_zone',
                                          value='az1',
                                          aggregate_id=aggregate.id))
    _, found = _services(cloud)
    assert {s['host']: s['zone'] for s in found} == {
        'ctl': 'internal', 'cmp1': 'az1', 'cmp2': 'az-default'}


def test_every_cell_is_listed(cloud, computes):
    cloud.add_cell2()
    cloud.add_compute('far', cell='cell2')
    _, found = _services(cloud)
    assert [s['host'] for s in found][-1] == 'far'


@pytest.fixture
def down_cell(cloud, tmp_path):
    """A cell whose database cannot be opened, with host 'lost' mapped
    to it."""
    cell = mappings.create_cell(
        cloud.api_url, 'down', 'fake:/down',
        'sqlite:///%s' % (tmp_path / 'missing' / 'cell.db'))
    with engines.writer(cloud.api_url) as session:
        session.add(api.HostMapping(host='lost', cell_id=cell.id))
    return cell


def test_down_cell_hidden_before_2_69(cloud, computes, down_cell):
    _, found = _services(cloud, '2.68')
    assert 'lost' not in [s['host'] for s in found]


def test_down_cell_hosts_are_partial_from_2_69(cloud, computes, down_cell):
    response, found = _services(cloud, '2.69')
    assert found[-1] == {'binary': 'nova-compute', 'host': 'lost',
                         'status': 'UNKNOWN'}
    assert [s['host'] for s in found[:-1]] == ['ctl', 'cmp1', 'cmp2']
    assert found[0]['state'] == 'up'
    _, found = _services(cloud, '2.104', '?host=lost')
    assert [s['status'] for s in found] == ['UNKNOWN']
    _, found = _services(cloud, '2.69', '?binary=nova-scheduler')
    assert [s['host'] for s in found] == ['ctl']


def test_unknown_query_ignored_before_2_75_refused_from(cloud, computes):
    response, found = _services(cloud, '2.74', '?host=cmp1&foo=bar')
    assert [s['host'] for s in found] == ['cmp1']
    response = cloud.request('/v2.1/os-services?foo=bar', version='2.75')
    assert_fault(response, 400, 'badRequest',
                 "Additional properties are not allowed ('foo' was "
                 "unexpected)")
    _, found = _services(cloud, '2.75', '?host=cmp1&host=cmp2')
    assert [s['host'] for s in found] == ['cmp2']


# --- before 2.53 ---------------------------------------------------------

def _put(cloud, action, body, version='2.11'):
    return cloud.request('/v2.1/os-services/%s' % action, method='PUT',
                         version=version, body=body)


def test_disable_enable_by_host_and_binary(cloud, conductor, computes):
    cmp1 = {'host': 'cmp1', 'binary': 'nova-compute'}
    response = _put(cloud, 'disable-log-reason',
                    dict(cmp1, disabled_reason='broken fan'), '2.1')
    assert_schema(v21.disable_log_reason, response)
    assert response.json == {'service': dict(
        cmp1, status='disabled', disabled_reason='broken fan')}
    service = cloud.service(computes[0]['id'])
    assert (service['disabled'], service['disabled_reason']) == (
        True, 'broken fan')
    response = _put(cloud, 'enable', cmp1, '2.1')
    assert_schema(v21.enable_disable_service, response)
    assert response.json == {'service': dict(cmp1, status='enabled')}
    assert cloud.service(computes[0]['id'])['disabled_reason'] is None
    response = _put(cloud, 'disable', cmp1, '2.1')
    assert response.json == {'service': dict(cmp1, status='disabled')}
    assert cloud.service(computes[0]['id'])['disabled'] is True


def test_force_down_from_2_11(cloud, conductor, computes):
    body = {'host': 'cmp1', 'binary': 'nova-compute', 'forced_down': True}
    assert_fault(_put(cloud, 'force-down', body, '2.10'), 400,
                 'badRequest')
    response = _put(cloud, 'force-down', body)
    assert_schema(v211.update_forced_down, response)
    assert response.json['service']['forced_down'] is True
    assert cloud.service(computes[0]['id'])['forced_down'] is True


@pytest.mark.parametrize('action, body, status, message', [
    ('reboot', {'host': 'cmp1', 'binary': 'nova-compute'}, 404,
     'Unknown action'),
    ('disable-log-reason', {'host': 'cmp1', 'binary': 'nova-compute'}, 400,
     'Missing disabled reason field'),
    ('enable', {'host': 'cmp1'}, 400, "'binary' is a required property"),
    ('enable', {'host': 'ctl', 'binary': 'nova-scheduler'}, 400,
     'Updating a nova-scheduler service is not supported. Only '
     'nova-compute services can be updated.'),
    ('enable', {'host': 'nohost', 'binary': 'nova-compute'}, 404,
     'Host nohost is not mapped to any cell'),
    ('enable', {'host': 'cmp1', 'binary': 'nova-compute', 'x': 1}, 400,
     "Additional properties are not allowed ('x' was unexpected)"),
])
def test_action_errors(cloud, conductor, computes, action, body, status,
                       message):
    response = _put(cloud, action, body)
    key = 'badRequest' if status == 400 else 'itemNotFound'
    got = assert_fault(response, status, key)
    assert got == message


def test_actions_are_gone_in_2_53(cloud, computes):
    response = _put(cloud, 'enable', {'host': 'cmp1',
                                      'binary': 'nova-compute'}, '2.53')
    assert_fault(response, 400, 'badRequest')


# --- from 2.53 ---------------------------------------------------------------

def _put_253(cloud, service_id, body):
    return cloud.request('/v2.1/os-services/%s' % service_id, method='PUT',
                         version='2.53', body=body)


def test_update_by_uuid(cloud, conductor, computes):
    uuid = computes[0]['uuid']
    response = _put_253(cloud, uuid, {'status': 'disabled',
                                      'disabled_reason': 'upgrade',
                                      'forced_down': 'yes'})
    assert_schema(v253.update_service, response)
    view = response.json['service']
    assert (view['id'], view['status'], view['disabled_reason'],
            view['forced_down'], view['state'], view['zone']) == (
        uuid, 'disabled', 'upgrade', True, 'down', 'nova')
    row = cloud.service(computes[0]['id'])
    assert (row['disabled'], row['forced_down']) == (True, True)
    response = _put_253(cloud, uuid, {'status': 'enabled',
                                      'forced_down': False})
    assert response.json['service']['status'] == 'enabled'
    assert response.json['service']['disabled_reason'] is None
    assert cloud.service(computes[0]['id'])['forced_down'] is False


@pytest.mark.parametrize('body, message', [
    ({}, "No updates were requested. Fields 'status' or 'forced_down' "
         "should be specified."),
    ({'disabled_reason': 'x'}, "No updates were requested. Fields "
     "'status' or 'forced_down' should be specified."),
    ({'status': 'enabled', 'disabled_reason': 'x'},
     "Specifying 'disabled_reason' with status 'enabled' is invalid."),
    ({'status': 'off'}, "Invalid input for field/attribute status. Value: "
     "off. 'off' is not one of ['enabled', 'disabled']"),
    ({'forced_down': 'maybe'}, None),
])
def test_update_by_uuid_bad_bodies(cloud, conductor, computes, body,
                                   message):
    response = _put_253(cloud, computes[0]['uuid'], body)
    got = assert_fault(response, 400, 'badRequest', message)
    if message is None:
        assert 'forced_down' in got


def test_update_by_uuid_not_found_and_not_uuid(cloud, computes):
    assert_fault(_put_253(cloud, '00000000-0000-0000-0000-00000000dead',
                          {'status': 'enabled'}), 404, 'itemNotFound',
                 'Service 00000000-0000-0000-0000-00000000dead could not '
                 'be found.')
    assert_fault(_put_253(cloud, '42', {'status': 'enabled'}), 400,
                 'badRequest', 'Invalid uuid 42')


def test_forcing_up_refused_while_evacuations_are_done(cloud, conductor,
                                                       computes):
    with engines.writer(cloud.urls['cell1']) as session:
        session.add(main.Migration(source_compute='cmp1', status='done',
                                   migration_type='evacuation'))
    response = _put_253(cloud, computes[0]['uuid'], {'forced_down': False})
    assert 'Unable to force up host cmp1' in assert_fault(
        response, 400, 'badRequest')


# --- delete ------------------------------------------------------------------

def _delete(cloud, service_id, version='2.53'):
    return cloud.request('/v2.1/os-services/%s' % service_id,
                         method='DELETE', version=version)


def _host_mappings(cloud):
    with engines.reader(cloud.api_url) as session:
        return set(session.scalars(sa.select(api.HostMapping.host)))


def test_delete_compute_takes_nodes_and_host_mapping(cloud, conductor,
                                                     computes):
    response = _delete(cloud, computes[0]['uuid'])
    assert response.status_int == 204 and response.body == b''
    assert cloud.service(computes[0]['id'])['deleted'] == computes[0]['id']
    assert [n['host'] for n in cloud.nodes()] == ['cmp2']
    assert _host_mappings(cloud) == {'cmp2'}
    _, found = _services(cloud)
    assert 'cmp1' not in [s['host'] for s in found]
    assert_fault(_delete(cloud, computes[0]['uuid']), 404, 'itemNotFound')


def test_delete_by_integer_id_before_2_53(cloud, conductor, computes):
    assert _delete(cloud, computes[1]['id'], '2.52').status_int == 204
    assert_fault(_delete(cloud, 'abc', '2.52'), 400, 'badRequest',
                 'Invalid input received: id must be an integer')
    assert_fault(_delete(cloud, 'abc'), 400, 'badRequest',
                 'Invalid uuid abc')
    assert_fault(_delete(cloud, 999, '2.1'), 404, 'itemNotFound',
                 'Service 999 not found.')


def test_delete_refused_while_hosting_instances(cloud, conductor, computes):
    cloud.add_instance('cmp1')
    assert_fault(_delete(cloud, computes[0]['uuid']), 409,
                 'conflictingRequest',
                 'Unable to delete compute service that is hosting '
                 'instances. Migrate or delete the instances first.')
    assert cloud.service(computes[0]['id'])['deleted'] == 0
    assert _host_mappings(cloud) == {'cmp1', 'cmp2'}


def test_integer_id_in_two_cells_is_ambiguous(cloud, computes):
    cloud.add_cell2()
    far = cloud.add_service('far', binary='nova-scheduler', cell='cell2')
    assert_fault(_delete(cloud, far['id'], '2.1'), 400, 'badRequest',
                 'Service id %s refers to multiple services.' % far['id'])


def test_members_cannot_write(cloud, computes):
    response = cloud.request('/v2.1/os-services/%s' % computes[0]['uuid'],
                             method='DELETE', version='2.53',
                             token='demo:demo')
    assert_fault(response, 403, 'forbidden',
                 "Policy doesn't allow os_compute_api:os-services:delete to "
                 "be performed.")
