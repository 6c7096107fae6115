"""Host states: what the scheduler knows of every compute node.

``HostManager`` keeps one ``HostState`` per compute node of every
enabled cell (cell0 has none) and brings them up to date at each
request by reading only what changed since the previous one:

- compute nodes whose row was created, updated or deleted since then
  (nova-conductor's claims and the computes' reports stamp
  ``updated_at``), plus the nodes this scheduler consumed resources of
  a while ago, so a choice that was never claimed does not linger;
- services: every heartbeat stamps ``updated_at``, so that column would
  bring back a tenth of all services each second.  Instead the query
  asks for the services that are, or were at the previous read, not up
  or disabled (``common.service.is_up`` decides), and those created or
  deleted since: at steady state a handful of rows;
- instances created, updated or deleted since then, which give each
  host its ``instances``, ``num_instances`` and ``num_io_ops``;
- the API database's cells, host mappings and aggregates are reloaded
  whole, and only when a fingerprint of their tables (row count, sum
  of ids, latest stamps) changed.

"Since then" is the previous refresh minus ``REFRESH_OVERLAP``: DATETIME
columns keep whole seconds, and a writer stamps its rows a moment before
its transaction commits.  Only hosts with a live compute node, a
nova-compute service and a host mapping to the node's cell can be
chosen: nova-conductor finds a host's cell through its mapping.
"""

import datetime
import functools
import time

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa

from common import conf
from common import service as nova_service
from common import states
from common.db import api_models as api
from common.db import cells as db_cells
from common.db import engines
from common.db import main_models as main

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Rows stamped this long before the previous refresh are read again.
REFRESH_OVERLAP = datetime.timedelta(seconds=5)
# Seconds after which a node this scheduler consumed resources of is
# read again even if its row did not change: the conductor claims what
# was chosen within milliseconds, so a node still unchanged by then was
# never claimed (the request failed) and the cache must forget it.
PENDING_CLAIM_SECONDS = 10
COMPUTE_BINARY = 'nova-compute'

_NODE = main.ComputeNode
_NODE_COLUMNS = (
    _NODE.id, _NODE.uuid, _NODE.host, _NODE.hypervisor_hostname,
    _NODE.vcpus, _NODE.memory_mb, _NODE.local_gb, _NODE.vcpus_used,
    _NODE.memory_mb_used, _NODE.local_gb_used, _NODE.free_ram_mb,
    _NODE.free_disk_gb, _NODE.hypervisor_type, _NODE.hypervisor_version,
    _NODE.cpu_info,
    _NODE.supported_instances, _NODE.stats, _NODE.host_ip,
    _NODE.cpu_allocation_ratio, _NODE.ram_allocation_ratio,
    _NODE.disk_allocation_ratio, _NODE.updated_at, _NODE.deleted)
_SERVICE = main.Service
_SERVICE_COLUMNS = (
    _SERVICE.id, _SERVICE.host, _SERVICE.disabled, _SERVICE.disabled_reason,
    _SERVICE.forced_down, _SERVICE.last_seen_up, _SERVICE.updated_at,
    _SERVICE.created_at, _SERVICE.deleted)
_INSTANCE = main.Instance
_INSTANCE_COLUMNS = (
    _INSTANCE.uuid, _INSTANCE.host, _INSTANCE.node, _INSTANCE.vm_state,
    _INSTANCE.task_state, _INSTANCE.project_id, _INSTANCE.user_id,
    _INSTANCE.deleted)
_SINCE = sa.bindparam('since')

# The statements are built once: building one costs more than running
# it against a few changed rows.
_ALL_NODES = sa.select(*_NODE_COLUMNS).where(_NODE.deleted == 0)
_CHANGED_NODES = sa.select(*_NODE_COLUMNS).where(sa.or_(
    _NODE.updated_at >= _SINCE, _NODE.created_at >= _SINCE,
    _NODE.deleted_at >= _SINCE,
    _NODE.id.in_(sa.bindparam('due', expanding=True))))
_ALL_SERVICES = sa.select(*_SERVICE_COLUMNS).where(
    _SERVICE.binary == COMPUTE_BINARY, _SERVICE.deleted == 0)
_SEEN = sa.func.coalesce(_SERVICE.last_seen_up, _SERVICE.updated_at,
                         _SERVICE.created_at)
