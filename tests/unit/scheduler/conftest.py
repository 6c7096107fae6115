"""Scheduler tests: request specs, host states, and SQLite cells seeded
with the rows nova-compute, nova-conductor and nova-manage would write.

The databases come from the API tests' ``cloud`` fixture (an API
database, cell0 and cell1, cell2 on demand).
"""

import uuid

from oslo_serialization import jsonutils
from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from common import conf
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from nova_scheduler import host_manager
from tests.unit.api.conftest import cloud  # noqa: F401
from tests.unit.api.conftest import config  # noqa: F401
from tests.unit.api.conftest import fake_transport  # noqa: F401
from tests.unit.api.conftest import schemas  # noqa: F401

CONF = conf.CONF
FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'memory_mb': 2048,
          'vcpus': 1, 'root_gb': 20, 'ephemeral_gb': 0, 'swap': 0,
          'rxtx_factor': 1.0, 'vcpu_weight': None, 'is_public': True,
          'description': None, 'extra_specs': {}}
IMAGE = {'id': '155d900f-4e14-4e4c-a73d-069cbf4541e6', 'name': 'cirros',
         'status': 'active', 'disk_format': 'qcow2',
         'container_format': 'bare', 'min_ram': 0, 'min_disk': 0,
         'size': 25165824, 'properties': {}}


def make_spec(**values):
    """A request spec dict as nova-conductor sends it."""
    spec = {'instance_uuid': str(uuid.uuid4()), 'project_id': 'p1',
            'user_id': 'u1', 'num_instances': 1, 'flavor': dict(FLAVOR),
            'image': dict(IMAGE), 'availability_zone': None,
            'force_hosts': [], 'force_nodes': [],
            'requested_destination': None, 'scheduler_hints': {},
            'instance_group': None, 'ignore_hosts': [], 'is_bfv': False,
            'security_groups': ['default']}
    flavor = values.pop('flavor', {})
    spec['flavor'].update(flavor)
    spec.update(values)
    return spec


def make_host(host='host1', nodename=None, cell_uuid='cell1-uuid',
              **values):
    """A HostState as the host manager builds it: 8 VCPUs, 16 GiB,
    100 GiB, nothing used, service up and enabled."""
    state = host_manager.HostState(host, nodename or host, cell_uuid)
    state.uuid = str(uuid.uuid4())
    defaults = dict(
        total_usable_ram_mb=16384, free_ram_mb=16384,
        total_usable_disk_gb=100, free_disk_mb=100 * 1024, disk_mb_used=0,
        vcpus_total=8, vcpus_used=0, hypervisor_type='fake',
        hypervisor_version=1000, supported_instances=(
            ('x86_64', 'fake', 'hvm'),),
        cpu_info='{"arch": "x86_64", "model": "fake"}',
        cpu_allocation_ratio=16.0, ram_allocation_ratio=1.5,
        disk_allocation_ratio=1.0,
        service={'id': 1, 'host': host, 'disabled': False,
                 'disabled_reason': None, 'forced_down': False, 'up': True})
    defaults.update(values)
    for name, value in defaults.items():
        setattr(state, name, value)
    return state


def aggregate(hosts=(), **metadata):
    """An aggregate dict as HostState.aggregates holds them."""
    return {'id': 1, 'uuid': str(uuid.uuid4()), 'name': 'agg',
            'hosts': list(hosts), 'metadata': metadata,
            'availability_zone': metadata.get('availability_zone')}


