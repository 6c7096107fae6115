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
# Core, not the ORM: a claim and a release are on every boot and delete.
_NODE = main.ComputeNode.__table__.c
_NODES = main.ComputeNode.__table__


class ClaimFailed(exception.NovaException):
    msg_fmt = 'Claim on %(host)s/%(node)s failed: %(reason)s'


def _ratio(resource):
    """The node's ratio, or the initial one (a parameter) where unset."""
    column = getattr(_NODE, '%s_allocation_ratio' % resource)
    return sa.func.coalesce(sa.func.nullif(column, 0.0),
                            sa.bindparam('initial_%s' % resource))


# The statements of a claim and a release, built once with parameters
# (a new statement object costs SQLAlchemy its cache key on every run).
# Parameter names differ from the columns', which an UPDATE reserves.
_LIVE_NODE = (_NODE.host == sa.bindparam('node_host'),
              _NODE.hypervisor_hostname == sa.bindparam('nodename'),
              _NODE.deleted == 0)
_VCPUS, _MEMORY_MB, _DISK_GB, _SERVERS = (
    sa.bindparam(name) for name in ('add_vcpus', 'add_memory_mb',
                                    'add_disk_gb', 'add_servers'))
_FITS = (_NODE.vcpus_used + _VCPUS <= _NODE.vcpus * _ratio('cpu'),
         _NODE.memory_mb_used + _MEMORY_MB <= _NODE.memory_mb * _ratio('ram'),
         _NODE.local_gb_used + _DISK_GB <= _NODE.local_gb * _ratio('disk'))
# MySQL evaluates SET assignments left to right, so none may read
# another's new value: each counter adds to itself.
_ADD = {
    'vcpus_used': _NODE.vcpus_used + _VCPUS,
    'memory_mb_used': _NODE.memory_mb_used + _MEMORY_MB,
    'local_gb_used': _NODE.local_gb_used + _DISK_GB,
    'free_ram_mb': sa.func.coalesce(_NODE.free_ram_mb, 0) - _MEMORY_MB,
    'free_disk_gb': sa.func.coalesce(_NODE.free_disk_gb, 0) - _DISK_GB,
    'running_vms': sa.func.coalesce(_NODE.running_vms, 0) + _SERVERS,
    'updated_at': sa.bindparam('now'),
}
_CLAIM = sa.update(_NODES).where(*_LIVE_NODE, *_FITS).values(_ADD)
_RELEASE = sa.update(_NODES).where(*_LIVE_NODE).values(_ADD)
_NODE_ID = sa.select(_NODE.id).where(*_LIVE_NODE)
_NODE_ROW = sa.select(_NODES).where(*_LIVE_NODE)


def _params(host, nodename, usage, servers):
    vcpus, memory_mb, disk_gb = usage
    return {'node_host': host, 'nodename': nodename, 'add_vcpus': vcpus,
            'add_memory_mb': memory_mb, 'add_disk_gb': disk_gb,
            'add_servers': servers, 'now': timeutils.utcnow()}


def claim(session, host, nodename, usage):
    """Take ``usage`` (vcpus, memory_mb, disk_gb) from the node; its id.

    Raises ClaimFailed, naming the resource that ran out, when the node
    is gone or the usage does not fit any more.
    """
    params = _params(host, nodename, usage, 1)
    params.update({'initial_%s' % r: CONF['initial_%s_allocation_ratio' % r]
                   for r in ('cpu', 'ram', 'disk')})
    updated = session.execute(_CLAIM, params).rowcount
    # Its id; after a failed claim, the whole row to say what ran out.
    node = session.execute(_NODE_ID if updated else _NODE_ROW,
                           params).first()
    if node is None:
        raise ClaimFailed(host=host, node=nodename,
                          reason='the compute node is gone')
    if not updated:
        raise ClaimFailed(host=host, node=nodename,
                          reason=_shortage(node, *usage))
    return node.id


def release(session, host, nodename, usage):
    """Give ``usage`` back to the node (a deleted or moved server)."""
    session.execute(_RELEASE, _params(host, nodename,
                                      [-amount for amount in usage], -1))


def count_failed_build(session, host, nodename):
    """One more failed build in the node's stats (``failed_builds``,
    what the BuildFailureWeigher reads)."""
    node = session.execute(
        sa.select(_NODE.id, _NODE.stats).where(*_LIVE_NODE).with_for_update(),
        {'node_host': host, 'nodename': nodename}).first()
    if node is None:
        return
    stats = jsonutils.loads(node.stats or '{}')
    stats['failed_builds'] = int(stats.get('failed_builds', 0)) + 1
    session.execute(sa.update(_NODES).where(_NODE.id == node.id).values(
        stats=jsonutils.dumps(stats)))


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
