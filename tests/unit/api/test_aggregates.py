"""os-aggregates: hosts, metadata and zones, over every microversion,
writes through a real conductor on the fake transport."""

import uuid

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import aggregates as v21
from tempest.lib.api_schema.response.compute.v2_41 import aggregates as v241

from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

URL = '/v2.1/os-aggregates'



def _create(cloud, name='agg', zone=None, version=None):
    body = {'name': name}
    if zone:
        body['availability_zone'] = zone
    return cloud.request(URL, 'POST', version=version,
                         body={'aggregate': body})


def _action(cloud, aggregate_id, action, version=None, **values):
    return cloud.request('%s/%s/action' % (URL, aggregate_id), 'POST',
                         version=version, body={action: values})


@pytest.mark.parametrize('version, schema', [
    ('2.1', v21), ('2.40', v21), ('2.41', v241), ('2.104', v241)])
def test_responses_match_tempest(cloud, conductor, version, schema):
    cloud.add_compute('cmp1')
    created = _create(cloud, zone='z1', version=version)
    assert_schema(schema.create_aggregate, created)
    agg_id = created.json['aggregate']['id']
    item = '%s/%d' % (URL, agg_id)
    assert_schema(schema.get_aggregate,
                  cloud.request(item, version=version))
    assert_schema(schema.list_aggregates,
                  cloud.request(URL, version=version))
    assert_schema(schema.update_aggregate, cloud.request(
        item, 'PUT', version=version, body={'aggregate': {'name': 'new'}}))
    for action, values in (('add_host', {'host': 'cmp1'}),
                           ('set_metadata', {'metadata': {'ssd': 'true'}}),
                           ('remove_host', {'host': 'cmp1'})):
        assert_schema(schema.aggregate_add_remove_host,
                      _action(cloud, agg_id, action, version, **values))
    deleted = cloud.request(item, 'DELETE', version=version)
    assert deleted.status_int in schema.delete_aggregate['status_code']
    assert not deleted.body


def test_uuid_from_2_41(cloud, conductor):
    created = _create(cloud).json['aggregate']
    assert 'uuid' not in created
    shown = cloud.request('%s/%d' % (URL, created['id']), version='2.41')
    assert uuid.UUID(shown.json['aggregate']['uuid'])


def test_admin_only(cloud, conductor):
    assert_fault(cloud.request(URL, token=MEMBER), 403, 'forbidden')
    assert_fault(cloud.request(URL, 'POST', token=MEMBER, body={
        'aggregate': {'name': 'a'}}), 403, 'forbidden')


@pytest.mark.parametrize('body, message', [
    ({'aggregate': {'name': ' a'}}, "The name must be: printable"),
    ({'aggregate': {'name': 'a', 'availability_zone': 'z:1'}},
     'is not valid under any of the given schemas'),
    ({'aggregate': {'name': 'a', 'extra': 1}}, 'Additional properties'),
    ({'aggregate': {}}, "'name' is a required property"),
    ({'aggregate': {'name': 'x' * 256}}, 'is too long'),
])
def test_create_refuses_bad_input(cloud, conductor, body, message):
    response = cloud.request(URL, 'POST', body=body)
    assert message in assert_fault(response, 400, 'badRequest')
    assert cloud.request(URL).json['aggregates'] == []


def test_duplicate_name_conflicts(cloud, conductor):
    _create(cloud)
    assert_fault(_create(cloud), 409, 'conflictingRequest',
                 'Aggregate agg already exists.')


def test_update_strips_name_and_moves_zone(cloud, conductor):
    agg_id = _create(cloud, zone='z1').json['aggregate']['id']
    response = cloud.request('%s/%d' % (URL, agg_id), 'PUT', body={
        'aggregate': {'name': ' renamed ', 'availability_zone': 'z2'}})
    aggregate = response.json['aggregate']
    assert (aggregate['name'], aggregate['availability_zone']) == (
        'renamed', 'z2')
    assert aggregate['updated_at'] is not None
    assert_fault(cloud.request('%s/%d' % (URL, agg_id), 'PUT', body={
        'aggregate': {}}), 400, 'badRequest')


def test_ids_must_be_integers(cloud, conductor):
    assert_fault(cloud.request(URL + '/abc'), 400, 'badRequest',
                 'Invalid input received: id must be an integer')
    assert_fault(cloud.request(URL + '/42'), 404, 'itemNotFound',
                 'Aggregate 42 could not be found.')


