"""Real daemons for functional tests: processes on MariaDB and RabbitMQ.

Each test cloud gets its own databases and its own RabbitMQ virtual
host (see tests/functional/rabbit.py), so daemons of other tests or of
a running all-in-one never answer its messages.  nova-api listens on a
free port with ``[api] auth_strategy = noauth2`` (token
``admin:admin``).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import requests
import sqlalchemy as sa

from common import service
from common.db import engines
from common.db import main_models as main
from tests import fixtures
from tests.functional import rabbit

ADMIN_TOKEN = 'admin:admin'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Cloud:
    """nova.conf, synced databases with cell0 and cell1, and processes."""

    def __init__(self, tmp_path, mysql_db, transport_url, **options):
        self.tmp_path = tmp_path
        self.log_dir = tmp_path / 'log'
        self.log_dir.mkdir()
        self.transport_url = transport_url
        self.deployment = fixtures.Deployment(
            tmp_path, mysql_db('api'), mysql_db('cell1'), transport_url)
        self.api_port = free_port()
        defaults = {'report_interval': 1, 'service_down_time': 5,
                    'log_dir': self.log_dir, 'host': 'controller',
                    'compute_driver': 'fake.FakeDriver',
                    'osapi_compute_listen': '127.0.0.1',
                    'osapi_compute_listen_port': self.api_port,
                    'osapi_compute_workers': 1}
        defaults.update(options)
        self.host = defaults['host']
        self.api_address = defaults['osapi_compute_listen']
        self.deployment.write_conf(
            transport_url,
            extra='\n[DEFAULT]\n' +
            ''.join('%s = %s\n' % item for item in defaults.items()) +
            '\n[api]\nauth_strategy = noauth2\n')
        self.cell_url = self.deployment.cell_url
        self.api_url = self.deployment.api_url
        cell0_url = mysql_db('cell0')
        for argv in (('api_db', 'sync'),
                     ('cell_v2', 'map_cell0', '--database_connection',
                      cell0_url),
                     ('cell_v2', 'create_cell', '--name=cell1'),
                     ('db', 'sync')):
            assert self.manage(*argv) == 0, argv
        self.procs = {}

    def manage(self, *argv):
        return fixtures.manage_in_process(self.deployment.conf_file, *argv)

    def conf_file(self, name, text):
        """An extra config file, read after nova.conf by one process."""
        path = self.tmp_path / name
        path.write_text(text)
        return path

    def start(self, binary, *extra_conf_files, name=None):
        """Start a console script of this project as a daemon process.

        ``name`` tells two processes of one binary apart in ``procs``.
        """
        args = [os.path.join(os.path.dirname(sys.executable), binary),
                '--config-file', self.deployment.conf_file]
        for path in extra_conf_files:
            args += ['--config-file', str(path)]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.procs[name or binary] = proc
        return proc

    def stop_all(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        engines.dispose_all()

    def logs(self, lines=40):
        """The tail of every daemon's log, to explain a failed wait."""
        tails = []
        for path in sorted(self.log_dir.glob('*.log')):
            tail = path.read_text(errors='replace').splitlines()[-lines:]
            tails.append('==> %s <==\n%s' % (path.name, '\n'.join(tail)))
        return '\n'.join(tails)

    def services(self):
        """The live services rows, as dicts."""
        with engines.reader(self.cell_url) as session:
            rows = session.scalars(sa.select(main.Service).where(
                main.Service.deleted == 0)).all()
        return [{c.name: getattr(r, c.name)
                 for c in main.Service.__table__.columns} for r in rows]

    def compute_nodes(self):
        with engines.reader(self.cell_url) as session:
            return session.scalars(sa.select(main.ComputeNode).where(
                main.ComputeNode.deleted == 0)).all()

    def up(self):
        """{(binary, host): is_up} as the API will judge it."""
        return {(s['binary'], s['host']): service.is_up(s)
                for s in self.services()}

    def api(self, method, path, version=None, token=ADMIN_TOKEN, **kwargs):
        """One request to nova-api: ``path`` below /v2.1."""
        headers = {'X-Auth-Token': token} if token else {}
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        url = 'http://%s:%d/v2.1%s' % (self.api_address, self.api_port, path)
        return requests.request(method, url, headers=headers, timeout=30,
                                **kwargs)

    def wait_for_api(self):
        def answering():
            """nova-api answering on its port"""
            try:
                return self.api('GET', '/', token=None).status_code == 200
            except requests.ConnectionError:
                return False
        self.wait_for(answering, timeout=60)

    def wait_for(self, predicate, timeout=60, interval=0.5):
        """wait_for, with the daemons' logs in the failure message."""
        try:
            return wait_for(predicate, timeout, interval)
        except AssertionError as e:
            raise AssertionError('%s\n%s' % (e, self.logs())) from None


@contextlib.contextmanager
def cloud(directory, mysql_db, **options):
    """A Cloud on a RabbitMQ virtual host of its own; every daemon it
    started is stopped when the block ends, however it ends."""
    with rabbit.vhost() as transport_url:
        c = Cloud(directory, mysql_db, transport_url, **options)
        try:
            yield c
        finally:
            c.stop_all()


def wait_for(predicate, timeout=60, interval=0.5):
    """Poll ``predicate`` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss waiting for %s'
                                 % (timeout, predicate.__doc__ or predicate))
        time.sleep(interval)
