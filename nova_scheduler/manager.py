"""Server side of nova-scheduler: select_destinations lands here.

The scheduler only reads; periodic host discovery, which writes host
mappings, runs in nova-conductor although its interval is the
``[scheduler] discover_hosts_in_cells_interval`` option.
"""

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

from common import conf
from common import exception
from nova_scheduler import chance
from nova_scheduler import filter_scheduler
from nova_scheduler import host_manager

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# [scheduler] driver -> the class implementing it.
DRIVERS = {
    'filter_scheduler': filter_scheduler.FilterScheduler,
    'chance_scheduler': chance.ChanceScheduler,
}


class SchedulerManager(periodic_task.PeriodicTasks):
    """Endpoint of topic 'scheduler'.

    API versions: see nova_scheduler.rpcapi.
    """

    target = messaging.Target(version='1.1')

    def __init__(self):
        super().__init__(CONF)
        self.host_manager = host_manager.HostManager()
        self.driver = DRIVERS[CONF.scheduler.driver](self.host_manager)

    def init_host(self):
        """Read every host before the first request, which would
        otherwise pay for it (a second or so at 10,000 hosts)."""
        try:
            hosts = self.host_manager.get_host_states()
        except Exception as e:  # the databases may still be starting
            LOG.warning('Could not load the host states yet (%s); the first '
                        'request will', e)
            return
        LOG.info('Loaded %d schedulable compute nodes', len(hosts))

    @messaging.expected_exceptions(exception.NoValidHost)
    def select_destinations(self, ctxt, request_spec, instance_uuids,
                            return_alternates=True):
        """For each instance, in order, a list: the Selection dict of
        its host, then alternates.  Raises NoValidHost when not every
        instance can be placed."""
        return self.driver.select_destinations(
            ctxt, request_spec, instance_uuids,
            return_alternates=return_alternates)
