"""Claims: a server's resources taken from a compute node, atomically.

The scheduler chooses from numbers that may be a moment old; two
conductors may then send two servers to the last free slot of a host.
A claim is one conditional UPDATE of the node's row that adds the
server's usage only if it still fits under the allocation ratios, so
the database settles every race: the loser sees no row updated and
tries its next alternate.  The node's ``*_used`` columns are therefore
always the host's reserved amounts plus the servers placed on it;
``heal`` recomputes them from the instances when the host reports.
"""

from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa

from common import conf
from common import exception
from common import instance_record
from common.db import main_models as main

CONF = conf.CONF
_NODE = main.ComputeNode


class ClaimFailed(exception.NovaException):
    msg_fmt = 'Claim on %(host)s/%(node)s failed: %(reason)s'


def _ratio(resource):
    column = getattr(_NODE, '%s_allocation_ratio' % resource)
    return sa.func.coalesce(
        sa.func.nullif(column, 0.0),
        CONF['initial_%s_allocation_ratio' % resource])


def _fits(vcpus, memory_mb, disk_gb):
    return sa.and_(
        _NODE.vcpus_used + vcpus <= _NODE.vcpus * _ratio('cpu'),
        _NODE.memory_mb_used + memory_mb <= _NODE.memory_mb * _ratio('ram'),
        _NODE.local_gb_used + disk_gb <= _NODE.local_gb * _ratio('disk'))


def _live_node(host, nodename):
    return (_NODE.host == host, _NODE.hypervisor_hostname == nodename,
            _NODE.deleted == 0)


def claim(session, host, nodename, usage):
    """Take ``usage`` (vcpus, memory_mb, disk_gb) from the node; its id.

    Raises ClaimFailed, naming the resource that ran out, when the node
    is gone or the usage does not fit any more.
    """
    vcpus, memory_mb, disk_gb = usage
    updated = session.execute(
        sa.update(_NODE).where(*_live_node(host, nodename),
                               _fits(vcpus, memory_mb, disk_gb))
        .values(_add(vcpus, memory_mb, disk_gb, 1))
        .execution_options(synchronize_session=False)).rowcount
    node = session.execute(sa.select(_NODE).where(
        *_live_node(host, nodename))).scalar_one_or_none()
    if node is None:
        raise ClaimFailed(host=host, node=nodename,
                          reason='the compute node is gone')
    if not updated:
        raise ClaimFailed(host=host, node=nodename,
                          reason=_shortage(node, vcpus, memory_mb, disk_gb))
    return node.id


def release(session, host, nodename, usage):
    """Give ``usage`` back to the node (a deleted or moved server)."""
    vcpus, memory_mb, disk_gb = usage
    session.execute(
        sa.update(_NODE).where(*_live_node(host, nodename))
        .values(_add(-vcpus, -memory_mb, -disk_gb, -1))
        .execution_options(synchronize_session=False))


def count_failed_build(session, host, nodename):
    """One more failed build in the node's stats (``failed_builds``,
    what the BuildFailureWeigher reads)."""
    node = session.execute(sa.select(_NODE).where(
        *_live_node(host, nodename)).with_for_update()).scalar_one_or_none()
    if node is None:
        return
    stats = jsonutils.loads(node.stats or '{}')
    stats['failed_builds'] = int(stats.get('failed_builds', 0)) + 1
    node.stats = jsonutils.dumps(stats)


def _add(vcpus, memory_mb, disk_gb, servers):
    """SET values adding to each counter by itself: MySQL evaluates SET
    assignments left to right, so none may read another's new value."""
    return {
        'vcpus_used': _NODE.vcpus_used + vcpus,
        'memory_mb_used': _NODE.memory_mb_used + memory_mb,
        'local_gb_used': _NODE.local_gb_used + disk_gb,
        'free_ram_mb': sa.func.coalesce(_NODE.free_ram_mb, 0) - memory_mb,
        'free_disk_gb': sa.func.coalesce(_NODE.free_disk_gb, 0) - disk_gb,
        'running_vms': sa.func.coalesce(_NODE.running_vms, 0) + servers,
        'updated_at': timeutils.utcnow(),
    }


def _shortage(node, vcpus, memory_mb, disk_gb):
    """Which resource did not fit, in words an operator can act on."""
    ratios = {r: getattr(node, '%s_allocation_ratio' % r) or
              CONF['initial_%s_allocation_ratio' % r]
              for r in ('cpu', 'ram', 'disk')}
    for name, used, want, total, ratio in (
            ('VCPU', node.vcpus_used, vcpus, node.vcpus, ratios['cpu']),
            ('MEMORY_MB', node.memory_mb_used, memory_mb, node.memory_mb,
             ratios['ram']),
            ('DISK_GB', node.local_gb_used, disk_gb, node.local_gb,
             ratios['disk'])):
        if used + want > total * ratio:
            return '%s: %d used + %d requested > %g capacity' % (
                name, used, want, total * ratio)
    return 'the node changed while claiming'


def instance_usage(session, host, nodename):
    """(vcpus, memory_mb, disk_gb, servers) of the live instances placed
    on the node, counted as claims count them (swap from the flavor)."""
    inst = main.Instance
    rows = session.execute(
        sa.select(inst.vcpus, inst.memory_mb, inst.root_gb,
                  inst.ephemeral_gb, main.InstanceExtra.flavor)
        .outerjoin(main.InstanceExtra,
                   main.InstanceExtra.instance_uuid == inst.uuid)
        .where(inst.host == host, inst.node == nodename, inst.deleted == 0))
    totals = [0, 0, 0, 0]
    for row in rows:
        flavor = jsonutils.loads(row.flavor).get('cur') if row.flavor else {}
        usage = instance_record.resources({
            'vcpus': row.vcpus, 'memory_mb': row.memory_mb,
            'root_gb': row.root_gb, 'ephemeral_gb': row.ephemeral_gb,
            'flavor': flavor})
        totals = [t + u for t, u in zip(totals, (*usage, 1), strict=True)]
    return tuple(totals)
