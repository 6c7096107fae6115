"""Writes to the API database about one compute host: its cell mapping
and its aggregate memberships.

Called when a nova-compute service is deleted, so a later service of
the same name starts afresh (discovered again, in no aggregate).
"""

import sqlalchemy as sa

from common.db import api_models as api


def forget(session, host):
    """Drop ``host``'s host mapping and aggregate memberships."""
    for model in (api.AggregateHost, api.HostMapping):
        session.execute(sa.delete(model).where(model.host == host))
