"""Writes of console tokens: ``console_auth_tokens`` of a server's cell.

Rows are deleted for good, never soft-deleted: a token outlives neither
its expiry nor its server.  Only the hash of a token is ever given here
(see common/console_auth.py).
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from common import exception
from common.db import main_models as main

_COLUMNS = ('token_hash', 'console_type', 'host', 'port', 'tls_port',
            'internal_access_path', 'instance_uuid', 'expires',
            'access_url_base')


def create(session, values):
    """Store a token of a live server; InstanceNotFound when the server
    is deleted or unknown (a console asked for as it was deleted)."""
    alive = session.scalar(sa.select(main.Instance.id).where(
        main.Instance.uuid == values['instance_uuid'],
        main.Instance.deleted == 0))
    if alive is None:
        raise exception.InstanceNotFound(instance_id=values['instance_uuid'])
    session.add(main.ConsoleAuthToken(
        **{name: values.get(name) for name in _COLUMNS}))
    session.flush()


def destroy_for_instance(session, instance_uuid):
    """The server is deleted: its consoles can no longer be opened."""
    session.execute(sa.delete(main.ConsoleAuthToken).where(
        main.ConsoleAuthToken.instance_uuid == instance_uuid))


def destroy_expired(session):
    """Remove the tokens past their expiry; how many went."""
    return session.execute(sa.delete(main.ConsoleAuthToken).where(
        main.ConsoleAuthToken.expires <= timeutils.utcnow_ts())).rowcount
