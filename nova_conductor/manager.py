"""Server side of nova-conductor: the only daemon that writes databases.

It writes the cell database of ``[database] connection`` (services,
compute nodes) on behalf of the other daemons, and the API database's
host mappings for periodic host discovery.

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
from nova_conductor.db import services

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class ConductorManager(periodic_task.PeriodicTasks):
    """Endpoint of topic 'conductor'; also its own service's reporter."""

    target = messaging.Target(version='1.0')

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
