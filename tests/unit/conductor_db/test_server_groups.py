"""nova_conductor.db.server_groups: groups, their policy and members."""

import pytest

from common import exception
from common.db import api_models as api
from nova_conductor.db import server_groups


def _create(db, policy='anti-affinity', rules=None, name='web'):
    return db.write(server_groups.create, 'p1', 'u1', name, policy, rules)


def test_create_stores_the_group_and_its_policy(api_db):
    group = _create(api_db, rules={'max_server_per_host': '2'})
    assert group['policy'] == 'anti-affinity'
    assert group['rules'] == {'max_server_per_host': 2}
    assert group['members'] == []
    assert len(group['uuid']) == 36
    assert api_db.rows(api.InstanceGroup, 'uuid', 'name', 'project_id',
                       'user_id') == [(group['uuid'], 'web', 'p1', 'u1')]
    assert api_db.rows(api.InstanceGroupPolicy, 'policy', 'rules') == [
        ('anti-affinity', '{"max_server_per_host": 2}')]


@pytest.mark.parametrize('policy', server_groups.POLICIES)
def test_every_policy_without_rules(api_db, policy):
    assert _create(api_db, policy)['rules'] == {}
    assert api_db.rows(api.InstanceGroupPolicy, 'policy', 'rules') == [
        (policy, None)]


@pytest.mark.parametrize('policy, rules, error, message', [
    ('best-effort', None, exception.InvalidInput,
     'Invalid input received: policy must be one of affinity, '
     'anti-affinity, soft-affinity, soft-anti-affinity'),
    ('soft-anti-affinity', {'max_server_per_host': 2}, exception.Invalid,
     'Only anti-affinity policy supports rules.'),
    ('anti-affinity', {'max_servers': 2}, exception.InvalidInput,
     'Invalid input received: unknown rules: max_servers'),
    ('anti-affinity', {'max_server_per_host': 0}, exception.InvalidInput,
     'Invalid input received: max_server_per_host must be >= 1'),
    ('anti-affinity', {'max_server_per_host': 'x'}, exception.InvalidInput,
     'Invalid input received: max_server_per_host must be an integer'),
])
def test_bad_policy_or_rules_store_nothing(api_db, policy, rules, error,
                                           message):
    with pytest.raises(error) as raised:
        _create(api_db, policy, rules)
    assert raised.value.format_message() == message
    assert raised.value.code == 400
    assert api_db.count(api.InstanceGroup) == 0


def test_add_members_skips_those_already_in(api_db):
    group = _create(api_db)
    api_db.write(server_groups.add_members, group['uuid'], ['i1'])
    group = api_db.write(server_groups.add_members, group['uuid'],
                         ['i2', 'i1', 'i2'])
    assert group['members'] == ['i1', 'i2']
    assert api_db.rows(api.InstanceGroupMember, 'instance_uuid') == [
        ('i1',), ('i2',)]


def test_destroy_removes_the_group_its_policy_and_members(api_db):
    group = _create(api_db)
    other = _create(api_db, name='db')
    api_db.write(server_groups.add_members, group['uuid'], ['i1'])
    api_db.write(server_groups.add_members, other['uuid'], ['i2'])
    deleted = api_db.write(server_groups.destroy, group['uuid'])
    assert deleted['members'] == ['i1']
    assert api_db.rows(api.InstanceGroup, 'name') == [('db',)]
    assert api_db.count(api.InstanceGroupPolicy) == 1
    assert api_db.rows(api.InstanceGroupMember, 'instance_uuid') == [
        ('i2',)]


@pytest.mark.parametrize('func, args', [
    (server_groups.destroy, ()),
    (server_groups.add_members, (['i1'],)),
])
def test_missing_group_is_instance_group_not_found(api_db, func, args):
    with pytest.raises(exception.InstanceGroupNotFound) as error:
        api_db.write(func, 'g1', *args)
    assert error.value.format_message() == \
        'Instance group g1 could not be found.'
    assert error.value.code == 404
    assert api_db.count(api.InstanceGroupMember) == 0
