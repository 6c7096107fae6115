"""Client side of nova-conductor's RPC API: how others ask for writes.

Imports nothing but common/, so a caller never drags the conductor in.

API versions:
  1.0 - service_register, service_heartbeat, compute_node_update
  1.1 - service_update, service_delete (os-services, any cell)
"""

import oslo_messaging as messaging

from common import conf
from common import rpc

CONF = conf.CONF
TOPIC = 'conductor'


class ConductorAPI:
    """The conductor as seen from the other daemons."""

    VERSION = '1.1'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, version=self.VERSION)
        self.client = rpc.get_client(
            target, version_cap=CONF.upgrade_levels.conductor)

    def service_register(self, ctxt, host, binary, topic, timeout=None):
        """Create or revive the (host, binary) services row; its dict.

        A starting service passes a short ``timeout``: a message sent
        before the conductor's queue exists is lost, and waiting the
        full ``rpc_response_timeout`` for it only delays the start.
        """
        return self.client.prepare(timeout=timeout).call(
            ctxt, 'service_register', host=host, binary=binary, topic=topic)

    def service_heartbeat(self, ctxt, service_id):
        """Record that the service is alive (report_count, last_seen_up)."""
        return self.client.prepare().call(ctxt, 'service_heartbeat',
                                          service_id=service_id)

    def compute_node_update(self, ctxt, service_id, host,
                            hypervisor_hostname, values):
        """Create or update a compute node from a resource report."""
        return self.client.prepare().call(
            ctxt, 'compute_node_update', service_id=service_id, host=host,
            hypervisor_hostname=hypervisor_hostname, values=values)

    def service_update(self, ctxt, cell_uuid, service_id, values):
        """Change disabled, disabled_reason or forced_down of a service
        in cell ``cell_uuid``; returns the updated row as a dict."""
        return self.client.prepare(version='1.1').call(
            ctxt, 'service_update', cell_uuid=cell_uuid,
            service_id=service_id, values=values)

    def service_delete(self, ctxt, cell_uuid, service_id):
        """Delete a service (with a compute's nodes and host mapping)."""
        return self.client.prepare(version='1.1').call(
            ctxt, 'service_delete', cell_uuid=cell_uuid,
            service_id=service_id)
