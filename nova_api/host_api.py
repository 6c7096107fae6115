"""HostAPI: what the API knows about services and hypervisors.

Reads come straight from the databases (the API database for mappings
and aggregates, every cell database for services, nodes and instances,
all read in parallel through ``common.db.cells``); writes are asked of
nova-conductor and live questions ("uptime?") of the host itself.

Rows travel as plain dicts, the shape RPC replies have too.
"""

import collections

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import uuidutils
import sqlalchemy as sa

from common import availability_zones
from common import conf
from common import exception
from common import service as nova_service
from common.db import api_models as api
from common.db import cells
from common.db import engines
from common.db import main_models as main
from nova_api import base
from nova_compute import rpcapi as compute_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nova-compute'
# Counted by GET /os-hypervisors/statistics, summed over enabled hosts.
STATISTICS_FIELDS = (
    'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
    'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'current_workload',
    'running_vms', 'disk_available_least')

Hypervisor = collections.namedtuple('Hypervisor', 'cell node service')


def _rows(session, query):
    return [row.to_dict() for row in session.scalars(query)]


def _live_services(session, *where):
    return _rows(session, sa.select(main.Service).where(
        main.Service.deleted == 0, *where).order_by(main.Service.id))


def _read_services(cell):
    with engines.reader(cell.database_connection) as session:
        return _live_services(session)


def _read_hosts(cell):
    """A cell's compute nodes and its nova-compute services."""
    with engines.reader(cell.database_connection) as session:
        nodes = _rows(session, sa.select(main.ComputeNode).where(
            main.ComputeNode.deleted == 0).order_by(main.ComputeNode.id))
        services = _live_services(session,
                                  main.Service.binary == COMPUTE_BINARY)
    return nodes, services


def instance_name(instance):
    """The instance's name on its hypervisor (``instance_name_template``
    filled with the id, or with the row's fields)."""
    template = CONF.instance_name_template
    try:
        return template % instance['id']
    except TypeError:
        try:
            return template % instance
        except KeyError:
            return instance['uuid']


