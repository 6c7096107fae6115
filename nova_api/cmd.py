"""nova-api: the compute REST API, served by gunicorn.

gunicorn runs embedded (no gunicorn.conf.py): it binds
``osapi_compute_listen:osapi_compute_listen_port``, serves with
threads, and on SIGTERM stops accepting, lets requests in flight finish
and exits.  Its own messages go through oslo.log like everything else.

With ``osapi_compute_workers`` above one (one per CPU when unset), a
gunicorn master forks that many worker processes.  The master only
reads nova.conf and watches the workers; each worker imports and builds
the API itself.  A master holding the API would count its ~70 MiB again
in every worker's RSS, and Python's reference counting unshares such
pages over time anyway.  A worker that cannot build the API stops the
whole server (gunicorn halts on a worker boot error), so a bad
configuration still fails the start.

With one worker, there is no master: nova-api is that worker (gunicorn's
threaded worker run in-process), as oslo.service runs a single-worker
service without forking.  A master would only add ~50 MiB to restart a
worker that systemd restarts as well.  SIGHUP then reloads nova.conf's
mutable options (``debug``, log levels) the way Nova's services do.
"""

import os
import signal
import sys

from gunicorn import glogging
from gunicorn import sock
from gunicorn.app import base
from gunicorn.workers import gthread
from oslo_concurrency import processutils
from oslo_log import log as logging

from common import config

LOG = logging.getLogger(__name__)

# Threads of each worker process: requests mostly wait on databases and
# RPC replies, so a few threads per process keep the CPUs busy.
THREADS_PER_WORKER = 16
# Seconds SIGTERM gives requests in flight before workers are killed.
GRACEFUL_TIMEOUT = 30


class OsloLogger(glogging.Logger):
    """gunicorn's messages with oslo.log's handlers and format.

    gunicorn sets up its own stderr handler; drop it and let the records
    reach the root logger oslo.log configured.  No access log: the API's
    RequestLog middleware writes one line per request, with its id.
    """

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True


class APIServer(base.BaseApplication):
    """gunicorn serving the compute API, built in each worker."""

    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            # Settings newer than the installed gunicorn are skipped.
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        from nova_api import app  # noqa: PLC0415 - in the worker only
        return app.build_app()

    def serve(self, conf):
        """Serve until SIGTERM: a master and its workers, or with one
        worker this process alone."""
        if self.cfg.workers > 1:
            self.run()
            return
        log = self.cfg.logger_class(self.cfg)
        worker = InProcessWorker(conf, 0, os.getppid(),
                                 sock.create_sockets(self.cfg, log), self,
                                 self.cfg.timeout, self.cfg, log)
        worker.pid = os.getpid()
        try:
            worker.init_process()
        finally:
            worker.tmp.close()


class InProcessWorker(gthread.ThreadWorker):
    """gunicorn's threaded worker serving as the nova-api process."""

    def __init__(self, conf, *args):
        super().__init__(*args)
        self.conf = conf

    def is_parent_alive(self):
        # A forked worker stops when its master is gone; this process
        # has no master, and whoever started it may exit first.
        return True

    def init_signals(self):
        super().init_signals()
        signal.signal(signal.SIGHUP, self.handle_hup)

    def handle_hup(self, sig, frame):
        LOG.info('SIGHUP: reloading mutable options of %s',
                 ', '.join(self.conf.config_file))
        self.conf.mutate_config_files()


def _bind(host, port):
    return '[%s]:%s' % (host, port) if ':' in host else '%s:%s' % (host,
                                                                   port)


def options(conf):
    """gunicorn's settings from nova.conf."""
    return {
        'bind': [_bind(conf.osapi_compute_listen,
                       conf.osapi_compute_listen_port)],
        'workers': (conf.osapi_compute_workers or
                    processutils.get_worker_count()),
        'worker_class': 'gthread',
        'threads': THREADS_PER_WORKER,
        'graceful_timeout': GRACEFUL_TIMEOUT,
        'proc_name': 'nova-api',
        'logger_class': OsloLogger,
        'accesslog': None,
        # No management socket in $HOME: two nova-api on one host would
        # fight over it, and SIGTERM/SIGHUP are the interface.
        'control_socket_disable': True,
    }


def main():
    conf = config.parse_args(sys.argv)
    LOG.info('nova-api listening on %s with %d workers',
             _bind(conf.osapi_compute_listen, conf.osapi_compute_listen_port),
             options(conf)['workers'])
    APIServer(options(conf)).serve(conf)
    return 0
