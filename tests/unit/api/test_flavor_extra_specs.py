"""/flavors/{id}/os-extra_specs and the extra specs validator (2.86)."""

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import (
    flavors_extra_specs as schemas,
)

from common import exception
from nova_api import extra_specs
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema
from tests.unit.api.test_flavors import _create

SPECS = '/v2.1/flavors/1/os-extra_specs'


@pytest.fixture
def flavor(cloud, conductor):
    return _create(cloud, id='1').json['flavor']


def _set(cloud, specs, version=None, token=None):
    kwargs = {'token': token} if token else {}
    return cloud.request(SPECS, 'POST', version=version,
                         body={'extra_specs': specs}, **kwargs)


def test_set_list_show_update_delete(cloud, flavor):
    response = _set(cloud, {'key1': 'value1'})
    assert_schema(schemas.set_get_flavor_extra_specs, response)
    # The body is echoed as sent; numbers are stored as strings.
    response = _set(cloud, {'hw:numa_nodes': 2})
    assert response.json == {'extra_specs': {'hw:numa_nodes': 2}}
    response = cloud.request(SPECS)
    assert_schema(schemas.set_get_flavor_extra_specs, response)
    assert response.json == {'extra_specs': {'hw:numa_nodes': '2',
                                             'key1': 'value1'}}
    response = cloud.request(SPECS + '/key1', 'PUT', body={'key1': 'v2'})
    assert_schema(schemas.set_get_flavor_extra_specs_key, response)
    response = cloud.request(SPECS + '/key1')
    assert_schema(schemas.set_get_flavor_extra_specs_key, response)
    assert response.json == {'key1': 'v2'}
    response = cloud.request(SPECS + '/key1', 'DELETE')
    assert response.status_int == 200 and not response.body
    assert_fault(cloud.request(SPECS + '/key1'), 404, 'itemNotFound',
                 'Flavor 1 has no extra specs with key key1.')
    assert_fault(cloud.request(SPECS + '/key1', 'DELETE'), 404,
                 'itemNotFound')
    flavor = cloud.request('/v2.1/flavors/1', version='2.61').json['flavor']
    assert flavor['extra_specs'] == {'hw:numa_nodes': '2'}


def test_unknown_flavor(cloud, conductor):
    assert_fault(cloud.request('/v2.1/flavors/9/os-extra_specs'), 404,
                 'itemNotFound', 'Flavor 9 could not be found.')
    assert_fault(cloud.request('/v2.1/flavors/9/os-extra_specs', 'POST',
                               body={'extra_specs': {'a': 'b'}}),
                 404, 'itemNotFound', 'Flavor 9 could not be found.')


def test_bad_bodies(cloud, flavor):
    assert_fault(cloud.request(SPECS + '/key1', 'PUT', body={'key2': 'v'}),
                 400, 'badRequest', 'Request body and URI mismatch')
    assert_fault(cloud.request(SPECS + '/key1', 'PUT',
                               body={'key1': 'v', 'key2': 'v'}),
                 400, 'badRequest')
    assert_fault(_set(cloud, {'bad/key': 'v'}), 400, 'badRequest')
    assert_fault(_set(cloud, {'key': True}), 400, 'badRequest')
    assert_fault(_set(cloud, {'key': 'x' * 256}), 400, 'badRequest')
    assert_fault(_set(cloud, {'key': 10 ** 256}), 400, 'badRequest',
                 'Invalid input received: extra_specs value has more than '
                 '255 characters.')
    assert cloud.request(SPECS).json == {'extra_specs': {}}


def test_writes_are_for_administrators(cloud, flavor):
    assert_fault(_set(cloud, {'a': 'b'}, token=MEMBER), 403, 'forbidden')
    assert_fault(cloud.request(SPECS + '/a', 'DELETE', token=MEMBER), 403,
                 'forbidden')


@pytest.mark.parametrize('specs, message', [
    ({'hw:cpu_policy': 'exclusive'},
     "Validation failed; 'exclusive' is not one of ['dedicated', 'shared', "
     "'mixed']."),
    ({'hw:numa_nodes': 0},
     "Validation failed; '0' is less than the minimum value of '1'."),
    ({'hw:cpu_polcy': 'dedicated'},
     "Validation failed; extra spec 'hw:cpu_polcy' does not appear to be a "
     "valid extra spec."),
    ({'trait:HW_CPU_X86_AVX2': 'wanted'},
     "Validation failed; 'wanted' is not one of ['required', "
     "'forbidden']."),
])
def test_validated_from_2_86(cloud, flavor, specs, message):
    assert _set(cloud, specs, version='2.85').status_int == 200
    assert_fault(_set(cloud, specs, version='2.86'), 400, 'badRequest',
                 message)


def test_valid_specs_accepted(cloud, flavor):
    specs = {'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': '2MB',
             'hw:numa_cpus.0': '0-3,^2', 'resources1:VCPU': '2',
             'resources:CUSTOM_GPU': 1, 'trait:HW_CPU_X86_AVX2': 'required',
             'quota:disk_read_bytes_sec': '10240', 'group_policy': 'none',
             'aggregate_instance_extra_specs:ssd': 'true',
             'os:secure_boot': 'anything', 'my-own-key': 'x'}
    assert _set(cloud, specs, version='2.86').status_int == 200


@pytest.mark.parametrize('key, value', [
    ('hw:watchdog_action', 'explode'),
    ('hw:cpu_realtime', 'maybe'),
    ('hw:cpu_max_sockets', 'two'),
    ('hw:mem_page_size', 'huge'),
    ('resources:vcpu', '1'),
    ('hw_rng:rate_bytes', '-1'),
])
def test_validator_refuses(key, value):
    with pytest.raises(exception.ValidationError):
        extra_specs.validate(key, value)
