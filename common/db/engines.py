"""Engines and sessions for the API database and the cell databases.

Every process that touches a database goes through here, so one URL gives
one pooled engine per process and the reader/writer split is visible at
the call site: ``reader()`` for the API and the scheduler, ``writer()``
only for nova-conductor and nova-manage.

The split is enforced, not hoped for: a process is read-only until it
calls ``allow_writes()``, which only nova-conductor and nova-manage do.
In a read-only process ``writer()`` refuses, and every connection is
opened read-only on the server (``SET SESSION TRANSACTION READ ONLY``,
SQLite's ``query_only``), so even a stray UPDATE through ``reader()``
fails instead of writing.
"""

import contextlib
import functools
import random
import re
import threading
import time

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from common import conf
from common import exception
from common import utils
from common.db import mysql_driver

_ENGINES = {}
_LOCK = threading.Lock()
_WRITES_ALLOWED = False

# A pooled MySQL connection idle longer than this is pinged before it
# is handed out; one in steady use is not (a round trip per unit of
# work saved).
_IDLE_PING_SECONDS = 1.0

# MySQL/MariaDB errors after which the whole transaction may simply be
# run again: 1213 deadlock found, 1205 lock wait timeout.
_RETRYABLE_MYSQL_ERRORS = (1213, 1205)
_DEADLOCK_RETRIES = 5


def configured_url(group):
    """``[group] connection`` from nova.conf, or a clear error if unset.

    ``group`` is 'api_database' or 'database'.
    """
    url = conf.CONF[group].connection
    if not url:
        raise exception.ConfigNotSet(group=group, option='connection')
    return url


def allow_writes():
    """Declare this process a writer: nova-conductor and nova-manage only.

    Call it before the first connection: connections opened earlier
    stay read-only.
    """
    global _WRITES_ALLOWED
    _WRITES_ALLOWED = True


def get_engine(url):
    """Return the process-wide engine for ``url``, creating it once.

    SQLite URLs get a file lock friendly set-up (no pool sharing across
    threads for in-memory databases); MySQL connections that sat idle
    are pinged first, so a restarted server does not surface as a
    failed request.
    """
    if not url:
        raise exception.InvalidDatabaseURL(url='', reason='it is empty')
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _create_engine(url)
            _ENGINES[url] = engine
        return engine


def _create_engine(url):
    try:
        parsed = sa.engine.make_url(url)
    except sa_exc.ArgumentError as e:
        raise exception.InvalidDatabaseURL(url=utils.mask_url(url),
                                           reason=str(e))
    kwargs = {'future': True}
    if parsed.get_backend_name() == 'sqlite':
        kwargs['connect_args'] = {'check_same_thread': False}
        if parsed.database in (None, '', ':memory:'):
            kwargs['poolclass'] = sa.pool.StaticPool
    else:
        kwargs.update(_pool_options(url))
        if parsed.drivername.endswith('+pymysql'):
            mysql_driver.load()
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError,
            ImportError) as e:
        raise exception.InvalidDatabaseURL(url=utils.mask_url(url),
                                           reason=str(e))
    if parsed.get_backend_name() == 'sqlite':
        sa.event.listen(engine, 'connect', _sqlite_pragmas)
    else:
        sa.event.listen(engine, 'connect', _mysql_session)
        sa.event.listen(engine.pool, 'checkin', _note_idle)
        sa.event.listen(engine.pool, 'checkout', _ping_if_idle)
    return engine


def _note_idle(_dbapi_conn, record):
    record.info['idle_since'] = time.monotonic()


def _ping_if_idle(dbapi_conn, record, _proxy):
    """SQLAlchemy's pre-ping, only for connections that sat idle: a
    dead one makes the pool retry with a fresh connection."""
    idle_since = record.info.pop('idle_since', None)
    if (idle_since is None or
            time.monotonic() - idle_since < _IDLE_PING_SECONDS):
        return
    try:
        dbapi_conn.ping(reconnect=False)
    except Exception as e:  # noqa: BLE001 - any failure means dead
        raise sa_exc.DisconnectionError(str(e)) from e