class HostAPI(base.APIBase):
    """Services and hypervisors of every cell."""

    def __init__(self):
        super().__init__()
        self._compute = None

    @property
    def compute(self):
        if self._compute is None:
            self._compute = compute_rpcapi.ComputeAPI()
        return self._compute

    # --- services ---------------------------------------------------------

    def service_get_all(self, cell_down_support=False):
        """``[(cell, service)]`` of every cell, each with its zone.

        A cell that fails to answer is left out, or, with
        ``cell_down_support``, represented by a partial record (host and
        binary, no ``uuid``) for each compute host mapped to it: the
        caller can tell its services exist without knowing their state.
        """
        found = []
        for cell, result in cells.scatter_gather(
                cells.cells_with_hosts(self.api_url), _read_services):
            if not isinstance(result, cells.CellFailure):
                found.extend((cell, service) for service in result)
            elif cell_down_support:
                LOG.warning('Cell %s (%s) did not respond: only partial '
                            'results are available from it: %s',
                            cell.name, cell.uuid, result.error)
                found.extend((cell, service)
                             for service in self._unknown_services(cell))
            else:
                LOG.warning('Cell %s (%s) did not respond and is skipped '
                            'from the results: %s', cell.name, cell.uuid,
                            result.error)
        self.set_availability_zones([s for _, s in found if 'uuid' in s])
        return found

    def _unknown_services(self, cell):
        """Partial records of the compute hosts mapped to ``cell``."""
        with engines.reader(self.api_url) as session:
            hosts = session.scalars(
                sa.select(api.HostMapping.host)
                .where(api.HostMapping.cell_id == cell.id)
                .order_by(api.HostMapping.id)).all()
        return [{'host': host, 'binary': COMPUTE_BINARY} for host in hosts]

    def set_availability_zones(self, services):
        """Fill ``availability_zone``: a compute's aggregates' zones,
        else the default zone; the internal zone for other services."""
        zones = availability_zones.host_zones(
            self.api_url, {s['host'] for s in services})
        for service in services:
            if service['binary'] != COMPUTE_BINARY:
                zone = CONF.internal_service_availability_zone
            else:
                zone = (','.join(sorted(zones.get(service['host'], ())))
                        or CONF.default_availability_zone)
            service['availability_zone'] = zone

    def service_get_by_id(self, service_id):
        """``(cell, service)`` by uuid, or by integer id (pre-2.53).

        Integer ids repeat across cells: one found in two cells is
        ServiceNotUnique rather than a guess.
        """
        column = (main.Service.uuid if uuidutils.is_uuid_like(service_id)
                  else main.Service.id)

        def read(cell):
            with engines.reader(cell.database_connection) as session:
                return _live_services(session, column == service_id)

        found = [(cell, service)
                 for cell, services in cells.read_all_cells(self.api_url,
                                                             read)
                 for service in services]
        if not found:
            raise exception.ServiceNotFound(service_id=service_id)
        if len(found) > 1:
            raise exception.ServiceNotUnique(service_id=service_id)
        return found[0]

    def _host_cell(self, host):
        """The cell mapping of ``host`` (HostMappingNotFound if none)."""
        query = (sa.select(api.CellMapping)
                 .join(api.HostMapping,
                       api.HostMapping.cell_id == api.CellMapping.id)
                 .where(api.HostMapping.host == host))
        with engines.reader(self.api_url) as session:
            cell = session.scalars(query).first()
        if cell is None:
            raise exception.HostMappingNotFound(name=host)
        return cell

    def service_get_by_host_and_binary(self, host, binary):
        cell = self._host_cell(host)
        with engines.reader(cell.database_connection) as session:
            found = _live_services(session, main.Service.host == host,
                                   main.Service.binary == binary)
        if not found:
            raise exception.HostBinaryNotFound(host=host, binary=binary)
        return cell, found[0]

    def evacuations_pending(self, cell, host):
        """Whether evacuations from ``host`` are 'done' but its
        nova-compute has not yet cleaned up after them ('completed')."""
        with engines.reader(cell.database_connection) as session:
            return bool(session.scalar(sa.select(sa.func.count()).where(
                main.Migration.source_compute == host,
                main.Migration.status == 'done',
                main.Migration.migration_type == 'evacuation',
                main.Migration.deleted == 0)))

    def service_update(self, ctxt, cell, service, values):
        """Ask the conductor, then read the row back with its zone.

        The conductor's reply crossed RabbitMQ as JSON (its dates are
        strings now); the database has the row as every reader sees it.
        """
        self.conductor.service_update(ctxt, cell.uuid, service['id'],
                                      values)
        with engines.reader(cell.database_connection) as session:
            updated = session.get(main.Service, service['id']).to_dict()
        self.set_availability_zones([updated])
        return updated

    def service_delete(self, ctxt, cell, service):
        self.conductor.service_delete(ctxt, cell.uuid, service['id'])

    # --- hypervisors ------------------------------------------------------

    def _hypervisors(self):
        """Every compute node of every cell, in order, with its service.

        A node is shown only when its host is mapped to a cell that has
        its nova-compute service, as Nova does: a deleted or not yet
        discovered host has no hypervisor.
        """
        with engines.reader(self.api_url) as session:
            mapped = {host: cell_id for host, cell_id in session.execute(
                sa.select(api.HostMapping.host, api.HostMapping.cell_id))}
        per_cell = cells.read_all_cells(self.api_url, _read_hosts)
        services = {(cell.id, s['host']): s
                    for cell, (_nodes, cell_services) in per_cell
                    for s in cell_services}
        found = []
        for cell, (nodes, _services) in per_cell:
            for node in nodes:
                service = services.get((mapped.get(node['host']),
                                        node['host']))
                if service is None:
                    LOG.debug('Compute node %s has no service (deleted or '
                              'host not mapped); not listed.', node['host'])
                    continue
                found.append(Hypervisor(cell, node, service))
        return found

    def compute_node_get_all(self, limit=None, marker=None):
        """Hypervisors after ``marker`` (an id or uuid), at most
        ``limit`` of them; MarkerNotFound for an unknown marker."""
        found = self._hypervisors()
        if marker is not None:
            found = found[self._index_of(found, marker) + 1:]
        return found if limit is None else found[:limit]

    @staticmethod
    def _index_of(found, node_id):
        key = 'uuid' if uuidutils.is_uuid_like(node_id) else 'id'
        for index, hypervisor in enumerate(found):
            if str(hypervisor.node[key]) == node_id:
                return index
        raise exception.MarkerNotFound(marker=node_id)

    def compute_node_get(self, node_id):
        """One hypervisor by id or uuid; ComputeHostNotFound if none."""
        found = self._hypervisors()
        try:
            return found[self._index_of(found, node_id)]
        except exception.MarkerNotFound:
            raise exception.ComputeHostNotFound(host=node_id)

    def compute_node_search_by_hypervisor(self, pattern):
        """Hypervisors whose name contains ``pattern`` (any case)."""
        pattern = pattern.casefold()
        return [h for h in self._hypervisors()
                if pattern in (h.node['hypervisor_hostname'] or '').casefold()]

    def compute_node_statistics(self):
        """Sums over the nodes of enabled nova-compute services."""
        stats = dict.fromkeys(('count',) + STATISTICS_FIELDS, 0)
        for _cell, (nodes, services) in cells.read_all_cells(self.api_url,
                                                             _read_hosts):
            enabled = {s['host'] for s in services if not s['disabled']}
            for node in nodes:
                if node['host'] not in enabled:
                    continue
                stats['count'] += 1
                for field in STATISTICS_FIELDS:
                    stats[field] += node[field] or 0
        return stats

    def instances_by_host(self, hypervisors):
        """``{host: [instance]}`` of the live instances on their hosts."""
        hosts_of = collections.defaultdict(set)
        cell_of = {}
        for hypervisor in hypervisors:
            hosts_of[hypervisor.cell.uuid].add(hypervisor.node['host'])
            cell_of[hypervisor.cell.uuid] = hypervisor.cell
        found = collections.defaultdict(list)
        for cell_uuid, hosts in hosts_of.items():
            with engines.reader(cell_of[cell_uuid].database_connection) as \
                    session:
                for instance in _rows(session, sa.select(main.Instance).where(
                        main.Instance.host.in_(hosts),
                        main.Instance.deleted == 0)
                        .order_by(main.Instance.id)):
                    found[instance['host']].append(instance)
        return found

    def get_host_uptime(self, ctxt, hypervisor):
        """The host's ``uptime`` line, asked of its nova-compute.

        A host that is down, or does not answer in time, is
        ComputeServiceUnavailable rather than a hung request.
        """
        host = hypervisor.node['host']
        if not nova_service.is_up(hypervisor.service):
            raise exception.ComputeServiceUnavailable(host=host)
        try:
            return self.compute.get_host_uptime(ctxt, host)
        except messaging.MessagingTimeout:
            LOG.warning('nova-compute on %s did not answer the uptime '
                        'request in time', host)
            raise exception.ComputeServiceUnavailable(host=host)
