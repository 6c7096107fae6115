"""GET /limits over every microversion that changed it."""

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import limits as v21
from tempest.lib.api_schema.response.compute.v2_36 import limits as v236
from tempest.lib.api_schema.response.compute.v2_39 import limits as v239
from tempest.lib.api_schema.response.compute.v2_57 import limits as v257

from nova_api import api_version
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema
from tests.unit.api.test_quota_sets import add_instance
from tests.unit.api.test_quota_sets import add_server_group

LATEST = api_version.MAX_VERSION
V257 = {'maxServerMeta', 'maxServerGroupMembers', 'maxServerGroups',
        'maxTotalCores', 'maxTotalInstances', 'maxTotalKeypairs',
        'maxTotalRAMSize', 'totalCoresUsed', 'totalInstancesUsed',
        'totalRAMUsed', 'totalServerGroupsUsed'}
V239 = V257 | {'maxPersonality', 'maxPersonalitySize'}
V236 = V239 | {'maxImageMeta'}
V21 = V236 | {'maxSecurityGroupRules', 'maxSecurityGroups',
              'maxTotalFloatingIps', 'totalSecurityGroupsUsed',
              'totalFloatingIpsUsed'}



def _absolute(response):
    return response.json['limits']['absolute']


@pytest.mark.parametrize('version, schema, names', [
    ('2.1', v21.get_limit, V21), ('2.35', v21.get_limit, V21),
    ('2.36', v236.get_limit, V236), ('2.39', v239.get_limit, V239),
    ('2.56', v239.get_limit, V239), ('2.57', v257.get_limit, V257),
    ('2.104', v257.get_limit, V257)])
def test_matches_tempest(cloud, version, schema, names):
    response = cloud.request('/v2.1/limits', version=version, token=MEMBER)
    assert_schema(schema, response)
    assert set(_absolute(response)) == names
    assert response.json['limits']['rate'] == []


def test_limits_and_usage_of_the_callers_project(cloud, config):
    config.config(cores=30, metadata_items=64, group='quota')
    add_instance(cloud)
    add_instance(cloud, project_id='other')
    add_server_group(cloud)
    absolute = _absolute(cloud.request('/v2.1/limits', token=MEMBER))
    assert absolute['maxTotalCores'] == 30
    assert absolute['maxServerMeta'] == absolute['maxImageMeta'] == 64
    assert absolute['maxTotalFloatingIps'] == -1
    assert (absolute['totalInstancesUsed'], absolute['totalCoresUsed'],
            absolute['totalRAMUsed'], absolute['totalServerGroupsUsed'],
            absolute['totalFloatingIpsUsed']) == (1, 2, 1024, 1, 0)


def test_another_project_is_for_admins(cloud):
    add_instance(cloud, project_id='other')
    response = cloud.request('/v2.1/limits?tenant_id=other')
    assert _absolute(response)['totalInstancesUsed'] == 1
    assert_fault(cloud.request('/v2.1/limits?tenant_id=other',
                               token=MEMBER), 403, 'forbidden',
                 "Policy doesn't allow os_compute_api:limits:other_project "
                 "to be performed.")


def test_unknown_query_parameters_from_275(cloud):
    assert cloud.request('/v2.1/limits?foo=1', version='2.74',
                         token=MEMBER).status_int == 200
    response = cloud.request('/v2.1/limits?foo=1', version='2.75',
                             token=MEMBER)
    assert 'Additional properties' in assert_fault(response, 400,
                                                   'badRequest')
