"""What every daemon shares: its service record, heartbeats, RPC server,
periodic tasks and signal handling.

A ``Service`` is one (host, binary) pair: nova-compute simulating 200
hosts runs 200 of them in one process.  Its record in the ``services``
table is written by nova-conductor on its behalf (``reporter`` is the
conductor's rpcapi), except in nova-conductor itself, whose reporter is
its own manager.
"""

import ctypes
import os
import random
import signal
import threading
import time

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import timeutils

from common import conf
from common import context as nova_context
from common import rpc

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# How long start() waits for the conductor, and between attempts.
_REGISTER_TIMEOUT = 5
_REGISTER_BACKOFF = (1, 2, 4, 8, 15, 30)
# How long SIGTERM waits for in-flight RPC calls before the process exits.
_GRACEFUL_SHUTDOWN_TIMEOUT = 60


class Service:
    """Runs ``manager`` as ``binary`` on ``host``, listening on ``topic``.

    ``manager`` may define ``init_host()``, ``cleanup_host()`` and
    periodic tasks (oslo.service's ``periodic_task`` decorator on a
    ``PeriodicTasks`` subclass); its public methods are the RPC endpoint,
    with those of its ``additional_endpoints`` (other namespaces).
    """

    def __init__(self, host, binary, topic, manager, reporter,
                 primary=True):
        self.host = host
        # Of several worker processes of one service, only the primary
        # keeps its services row alive and runs the periodic tasks; the
        # others only serve RPC.
        self.primary = primary
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.reporter = reporter
        self.service_ref = None
        self._server = None
        self._stopping = threading.Event()
        self._threads = []

    def __repr__(self):
        return '<Service %s on %s>' % (self.binary, self.host)

    def start(self):
        """Register, then serve RPC, heartbeat and run periodic tasks."""
        if self.primary:
            self._register()
        if self._stopping.is_set():
            return
        if hasattr(self.manager, 'init_host'):
            self.manager.init_host()
        if self.topic:
            target = messaging.Target(topic=self.topic, server=self.host)
            endpoints = [self.manager] + list(
                getattr(self.manager, 'additional_endpoints', ()))
            self._server = rpc.get_server(target, endpoints)
            self._server.start()
        if self.primary:
            self._spawn(self._heartbeat_loop, 'heartbeat')
        if self.primary and CONF.periodic_enable and hasattr(
                self.manager, 'run_periodic_tasks'):
            self._spawn(self._periodic_loop, 'periodic')
        LOG.info('%s started on host %s (topic %s)', self.binary, self.host,
                 self.topic)

    def _register(self):
        """Create or revive our services row; wait for the conductor."""
        ctxt = nova_context.get_admin_context()
        attempt = 0
        while not self._stopping.is_set():
            try:
                self.service_ref = self.reporter.service_register(
                    ctxt, self.host, self.binary, self.topic,
                    timeout=_REGISTER_TIMEOUT)
                return
            except messaging.MessagingTimeout:
                failure = 'no reply from nova-conductor'
            except Exception as e:  # the conductor's DB, or a bug there
                failure = _describe(e)
            delay = _REGISTER_BACKOFF[min(attempt,
                                          len(_REGISTER_BACKOFF) - 1)]
            # Logged outside the except block (see _heartbeat_loop).
            LOG.warning('%s on %s: registration failed (%s); retrying in '
                        '%ds', self.binary, self.host, failure, delay)
            attempt += 1
            self._stopping.wait(delay)

    def _spawn(self, target, name):
        thread = threading.Thread(target=target, daemon=True,
                                  name='%s-%s-%s' % (self.binary, self.host,
                                                     name))
        thread.start()
        self._threads.append(thread)

    def _heartbeat_loop(self):
        """Tell the conductor we are alive every ``report_interval``.

        A missed beat is logged and retried: a conductor or RabbitMQ
        restart must not kill the service, only make it look down.
        """
        # Spread the beats of many services in one process over the
        # interval instead of sending them all at once.
        self._stopping.wait(random.uniform(0, CONF.report_interval))
        ctxt = nova_context.get_admin_context()
        while not self._stopping.is_set():
            failure = None
            try:
                self.reporter.service_heartbeat(ctxt, self.service_ref['id'])
            except Exception as e:  # keep beating whatever happened
                failure = _describe(e)
            if failure:
                # Logged outside the except block: oslo.log would append
                # the whole remote traceback to every missed beat.
                LOG.warning('%s on %s: heartbeat failed (%s)', self.binary,
                            self.host, failure)
            self._stopping.wait(CONF.report_interval)

    def _periodic_loop(self):
        ctxt = nova_context.get_admin_context()
        if CONF.periodic_fuzzy_delay:
            self._stopping.wait(random.randint(0, CONF.periodic_fuzzy_delay))
        while not self._stopping.is_set():
            started = timeutils.utcnow()
            try:
                idle = self.manager.run_periodic_tasks(ctxt)
            except Exception:
                LOG.exception('%s on %s: periodic tasks failed', self.binary,
                              self.host)
                idle = 60
            took = timeutils.delta_seconds(started, timeutils.utcnow())
            self._stopping.wait(max(0.0, (idle or 1) - took))

    def stop(self):
        """Stop taking new messages, finish those in flight, stop threads."""
        self._stopping.set()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
        if hasattr(self.manager, 'cleanup_host'):
            self.manager.cleanup_host()
        for thread in self._threads:
            thread.join(timeout=5)
        LOG.info('%s stopped on host %s', self.binary, self.host)


