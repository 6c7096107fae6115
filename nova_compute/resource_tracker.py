"""The resource tracker: what each node of this host has and uses.

It turns the driver's view of a node into compute node values, adds
what nova.conf keeps back for the host, and has the conductor write
them; the scheduler reads them from there.
"""

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_serialization import jsonutils
from oslo_service import periodic_task
from oslo_utils import timeutils

from common import conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# An unchanged node is still reported after this many audit intervals,
# so its row's updated_at shows the host is reporting.  Skipping the
# other reports spares the conductor most writes at 1,000 hosts.
RESEND_AFTER_INTERVALS = 10


class ResourceTracker:
    """Reports the compute nodes of ``host`` through ``reporter``.

    ``reporter`` is the conductor's rpcapi (``compute_node_update``);
    ``compute_nodes`` holds, per node name, the row it last returned.
    """

    def __init__(self, host, driver, reporter):
        self.host = host
        self.driver = driver
        self.reporter = reporter
        self.compute_nodes = {}
        self._reported = {}

    def update_available_resource(self, ctxt, service_id):
        """Audit every node of the driver and report those that changed.

        A node that fails is retried at the next audit; it must not stop
        the others from being reported.  Conductor trouble gets one
        line, not a traceback: a process simulating 1,000 hosts would
        log 1,000 of them.
        """
        for nodename in self.driver.get_available_nodes():
            trouble = self._update_node(ctxt, service_id, nodename)
            if trouble:
                # Logged outside the except clause, where oslo.log would
                # append the remote error and its traceback.
                LOG.warning('Could not report node %s to nova-conductor '
                            '(%s); retrying at the next audit', nodename,
                            trouble)

    def _update_node(self, ctxt, service_id, nodename):
        """Report the node if needed; the conductor's error, if any."""
        try:
            values = self._node_values(nodename)
            if not self._must_report(nodename, values):
                return None
            self.compute_nodes[nodename] = (
                self.reporter.compute_node_update(
                    ctxt, service_id, self.host, nodename, values))
        except messaging.MessagingException as e:
            return getattr(e, 'exc_type', None) or type(e).__name__
        except Exception:
            LOG.exception('Error updating resources for node %s.',
                          nodename)
            return None
        self._reported[nodename] = (values, timeutils.utcnow())
        return None

    def _node_values(self, nodename):
        """The driver's inventory plus what nova.conf keeps back.

        The ``*_used`` values sent are the host's reserved amounts only:
        the conductor adds the servers placed on the node (their claims),
        as Nova's resource tracker counts flavors rather than what the
        hypervisor says is in use.  Its free_* and running_vms columns
        are the conductor's to compute for the same reason.
        """
        values = dict(self.driver.get_available_resource(nodename))
        values.update(
            vcpus_used=CONF.reserved_host_cpus,
            memory_mb_used=CONF.reserved_host_memory_mb,
            local_gb_used=CONF.reserved_host_disk_mb // 1024,
            current_workload=0,
            # The column is text: the conductor stores what it gets.
            supported_instances=jsonutils.dumps(
                values['supported_instances']),
            host_ip=CONF.my_ip,
            **_allocation_ratios())
        return values

    def _must_report(self, nodename, values):
        if nodename not in self._reported:
            return True
        last_values, reported_at = self._reported[nodename]
        return (values != last_values or
                timeutils.is_older_than(reported_at, _resend_after()))


def _allocation_ratios():
    """Nova's rule: ``<res>_allocation_ratio`` when set (not None or 0.0),
    else ``initial_<res>_allocation_ratio``."""
    return {
        '%s_allocation_ratio' % res:
            CONF['%s_allocation_ratio' % res] or
            CONF['initial_%s_allocation_ratio' % res]
        for res in ('cpu', 'ram', 'disk')}


def _resend_after():
    """Seconds after which an unchanged node is reported again."""
    interval = CONF.update_resources_interval
    if interval <= 0:
        interval = periodic_task.DEFAULT_INTERVAL
    return RESEND_AFTER_INTERVALS * interval
