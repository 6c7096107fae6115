"""Flavors over every microversion that changed them, writes through a
real conductor on the fake transport."""

from oslo_policy import policy as oslo_policy
import pytest
from tempest.lib.api_schema.response.compute.v2_1 import flavors as v21
from tempest.lib.api_schema.response.compute.v2_55 import flavors as v255
from tempest.lib.api_schema.response.compute.v2_61 import flavors as v261

from nova_api import api_version
from nova_api import policy
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

LATEST = api_version.MAX_VERSION



def _create(cloud, version=None, token=None, **flavor):
    body = {'name': 'm1.tiny', 'ram': 512, 'vcpus': 1, 'disk': 1,
            **flavor}
    kwargs = {'token': token} if token else {}
    return cloud.request('/v2.1/flavors', 'POST', version=version,
                         body={'flavor': body}, **kwargs)


@pytest.fixture
def tiny(cloud, conductor):
    return _create(cloud, id='1').json['flavor']


@pytest.fixture
def flavors(cloud, conductor):
    """Three public flavors, one private, one private shared with the
    demo project."""
    for flavorid, name, ram, disk in (('1', 'm1.tiny', 512, 1),
                                      ('2', 'm1.small', 2048, 20),
                                      ('3', 'm1.medium', 4096, 40)):
        _create(cloud, id=flavorid, name=name, ram=ram, disk=disk)
    for flavorid in ('p1', 'p2'):
        _create(cloud, id=flavorid, name='private-' + flavorid,
                **{'os-flavor-access:is_public': False})
    _add_access(cloud, 'p2', 'demo')


def _add_access(cloud, flavorid, tenant, version=None, token=None):
    kwargs = {'token': token} if token else {}
    return cloud.request('/v2.1/flavors/%s/action' % flavorid, 'POST',
                         version=version,
                         body={'addTenantAccess': {'tenant': tenant}},
                         **kwargs)


def _ids(response):
    return [f['id'] for f in response.json['flavors']]


# --- views -----------------------------------------------------------------

@pytest.mark.parametrize('version, schema', [
    ('2.1', v21.create_update_get_flavor_details),
    ('2.54', v21.create_update_get_flavor_details),
    ('2.55', v255.create_update_get_flavor_details),
    ('2.61', v261.create_update_get_flavor_details),
    ('2.75', v261.create_update_get_flavor_details),
    (LATEST, v261.create_update_get_flavor_details)])
def test_show_matches_tempest(cloud, tiny, version, schema):
    response = cloud.request('/v2.1/flavors/1', version=version)
    assert_schema(schema, response)


def test_fields_by_microversion(cloud, tiny):
    flavor = cloud.request('/v2.1/flavors/1').json['flavor']
    assert flavor == {
        'id': '1', 'name': 'm1.tiny', 'ram': 512, 'vcpus': 1, 'disk': 1,
        'swap': '', 'OS-FLV-EXT-DATA:ephemeral': 0,
        'OS-FLV-DISABLED:disabled': False,
        'os-flavor-access:is_public': True, 'rxtx_factor': 1.0,
        'links': [
            {'rel': 'self', 'href': 'http://localhost/v2.1/flavors/1'},
            {'rel': 'bookmark', 'href': 'http://localhost/flavors/1'}]}
    flavor = cloud.request('/v2.1/flavors/1', version='2.55').json['flavor']
    assert flavor['description'] is None and 'extra_specs' not in flavor
    flavor = cloud.request('/v2.1/flavors/1', version='2.61').json['flavor']
    assert flavor['extra_specs'] == {} and flavor['swap'] == ''
    flavor = cloud.request('/v2.1/flavors/1', version='2.75').json['flavor']
    assert flavor['swap'] == 0 and flavor['rxtx_factor'] == 1.0
    flavor = cloud.request('/v2.1/flavors/1', version='2.102').json['flavor']
    assert 'rxtx_factor' not in flavor
    assert 'OS-FLV-DISABLED:disabled' not in flavor


def test_latest_matches_nova(cloud, tiny):
    """The keys of reference/nova-34/flavors_detail_GET__mvlatest.json."""
    flavor = cloud.request('/v2.1/flavors/detail',
                           version='latest').json['flavors'][0]
    assert sorted(flavor) == [
        'OS-FLV-EXT-DATA:ephemeral', 'description', 'disk', 'extra_specs',
        'id', 'links', 'name', 'os-flavor-access:is_public', 'ram', 'swap',
        'vcpus']


@pytest.fixture
def refuse(request):
    """Factory: make a policy rule refuse everyone, for this test."""
    request.addfinalizer(policy.reset)

    def set_rule(name):
        policy.init().set_rules(oslo_policy.Rules.from_dict({name: '!'}),
                                overwrite=False, use_conf=False)
    return set_rule