def _describe(error):
    """'Type: first line', without the remote traceback RPC appends."""
    if isinstance(error, messaging.ExpectedException):
        # nova-conductor's own service calls its manager directly.
        error = error.exc_info[1]
    text = str(error).splitlines()[0] if str(error) else ''
    return '%s: %s' % (type(error).__name__, text)


def is_up(service, now=None):
    """Whether a services row counts as up: recent beat, not forced down.

    ``service`` is a dict (or row) with last_seen_up, updated_at,
    created_at and forced_down, as the API and scheduler read it.
    """
    if _get(service, 'forced_down'):
        return False
    seen = (_get(service, 'last_seen_up') or _get(service, 'updated_at') or
            _get(service, 'created_at'))
    if seen is None:
        return False
    now = now or timeutils.utcnow()
    return abs(timeutils.delta_seconds(seen, now)) <= CONF.service_down_time


def _get(service, key):
    return service[key] if isinstance(service, dict) else \
        getattr(service, key)


def serve(services):
    """Run ``services`` until SIGTERM/SIGINT; SIGHUP reloads config.

    Blocks the main thread.  On SIGTERM each service stops consuming,
    lets in-flight calls finish and stops; then the transport closes.
    """
    done = threading.Event()

    def _terminate(signum, _frame):
        LOG.info('Caught %s, stopping', signal.Signals(signum).name)
        done.set()

    def _reload(_signum, _frame):
        LOG.info('Caught SIGHUP, reloading configuration and reopening logs')
        CONF.mutate_config_files()
        logging.setup(CONF, 'nova')

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    signal.signal(signal.SIGHUP, _reload)
    starters = [threading.Thread(target=s.start, daemon=True)
                for s in services]
    for thread in starters:
        thread.start()
    while not done.wait(1):
        pass
    # Daemon threads: a service that cannot stop must not keep the
    # process alive past the grace period (systemd would SIGKILL it).
    stoppers = [threading.Thread(target=s.stop, daemon=True)
                for s in services]
    for thread in stoppers:
        thread.start()
    deadline = time.monotonic() + _GRACEFUL_SHUTDOWN_TIMEOUT
    for service, thread in zip(services, stoppers, strict=True):
        thread.join(timeout=max(0, deadline - time.monotonic()))
        if thread.is_alive():
            LOG.error('%s on %s did not stop within %ds: exiting anyway',
                      service.binary, service.host,
                      _GRACEFUL_SHUTDOWN_TIMEOUT)
    rpc.cleanup()


def serve_workers(make_services, workers):
    """Run ``make_services(index)`` in ``workers`` forked processes
    (``[conductor] workers``) until SIGTERM/SIGINT, which each worker
    gets to stop as ``serve`` does; SIGHUP is passed on too.

    The processes compete for the same RPC queues, so a busy service
    uses more than the one core a Python process can.  Worker 0 is the
    primary (services row, periodic tasks).  Fork happens before any
    connection or thread exists: each worker builds its own (and
    imports what it needs: the parent stays small).  A worker that dies
    is replaced.
    """
    if workers <= 1:
        serve(make_services(0))
        return
    children = {}
    stopping = threading.Event()

    parent = os.getpid()

    def spawn(index):
        pid = os.fork()
        if pid == 0:
            _stop_with_parent(parent)
            code = 0
            try:
                serve(make_services(index))
            except BaseException:
                LOG.exception('Worker %d failed', index)
                code = 1
            os._exit(code)
        children[pid] = index

    def forward(signum, _frame):
        if signum != signal.SIGHUP:
            stopping.set()
        for pid in list(children):
            os.kill(pid, signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    for index in range(workers):
        spawn(index)
    LOG.info('Started %d worker processes', workers)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, None)
        if index is None or stopping.is_set():
            continue
        LOG.error('Worker %d (pid %d) exited with status %d; starting '
                  'another', index, pid, os.waitstatus_to_exitcode(status))
        time.sleep(1)
        spawn(index)


_PR_SET_PDEATHSIG = 1


def _stop_with_parent(parent):
    """Have the kernel SIGTERM this worker when its parent dies, even
    killed with SIGKILL: no orphan keeps consuming the service's queue."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG,
                                            signal.SIGTERM)
    if os.getppid() != parent:  # it died before prctl
        os.kill(os.getpid(), signal.SIGTERM)