# Services created or deleted since, those unwell at the last read, and
# every one that ``is_up`` may judge down or that is disabled (with a
# few up ones near the limit): the services left out are up and
# enabled, and were so at the last read.
_CHANGED_SERVICES = sa.select(*_SERVICE_COLUMNS).where(
    _SERVICE.binary == COMPUTE_BINARY, sa.or_(
        _SERVICE.created_at >= _SINCE, _SERVICE.deleted_at >= _SINCE,
        _SERVICE.id.in_(sa.bindparam('unwell', expanding=True)),
        _SERVICE.disabled == sa.true(), _SERVICE.forced_down == sa.true(),
        _SEEN.is_(None), _SEEN < sa.bindparam('seen_after'),
        _SEEN > sa.bindparam('seen_before')))
_ALL_INSTANCES = sa.select(*_INSTANCE_COLUMNS).where(
    _INSTANCE.deleted == 0, _INSTANCE.host.is_not(None))
# A union of two selects, each served by an index, rather than an OR.
_CHANGED_INSTANCES = sa.union_all(
    sa.select(*_INSTANCE_COLUMNS).where(_INSTANCE.updated_at >= _SINCE),
    sa.select(*_INSTANCE_COLUMNS).where(_INSTANCE.deleted == 0,
                                        _INSTANCE.created_at >= _SINCE))

# API tables whose fingerprint triggers a reload, by what they feed.
_API_TABLES = {
    'cells': (api.CellMapping,),
    'host_mappings': (api.HostMapping,),
    'aggregates': (api.Aggregate, api.AggregateHost, api.AggregateMetadata),
}


@functools.lru_cache(maxsize=1024)
def _json(text):
    """A decoded JSON column (None when empty or not JSON), shared
    between the many nodes reporting the same text: callers must not
    change it."""
    try:
        return jsonutils.loads(text) if text else None
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def _supported_instances(text):
    return tuple(tuple(entry) for entry in _json(text) or ())


def _first_set(value, default):
    return default if value is None else value


class HostState:
    """One compute node as filters and weighers see it.

    Attribute names are Nova's.  Resources come from the node's row:
    its ``*_used`` and ``free_*`` columns include the host's reserved
    amounts and every claimed instance.  ``instances`` is the dict of
    the host's instances (shared by its nodes), {uuid: {uuid, host,
    node, vm_state, task_state, project_id, user_id}}.
    """

    def __init__(self, host, nodename, cell_uuid):
        self.host = host
        self.nodename = nodename
        self.cell_uuid = cell_uuid
        self.node_id = None
        self.uuid = None
        self.total_usable_ram_mb = 0
        self.free_ram_mb = 0
        self.total_usable_disk_gb = 0
        self.free_disk_mb = 0
        self.disk_mb_used = 0
        self.vcpus_total = 0
        self.vcpus_used = 0
        self.num_instances = 0
        self.num_io_ops = 0
        self.instances = {}
        self.aggregates = []
        self.hypervisor_type = None
        self.hypervisor_version = None
        self.hypervisor_hostname = nodename
        self.cpu_info = None
        self.supported_instances = ()
        self.cpu_allocation_ratio = None
        self.ram_allocation_ratio = None
        self.disk_allocation_ratio = None
        self.stats = {}
        self.failed_builds = 0
        self.service = None
        self.limits = {}
        self.host_ip = None
        self.updated = None

    def update_from_compute_node(self, node):
        """Take the resources of the node's row (any earlier
        consumption is superseded: the row is the truth)."""
        self.node_id = node.id
        self.uuid = node.uuid
        self.total_usable_ram_mb = node.memory_mb
        self.free_ram_mb = _first_set(node.free_ram_mb,
                                      node.memory_mb - node.memory_mb_used)
        self.total_usable_disk_gb = node.local_gb
        self.free_disk_mb = _first_set(
            node.free_disk_gb, node.local_gb - node.local_gb_used) * 1024
        self.disk_mb_used = node.local_gb_used * 1024
        self.vcpus_total = node.vcpus
        self.vcpus_used = node.vcpus_used
        self.hypervisor_type = node.hypervisor_type
        self.hypervisor_version = node.hypervisor_version
        self.cpu_info = node.cpu_info
        self.supported_instances = _supported_instances(
            node.supported_instances)
        self.stats = _json(node.stats) or {}
        self.failed_builds = int(self.stats.get('failed_builds', 0))
        self.host_ip = node.host_ip
        for resource in ('cpu', 'ram', 'disk'):
            name = '%s_allocation_ratio' % resource
            setattr(self, name, getattr(node, name) or
                    CONF['initial_%s' % name])
        self.updated = node.updated_at

    def consume_from_request(self, spec):
        """Take one instance of ``spec`` from this host, so the next
        instance of a multi-instance request sees the host fuller."""
        resources = spec.resources
        disk_mb = resources['DISK_GB'] * 1024
        self.vcpus_used += resources['VCPU']
        self.free_ram_mb -= resources['MEMORY_MB']
        self.free_disk_mb -= disk_mb
        self.disk_mb_used += disk_mb
        self.num_instances += 1
        # Whatever the request, the instance now builds or moves here.
        self.num_io_ops += 1
        self.updated = timeutils.utcnow()

    def count_instances(self):
        """num_instances and num_io_ops from ``instances``."""
        count = io_ops = 0
        for instance in self.instances.values():
            if instance['node'] not in (None, self.nodename):
                continue
            count += 1
            if (instance['vm_state'] == states.BUILDING or
                    instance['task_state'] in states.IO_TASK_STATES):
                io_ops += 1
        self.num_instances = count
        self.num_io_ops = io_ops

    def __repr__(self):
        return ('(%s, %s) ram: %sMB disk: %sMB io_ops: %s instances: %s'
                % (self.host, self.nodename, self.free_ram_mb,
                   self.free_disk_mb, self.num_io_ops, self.num_instances))


