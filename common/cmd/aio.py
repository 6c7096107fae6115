"""nova-aio: the whole cloud on one machine, in the foreground.

For a developer or a demo what systemd does for a deployment: prepare
the databases with nova-manage (each step skipped or harmless when
already done), start the five daemons as separate processes with the
same nova.conf, wait until they answer, map the compute host, print
where everything is, and stop it all on Ctrl-C.  The daemons are the
same binaries the systemd units start; nothing here reaches into them.
"""

import http.client
import os
import signal
import subprocess
import sys
import threading
import time

from oslo_config import cfg
from oslo_config import types
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa

from common import cmd
from common import conf as nova_conf
from common import config
from common import service
from common.db import engines
from common.db import main_models
from common.db import mappings

CONF = nova_conf.CONF
LOG = logging.getLogger(__name__)

# In start order: the conductor first, since every other daemon
# registers through it.
DAEMONS = ('nova-conductor', 'nova-scheduler', 'nova-compute', 'nova-api',
           'nova-novncproxy')
# Daemons that keep a services row; nova-api is judged by its port.
_REPORTING = ('nova-conductor', 'nova-scheduler', 'nova-compute',
              'nova-novncproxy')
# tools/aio.sh keeps its nova.conf and logs under $NOVA_STATE (./state).
_STATE = os.environ.get('NOVA_STATE', 'state')
_DEFAULT_CONFIG_FILES = ('/etc/nova/nova.conf',
                         os.path.join(_STATE, 'etc', 'nova', 'nova.conf'))
_READY_TIMEOUT = 180
# SIGTERM lets a daemon finish its in-flight calls, for up to 60 s in
# serve(): too long to wait at a terminal, so SIGKILL comes sooner.
_STOP_TIMEOUT = 30
_TAIL_LINES = 20

aio_opts = [
    cfg.ListOpt(
        'daemons',
        default=list(DAEMONS),
        item_type=types.String(choices=DAEMONS),
        help='Daemons to run (default: all five), e.g. all but '
             'nova-compute on a controller whose compute hosts run '
             'elsewhere.'),
]


class _Abort(Exception):
    """Leave run() with ``code`` after printing ``message`` (if any)."""

    def __init__(self, code, message=''):
        super().__init__(message)
        self.code = code
        self.message = message


class Daemon:
    """One child daemon, in its own process group, logging to one file.

    Its own process group, so that the terminal's Ctrl-C reaches only
    the launcher, which stops the children in order, and so that the
    final SIGKILL also reaches the daemon's own children (gunicorn's
    workers).  Its stdout and stderr go to the file oslo.log writes
    (``--log-dir``), so a crash before logging is set up lands there too.
    """

    def __init__(self, binary, conf_args, log_dir):
        self.binary = binary
        self.log_path = os.path.join(log_dir, binary + '.log')
        self.argv = [_bin(binary)] + conf_args + ['--log-dir', log_dir]
        self.proc = None

    def start(self):
        with open(self.log_path, 'ab') as log:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)

    def exited(self):
        return self.proc.poll() is not None

    def terminate(self):
        if not self.exited():
            self.proc.terminate()

    def reap(self, deadline):
        """Wait for the exit until ``deadline``; SIGKILL what is left."""
        try:
            self.proc.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print('%s did not stop within %ds: killing it'
                  % (self.binary, _STOP_TIMEOUT), file=sys.stderr)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group is gone: the usual case
        self.proc.wait()

    def how_it_ended(self):
        code = self.proc.returncode
        if code < 0:
            return 'killed by %s' % signal.Signals(-code).name
        return 'exit status %d' % code

    def tail(self):
        try:
            with open(self.log_path, errors='replace') as log:
                return ''.join(log.readlines()[-_TAIL_LINES:])
        except OSError as e:
            return '(cannot read %s: %s)\n' % (self.log_path, e.strerror)


def _bin(program):
    """A console script installed beside the running Python."""
    return os.path.join(os.path.dirname(sys.executable), program)


