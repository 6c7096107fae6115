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

_BUILDS = api.BuildRequest.__table__
_SPECS = api.RequestSpec.__table__


def create(session, records, request_spec, block_device_mappings, tags):
    """Store each record with its spec and mapping, and join its group.

    Returns the build requests as ``load`` would read them back.  Core
    inserts, one statement per table whatever the number of servers:
    this is the API's create call, waited on by its user.
    """
    builds = {}
    rows = {'builds': [], 'specs': [], 'mappings': []}
    for record in records:
        stored = instance_record.to_json(record)
        spec = dict(request_spec, instance_uuid=record['uuid'])
        rows['builds'].append({
            'instance_uuid': record['uuid'],
            'project_id': record['project_id'], 'instance': stored,
            'block_device_mappings': jsonutils.dumps(block_device_mappings),
            'tags': jsonutils.dumps(tags)})
        rows['specs'].append({'instance_uuid': record['uuid'],
                              'spec': jsonutils.dumps(spec)})
        rows['mappings'].append({
            'instance_uuid': record['uuid'], 'cell_id': None,
            'project_id': record['project_id'],
            'user_id': record['user_id'], 'queued_for_delete': False})
        builds[record['uuid']] = (instance_record.from_json(stored),
                                  block_device_mappings, tags, spec)
    session.execute(sa.insert(_BUILDS), rows['builds'])
    session.execute(sa.insert(_SPECS), rows['specs'])
    session.execute(sa.insert(api.InstanceMapping.__table__),
                    rows['mappings'])
    group = request_spec.get('instance_group')
    if group:
        server_groups.add_members(session, group['uuid'],
                                  [r['uuid'] for r in records])
    return builds


def load(session, instance_uuids):
    """{uuid: (record, block device mappings, tags, request spec)} of the
    build requests that still exist (the user may have deleted some)."""
    rows = session.execute(
        sa.select(_BUILDS.c.instance_uuid, _BUILDS.c.instance,
                  _BUILDS.c.block_device_mappings, _BUILDS.c.tags,
                  _SPECS.c.spec)
        .join(_SPECS, _SPECS.c.instance_uuid == _BUILDS.c.instance_uuid)
        .where(_BUILDS.c.instance_uuid.in_(instance_uuids)))
    return {
        row.instance_uuid: (
            instance_record.from_json(row.instance),
            jsonutils.loads(row.block_device_mappings or '[]'),
            jsonutils.loads(row.tags or '[]'),
            jsonutils.loads(row.spec))
        for row in rows}


def destroy(session, instance_uuid):
    """Delete the build request; False when it was already gone."""
    return bool(session.execute(sa.delete(_BUILDS).where(
        _BUILDS.c.instance_uuid == instance_uuid)).rowcount)


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
