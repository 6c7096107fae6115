"""GET /extensions: Nova's fixed list of legacy descriptors."""

from tempest.lib.api_schema.response.compute.v2_1 import extensions

from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema


def test_list_matches_tempest(cloud):
    response = cloud.request('/v2.1/extensions', token=MEMBER)
    assert_schema(extensions.list_extensions, response)
    aliases = [e['alias'] for e in response.json['extensions']]
    assert aliases == sorted(aliases)
    assert {'os-aggregates', 'os-availability-zone', 'os-server-groups',
            'os-services', 'os-hypervisors'} <= set(aliases)


def test_show(cloud):
    response = cloud.request('/v2.1/extensions/os-server-groups',
                             token=MEMBER)
    assert response.json == {'extension': {
        'alias': 'os-server-groups', 'name': 'ServerGroups',
        'description': 'Server group support.', 'links': [],
        'namespace': 'http://docs.openstack.org/compute/ext/fake_xml',
        'updated': '2014-12-03T00:00:00Z'}}


def test_unknown_alias(cloud):
    assert_fault(cloud.request('/v2.1/extensions/os-nothing'), 404,
                 'itemNotFound', 'The resource could not be found.')