class Launcher:
    """Prepares, starts, watches and stops the daemons of one nova.conf."""

    def __init__(self, conf_args, log_dir, stopping):
        self.conf_args = conf_args
        self.log_dir = log_dir
        self.daemons = [Daemon(binary, conf_args, log_dir)
                        for binary in DAEMONS if binary in CONF.daemons]
        self._stopping = stopping

    def run(self):
        """Everything from the databases to the stop; the exit code."""
        try:
            self._prepare()
            self._start_and_wait()
            self._step('nova-manage cell_v2 discover_hosts', self._manage,
                       'cell_v2', 'discover_hosts')
            self._print_summary()
            self._watch()
        except _Abort as e:
            if e.message:
                print(e.message, file=sys.stderr, flush=True)
            return e.code
        except Exception as e:
            LOG.exception('nova-aio failed')
            print('ERROR: %s' % cmd.describe(e), file=sys.stderr, flush=True)
            return 1
        finally:
            self._stop_all()

    def _prepare(self):
        """The install guide's database steps, skipping what is done."""
        self._step('nova-manage api_db sync', self._manage, 'api_db', 'sync')
        cells = mappings.list_cells(engines.configured_url('api_database'))
        if not any(mappings.is_cell0(cell) for cell in cells):
            self._step('nova-manage cell_v2 map_cell0', self._manage,
                       'cell_v2', 'map_cell0')
        if not any(cell.name == 'cell1' for cell in cells):
            self._step('nova-manage cell_v2 create_cell --name cell1',
                       self._manage, 'cell_v2', 'create_cell',
                       '--name', 'cell1')
        self._step('nova-manage db sync', self._manage, 'db', 'sync')

    def _start_and_wait(self):
        """Start the daemons; wait for their services and for the API."""
        # MariaDB may store whole seconds: compare from the last one.
        since = timeutils.utcnow().replace(microsecond=0)
        for daemon in self.daemons:
            daemon.start()
            LOG.info('Started %s (pid %d)', daemon.binary, daemon.proc.pid)
        reporting = [daemon.binary for daemon in self.daemons
                     if daemon.binary in _REPORTING]
        if reporting:
            names = (binary[len('nova-'):] for binary in reporting)
            self._step('services up: %s' % ', '.join(names), self._wait_for,
                       lambda: _services_ready(reporting, since))
        if 'nova-api' in CONF.daemons:
            self._step('nova-api answering on %s:%s' % _api_address(),
                       self._wait_for, _api_answers)
        engines.dispose_all()  # no idle connections while we wait

    def _step(self, what, function, *args):
        """Run one step, printing one line with its duration."""
        self._check()
        begin = time.monotonic()
        print('%-46s ' % what, end='', flush=True)
        try:
            function(*args)
        except Exception as e:
            stopped = isinstance(e, _Abort) and not e.code
            print('stopped' if stopped else 'FAILED', flush=True)
            raise
        print('ok (%ds)' % (time.monotonic() - begin), flush=True)

    def _manage(self, *argv):
        result = subprocess.run(
            [_bin('nova-manage')] + self.conf_args + list(argv),
            stdin=subprocess.DEVNULL, capture_output=True, text=True)
        self._check()  # Ctrl-C reaches nova-manage too: not a failure
        if result.returncode:
            raise _Abort(1, 'nova-manage %s exited with %d:\n%s%s' % (
                ' '.join(argv), result.returncode, result.stdout,
                result.stderr))

    def _wait_for(self, predicate):
        """Poll ``predicate`` while every child lives and no stop came."""
        deadline = time.monotonic() + _READY_TIMEOUT
        while not predicate():
            if time.monotonic() > deadline:
                raise _Abort(1, 'Gave up after %ds; the logs are in %s'
                             % (_READY_TIMEOUT, self.log_dir))
            self._stopping.wait(0.5)
            self._check()

    def _watch(self):
        """Until a signal or a death, which _check() turns into _Abort."""
        while True:
            self._stopping.wait(1)
            self._check()

    def _check(self):
        """Raise _Abort when asked to stop or when a child died."""
        if self._stopping.is_set():
            LOG.info('Asked to stop')
            raise _Abort(0)
        for daemon in self.daemons:
            if daemon.proc is not None and daemon.exited():
                raise _Abort(1, '\n%s stopped unexpectedly (%s); the end '
                             'of %s:\n%s' % (
                                 daemon.binary, daemon.how_it_ended(),
                                 daemon.log_path, daemon.tail()))

    def _print_summary(self):
        lines = ['', 'Nova all-in-one is running (pid %d).' % os.getpid()]
        if 'nova-api' in CONF.daemons:
            lines.append('  API:    http://%s:%s/v2.1' % _api_address())
            if CONF.api.auth_strategy == 'noauth2':
                lines.append('          (noauth2: X-Auth-Token: '
                             'admin:admin, or <user>:<project>)')
        if 'nova-novncproxy' in CONF.daemons:
            lines.append('  noVNC:  %s' % CONF.vnc.novncproxy_base_url)
        lines += ['  logs:   %s (one file per daemon)' % self.log_dir,
                  '  stop:   Ctrl-C, or kill -TERM %d' % os.getpid(), '']
        print('\n'.join(lines), flush=True)

    def _stop_all(self):
        """SIGTERM everyone, the conductor last: the others may still
        report to it while they finish what they were doing."""
        started = [d for d in self.daemons if d.proc is not None]
        if started:
            print('Stopping the daemons...', flush=True)
        waves = ([d for d in started if d.binary != 'nova-conductor'],
                 [d for d in started if d.binary == 'nova-conductor'])
        for wave in waves:
            for daemon in wave:
                daemon.terminate()
            deadline = time.monotonic() + _STOP_TIMEOUT
            for daemon in wave:
                daemon.reap(deadline)
        if started:
            print('Stopped %s.' % ', '.join(d.binary for d in started),
                  flush=True)