def test_add_host_must_be_a_compute(cloud, conductor):
    cloud.add_service('ctl', binary='nova-scheduler', topic='scheduler')
    agg_id = _create(cloud).json['aggregate']['id']
    for host in ('nowhere', 'ctl'):
        assert_fault(_action(cloud, agg_id, 'add_host', host=host), 404,
                     'itemNotFound',
                     'Compute host %s could not be found.' % host)
    cloud.add_compute('cmp1', cell='cell1')
    assert _action(cloud, agg_id, 'add_host', host='cmp1').status_int == 200
    assert_fault(_action(cloud, agg_id, 'add_host', host='cmp1'), 409,
                 'conflictingRequest')


def test_host_in_one_zone_only(cloud, conductor):
    cloud.add_compute('cmp1')
    first = _create(cloud, 'a1', 'z1').json['aggregate']['id']
    second = _create(cloud, 'a2', 'z2').json['aggregate']['id']
    _action(cloud, first, 'add_host', host='cmp1')
    message = assert_fault(_action(cloud, second, 'add_host', host='cmp1'),
                           409, 'conflictingRequest')
    assert 'already in availability zone(s)' in message


def test_remove_host_failures(cloud, conductor):
    cloud.add_compute('cmp1')
    agg_id = _create(cloud).json['aggregate']['id']
    assert_fault(_action(cloud, agg_id, 'remove_host', host='cmp1'), 404,
                 'itemNotFound',
                 'Cannot remove host cmp1 in aggregate %d' % agg_id)
    assert_fault(_action(cloud, agg_id, 'remove_host', host='nowhere'),
                 404, 'itemNotFound')


def test_set_metadata_null_deletes(cloud, conductor):
    agg_id = _create(cloud).json['aggregate']['id']
    _action(cloud, agg_id, 'set_metadata', metadata={'a': '1', 'b': '2'})
    response = _action(cloud, agg_id, 'set_metadata',
                       metadata={'a': None})
    assert response.json['aggregate']['metadata'] == {'b': '2'}
    assert_fault(_action(cloud, agg_id, 'set_metadata',
                         metadata={'bad/key': '1'}), 400, 'badRequest')


def test_zone_change_refused_with_instances(cloud, conductor):
    cloud.add_compute('cmp1')
    agg_id = _create(cloud, zone='z1').json['aggregate']['id']
    _action(cloud, agg_id, 'add_host', host='cmp1')
    cloud.add_instance('cmp1')
    message = assert_fault(_action(cloud, agg_id, 'set_metadata', metadata={
        'availability_zone': 'z2'}), 400, 'badRequest')
    assert 'One or more hosts contain instances in this zone' in message
    assert_fault(cloud.request('%s/%d' % (URL, agg_id), 'PUT', body={
        'aggregate': {'availability_zone': 'z2'}}), 400, 'badRequest')
    # The same zone is no change.
    assert _action(cloud, agg_id, 'set_metadata', metadata={
        'availability_zone': 'z1'}).status_int == 200


def test_delete_refused_with_hosts(cloud, conductor):
    cloud.add_compute('cmp1')
    agg_id = _create(cloud).json['aggregate']['id']
    _action(cloud, agg_id, 'add_host', host='cmp1')
    assert_fault(cloud.request('%s/%d' % (URL, agg_id), 'DELETE'), 400,
                 'badRequest')


def test_unknown_action(cloud, conductor):
    agg_id = _create(cloud).json['aggregate']['id']
    assert_fault(_action(cloud, agg_id, 'reboot'), 400, 'badRequest',
                 'There is no such action: reboot')


def test_images_from_2_81(cloud, conductor):
    agg_id = _create(cloud).json['aggregate']['id']
    url = '%s/%d/images' % (URL, agg_id)
    image = str(uuid.uuid4())
    body = {'cache': [{'id': image}]}
    assert_fault(cloud.request(url, 'POST', version='2.80', body=body), 404,
                 'itemNotFound')
    accepted = cloud.request(url, 'POST', version='2.81', body=body)
    assert accepted.status_int == 202 and not accepted.body
    assert_fault(cloud.request(url, 'POST', version='2.81', body={
        'cache': [{'id': image}, {'id': image}]}), 400, 'badRequest',
        'Duplicate images in request')
    assert_fault(cloud.request(url, 'POST', version='2.81', body={
        'cache': [{'id': 'not-a-uuid'}]}), 400, 'badRequest')
    assert_fault(cloud.request(URL + '/99/images', 'POST', version='2.81',
                               body=body), 404, 'itemNotFound')
