"""Real daemons for functional tests: processes on MariaDB and RabbitMQ.

Each test cloud gets its own databases and its own RabbitMQ exchange
(``control_exchange``), so daemons of other tests or of a running
all-in-one never answer its messages.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa

from common import service
from common.db import engines
from common.db import main_models as main
from tests import fixtures


class Cloud:
    """nova.conf, synced databases with cell0 and cell1, and processes."""

    def __init__(self, tmp_path, mysql_db, **options):
        self.log_dir = tmp_path / 'log'
        self.log_dir.mkdir()
        self.deployment = fixtures.Deployment(
            tmp_path, mysql_db('api'), mysql_db('cell1'))
        defaults = {'control_exchange': 'nt_%s' % uuid.uuid4().hex[:12],
                    'report_interval': 1, 'service_down_time': 5,
                    'log_dir': self.log_dir, 'host': 'controller'}
        defaults.update(options)
        self.host = defaults['host']
        self.deployment.write_conf(extra='\n[DEFAULT]\n' + ''.join(
            '%s = %s\n' % item for item in defaults.items()))
        self.cell_url = self.deployment.cell_url
        cell0_url = mysql_db('cell0')
        for argv in (('api_db', 'sync'),
                     ('cell_v2', 'map_cell0', '--database_connection',
                      cell0_url),
                     ('cell_v2', 'create_cell', '--name=cell1'),
                     ('db', 'sync')):
            assert self.manage(*argv) == 0, argv
        self.procs = []

    def manage(self, *argv):
        return fixtures.manage_in_process(self.deployment.conf_file, *argv)

    def start(self, binary, *extra_conf_files):
        """Start a console script of this project as a daemon process."""
        args = [os.path.join(os.path.dirname(sys.executable), binary),
                '--config-file', self.deployment.conf_file]
        for path in extra_conf_files:
            args += ['--config-file', str(path)]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        self.procs.append(proc)
        return proc

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        engines.dispose_all()

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
