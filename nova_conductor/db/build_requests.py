"""Writes of servers not yet placed: ``build_requests``,
``request_specs`` and ``instance_mappings`` of the API database.

A server accepted by the API lives as a BuildRequest (its instance
record as JSON) until the conductor has chosen its cell and host; its
RequestSpec stays for later moves; its InstanceMapping says which cell
it is in (none yet).
"""

from oslo_serialization import jsonutils
import sqlalchemy as sa

from common import exception
from common import instance_record
from common.db import api_models as api
from nova_conductor.db import server_groups


def create(session, records, request_spec, block_device_mappings, tags):
    """Store each record with its spec and mapping, and join its group.

    Returns the build requests as ``load`` would read them back.
    """
    builds = {}
    for record in records:
        stored = instance_record.to_json(record)
        spec = dict(request_spec, instance_uuid=record['uuid'])
        session.add(api.BuildRequest(
            instance_uuid=record['uuid'], project_id=record['project_id'],
            instance=stored,
            block_device_mappings=jsonutils.dumps(block_device_mappings),
            tags=jsonutils.dumps(tags)))
        session.add(api.RequestSpec(instance_uuid=record['uuid'],
                                    spec=jsonutils.dumps(spec)))
        session.add(api.InstanceMapping(
            instance_uuid=record['uuid'], cell_id=None,
            project_id=record['project_id'], user_id=record['user_id'],
            queued_for_delete=False))
        builds[record['uuid']] = (instance_record.from_json(stored),
                                  block_device_mappings, tags, spec)
    group = request_spec.get('instance_group')
    if group:
        server_groups.add_members(session, group['uuid'],
                                  [r['uuid'] for r in records])
    session.flush()
    return builds


def load(session, instance_uuids):
    """{uuid: (record, block device mappings, tags, request spec)} of the
    build requests that still exist (the user may have deleted some)."""
    rows = session.execute(
        sa.select(api.BuildRequest, api.RequestSpec.spec)
        .join(api.RequestSpec,
              api.RequestSpec.instance_uuid == api.BuildRequest.instance_uuid)
        .where(api.BuildRequest.instance_uuid.in_(instance_uuids)))
    return {
        build.instance_uuid: (
            instance_record.from_json(build.instance),
            jsonutils.loads(build.block_device_mappings or '[]'),
            jsonutils.loads(build.tags or '[]'),
            jsonutils.loads(spec))
        for build, spec in rows}


def destroy(session, instance_uuid):
    """Delete the build request; False when it was already gone."""
    return bool(session.execute(sa.delete(api.BuildRequest).where(
        api.BuildRequest.instance_uuid == instance_uuid)).rowcount)


def forget(session, instance_uuid):
    """Remove every API-database trace of a server refused after all
    (over quota on the recheck): it never existed for the user."""
    for model in (api.BuildRequest, api.RequestSpec, api.InstanceMapping,
                  api.InstanceGroupMember):
        session.execute(sa.delete(model).where(
            model.instance_uuid == instance_uuid))


def map_to_cell(session, instance_uuid, cell_id):
    session.execute(sa.update(api.InstanceMapping).where(
        api.InstanceMapping.instance_uuid == instance_uuid).values(
        cell_id=cell_id))


def queue_for_delete(session, instance_uuid):
    """The mapping of a deleted server: kept, but no longer counted."""
    session.execute(sa.update(api.InstanceMapping).where(
        api.InstanceMapping.instance_uuid == instance_uuid).values(
        queued_for_delete=True))


def pin_zone(session, instance_uuid, zone):
    """Set (or with None clear) the zone the server's spec asks for."""
    row = session.scalars(sa.select(api.RequestSpec).where(
        api.RequestSpec.instance_uuid == instance_uuid)
        .with_for_update()).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    spec = jsonutils.loads(row.spec)
    spec['availability_zone'] = zone
    row.spec = jsonutils.dumps(spec)
