"""os-networks: the deprecated proxy, empty without a network service,
and gone from 2.36 as in Nova."""

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import (
    tenant_networks as schemas,
)

from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

URL = '/v2.1/os-networks'


def test_no_network_to_list(cloud):
    response = cloud.request(URL, token=MEMBER, version='2.35')
    assert response.status_int == 200
    assert response.json == {'networks': []}
    assert_schema(schemas.list_tenant_networks, response)


def test_a_network_looked_up_by_name_is_not_found(cloud):
    """What the openstack CLI reports for --network <name>."""
    response = cloud.request(URL + '/none', token=MEMBER)
    assert_fault(response, 404, 'itemNotFound',
                 'Network none could not be found.')


@pytest.mark.parametrize('path', ['', '/none'])
def test_gone_from_236(cloud, path):
    response = cloud.request(URL + path, token=MEMBER, version='2.36')
    assert_fault(response, 404, 'itemNotFound')
