"""Pooled MariaDB connections: a connection in steady use is handed out
without a ping; one that sat idle is pinged, and a dead one replaced.
PyMySQL connects without loading cryptography."""

import subprocess
import sys

import sqlalchemy as sa

from common.db import engines
from tests.functional import conftest


def _connection_id(url):
    with engines.reader(url) as session:
        return session.execute(sa.text('SELECT CONNECTION_ID()')).scalar()


def _kill(connection_id):
    with conftest.admin_engine().connect() as conn:
        conn.execute(sa.text('KILL %d' % connection_id))


def _pings(engine):
    """A list that grows by one per ping the pool sends."""
    sent = []

    def record(dbapi_conn, _record, _proxy):
        original = dbapi_conn.ping

        def ping(*args, **kwargs):
            sent.append(dbapi_conn)
            return original(*args, **kwargs)

        dbapi_conn.ping = ping
    sa.event.listen(engine.pool, 'checkout', record, insert=True)
    return sent


def test_connection_in_steady_use_is_not_pinged(mysql_db):
    url = mysql_db('ping')
    first = _connection_id(url)
    pings = _pings(engines.get_engine(url))
    # Twice: a pre-ping at every checkout would come before the first
    # checkout's recorder is in place, not before the second's.
    assert _connection_id(url) == first
    assert _connection_id(url) == first
    assert pings == []


def test_idle_connection_killed_by_the_server_is_replaced(
        mysql_db, monkeypatch):
    url = mysql_db('ping')
    killed = _connection_id(url)
    _kill(killed)
    monkeypatch.setattr(engines, '_IDLE_PING_SECONDS', 0.0)
    pings = _pings(engines.get_engine(url))
    # The pool found the dead connection by its ping and opened another:
    # the caller sees an answer, not an error.
    replacement = _connection_id(url)
    assert replacement != killed
    assert len(pings) == 1


NO_CRYPTOGRAPHY = """
import sys
from common.db import engines
with engines.get_engine(sys.argv[1]).connect() as connection:
    connection.exec_driver_sql('SELECT 1')
print('pymysql' in sys.modules, 'cryptography' in sys.modules)
"""


def test_database_processes_connect_without_cryptography(mysql_db):
    proc = subprocess.run(
        [sys.executable, '-c', NO_CRYPTOGRAPHY, mysql_db('driver')],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['True', 'False']