def test_extra_specs_hidden_from_those_who_may_not_list_them(cloud, tiny,
                                                             refuse):
    refuse('os_compute_api:os-flavor-extra-specs:index')
    flavor = cloud.request('/v2.1/flavors/1', version='2.61').json['flavor']
    assert 'extra_specs' not in flavor and flavor['id'] == '1'
    flavor = cloud.request('/v2.1/flavors/detail',
                           version='2.61').json['flavors'][0]
    assert 'extra_specs' not in flavor


def test_unknown_flavor(cloud, conductor):
    assert_fault(cloud.request('/v2.1/flavors/nope'), 404, 'itemNotFound',
                 'Flavor nope could not be found.')


# --- lists -----------------------------------------------------------------

@pytest.mark.parametrize('version, index, detail', [
    ('2.1', v21.list_flavors, v21.list_flavors_details),
    ('2.55', v255.list_flavors, v255.list_flavors_details),
    ('2.61', v255.list_flavors, v261.list_flavors_details),
    (LATEST, v255.list_flavors, v261.list_flavors_details)])
def test_lists_match_tempest(cloud, flavors, version, index, detail):
    assert_schema(index, cloud.request('/v2.1/flavors', version=version))
    assert_schema(detail, cloud.request('/v2.1/flavors/detail',
                                        version=version))


def test_visibility(cloud, flavors):
    assert _ids(cloud.request('/v2.1/flavors')) == ['1', '2', '3']
    assert _ids(cloud.request('/v2.1/flavors', token=MEMBER)) == [
        '1', '2', '3', 'p2']
    assert _ids(cloud.request('/v2.1/flavors?is_public=false')) == [
        'p1', 'p2']
    assert _ids(cloud.request('/v2.1/flavors?is_public=None')) == [
        '1', '2', '3', 'p1', 'p2']
    # Only administrators choose.
    assert _ids(cloud.request('/v2.1/flavors?is_public=false',
                              token=MEMBER)) == ['1', '2', '3', 'p2']
    assert cloud.request('/v2.1/flavors/p2', token=MEMBER).status_int == 200
    assert_fault(cloud.request('/v2.1/flavors/p1', token=MEMBER), 404,
                 'itemNotFound')
    assert_fault(cloud.request('/v2.1/flavors?is_public=maybe'), 400,
                 'badRequest', 'Invalid is_public filter [maybe]')


def test_filters_and_sorting(cloud, flavors):
    assert _ids(cloud.request('/v2.1/flavors?minRam=2048')) == ['2', '3']
    assert _ids(cloud.request('/v2.1/flavors?minDisk=40')) == ['3']
    assert _ids(cloud.request(
        '/v2.1/flavors?sort_key=memory_mb&sort_dir=desc')) == ['3', '2', '1']
    assert_fault(cloud.request('/v2.1/flavors?minRam=big'), 400,
                 'badRequest', 'Invalid minRam filter [big]')
    message = assert_fault(cloud.request('/v2.1/flavors?sort_key=color'),
                           400, 'badRequest')
    assert message.startswith(
        'Invalid input for query parameters sort_key. Value: color.')


def test_paging(cloud, flavors):
    response = cloud.request('/v2.1/flavors/detail?limit=2')
    assert _ids(response) == ['1', '2']
    assert response.json['flavors_links'] == [{
        'rel': 'next',
        'href': 'http://localhost/v2.1/flavors/detail?limit=2&marker=2'}]
    response = cloud.request('/v2.1/flavors?limit=2&marker=2')
    assert _ids(response) == ['3'] and 'flavors_links' not in response.json
    response = cloud.request(
        '/v2.1/flavors?sort_key=memory_mb&sort_dir=desc&marker=3')
    assert _ids(response) == ['2', '1']
    assert_fault(cloud.request('/v2.1/flavors?marker=p1', token=MEMBER),
                 400, 'badRequest', 'marker [p1] not found')
    assert_fault(cloud.request('/v2.1/flavors?limit=-1'), 400, 'badRequest')


def test_unknown_query_parameters_refused_from_2_75(cloud, flavors):
    assert cloud.request('/v2.1/flavors?color=red',
                         version='2.74').status_int == 200
    message = assert_fault(cloud.request('/v2.1/flavors/detail?color=red',
                                         version='2.75'), 400, 'badRequest')
    assert "'color' was unexpected" in message


# --- create, update, delete ------------------------------------------------

def test_create_fills_defaults(cloud, conductor):
    response = _create(cloud, version='2.61', name=' spaced ')
    assert_fault(response, 400, 'badRequest',
                 "An invalid 'name' value was provided. The name must be: "
                 "printable characters. Can not start or end with "
                 "whitespace.")
    response = _create(cloud, version='2.61', ram='1024', swap=512)
    assert_schema(v261.create_update_get_flavor_details, response)
    flavor = response.json['flavor']
    assert len(flavor['id']) == 36 and flavor['ram'] == 1024
    assert (flavor['swap'], flavor['extra_specs']) == (512, {})
    assert flavor['os-flavor-access:is_public'] is True