class Seeder:
    """Rows of compute hosts, instances and aggregates in ``cloud``."""

    def __init__(self, deployment):
        self.cloud = deployment

    def url(self, cell):
        return self.cloud.cells[cell].database_connection

    def add_host(self, host, cell='cell1', mapped=True, nodes=1,
                 service=None, **node_values):
        """A nova-compute service, its nodes (8 VCPUs, 16 GiB, 100 GiB,
        nothing used) and, when ``mapped``, its host mapping."""
        row = self.cloud.add_service(host, cell=cell, **(service or {}))
        now = timeutils.utcnow()
        node_uuids = []
        with engines.writer(self.url(cell)) as session:
            for i in range(nodes):
                values = dict(
                    uuid=str(uuid.uuid4()), service_id=row['id'], host=host,
                    hypervisor_hostname=host if nodes == 1 else
                    '%s-%d' % (host, i),
                    vcpus=8, memory_mb=16384, local_gb=100, vcpus_used=0,
                    memory_mb_used=0, local_gb_used=0, free_ram_mb=16384,
                    free_disk_gb=100, running_vms=0, hypervisor_type='fake',
                    hypervisor_version=1000, cpu_info=jsonutils.dumps(
                        {'arch': 'x86_64', 'model': 'fake'}),
                    supported_instances='[["x86_64", "fake", "hvm"]]',
                    stats='{}', mapped=1 if mapped else 0, updated_at=now)
                values.update(node_values)
                session.add(main.ComputeNode(**values))
                node_uuids.append(values['uuid'])
        if mapped:
            with engines.writer(self.cloud.api_url) as session:
                session.add(api.HostMapping(
                    host=host, cell_id=self.cloud.cells[cell].id))
        return node_uuids

    def update_nodes(self, host, cell='cell1', **values):
        """An ORM update, which stamps updated_at as the conductor's do."""
        with engines.writer(self.url(cell)) as session:
            for node in session.scalars(sa.select(main.ComputeNode).where(
                    main.ComputeNode.host == host)):
                for key, value in values.items():
                    setattr(node, key, value)

    def delete_nodes(self, host, cell='cell1'):
        with engines.writer(self.url(cell)) as session:
            for node in session.scalars(sa.select(main.ComputeNode).where(
                    main.ComputeNode.host == host)):
                node.soft_delete()

    def update_service(self, host, cell='cell1', **values):
        with engines.writer(self.url(cell)) as session:
            service = session.scalars(sa.select(main.Service).where(
                main.Service.host == host,
                main.Service.deleted == 0)).one()
            for key, value in values.items():
                setattr(service, key, value)

    def add_instance(self, host, cell='cell1', node=None, **values):
        """An instance row as nova-conductor inserts it (updated_at set)."""
        instance_uuid = values.pop('uuid', None) or str(uuid.uuid4())
        now = timeutils.utcnow()
        row = dict(uuid=instance_uuid, host=host, node=node or host,
                   project_id='p1', user_id='u1', vm_state='active',
                   task_state=None, power_state=1, memory_mb=2048, vcpus=1,
                   root_gb=20, ephemeral_gb=0, display_name='vm',
                   created_at=now, updated_at=now)
        row.update(values)
        with engines.writer(self.url(cell)) as session:
            session.add(main.Instance(**row))
        return instance_uuid

    def update_instance(self, instance_uuid, cell='cell1', **values):
        with engines.writer(self.url(cell)) as session:
            instance = session.scalars(sa.select(main.Instance).where(
                main.Instance.uuid == instance_uuid)).one()
            for key, value in values.items():
                setattr(instance, key, value)

    def delete_instance(self, instance_uuid, cell='cell1'):
        with engines.writer(self.url(cell)) as session:
            session.scalars(sa.select(main.Instance).where(
                main.Instance.uuid == instance_uuid)).one().soft_delete()

    def add_aggregate(self, name, hosts, **metadata):
        with engines.writer(self.cloud.api_url) as session:
            agg = api.Aggregate(uuid=str(uuid.uuid4()), name=name)
            agg.hosts = [api.AggregateHost(host=host) for host in hosts]
            agg.metadata_items = [api.AggregateMetadata(key=k, value=v)
                                  for k, v in metadata.items()]
            session.add(agg)
            session.flush()
            return agg.id

    def remove_aggregate_host(self, aggregate_id, host):
        with engines.writer(self.cloud.api_url) as session:
            session.execute(sa.delete(api.AggregateHost).where(
                api.AggregateHost.aggregate_id == aggregate_id,
                api.AggregateHost.host == host))


@pytest.fixture
def seeder(cloud):  # noqa: F811
    return Seeder(cloud)
