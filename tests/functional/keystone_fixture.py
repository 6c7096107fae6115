"""The ``keystone`` fixture: one real Keystone per test session.

Starting Keystone costs seconds (database sync, bootstrap, gunicorn
workers importing it), so every test of a session shares it; a test
points the catalog at its own nova-api first.  For example::

    def test_servers_of_alice(keystone, tmp_path):
        keystone.set_compute_endpoint('http://127.0.0.1:%d/v2.1' % port)
        conf = base_conf + keystone.authtoken_conf()  # into nova.conf
        ...start nova-api with conf...
        out = keystone.openstack('alice', 'project-a',
                                 'server', 'list', '-f', 'json')
        token = keystone.token('bob', 'project-b')  # for raw requests

Tests must not delete the users, projects or roles that
``tests.functional.keystone`` describes: the next test expects them.
"""

import pytest

from tests.functional import keystone as keystone_lib


@pytest.fixture(scope='session')
def keystone(tmp_path_factory):
    """A started ``Keystone``, stopped when the session ends."""
    server = keystone_lib.Keystone(tmp_path_factory.mktemp('keystone'))
    server.start()
    yield server
    server.stop()
