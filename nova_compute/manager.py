"""Server side of nova-compute: one ComputeManager per (simulated) host.

Its public methods are the RPC endpoint of topic 'compute' on that
host; its periodic tasks keep the host's compute nodes up to date in
the cell database, through the conductor.
"""

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

from common import conf
from common import context as nova_context
from nova_compute import resource_tracker

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class ComputeManager(periodic_task.PeriodicTasks):
    """Runs the guests of ``host`` on ``driver``.

    ``service`` is the common.service.Service running this manager, set
    by nova_compute.cmd once both exist: reports need its id, which
    ``service.service_ref`` holds from registration on, before
    init_host() is called.
    """

    target = messaging.Target(version='1.0')

    def __init__(self, host, driver, reporter):
        super().__init__(CONF)
        self.host = host
        self.driver = driver
        self.service = None
        self.rt = resource_tracker.ResourceTracker(host, driver, reporter)
        self._add_resource_audit()

    def _add_resource_audit(self):
        """Run update_available_resource every update_resources_interval.

        The periodic_task decorator reads its spacing at import, before
        nova.conf is parsed, so the task is added here.  oslo.service's
        add_periodic_task() would append it to lists kept on the class,
        shared by every manager of a process simulating many hosts:
        each manager would then audit once per manager.  This manager
        gets its own lists first and the task is added to them, by
        oslo.service's rules (0 is 60 s, negative disables).
        """
        self._periodic_tasks = list(self._periodic_tasks)
        self._periodic_spacing = dict(self._periodic_spacing)

        @periodic_task.periodic_task(
            spacing=CONF.update_resources_interval)
        def update_available_resource(manager, context):
            manager.update_available_resource(context)

        task = update_available_resource
        if periodic_task._PeriodicTasksMeta._add_periodic_task(self, task):
            self._periodic_last_run[task._periodic_name] = (
                task._periodic_last_run)

    def init_host(self):
        """Prepare the driver and report the nodes before serving RPC."""
        self.driver.init_host(self.host)
        self.update_available_resource(nova_context.get_admin_context())

    def update_available_resource(self, context):
        """Audit the driver's nodes; the conductor writes what changed."""
        self.rt.update_available_resource(
            context, self.service.service_ref['id'])

    def get_host_uptime(self, context):
        """The hypervisor host's uptime line."""
        return self.driver.get_host_uptime()
