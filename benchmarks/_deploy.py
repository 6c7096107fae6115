"""A throwaway deployment for benchmarks: databases, broker, daemons.

Each run gets its own MariaDB databases (``nt_bench_*``), its own
RabbitMQ vhost and ``control_exchange``, a nova.conf in a temporary
directory, and the daemons as real processes of this venv.  The vhost
matters: oslo.messaging names a topic's queue after the topic alone
(``conductor``), whatever the exchange, so two deployments sharing a
vhost would consume each other's messages.

Everything made here is removed by ``Deployment.close()``, which the
``with`` statement calls, also on Ctrl-C.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa

from common.db import engines

BIN_DIR = os.path.dirname(sys.executable)
DEFAULT_MYSQL_URL = 'mysql+pymysql://root@127.0.0.1:3306'
RABBIT = 'guest:guest@127.0.0.1:5672'
# Sockets the broker needs besides one per simulated host: the
# conductor's, the compute's RPC clients and reply queues, and others'.
SOCKET_HEADROOM = 200
_CLK_TCK = os.sysconf('SC_CLK_TCK')


class BrokerNotReady(Exception):
    """RabbitMQ cannot take the connections the benchmark will open."""


def rabbitmqctl(*args, timeout=60):
    """Run rabbitmqctl; its stdout, or CalledProcessError."""
    return subprocess.run(
        ('rabbitmqctl', '-q') + args, check=True, capture_output=True,
        text=True, timeout=timeout).stdout


def check_socket_limit(connections):
    """Refuse to run when the broker would run out of sockets.

    RabbitMQ out of file descriptors does not just refuse connections:
    it was seen losing its database and needing a restart.
    """
    try:
        status = json.loads(rabbitmqctl('status', '--formatter', 'json'))
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        raise BrokerNotReady('cannot read RabbitMQ status: %s' % e)
    limit = status['file_descriptors']['sockets_limit']
    used = status['file_descriptors']['sockets_used']
    if limit - used < connections + SOCKET_HEADROOM:
        raise BrokerNotReady(
            'RabbitMQ has %d of %d sockets free; %d hosts need %d. '
            'Restart it with a higher file-descriptor limit: source '
            'tools/lib.sh && start_rabbitmq' % (
                limit - used, limit, connections,
                connections + SOCKET_HEADROOM))
    return limit


class Daemon:
    """A daemon process; its log files are in ``log_dir``."""

    def __init__(self, binary, conf_files, log_dir):
        self.binary = binary
        self.log_path = os.path.join(log_dir, binary + '.log')
        self.output = os.path.join(log_dir, binary + '.output')
        args = [os.path.join(BIN_DIR, binary)]
        for path in conf_files:
            args += ['--config-file', path]
        with open(self.output, 'wb') as out:
            # Its own session: Ctrl-C reaches the benchmark only, which
            # then stops the daemons in order.
            self.proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.started = time.monotonic()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def cpu_seconds(self):
        """User plus system CPU time used so far."""
        with open('/proc/%d/stat' % self.pid) as f:
            # Fields after the command name, which may hold spaces.
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK

    def status(self, key):
        """A number of /proc/<pid>/status, e.g. VmRSS (kB) or Threads."""
        with open('/proc/%d/status' % self.pid) as f:
            for line in f:
                name, _, value = line.partition(':')
                if name == key:
                    return int(value.split()[0])
        return None

    def stop(self, timeout):
        """SIGTERM, then SIGKILL after ``timeout``; seconds it took."""
        started = time.monotonic()
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                print('%s did not stop within %ds: killed'
                      % (self.binary, timeout), file=sys.stderr)
        return time.monotonic() - started

    def tail(self, lines=20):
        """The last lines of its log and of its own output."""
        text = []
        for path in (self.log_path, self.output):
            if os.path.exists(path):
                with open(path, errors='replace') as f:
                    last = f.readlines()[-lines:]
                text.append('==> %s <==\n%s' % (path, ''.join(last)))
        return '\n'.join(text)


class Deployment:
    """Databases, vhost, nova.conf and daemons under ``work_dir``.

    ``options`` are {section: {option: value}} added to nova.conf.
    """

    def __init__(self, work_dir, mysql_url=DEFAULT_MYSQL_URL, options=None):
        self.work_dir = work_dir
        self.log_dir = os.path.join(work_dir, 'log')
        os.makedirs(self.log_dir, exist_ok=True)
        self.conf_file = os.path.join(work_dir, 'nova.conf')
        self.mysql_url = mysql_url
        self.suffix = uuid.uuid4().hex[:12]
        self.vhost = 'nt_bench_%s' % self.suffix
        self.databases = []
        self.daemons = []
        self._vhost_made = False
        self._options = options or {}
        self.api_url = self.cell_url = self.cell0_url = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def setup(self):
        """Create databases and vhost, write nova.conf, run nova-manage."""
        self.api_url = self._create_database('api')
        self.cell0_url = self._create_database('cell0')
        self.cell_url = self._create_database('cell1')
        self._create_vhost()
        self._write_conf()
        for argv in (('api_db', 'sync'),
                     ('cell_v2', 'map_cell0', '--database_connection',
                      self.cell0_url),
                     ('cell_v2', 'create_cell', '--name=cell1'),
                     ('db', 'sync')):
            self.manage(*argv)

    def manage(self, *argv):
        """Run the real nova-manage binary; fail loudly if it fails."""
        proc = subprocess.run(
            [os.path.join(BIN_DIR, 'nova-manage'), '--config-file',
             self.conf_file] + list(argv),
            capture_output=True, text=True, timeout=600)
        if proc.returncode:
            raise RuntimeError('nova-manage %s failed (%d):\n%s%s' % (
                ' '.join(argv), proc.returncode, proc.stdout, proc.stderr))
        return proc.stdout

    def start(self, binary, extra_conf=None):
        """Start ``binary`` on nova.conf plus ``extra_conf`` sections."""
        conf_files = [self.conf_file]
        if extra_conf:
            path = os.path.join(self.work_dir, binary + '.conf')
            with open(path, 'w') as f:
                f.write(_ini(extra_conf))
            conf_files.append(path)
        daemon = Daemon(binary, conf_files, self.log_dir)
        self.daemons.append(daemon)
        return daemon

    def connections(self):
        """{program: AMQP connections} of this deployment's vhost."""
        out = rabbitmqctl('list_connections', 'vhost', 'client_properties',
                          '--formatter', 'json')
        counts = {}
        for conn in json.loads(out or '[]'):
            if conn.get('vhost') != self.vhost:
                continue
            name = _connection_name(conn.get('client_properties', []))
            program = name.split(':', 1)[0] or '?'
            counts[program] = counts.get(program, 0) + 1
        return counts

    def stop_daemons(self, timeout):
        """Stop the daemons, last started first; {binary: seconds}."""
        return {d.binary: d.stop(timeout) for d in reversed(self.daemons)}

    def close(self, timeout=90):
        """Stop what runs and remove what was made; safe to call twice."""
        self.stop_daemons(timeout)
        engines.dispose_all()
        self._drop_databases()
        if self._vhost_made:
            self._vhost_made = False
            try:
                rabbitmqctl('delete_vhost', self.vhost)
            except (OSError, subprocess.SubprocessError) as e:
                print('could not delete vhost %s: %s' % (self.vhost, e),
                      file=sys.stderr)

    def _create_database(self, role):
        name = 'nt_bench_%s_%s' % (role, self.suffix)
        with self._admin() as conn:
            conn.execute(sa.text(
                'CREATE DATABASE `%s` CHARACTER SET utf8mb4 '
                'COLLATE utf8mb4_general_ci' % name))
        self.databases.append(name)
        url = sa.engine.make_url(self.mysql_url).set(
            database=name, query={'charset': 'utf8mb4'})
        return url.render_as_string(hide_password=False)

    def _drop_databases(self):
        while self.databases:
            name = self.databases.pop()
            with self._admin() as conn:
                conn.execute(sa.text('DROP DATABASE IF EXISTS `%s`' % name))

    def _admin(self):
        """A pool-less connection to the server, for CREATE/DROP."""
        url = sa.engine.make_url(self.mysql_url).set(
            database=None, query={'charset': 'utf8mb4'})
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        return engine.begin()

    def _create_vhost(self):
        rabbitmqctl('add_vhost', self.vhost)
        self._vhost_made = True
        rabbitmqctl('set_permissions', '-p', self.vhost, 'guest', '.*', '.*',
                    '.*')

    def _write_conf(self):
        sections = {
            'DEFAULT': {
                'transport_url': 'rabbit://%s/%s' % (RABBIT, self.vhost),
                'control_exchange': self.vhost,
                'log_dir': self.log_dir,
                'host': 'bench'},
            'api_database': {'connection': self.api_url},
            'database': {'connection': self.cell_url}}
        for section, values in self._options.items():
            sections.setdefault(section, {}).update(values)
        with open(self.conf_file, 'w') as f:
            f.write(_ini(sections))


def _ini(sections):
    return ''.join(
        '[%s]\n%s\n' % (section, ''.join('%s = %s\n' % item
                                         for item in values.items()))
        for section, values in sections.items())


def _connection_name(client_properties):
    """connection_name from rabbitmqctl's JSON client properties.

    They come as [name, type, value] triples.
    """
    for prop in client_properties:
        if isinstance(prop, list) and prop and prop[0] == 'connection_name':
            return str(prop[-1])
    return ''
