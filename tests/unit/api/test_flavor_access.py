"""Private flavors' access lists: os-flavor-access and the
addTenantAccess / removeTenantAccess actions."""

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import (
    flavors_access as schemas,
)

from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema
from tests.unit.api.test_flavors import _add_access
from tests.unit.api.test_flavors import _create


@pytest.fixture
def private(cloud, conductor):
    _create(cloud, id='p', name='private',
            **{'os-flavor-access:is_public': False})
    _create(cloud, id='1', name='public')


def _remove(cloud, tenant, token=None):
    kwargs = {'token': token} if token else {}
    return cloud.request('/v2.1/flavors/p/action', 'POST',
                         body={'removeTenantAccess': {'tenant': tenant}},
                         **kwargs)


def test_add_list_remove(cloud, private):
    response = _add_access(cloud, 'p', 'demo')
    assert_schema(schemas.add_remove_list_flavor_access, response)
    assert response.json == {'flavor_access': [
        {'flavor_id': 'p', 'tenant_id': 'demo'}]}
    _add_access(cloud, 'p', 'alt')
    response = cloud.request('/v2.1/flavors/p/os-flavor-access')
    assert_schema(schemas.add_remove_list_flavor_access, response)
    assert [a['tenant_id'] for a in response.json['flavor_access']] == [
        'alt', 'demo']
    response = _remove(cloud, 'alt')
    assert_schema(schemas.add_remove_list_flavor_access, response)
    assert response.json == {'flavor_access': [
        {'flavor_id': 'p', 'tenant_id': 'demo'}]}


def test_conflicts_and_missing(cloud, private):
    _add_access(cloud, 'p', 'demo')
    assert_fault(_add_access(cloud, 'p', 'demo'), 409, 'conflictingRequest',
                 'Flavor access already exists for flavor p and project '
                 'demo combination.')
    assert_fault(_remove(cloud, 'alt'), 404, 'itemNotFound',
                 'Flavor access not found for p / alt combination.')
    assert_fault(_add_access(cloud, 'nope', 'demo'), 404, 'itemNotFound',
                 'Flavor nope could not be found.')


def test_public_flavors(cloud, private):
    assert_fault(cloud.request('/v2.1/flavors/1/os-flavor-access'), 404,
                 'itemNotFound',
                 'Access list not available for public flavors.')
    assert_fault(_add_access(cloud, '1', 'demo', version='2.7'), 409,
                 'conflictingRequest', 'Can not add access to a public '
                 'flavor.')
    # Before 2.7 it was stored anyway.
    response = _add_access(cloud, '1', 'demo', version='2.6')
    assert response.json == {'flavor_access': [
        {'flavor_id': '1', 'tenant_id': 'demo'}]}


def test_for_administrators_only(cloud, private):
    assert_fault(cloud.request('/v2.1/flavors/p/os-flavor-access',
                               token=MEMBER), 403, 'forbidden')
    assert_fault(_add_access(cloud, 'p', 'demo', token=MEMBER), 403,
                 'forbidden')
    assert_fault(_remove(cloud, 'demo', token=MEMBER), 403, 'forbidden')


@pytest.mark.parametrize('body, message', [
    ({'addTenantAccess': {}}, None),
    ({'addTenantAccess': {'tenant': ''}}, None),
    ({'addTenantAccess': {'tenant': 'a', 'x': 1}}, None),
    ({'grow': {}}, 'There is no such action: grow'),
    ({'addTenantAccess': {'tenant': 'a'}, 'removeTenantAccess': {}},
     'Malformed request body'),
])
def test_bad_actions(cloud, private, body, message):
    assert_fault(cloud.request('/v2.1/flavors/p/action', 'POST', body=body),
                 400, 'badRequest', message)
