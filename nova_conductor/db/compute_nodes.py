"""Writes to the ``compute_nodes`` table: what each hypervisor reports."""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from common.db import main_models as main
from nova_conductor.db import claims

# What a resource tracker may set; anything else in its report is ignored.
_REPORTED = frozenset(
    column.name for column in main.ComputeNode.__table__.columns) - {
        'id', 'uuid', 'created_at', 'updated_at', 'deleted_at', 'deleted',
        'mapped', 'host', 'hypervisor_hostname', 'service_id', 'free_ram_mb',
        'free_disk_gb', 'running_vms', 'stats'}


def to_dict(node):
    return {column.name: getattr(node, column.name)
            for column in main.ComputeNode.__table__.columns}


def update(session, service_id, host, hypervisor_hostname, values):
    """Create or update the node (host, hypervisor_hostname) from a report.

    A node seen for the first time starts unmapped: it is usable only
    after `nova-manage cell_v2 discover_hosts` maps its host.
    """
    node = session.scalars(sa.select(main.ComputeNode).where(
        main.ComputeNode.host == host,
        main.ComputeNode.hypervisor_hostname == hypervisor_hostname,
        main.ComputeNode.deleted == 0).with_for_update()).first()
    if node is None:
        node = main.ComputeNode(
            uuid=values.get('uuid') or uuidutils.generate_uuid(), host=host,
            hypervisor_hostname=hypervisor_hostname, mapped=0)
        session.add(node)
    node.service_id = service_id
    for key, value in values.items():
        if key in _REPORTED:
            setattr(node, key, value)
    _add_servers(session, node)
    node.updated_at = timeutils.utcnow()
    session.flush()
    return to_dict(node)


def _add_servers(session, node):
    """Reported usage (the host's reserved amounts) plus the servers
    placed on the node: what claims keep up to date between reports,
    recomputed here so any drift heals at the next report."""
    vcpus, memory_mb, disk_gb, servers = claims.instance_usage(
        session, node.host, node.hypervisor_hostname)
    node.vcpus_used = (node.vcpus_used or 0) + vcpus
    node.memory_mb_used = (node.memory_mb_used or 0) + memory_mb
    node.local_gb_used = (node.local_gb_used or 0) + disk_gb
    node.free_ram_mb = node.memory_mb - node.memory_mb_used
    node.free_disk_gb = node.local_gb - node.local_gb_used
    node.running_vms = servers