def _pool_options(url):
    """oslo.db's pool options of the group whose connection ``url`` is:
    [api_database] for the API database, [database] for cells (their
    URLs come from the cell mappings)."""
    group = conf.CONF.api_database
    if url != group.connection:
        group = conf.CONF.database
    # Sessions always end their transaction (commit, or rollback on
    # close), so the pool's own rollback on return would be a second,
    # useless round trip per unit of work.
    options = {'pool_size': group.max_pool_size,
               'pool_reset_on_return': None,
               'max_overflow': group.max_overflow,
               'pool_recycle': group.connection_recycle_time}
    if group.pool_timeout is not None:
        options['pool_timeout'] = group.pool_timeout
    return options


def _sqlite_pragmas(dbapi_conn, _record):
    """Make SQLite enforce foreign keys, as MySQL's InnoDB does, and
    give it MySQL's ``REGEXP`` (case-insensitive, as MySQL's on its
    default collations), which the server list's filters use."""
    statements = ['PRAGMA foreign_keys=ON']
    if not _WRITES_ALLOWED:
        statements.append('PRAGMA query_only=ON')
    _execute(dbapi_conn, statements)
    dbapi_conn.create_function('REGEXP', 2, _regexp, deterministic=True)


def _regexp(pattern, value):
    """SQLite calls ``value REGEXP pattern`` as regexp(pattern, value)."""
    return value is not None and re.search(
        pattern, str(value), re.IGNORECASE) is not None


def _mysql_session(dbapi_conn, _record):
    # MariaDB cuts JSON_OBJECTAGG and JSON_ARRAYAGG (instance records'
    # side tables) at group_concat_max_len: never cut them.
    statements = ['SET SESSION group_concat_max_len = 4294967295']
    if not _WRITES_ALLOWED:
        statements.append('SET SESSION TRANSACTION READ ONLY')
    _execute(dbapi_conn, statements)


def _execute(dbapi_conn, statements):
    cur = dbapi_conn.cursor()
    for statement in statements:
        cur.execute(statement)
    cur.close()


def check_connection(url):
    """Connect once, turning driver errors into one readable exception."""
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text('SELECT 1'))
    except sa_exc.DBAPIError as e:
        raise exception.DatabaseUnreachable(
            url=utils.mask_url(url), reason=str(e.orig).strip() or str(e))
    return engine


@contextlib.contextmanager
def reader(url):
    """A read-only unit of work: the session is rolled back at the end.

    Closing the session ends its transaction and hands the loaded rows
    out as plain detached objects (not expired: still readable).
    """
    with orm.Session(get_engine(url), expire_on_commit=False) as session:
        yield session


@contextlib.contextmanager
def writer(url):
    """A transaction that commits when the block exits cleanly."""
    if not _WRITES_ALLOWED:
        raise exception.DatabaseWriteForbidden()
    with orm.Session(get_engine(url), expire_on_commit=False) as session:
        with session.begin():
            yield session


def retry_on_deadlock(func):
    """Run ``func`` (one whole transaction) again when it deadlocks.

    Concurrent inserts into the same InnoDB index (many hosts
    registering at once) deadlock; MySQL rolls one of them back and the
    right answer is to replay it, after a short random pause so the
    replays do not collide again.  Any other error propagates at once.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        for attempt in range(_DEADLOCK_RETRIES + 1):
            try:
                return func(*args, **kwargs)
            except sa_exc.OperationalError as e:
                if (attempt == _DEADLOCK_RETRIES or
                        not _is_retryable(e)):
                    raise
            time.sleep(random.uniform(0, 0.05 * 2 ** attempt))
    return wrapper


def _is_retryable(error):
    args = getattr(error.orig, 'args', ())
    return bool(args) and args[0] in _RETRYABLE_MYSQL_ERRORS


def dispose_all():
    """Drop every pooled connection (tests, forked workers)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()

