"""Writes to the server group tables of the API database (Nova's
InstanceGroup): ``instance_groups``, their ``instance_group_policy`` and
``instance_group_member`` rows.

A group has exactly one policy row (microversion 2.64's ``policy`` and
``rules``; older microversions send a one-element ``policies`` list,
which the API unwraps).  Rules are stored as JSON text.
"""

from oslo_serialization import jsonutils
from oslo_utils import strutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from common import exception
from common.db import api_models as api

POLICIES = ('affinity', 'anti-affinity', 'soft-affinity',
            'soft-anti-affinity')
# The only rule there is: how many members one host may take.
MAX_SERVER_PER_HOST = 'max_server_per_host'


def create(session, project_id, user_id, name, policy, rules=None):
    """Store a new server group with a fresh uuid; returns it."""
    rules = _check_rules(policy, rules or {})
    group = api.InstanceGroup(
        uuid=uuidutils.generate_uuid(), project_id=project_id,
        user_id=user_id, name=name)
    group.policies.append(api.InstanceGroupPolicy(
        policy=policy, rules=jsonutils.dumps(rules) if rules else None))
    session.add(group)
    session.flush()
    return group.as_dict()


def _check_rules(policy, rules):
    """Only anti-affinity takes a rule: a positive max_server_per_host.

    Returns the rules with the count as a number, whatever the request
    carried (the API schema accepts "3" as well as 3).
    """
    if policy not in POLICIES:
        raise exception.InvalidInput(
            reason='policy must be one of %s' % ', '.join(POLICIES))
    if not rules:
        return rules
    if policy != 'anti-affinity':
        raise exception.Invalid('Only anti-affinity policy supports rules.')
    unknown = sorted(set(rules) - {MAX_SERVER_PER_HOST})
    if unknown:
        raise exception.InvalidInput(
            reason='unknown rules: %s' % ', '.join(unknown))
    try:
        return {MAX_SERVER_PER_HOST: strutils.validate_integer(
            rules[MAX_SERVER_PER_HOST], MAX_SERVER_PER_HOST, 1)}
    except ValueError as e:
        raise exception.InvalidInput(reason=str(e))


def _get(session, group_uuid):
    """The group, locked so member changes to it queue up."""
    group = session.scalars(
        sa.select(api.InstanceGroup).where(
            api.InstanceGroup.uuid == group_uuid).with_for_update()).first()
    if group is None:
        raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
    return group


def destroy(session, group_uuid):
    """Delete the group, its policy and its membership records.

    Members are not touched: they simply stop being in a group.
    Returns the deleted group.
    """
    group = _get(session, group_uuid)
    deleted = group.as_dict()
    session.delete(group)
    session.flush()
    return deleted


def add_members(session, group_uuid, instance_uuids):
    """Add instances to the group; those already in it are skipped, so
    a retried build does not record a member twice.  Returns the group.
    """
    group = _get(session, group_uuid)
    known = {m.instance_uuid for m in group.members}
    for instance_uuid in dict.fromkeys(instance_uuids):
        if instance_uuid not in known:
            group.members.append(
                api.InstanceGroupMember(instance_uuid=instance_uuid))
    session.flush()
    return group.as_dict()


def lock(session, group_uuid):
    """Hold the group's row until the transaction ends: placements of
    its members are judged one at a time."""
    session.execute(sa.select(api.InstanceGroup.id).where(
        api.InstanceGroup.uuid == group_uuid).with_for_update())


def member_uuids(session, group_uuid):
    return list(session.scalars(
        sa.select(api.InstanceGroupMember.instance_uuid)
        .join(api.InstanceGroup,
              api.InstanceGroup.id == api.InstanceGroupMember.group_id)
        .where(api.InstanceGroup.uuid == group_uuid)))