class _CellCache:
    """The host states of one cell and what they are built from."""

    def __init__(self, cell):
        self.cell = cell
        self.nodes = {}            # compute node id -> HostState
        self.host_nodes = {}       # host -> [HostState]
        self.services = {}         # host -> service dict
        self.instances = {}        # host -> {uuid: instance dict}
        self.instance_hosts = {}   # instance uuid -> host
        self.unwell = set()        # ids of services down or disabled
        self.pending = {}          # node id -> (monotonic, utc) consumed
        self.since = None

    def refresh(self, now):
        """Read what changed since the last refresh; True when nodes or
        services came or went (the list of hosts must be rebuilt)."""
        touched = set()
        with engines.reader(self.cell.database_connection) as session:
            # Core statements: the ORM's per-statement work is wasted on
            # plain rows.
            connection = session.connection()
            changed = self._read_nodes(connection, touched)
            changed |= self._read_services(connection, now)
            self._read_instances(connection, touched)
        for host in touched:
            for state in self.host_nodes.get(host, ()):
                state.count_instances()
        self.since = now - REFRESH_OVERLAP
        return changed

    # --- compute nodes -------------------------------------------------

    def _read_nodes(self, connection, touched):
        if self.since is None:
            rows = connection.execute(_ALL_NODES)
        else:
            rows = connection.execute(_CHANGED_NODES, {
                'since': self.since, 'due': self._due_nodes(touched)})
        changed = False
        for row in rows:
            changed |= self._apply_node(row, touched)
        return changed

    def _due_nodes(self, touched):
        """Nodes consumed long enough ago to be read again; their
        hosts' placeholder instances go (real rows replace them)."""
        deadline = time.monotonic() - PENDING_CLAIM_SECONDS
        due = [node_id for node_id, (at, _stamp) in self.pending.items()
               if at < deadline]
        for node_id in due:
            del self.pending[node_id]
            state = self.nodes.get(node_id)
            if state is not None:
                self._forget_placeholders(state.host)
                touched.add(state.host)
        return due

    def _apply_node(self, row, touched):
        state = self.nodes.get(row.id)
        if row.deleted:
            if state is None:
                return False
            del self.nodes[row.id]
            self.host_nodes[state.host].remove(state)
            return True
        touched.add(row.host)
        if state is not None:
            if not self._predates_consumption(row):
                state.update_from_compute_node(row)
            return False
        state = HostState(row.host, row.hypervisor_hostname, self.cell.uuid)
        state.instances = self.instances.setdefault(row.host, {})
        state.update_from_compute_node(row)
        self.nodes[row.id] = state
        self.host_nodes.setdefault(row.host, []).append(state)
        return True

    def _predates_consumption(self, row):
        """Whether the row was stamped no later than this scheduler's
        last consumption on the node, whose claim it may then lack.

        A claim stamped within the same second looks older (whole
        seconds); skipping it costs nothing, as the consumption made
        here stands for it until a later row or the pending deadline.
        """
        pending = self.pending.get(row.id)
        return (pending is not None and row.updated_at is not None and
                row.updated_at <= pending[1])

    # --- services ------------------------------------------------------

    def _read_services(self, connection, now):
        if self.since is None:
            rows = connection.execute(_ALL_SERVICES)
        else:
            window = datetime.timedelta(
                seconds=max(CONF.service_down_time - 1, 0))
            rows = connection.execute(_CHANGED_SERVICES, {
                'since': self.since, 'unwell': list(self.unwell),
                'seen_after': now - window, 'seen_before': now + window})
        changed = False
        for row in rows:
            changed |= self._apply_service(row, now)
        return changed

    def _apply_service(self, row, now):
        current = self.services.get(row.host)
        if row.deleted:
            self.unwell.discard(row.id)
            if current is None or current['id'] != row.id:
                return False
            del self.services[row.host]
            return True
        service = {'id': row.id, 'host': row.host,
                   'disabled': bool(row.disabled),
                   'disabled_reason': row.disabled_reason,
                   'forced_down': bool(row.forced_down),
                   'up': nova_service.is_up(row, now)}
        if service['up'] and not service['disabled']:
            self.unwell.discard(row.id)
        else:
            self.unwell.add(row.id)
        if current is not None and current['id'] == row.id:
            # Shared by the host's nodes: change it in place.
            current.update(service)
            return False
        self.services[row.host] = service
        return True

    # --- instances -----------------------------------------------------

    def _read_instances(self, connection, touched):
        if self.since is None:
            rows = connection.execute(_ALL_INSTANCES)
        else:
            rows = connection.execute(_CHANGED_INSTANCES,
                                      {'since': self.since})
        for row in rows:
            self._apply_instance(row, touched)

    def _apply_instance(self, row, touched):
        old_host = self.instance_hosts.pop(row.uuid, None)
        if old_host is not None:
            self.instances[old_host].pop(row.uuid, None)
            touched.add(old_host)
        if row.deleted or not row.host:
            return
        self.instances.setdefault(row.host, {})[row.uuid] = {
            'uuid': row.uuid, 'host': row.host, 'node': row.node,
            'vm_state': row.vm_state, 'task_state': row.task_state,
            'project_id': row.project_id, 'user_id': row.user_id}
        self.instance_hosts[row.uuid] = row.host
        touched.add(row.host)

    def add_placeholder(self, state, instance_uuid):
        """The instance chosen for ``state`` counts there (affinity,
        instance counts) until its row tells where it really went."""
        self.pending[state.node_id] = (time.monotonic(), state.updated)
        if not instance_uuid:
            return
        old_host = self.instance_hosts.get(instance_uuid)
        if old_host is not None:
            self.instances[old_host].pop(instance_uuid, None)
        state.instances[instance_uuid] = {
            'uuid': instance_uuid, 'host': state.host,
            'node': state.nodename, 'vm_state': states.BUILDING,
            'task_state': states.SCHEDULING, 'project_id': None,
            'user_id': None, 'placeholder': True}
        self.instance_hosts[instance_uuid] = state.host

    def abandon(self, state):
        """Make the node due at the next refresh (see _due_nodes)."""
        if state.node_id in self.pending:
            self.pending[state.node_id] = (float('-inf'), state.updated)

    def _forget_placeholders(self, host):
        instances = self.instances.get(host, {})
        for uuid in [u for u, i in instances.items() if 'placeholder' in i]:
            del instances[uuid]
            self.instance_hosts.pop(uuid, None)