def _services_ready(binaries, since):
    """Whether each binary has a row up since ``since``, and each
    nova-compute among them its compute nodes (for discover_hosts)."""
    services, nodes = main_models.Service, main_models.ComputeNode
    with engines.reader(engines.configured_url('database')) as session:
        rows = session.scalars(sa.select(services).where(
            services.deleted == 0, services.binary.in_(binaries))).all()
        node_hosts = set(session.scalars(
            sa.select(nodes.host).where(nodes.deleted == 0)))
    ready = {row.binary for row in rows
             if service.is_up(row) and row.last_seen_up is not None and
             row.last_seen_up >= since and
             (row.binary != 'nova-compute' or row.host in node_hosts)}
    return ready == set(binaries)


def _api_address():
    """Where to reach the API from here: loopback if it listens on all."""
    host = CONF.osapi_compute_listen
    if host in ('0.0.0.0', '::', ''):
        host = '127.0.0.1'
    return host, CONF.osapi_compute_listen_port


def _api_answers():
    """Any HTTP answer will do: the launcher knows nothing of the API."""
    connection = http.client.HTTPConnection(*_api_address(), timeout=2)
    try:
        connection.request('GET', '/')
        connection.getresponse()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def _conf_args():
    """The configuration as given to us, for the children."""
    args = []
    for path in CONF.config_file:
        args += ['--config-file', os.path.abspath(path)]
    if CONF.config_dir:
        args += ['--config-dir', os.path.abspath(CONF.config_dir)]
    return args


def main(argv=None):
    argv = sys.argv if argv is None else argv
    # First of all: a Ctrl-C while the databases are prepared must stop
    # cleanly too, not with a traceback.
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stopping.set())
    CONF.register_cli_opts(aio_opts)
    defaults = [path for path in _DEFAULT_CONFIG_FILES
                if os.path.exists(path)][:1]
    config.parse_args(argv, default_config_files=defaults,
                      configure_logging=False)
    if not CONF.config_file:
        print('ERROR: no nova.conf in %s: give --config-file'
              % ' or '.join(_DEFAULT_CONFIG_FILES), file=sys.stderr)
        return 1
    log_dir = os.path.abspath(CONF.log_dir or os.path.join(_STATE, 'log'))
    os.makedirs(log_dir, exist_ok=True)
    # nova-aio.log beside the daemons' logs; the terminal gets the steps.
    CONF.set_override('log_dir', log_dir)
    logging.setup(CONF, 'nova')
    return Launcher(_conf_args(), log_dir, stopping).run()
