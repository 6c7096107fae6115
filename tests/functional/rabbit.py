"""A RabbitMQ virtual host of its own for the daemons of one test.

A unique ``control_exchange`` does not keep two clouds on one broker
apart: oslo.messaging names a topic's queue after the topic alone
(``conductor``) and binds that one queue to every exchange that uses
the topic, so the conductor of one test (or of a running all-in-one)
consumes, against its own database, the calls of another.  Queues of
another virtual host are out of reach.
"""

import contextlib
import subprocess
import uuid

from tests import fixtures


def _rabbitmqctl(*args):
    subprocess.run(('rabbitmqctl', '-q') + args, check=True,
                   capture_output=True, timeout=60)


@contextlib.contextmanager
def vhost():
    """A new virtual host for 'guest'; yields its transport URL."""
    name = 'nt_%s' % uuid.uuid4().hex[:12]
    _rabbitmqctl('add_vhost', name)
    try:
        _rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*',
                     '.*')
        yield fixtures.TRANSPORT_URL.rstrip('/') + '/' + name
    finally:
        _rabbitmqctl('delete_vhost', name)
