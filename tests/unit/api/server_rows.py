"""Servers seeded directly in the cloud fixture's databases, as the
conductor stores them: the cell's rows (instance, flavor in
instance_extra, metadata, tags, actions and their events) and the API
database's instance mapping, or a build request for a server not yet
placed.
"""

import datetime
import uuid

from oslo_serialization import jsonutils
from oslo_utils import timeutils

from common import instance_record
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main

FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'memory_mb': 2048,
          'vcpus': 2, 'root_gb': 20, 'ephemeral_gb': 5, 'swap': 0,
          'rxtx_factor': 1.0, 'vcpu_weight': None, 'is_public': True,
          'description': None, 'extra_specs': {}}


def add_server(cloud, cell='cell1', project_id='demo', user_id='demo',
               host='cmp1', metadata=None, tags=(), deleted=False,
               flavor=FLAVOR, **values):
    """A placed, launched, active server; its uuid.  ``values``
    override columns of its instances row."""
    server_uuid = str(uuid.uuid4())
    row = dict(uuid=server_uuid, project_id=project_id, user_id=user_id,
               host=host, node=host, vm_state='active', power_state=1,
               launched_at=timeutils.utcnow(), display_name='vm-%s' % host,
               memory_mb=flavor['memory_mb'], vcpus=flavor['vcpus'],
               root_gb=flavor['root_gb'], ephemeral_gb=flavor['ephemeral_gb'],
               instance_type_id=flavor['id'], locked=False)
    row.update(values)
    with engines.writer(cloud.cells[cell].database_connection) as session:
        instance = main.Instance(**row)
        session.add(instance)
        session.flush()
        session.add(main.InstanceExtra(
            instance_uuid=server_uuid,
            flavor=jsonutils.dumps({'cur': flavor, 'old': None,
                                    'new': None})))
        session.add_all(main.InstanceMetadata(instance_uuid=server_uuid,
                                              key=k, value=v)
                        for k, v in (metadata or {}).items())
        session.add_all(main.Tag(resource_id=server_uuid, tag=t)
                        for t in tags)
        if deleted:
            instance.soft_delete()
            instance.vm_state = 'deleted'
    _map(cloud, server_uuid, cloud.cells[cell].id, project_id, user_id)
    return server_uuid


def add_build_request(cloud, project_id='demo', metadata=None, tags=()):
    """A server the API accepted and the conductor has not placed."""
    server_uuid = str(uuid.uuid4())
    record = {'uuid': server_uuid, 'project_id': project_id,
              'user_id': 'demo', 'vm_state': 'building',
              'task_state': 'scheduling', 'locked': False,
              'launched_at': None, 'created_at': timeutils.utcnow(),
              'metadata': dict(metadata or {}), 'tags': list(tags)}
    with engines.writer(cloud.api_url) as session:
        session.add(api.BuildRequest(
            instance_uuid=server_uuid, project_id=project_id,
            instance=instance_record.to_json(record),
            block_device_mappings='[]', tags=jsonutils.dumps(list(tags))))
    _map(cloud, server_uuid, None, project_id, 'demo')
    return server_uuid


def _map(cloud, server_uuid, cell_id, project_id, user_id):
    with engines.writer(cloud.api_url) as session:
        session.add(api.InstanceMapping(
            instance_uuid=server_uuid, cell_id=cell_id,
            project_id=project_id, user_id=user_id))


def add_action(cloud, server_uuid, action='create', cell='cell1',
               request_id=None, project_id='demo', created_at=None,
               updated_at=None, events=()):
    """An instance action with ``events`` (dicts of event columns); its
    request id.  Times default to now."""
    request_id = request_id or 'req-%s' % uuid.uuid4()
    created_at = created_at or timeutils.utcnow()
    with engines.writer(cloud.cells[cell].database_connection) as session:
        row = main.InstanceAction(
            action=action, instance_uuid=server_uuid, request_id=request_id,
            user_id='demo', project_id=project_id, start_time=created_at,
            created_at=created_at, updated_at=updated_at, message=None)
        session.add(row)
        session.flush()
        for i, event in enumerate(events):
            values = dict(start_time=created_at, finish_time=created_at,
                          result='Success', host='cmp1',
                          created_at=created_at +
                          datetime.timedelta(seconds=i))
            values.update(event)
            session.add(main.InstanceActionEvent(action_id=row.id,
                                                 **values))
    return request_id
