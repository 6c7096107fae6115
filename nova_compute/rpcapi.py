"""Client side of nova-compute's RPC API: how others ask a host.

Imports nothing but common/, so a caller never drags nova-compute in.
Every call goes to one host: the server of topic 'compute' there.

API versions:
  1.0 - get_host_uptime
"""

import oslo_messaging as messaging

from common import conf
from common import rpc

CONF = conf.CONF
TOPIC = 'compute'


def _version_cap():
    """``[upgrade_levels] compute``; 'auto' is no cap while every
    nova-compute speaks the only version there is, 1.0."""
    cap = CONF.upgrade_levels.compute
    return None if cap == 'auto' else cap


class ComputeAPI:
    """nova-compute hosts as seen from the other daemons."""

    VERSION = '1.0'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, version=self.VERSION)
        self.client = rpc.get_client(target, version_cap=_version_cap())

    def get_host_uptime(self, ctxt, host):
        """The ``uptime`` line of the hypervisor behind ``host``."""
        return self.client.prepare(server=host).call(ctxt,
                                                     'get_host_uptime')