# (table, rows, sum of ids, latest updated_at, latest created_at) of
# each API table the host manager loads.
_FINGERPRINTS = sa.union_all(*(
    sa.select(sa.literal(model.__tablename__), sa.func.count(),
              sa.func.coalesce(sa.func.sum(model.id), 0),
              sa.func.max(model.updated_at),
              sa.func.max(model.created_at)).select_from(model)
    for models in _API_TABLES.values() for model in models))


class HostManager:
    """Builds and refreshes the host states of every enabled cell."""

    def __init__(self, api_url=None):
        self.api_url = api_url or engines.configured_url('api_database')
        self._caches = {}        # cell uuid -> _CellCache
        self._cells = []         # enabled cell mappings with hosts
        self._host_cells = {}    # host -> id of the cell it is mapped to
        self._aggregates = {}    # host -> [aggregate dict]
        self._fingerprints = {}
        self._failed = frozenset()
        self._host_states = []

    def get_host_states(self):
        """Every host that can be chosen, refreshed, by (host, node).

        The caller may consume from them (``consume``) and must not
        refresh concurrently: the scheduler serialises its requests.
        """
        now = timeutils.utcnow()
        changed = self._refresh_api(now)
        failed = set()
        for cell, result in db_cells.scatter_gather(
                self._cells, lambda c: self._caches[c.uuid].refresh(now)):
            if isinstance(result, db_cells.CellFailure):
                LOG.warning('Cell %s (%s) could not be read; its hosts are '
                            'left out: %s', cell.name, cell.uuid,
                            result.error)
                failed.add(cell.uuid)
            else:
                changed |= result
        if changed or failed != self._failed:
            self._failed = frozenset(failed)
            self._host_states = self._schedulable()
        return self._host_states

    def consume(self, state, spec):
        """``state`` was chosen for ``spec.instance_uuid``."""
        state.consume_from_request(spec)
        self._caches[state.cell_uuid].add_placeholder(state,
                                                      spec.instance_uuid)

    def abandon(self, states):
        """What was consumed from ``states`` will never be claimed: read
        them again at the next refresh."""
        for state in states:
            self._caches[state.cell_uuid].abandon(state)

    def _schedulable(self):
        hosts = []
        for cell in self._cells:
            if cell.uuid in self._failed:
                continue
            cache = self._caches[cell.uuid]
            for state in cache.nodes.values():
                service = cache.services.get(state.host)
                if (service is None or
                        self._host_cells.get(state.host) != cell.id):
                    continue
                state.service = service
                state.aggregates = self._aggregates.get(state.host, [])
                hosts.append(state)
        hosts.sort(key=lambda state: (state.host, state.nodename))
        return hosts

    # --- the API database ----------------------------------------------

    def _refresh_api(self, now):
        """Reload what changed of cells, host mappings and aggregates;
        True when any of it did."""
        with engines.reader(self.api_url) as session:
            prints = {row[0]: tuple(row[1:]) for row in
                      session.connection().execute(_FINGERPRINTS)}
            changed = False
            for name, models in _API_TABLES.items():
                fingerprint = tuple(prints[m.__tablename__] for m in models)
                if (fingerprint == self._fingerprints.get(name) and
                        not _recently_updated(fingerprint, now)):
                    continue
                self._fingerprints[name] = fingerprint
                changed |= getattr(self, '_load_' + name)(session)
        return changed

    def _load_cells(self, session):
        """Enabled cells but cell0; a cell whose database moved starts
        afresh, the others keep what they read."""
        cells = [cell for cell in db_cells.cells_with_hosts(self.api_url)
                 if not cell.disabled]
        caches = {}
        for cell in cells:
            cache = self._caches.get(cell.uuid)
            if (cache is None or cache.cell.database_connection !=
                    cell.database_connection):
                cache = _CellCache(cell)
            cache.cell = cell
            caches[cell.uuid] = cache
        before = [(c.uuid, c.id, c.database_connection) for c in self._cells]
        self._cells, self._caches = cells, caches
        return before != [(c.uuid, c.id, c.database_connection)
                          for c in cells]

    def _load_host_mappings(self, session):
        mapped = {host: cell_id for host, cell_id in session.execute(
            sa.select(api.HostMapping.host, api.HostMapping.cell_id))}
        changed = mapped != self._host_cells
        self._host_cells = mapped
        return changed

    def _load_aggregates(self, session):
        aggregates = {row.id: {'id': row.id, 'uuid': row.uuid,
                               'name': row.name, 'hosts': [],
                               'metadata': {}}
                      for row in session.execute(sa.select(
                          api.Aggregate.id, api.Aggregate.uuid,
                          api.Aggregate.name))}
        for key, value, aggregate_id in session.execute(sa.select(
                api.AggregateMetadata.key, api.AggregateMetadata.value,
                api.AggregateMetadata.aggregate_id)):
            aggregates[aggregate_id]['metadata'][key] = value
        by_host = {}
        for host, aggregate_id in session.execute(sa.select(
                api.AggregateHost.host, api.AggregateHost.aggregate_id)):
            aggregates[aggregate_id]['hosts'].append(host)
            by_host.setdefault(host, []).append(aggregates[aggregate_id])
        for aggregate in aggregates.values():
            aggregate['availability_zone'] = aggregate['metadata'].get(
                'availability_zone')
        changed = by_host != self._aggregates
        self._aggregates = by_host
        return changed


def _recently_updated(fingerprint, now):
    """Whether a row changed so recently that a change within the same
    second (invisible to the fingerprint) may follow."""
    since = now - REFRESH_OVERLAP
    return any(stamp is not None and stamp >= since
               for table in fingerprint for stamp in table[2:])
