"""Client side of nova-scheduler's RPC API.

Imports nothing but common/, so a caller never drags the scheduler in.

API versions:
  1.0 - (no methods)
  1.1 - select_destinations
"""

import oslo_messaging as messaging

from common import conf
from common import rpc

CONF = conf.CONF
TOPIC = 'scheduler'


class SchedulerAPI:
    """The scheduler as seen from nova-conductor."""

    VERSION = '1.1'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, version=self.VERSION)
        self.client = rpc.get_client(
            target, version_cap=CONF.upgrade_levels.scheduler)

    def select_destinations(self, ctxt, request_spec, instance_uuids,
                            return_alternates=True):
        """Hosts for the instances of ``request_spec`` (a dict).

        Returns one list per instance uuid, in order: the Selection
        dict of its host ({'service_host', 'nodename',
        'compute_node_uuid', 'cell_uuid', 'limits'}), then up to
        ``[scheduler] max_attempts - 1`` alternates of the same cell.
        Raises NoValidHost when the request cannot be placed whole.
        """
        return self.client.prepare(version='1.1').call(
            ctxt, 'select_destinations', request_spec=request_spec,
            instance_uuids=instance_uuids,
            return_alternates=return_alternates)
