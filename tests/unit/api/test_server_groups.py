"""os-server-groups over every microversion, writes through a real
conductor on the fake transport."""

from oslo_policy import policy as oslo_policy
import pytest
from tempest.lib.api_schema.response.compute.v2_1 import server_groups as v21
from tempest.lib.api_schema.response.compute.v2_13 import server_groups as v213
from tempest.lib.api_schema.response.compute.v2_64 import server_groups as v264

from common.db import api_models as api
from common.db import engines
from nova_api import api_version
from nova_api import policy
from tests import fixtures
from tests.unit.api.conftest import ADMIN
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

OTHER = 'alt:alt'
URL = '/v2.1/os-server-groups'



@pytest.fixture(autouse=True)
def member_reads():
    """noauth2 gives a member the 'member' role only, without the
    'reader' role Keystone implies from it."""
    policy.init().set_rules(oslo_policy.Rules.from_dict({
        'project_reader_api': 'role:member and project_id:%(project_id)s'}),
        overwrite=False, use_conf=False)
    yield
    policy.reset()


def _create(cloud, version=None, token=MEMBER, name='group', **group):
    new = version and api_version.APIVersionRequest(version) >= '2.64'
    group = group or ({'policy': 'affinity'} if new
                      else {'policies': ['affinity']})
    return cloud.request(URL, 'POST', token=token, version=version,
                         body={'server_group': {'name': name, **group}})


@pytest.mark.parametrize('version, schema', [
    ('2.1', v21), ('2.13', v213), ('2.63', v213), ('2.64', v264),
    ('2.104', v264)])
def test_responses_match_tempest(cloud, conductor, version, schema):
    created = _create(cloud, version)
    assert_schema(schema.create_show_server_group, created)
    group_id = created.json['server_group']['id']
    assert_schema(schema.create_show_server_group,
                  cloud.request('%s/%s' % (URL, group_id), token=MEMBER,
                                version=version))
    assert_schema(schema.list_server_groups,
                  cloud.request(URL, token=MEMBER, version=version))
    deleted = cloud.request('%s/%s' % (URL, group_id), 'DELETE',
                            token=MEMBER, version=version)
    assert deleted.status_int == 204 and not deleted.body


def test_fields_by_microversion(cloud, conductor):
    group = _create(cloud, '2.64', policy='anti-affinity',
                    rules={'max_server_per_host': '2'}).json['server_group']
    assert (group['policy'], group['rules']) == (
        'anti-affinity', {'max_server_per_host': 2})
    assert (group['project_id'], group['user_id']) == ('demo', 'demo')
    old = cloud.request('%s/%s' % (URL, group['id']), token=MEMBER).json
    assert old['server_group']['policies'] == ['anti-affinity']
    assert old['server_group']['metadata'] == {}
    assert 'project_id' not in old['server_group']


@pytest.mark.parametrize('version, group, message', [
    ('2.14', {'policies': ['soft-affinity']}, "is not one of"),
    ('2.1', {'policies': ['affinity', 'anti-affinity']}, 'is too long'),
    ('2.63', {'policy': 'affinity'}, "'policies' is a required"),
    ('2.64', {'policies': ['affinity']}, "'policy' is a required"),
    ('2.64', {'policy': 'affinity', 'rules': {'max_server_per_host': 0}},
     'less than the minimum of 1'),
    ('2.64', {'policy': 'anti-affinity', 'rules': {'other': 1}},
     'Additional properties'),
    ('2.64', {'policy': 'affinity', 'rules': {'max_server_per_host': 2}},
     'Only anti-affinity policy supports rules.'),
])
def test_create_refuses_bad_input(cloud, conductor, version, group, message):
    response = _create(cloud, version, **group)
    assert message in assert_fault(response, 400, 'badRequest')
    assert cloud.request(URL, version=version, token=MEMBER).json[
        'server_groups'] == []


def test_soft_policies_from_2_15(cloud, conductor):
    response = _create(cloud, '2.15', policies=['soft-anti-affinity'])
    assert response.json['server_group']['policies'] == [
        'soft-anti-affinity']


def test_name_must_be_trimmed_and_printable(cloud, conductor):
    response = _create(cloud, name=' padded')
    assert_fault(response, 400, 'badRequest',
                 "An invalid 'name' value was provided. The name must be: "
                 "printable characters. Can not start or end with "
                 "whitespace.")


def test_projects_are_isolated(cloud, conductor):
    mine = _create(cloud).json['server_group']['id']
    _create(cloud, token=OTHER, name='theirs')
    names = [g['name'] for g in cloud.request(URL, token=MEMBER).json[
        'server_groups']]
    assert names == ['group']
    assert_fault(cloud.request('%s/%s' % (URL, mine), token=OTHER), 403,
                 'forbidden')
    assert_fault(cloud.request('%s/%s' % (URL, mine), 'DELETE',
                               token=OTHER), 403, 'forbidden')
    # all_projects is for admins, whatever its value.
    assert_fault(cloud.request(URL + '?all_projects=True', token=MEMBER),
                 403, 'forbidden')
    every = cloud.request(URL + '?all_projects=False', token=ADMIN).json
    assert len(every['server_groups']) == 2
    assert cloud.request(URL, token=ADMIN).json['server_groups'] == []


def test_limit_and_offset(cloud, conductor, config):
    for name in 'abcd':
        _create(cloud, name=name)

    def names(query):
        return [g['name'] for g in cloud.request(
            URL + query, token=MEMBER).json['server_groups']]
    assert names('?limit=2') == ['a', 'b']
    assert names('?limit=2&offset=3') == ['d']
    config.config(max_limit=3, group='api')
    assert names('?limit=0') == ['a', 'b', 'c']
    assert_fault(cloud.request(URL + '?limit=-1', token=MEMBER), 400,
                 'badRequest')


def test_unknown_query_refused_from_2_75(cloud, conductor):
    assert cloud.request(URL + '?foo=1', token=MEMBER,
                         version='2.74').status_int == 200
    assert_fault(cloud.request(URL + '?foo=1', token=MEMBER,
                               version='2.75'), 400, 'badRequest')


def test_members_hide_deleted_instances(cloud, conductor):
    group = _create(cloud).json['server_group']
    cell = cloud.cells['cell1']
    live = fixtures.add_instance(cell.database_connection, 'cmp1')
    gone = fixtures.add_instance(cell.database_connection, 'cmp1',
                                 deleted=True)
    building, archived = 'a' * 8 + '-0000-0000-0000-' + '0' * 12, 'x'
    with engines.writer(cloud.api_url) as session:
        for uuid, cell_id in ((live, cell.id), (gone, cell.id),
                              (building, None)):
            session.add(api.InstanceMapping(instance_uuid=uuid,
                                            cell_id=cell_id,
                                            project_id='demo'))
        row = session.query(api.InstanceGroup).one()
        for uuid in (live, gone, building, archived):
            row.members.append(api.InstanceGroupMember(instance_uuid=uuid))
    shown = cloud.request('%s/%s' % (URL, group['id']), token=MEMBER).json
    assert shown['server_group']['members'] == [live, building]


def test_quota(cloud, conductor, config):
    config.config(server_groups=1, group='quota')
    assert _create(cloud).status_int == 200
    assert_fault(_create(cloud), 403, 'forbidden',
                 'Quota exceeded, too many server groups.')
    assert _create(cloud, token=OTHER).status_int == 200


def test_delete_unknown(cloud, conductor):
    assert_fault(cloud.request(URL + '/nope', 'DELETE', token=MEMBER), 404,
                 'itemNotFound', 'Instance group nope could not be found.')