def test_create_private_flavor_with_number_id(cloud, conductor):
    flavor = _create(cloud, id=42, rxtx_factor=2, **{
        'os-flavor-access:is_public': 'false',
        'OS-FLV-EXT-DATA:ephemeral': 5}).json['flavor']
    assert (flavor['id'], flavor['rxtx_factor']) == ('42', 2.0)
    assert flavor['os-flavor-access:is_public'] is False
    assert flavor['OS-FLV-EXT-DATA:ephemeral'] == 5


def test_create_conflicts(cloud, tiny):
    assert_fault(_create(cloud, id='9'), 409, 'conflictingRequest',
                 'Flavor with name m1.tiny already exists.')
    assert_fault(_create(cloud, id='1', name='other'), 409,
                 'conflictingRequest', 'Flavor with ID 1 already exists.')


@pytest.mark.parametrize('version, flavor, field', [
    ('2.1', {'ram': 0}, 'ram'),
    ('2.1', {'vcpus': 'x'}, 'vcpus'),
    ('2.1', {'disk': -1}, 'disk'),
    ('2.1', {'id': ' 1'}, 'id'),
    ('2.1', {'rxtx_factor': 0}, 'rxtx_factor'),
    ('2.1', {'os-flavor-access:is_public': 'perhaps'},
     'os-flavor-access:is_public'),
])
def test_create_refuses_bad_fields(cloud, conductor, version, flavor,
                                   field):
    message = assert_fault(_create(cloud, version, **flavor), 400,
                           'badRequest')
    assert message.startswith('Invalid input for field/attribute %s.'
                              % field)


@pytest.mark.parametrize('version, flavor', [
    ('2.54', {'description': 'small'}),
    ('2.102', {'rxtx_factor': 1.0}),
    ('2.1', {'color': 'red'}),
])
def test_create_refuses_fields_of_other_versions(cloud, conductor, version,
                                                 flavor):
    message = assert_fault(_create(cloud, version, **flavor), 400,
                           'badRequest')
    assert 'Additional properties are not allowed' in message


def test_create_missing_field(cloud, conductor):
    response = cloud.request('/v2.1/flavors', 'POST', body={
        'flavor': {'name': 'x', 'vcpus': 1, 'disk': 1}})
    message = assert_fault(response, 400, 'badRequest')
    assert message.startswith('Invalid input for field/attribute flavor.')
    assert message.endswith("'ram' is a required property")


def test_writes_are_for_administrators(cloud, tiny):
    for response in (
            _create(cloud, token=MEMBER, name='mine'),
            cloud.request('/v2.1/flavors/1', 'DELETE', token=MEMBER),
            cloud.request('/v2.1/flavors/1', 'PUT', version='2.55',
                          token=MEMBER,
                          body={'flavor': {'description': 'x'}})):
        assert_fault(response, 403, 'forbidden')


def test_description(cloud, conductor):
    created = _create(cloud, version='2.55', id='d',
                      description='for tests').json['flavor']
    assert created['description'] == 'for tests'
    response = cloud.request('/v2.1/flavors/d', 'PUT', version='2.55',
                             body={'flavor': {'description': 'changed'}})
    assert_schema(v255.create_update_get_flavor_details, response)
    assert response.json['flavor']['description'] == 'changed'
    listed = cloud.request('/v2.1/flavors', version='2.55').json['flavors']
    assert listed[0]['description'] == 'changed'
    # Nothing else may change, nor before 2.55.
    assert_fault(cloud.request('/v2.1/flavors/d', 'PUT', version='2.55',
                               body={'flavor': {'ram': 1}}),
                 400, 'badRequest')
    assert_fault(cloud.request('/v2.1/flavors/d', 'PUT', version='2.54',
                               body={'flavor': {'description': 'x'}}),
                 404, 'itemNotFound')
    assert_fault(cloud.request('/v2.1/flavors/nope', 'PUT', version='2.55',
                               body={'flavor': {'description': None}}),
                 404, 'itemNotFound', 'Flavor nope could not be found.')


def test_delete(cloud, tiny):
    response = cloud.request('/v2.1/flavors/1', 'DELETE')
    assert response.status_int == 202 and not response.body
    assert_fault(cloud.request('/v2.1/flavors/1'), 404, 'itemNotFound')
    assert_fault(cloud.request('/v2.1/flavors/1', 'DELETE'), 404,
                 'itemNotFound', 'Flavor 1 could not be found.')
