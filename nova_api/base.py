"""What the API's controllers share: where to read, whom to ask to
write."""

from common.db import engines
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
