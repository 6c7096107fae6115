"""Reading console tokens, for nova-api and nova-conductor (which checks
them for nova-novncproxy).

A token is valid while its row exists, its ``expires`` (a Unix time)
is in the future and its server is not deleted.  The conductor deletes
a server's tokens with it and purges expired ones; the checks here do
not rely on that having happened yet.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from common import console_auth
from common import exception
from common.db import cells
from common.db import engines
from common.db import main_models as main

# What a valid token grants: where the console is, and for whom.
FIELDS = ('instance_uuid', 'console_type', 'host', 'port', 'tls_port',
          'internal_access_path', 'access_url_base', 'expires')


def get_valid(cell_url, token):
    """The connection info of ``token`` in the cell database at
    ``cell_url``, as a dict of FIELDS; InvalidToken when the token is
    unknown there, expired, or its server is deleted."""
    if not token:
        raise exception.InvalidToken()
    tokens = main.ConsoleAuthToken
    columns = [getattr(tokens, name) for name in FIELDS]
    with engines.reader(cell_url) as session:
        row = session.execute(
            sa.select(*columns)
            .join(main.Instance, main.Instance.uuid == tokens.instance_uuid)
            .where(tokens.token_hash == console_auth.token_hash(token),
                   tokens.expires > timeutils.utcnow_ts(),
                   main.Instance.deleted == 0)).mappings().first()
    if row is None:
        raise exception.InvalidToken()
    return dict(row)


def find_valid(api_url, token):
    """``get_valid`` in whichever cell knows ``token`` (a token is of
    one server, so in one cell); InvalidToken when none does."""
    def read(cell):
        try:
            return get_valid(cell.database_connection, token)
        except exception.InvalidToken:
            return None
    for _cell, info in cells.scatter_gather(
            cells.cells_with_hosts(api_url), read):
        if isinstance(info, dict):
            return info
    raise exception.InvalidToken()
