"""Schema versions of the API and cell databases, and upgrades.

The alembic trees under ``migrations/api`` and ``migrations/main`` are
the only way a schema is created or changed.  This module is what
``nova-manage api_db sync`` / ``db sync`` and the services' start-up
checks call: it finds the trees through the ``migrations`` package (not
the working directory) and hands alembic an open connection, so the
database URL never goes through configparser interpolation.

Schemas only move forward: a database at a revision this code does not
know (written by newer code) is left alone, and downgrades are refused.
"""

import functools
import os

from alembic import command
from alembic import config as alembic_config
from alembic import script as alembic_script
from alembic import util as alembic_util
import sqlalchemy as sa

from common import exception
from common.db import engines
import migrations

API = 'api'
MAIN = 'main'

_SYNC_COMMANDS = {API: 'api_db sync', MAIN: 'db sync'}
_VERSION_TABLE = 'alembic_version'


def _check_database(database):
    if database not in _SYNC_COMMANDS:
        raise exception.Invalid(
            'Unknown database kind %r: expected %r or %r.'
            % (database, API, MAIN))


def _script_location(database):
    _check_database(database)
    return os.path.join(os.path.dirname(migrations.__file__), database)


def _config(database, connection=None):
    """An alembic Config built in code: no ini file, no interpolated URL."""
    cfg = alembic_config.Config()
    # set_main_option interpolates '%'; only our own path goes through it.
    cfg.set_main_option('script_location',
                        _script_location(database).replace('%', '%%'))
    if connection is not None:
        cfg.attributes['connection'] = connection
    return cfg


@functools.cache
def _scripts(database):
    return alembic_script.ScriptDirectory.from_config(_config(database))


def head(database):
    """The newest revision of ``database``'s tree ('api' or 'main')."""
    return _scripts(database).get_current_head()


def _current(connection):
    """The revision in ``alembic_version``, read directly.

    Configuring an alembic MigrationContext just to read it would log two
    INFO lines on every version check (nova-manage db version, service
    start-up).
    """
    if not sa.inspect(connection).has_table(_VERSION_TABLE):
        return None
    revisions = connection.scalars(
        sa.select(sa.column('version_num')).select_from(
            sa.table(_VERSION_TABLE))).all()
    if len(revisions) > 1:
        raise exception.Invalid(
            'The database has several schema revisions (%s): this code '
            'only knows a linear history.' % ', '.join(sorted(revisions)))
    return revisions[0] if revisions else None


def db_version(url, database):
    """The revision the database at ``url`` is at, None if unversioned.

    None means there is no ``alembic_version`` table (or it is empty):
    a database nobody has synced yet.
    """
    _check_database(database)
    engine = engines.check_connection(url)
    with engine.connect() as conn:
        return _current(conn)


def _known(database, revision):
    try:
        return _scripts(database).get_revision(revision) is not None
    except alembic_util.CommandError:
        return False


def _resolve(database, version):
    """The full revision id ``version`` names (None for 'base').

    ``version`` may be a unique prefix of a revision id, 'head' or
    'base' (the empty schema, only useful to be refused).
    """
    if version in (None, 'head', 'heads'):
        return head(database)
    if version == 'base':
        return None
    try:
        script = _scripts(database).get_revision(version)
    except alembic_util.CommandError as e:
        script = None
        reason = str(e)
    else:
        reason = 'no such revision'
    if script is None:
        raise exception.Invalid(
            'Cannot sync the %s database to %s: %s.'
            % (database, version, reason))
    return script.revision


def _is_ancestor(database, ancestor, revision):
    """True when ``ancestor`` comes before ``revision`` in the tree."""
    walk = _scripts(database).iterate_revisions(revision, 'base')
    return any(s.revision == ancestor for s in walk
               if s.revision != revision)


def db_sync(url, database, version=None):
    """Upgrade the database at ``url`` to ``version`` (default: head).

    An empty database gets the whole schema.  Syncing a database that is
    already at the target does nothing.  Raises ``DBSchemaNewer`` when
    the database is at a revision this code does not know (it is not
    touched) and ``DBDowngradeNotSupported`` when ``version`` is older
    than the database.
    """
    _check_database(database)
    target = _resolve(database, version)
    engine = engines.check_connection(url)
    with engine.begin() as conn:
        current = _current(conn)
        if current is not None and not _known(database, current):
            raise exception.DBSchemaNewer(database=database, current=current,
                                          head=head(database))
        if current == target:
            return
        if current is not None and (
                target is None or _is_ancestor(database, target, current)):
            raise exception.DBDowngradeNotSupported(
                database=database, current=current, target=target or 'base')
        command.upgrade(_config(database, conn), target)


def check_current(url, database):
    """Raise unless the database at ``url`` is at this code's head.

    ``DBSchemaNewer`` when the database is ahead of this code (upgrade
    the code, not the database), ``DBNotSynced`` otherwise, naming the
    nova-manage command that fixes it.
    """
    current = db_version(url, database)
    newest = head(database)
    if current == newest:
        return
    if current is not None and not _known(database, current):
        raise exception.DBSchemaNewer(database=database, current=current,
                                      head=newest)
    raise exception.DBNotSynced(database=database, current=current,
                                head=newest,
                                command=_SYNC_COMMANDS[database])
