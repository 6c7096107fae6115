"""Fixtures shared by the functional tests (real MariaDB).

``mysql_db`` hands out fresh, empty databases on the MariaDB server the
CI runs (``tools/run-tests.sh`` starts it).  Nothing is skipped when the
server is down: the test fails, because these tests exist to exercise
MySQL.  Set ``NOVA_TEST_MYSQL_URL`` to use another server (a URL without
a database name, e.g. ``mysql+pymysql://root:secret@db.example``).
"""

import contextlib
import os
import re
import uuid

import pytest
import sqlalchemy as sa

from common import conf
from common.db import engines

SERVER_URL = os.environ.get('NOVA_TEST_MYSQL_URL',
                            'mysql+pymysql://root@127.0.0.1')

# Tests may only create and drop databases named like this.
_PREFIX = 'nt_'
_NAME = re.compile(r'^[a-z0-9_]+$')


def admin_engine():
    """A pool-less engine on the server itself, for CREATE/DROP DATABASE.

    Kept out of ``common.db.engines``' cache: it must not outlive the
    fixture that uses it.
    """
    url = sa.engine.make_url(SERVER_URL).set(
        database=None, query={'charset': 'utf8mb4'})
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def databases():
    """Factory of fresh databases, all dropped when the block ends."""
    admin = admin_engine()
    created = []

    def create(prefix='db'):
        prefix = prefix.lower()
        if prefix.startswith(_PREFIX):
            prefix = prefix[len(_PREFIX):]
        name = '%s%s_%s' % (_PREFIX, prefix, uuid.uuid4().hex[:12])
        if not _NAME.match(name) or len(name) > 64:
            raise ValueError('unusable database name %r' % name)
        with admin.connect() as conn:
            conn.execute(sa.text(
                'CREATE DATABASE `%s` CHARACTER SET utf8mb4 '
                'COLLATE utf8mb4_general_ci' % name))
        url = sa.engine.make_url(SERVER_URL).set(
            database=name, query={'charset': 'utf8mb4'})
        url = url.render_as_string(hide_password=False)
        created.append((name, url))
        return url

    try:
        yield create
    finally:
        for name, url in created:
            engines.get_engine(url).dispose()
            with admin.connect() as conn:
                conn.execute(sa.text('DROP DATABASE IF EXISTS `%s`' % name))
        admin.dispose()


@pytest.fixture
def mysql_db():
    """Factory: ``mysql_db(prefix='db')`` -> URL of a new empty database.

    The database is called ``nt_<prefix>_<random>``, created with the
    utf8mb4 character set, and dropped when the test ends (engines that
    ``common.db.engines`` pooled for it are disposed first).  Call it
    several times for several databases, e.g. an API and a cell DB::

        def test_something(mysql_db):
            api_url = mysql_db('api')
            cell_url = mysql_db('cell1')

    The URL is ``mysql+pymysql://root@127.0.0.1/<name>?charset=utf8mb4``
    with the default server.
    """
    with databases() as create:
        yield create


@pytest.fixture(scope='module')
def module_mysql_db():
    """``mysql_db`` for a fixture shared by a module's tests."""
    with databases() as create:
        yield create


@pytest.fixture(scope='module')
def clouds_service_down_time():
    """``service.is_up()`` in the test process judges services as the
    clouds of ``tests/functional/daemons.py`` do (their nova.conf says
    5 s): modules whose clouds are asked who is up use it."""
    conf.CONF.set_override('service_down_time', 5)
    yield
    conf.CONF.clear_override('service_down_time')
