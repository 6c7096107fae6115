"""Servers seeded directly in the cloud fixture's databases, as the
conductor stores them: the cell's rows (instance, flavor in
instance_extra, metadata, tags, actions and their events) and the API
database's instance mapping, or a build request for a server not yet
placed.
"""

import datetime
import uuid as uuidlib

from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa

from common import instance_record
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main

IMAGE = '1a503e79-713d-44cf-a54a-b81c9b816bf1'
T0 = datetime.datetime(2026, 11, 21, 8, 33, 17)
TINY = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
        'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
        'rxtx_factor': 1.0, 'vcpu_weight': None, 'is_public': True,
        'description': None, 'extra_specs': {'hw:cpu_policy': 'shared'}}
FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'memory_mb': 2048,
          'vcpus': 2, 'root_gb': 20, 'ephemeral_gb': 5, 'swap': 0,
          'rxtx_factor': 1.0, 'vcpu_weight': None, 'is_public': True,
          'description': None, 'extra_specs': {}}


def add_server(cloud, cell='cell1', project_id='demo', user_id='demo',
               host='cmp1', metadata=None, tags=(), deleted=False,
               flavor=FLAVOR, **values):
    """A placed, launched, active server; its uuid.  ``values``
    override columns of its instances row."""
    server_uuid = str(uuidlib.uuid4())
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
    server_uuid = str(uuidlib.uuid4())
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
    request_id = request_id or 'req-%s' % uuidlib.uuid4()
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


class Servers:
    """Seeds servers where the conductor puts them."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.clock = T0

    def _tick(self):
        self.clock += datetime.timedelta(seconds=1)
        return self.clock

    def record(self, project='demo', user='demo', name='vm', **fields):
        uuid = fields.pop('uuid', None) or str(uuidlib.uuid4())
        record = {
            'uuid': uuid, 'id': None, 'display_name': name,
            'display_description': None, 'hostname': name,
            'user_id': user, 'project_id': project, 'image_ref': IMAGE,
            'kernel_id': '', 'ramdisk_id': '', 'launch_index': 0,
            'key_name': None, 'key_data': None, 'power_state': 0,
            'vm_state': 'building', 'task_state': 'scheduling',
            'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
            'host': None, 'node': None, 'instance_type_id': 1,
            'user_data': None, 'reservation_id': 'r-%s' % uuid[:8],
            'launched_at': None, 'terminated_at': None,
            'availability_zone': None, 'locked': False, 'locked_by': None,
            'config_drive': '', 'access_ip_v4': None, 'access_ip_v6': None,
            'auto_disk_config': False, 'progress': 0,
            'created_at': self._tick(), 'updated_at': None,
            'deleted_at': None, 'deleted': 0, 'metadata': {},
            'system_metadata': {'image_base_image_ref': IMAGE,
                                'image_min_ram': '0',
                                'image_disk_format': 'qcow2'},
            'flavor': dict(TINY), 'tags': [], 'security_groups': ['default'],
            'fault': None, 'locked_reason': None,
        }
        record.update(fields)
        return record

    def build_request(self, spec=None, **fields):
        """A server accepted by the API and not yet placed."""
        record = self.record(**fields)
        with engines.writer(self.cloud.api_url) as session:
            session.add(api.BuildRequest(
                instance_uuid=record['uuid'],
                project_id=record['project_id'],
                instance=instance_record.to_json(record),
                block_device_mappings='[]',
                tags=jsonutils.dumps(record['tags'])))
            self._api_rows(session, record, None, spec)
        return record['uuid']

    def _api_rows(self, session, record, cell, spec):
        session.add(api.InstanceMapping(
            instance_uuid=record['uuid'], project_id=record['project_id'],
            user_id=record['user_id'],
            cell_id=cell.id if cell is not None else None))
        session.add(api.RequestSpec(instance_uuid=record['uuid'],
                                    spec=jsonutils.dumps(spec or {
                                        'availability_zone': None,
                                        'scheduler_hints': {}})))

    def instance(self, cell='cell1', spec=None, volumes=(), network_info=(),
                 trusted_certs=None, **fields):
        """A placed server: its rows in ``cell`` and its mapping."""
        values = {'vm_state': 'active', 'task_state': None,
                  'power_state': 1, 'host': 'cmp1', 'node': 'cmp1',
                  'launched_at': self.clock, 'root_device_name': '/dev/sda'}
        values.update(fields)
        record = self.record(**values)
        record.pop('id')
        record['updated_at'] = record['updated_at'] or record['created_at']
        cell_mapping = self.cloud.cells[cell]
        with engines.writer(cell_mapping.database_connection) as session:
            self._cell_rows(session, record, volumes, network_info,
                            trusted_certs)
        with engines.writer(self.cloud.api_url) as session:
            self._api_rows(session, record, cell_mapping, spec)
        return record['uuid']

    @staticmethod
    def _cell_rows(session, record, volumes, network_info, trusted_certs):
        uuid = record['uuid']
        instance = main.Instance(**instance_record.columns(record))
        session.add(instance)
        session.flush()
        if record['deleted']:
            # updated_at given, or the update would stamp it with now.
            session.execute(sa.update(main.Instance).where(
                main.Instance.id == instance.id).values(
                deleted=instance.id, updated_at=record['updated_at']))
        session.add(main.InstanceExtra(
            instance_uuid=uuid,
            flavor=jsonutils.dumps({'cur': record['flavor'], 'old': None,
                                    'new': None}),
            trusted_certs=(jsonutils.dumps({'ids': trusted_certs})
                           if trusted_certs else None)))
        session.add(main.InstanceInfoCache(
            instance_uuid=uuid, network_info=jsonutils.dumps(
                list(network_info))))
        session.add_all(main.InstanceMetadata(instance_uuid=uuid, key=k,
                                              value=v)
                        for k, v in record['metadata'].items())
        sysmeta = dict(record['system_metadata'])
        if record['locked_reason']:
            sysmeta['locked_reason'] = record['locked_reason']
        session.add_all(main.InstanceSystemMetadata(instance_uuid=uuid,
                                                    key=k, value=v)
                        for k, v in sysmeta.items())
        session.add_all(main.Tag(resource_id=uuid, tag=t)
                        for t in record['tags'])
        if record['fault']:
            session.add(main.InstanceFault(instance_uuid=uuid,
                                           **record['fault']))
        session.add_all(main.BlockDeviceMapping(
            instance_uuid=uuid, volume_id=volume_id, source_type='volume',
            destination_type='volume', delete_on_termination=False)
            for volume_id in volumes)

    def join_group(self, group_uuid, *uuids):
        with engines.writer(self.cloud.api_url) as session:
            group = api.InstanceGroup(uuid=group_uuid, name='g',
                                      project_id='demo', user_id='demo')
            session.add(group)
            session.flush()
            session.add_all(api.InstanceGroupMember(instance_uuid=u,
                                                    group_id=group.id)
                            for u in uuids)
