"""What the API's controllers share: where to read, whom to ask to
write."""

from common.db import engines
from nova_api import instance_list
from nova_api import policy
from nova_conductor import rpcapi as conductor_rpcapi


class APIBase:
    """Reads the API database directly; writes through nova-conductor.

    The conductor client is built on first use, so its RPC transport is
    made in the gunicorn worker that uses it, never before the fork.
    """

    def __init__(self):
        self.api_url = engines.configured_url('api_database')
        self._conductor = None

    @property
    def conductor(self):
        if self._conductor is None:
            self._conductor = conductor_rpcapi.ConductorAPI()
        return self._conductor

    def authorized_record(self, req, server_id, rule):
        """The server's record (no details), once ``rule`` allows the
        caller on the server's project and user."""
        record = instance_list.get_server(
            self.api_url, req.nova_context, server_id, detail=False).record
        policy.authorize(req.nova_context, rule,
                         {'project_id': record['project_id'],
                          'user_id': record['user_id']})
        return record
