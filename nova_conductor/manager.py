"""Server side of nova-conductor: the only daemon that writes databases.

It writes the cell database of ``[database] connection`` (services,
compute nodes) on behalf of the other daemons, the API database's host
mappings for periodic host discovery, and any cell's services for the
API (os-services).

Imported by nova_conductor.cmd only after nova.conf is parsed: periodic
task spacings are read from the configuration when the class is built.
"""

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

from common import conf
from common.db import engines
from common.db import mappings
from nova_conductor.db import compute_nodes
from nova_conductor.db import hosts
from nova_conductor.db import services

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class ConductorManager(periodic_task.PeriodicTasks):
    """Endpoint of topic 'conductor'; also its own service's reporter."""

    target = messaging.Target(version='1.1')

    def __init__(self):
        super().__init__(CONF)
        self.cell_url = engines.configured_url('database')

    @engines.retry_on_deadlock
    def service_register(self, ctxt, host, binary, topic, timeout=None):
        """Create or revive a services row (``timeout`` is the rpcapi's;
        the conductor's own service calls this method directly)."""
        with engines.writer(self.cell_url) as session:
            service = services.register(session, host, binary, topic)
        LOG.info('Service %s on %s registered (id %s)', binary, host,
                 service['id'])
        return service

    @engines.retry_on_deadlock
    def service_heartbeat(self, ctxt, service_id):
        with engines.writer(self.cell_url) as session:
            return services.heartbeat(session, service_id)

    @engines.retry_on_deadlock
    def compute_node_update(self, ctxt, service_id, host,
                            hypervisor_hostname, values):
        with engines.writer(self.cell_url) as session:
            return compute_nodes.update(session, service_id, host,
                                        hypervisor_hostname, values)

    @engines.retry_on_deadlock
    def service_update(self, ctxt, cell_uuid, service_id, values):
        """An operator's change to a service of any cell (os-services)."""
        with engines.writer(self._cell_db(cell_uuid)) as session:
            service = services.update(session, service_id, values)
        LOG.info('Service %s on %s updated: %s', service['binary'],
                 service['host'], values)
        return service

    @engines.retry_on_deadlock
    def service_delete(self, ctxt, cell_uuid, service_id):
        """Delete a service of any cell; a compute's host is forgotten.

        The API database is cleaned inside the cell transaction, so a
        failure there leaves the service in place to be deleted again.
        """
        with engines.writer(self._cell_db(cell_uuid)) as session:
            service = services.destroy(session, service_id)
            if service['binary'] == 'nova-compute':
                with engines.writer(self._api_db()) as api_session:
                    hosts.forget(api_session, service['host'])
        LOG.info('Service %s on %s deleted (id %s)', service['binary'],
                 service['host'], service_id)

    def _api_db(self):
        return engines.configured_url('api_database')

    def _cell_db(self, cell_uuid):
        """The database URL of a cell, from its mapping."""
        return mappings.get_cell(self._api_db(), cell_uuid).database_connection

    @periodic_task.periodic_task(
        spacing=CONF.scheduler.discover_hosts_in_cells_interval,
        run_immediately=True)
    def _discover_hosts_in_cells(self, ctxt):
        """`nova-manage cell_v2 discover_hosts`, every so often.

        Nova runs it in the scheduler; here the scheduler only reads, so
        the one writer does it.  Off (-1) by default, as in Nova.
        """
        added = mappings.discover_hosts(
            engines.configured_url('api_database'), status=LOG.debug)
        if added:
            LOG.info('Mapped new compute hosts: %s', ', '.join(added))
