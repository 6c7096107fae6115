"""An OpenStack service of our tests, served by gunicorn from its venv.

Keystone and Glance run as they do in production (their WSGI
application under a WSGI server), each from a virtualenv of its own
(``tools/lib.sh``) because they pin oslo.* versions that must not move
ours.  Both need the same handling: a free loopback port without a
race, a WSGI module that hides gunicorn's arguments from oslo.config,
readiness polling that notices a dead server, a quick stop, and log
tails to explain a failure.
"""

import os
import pathlib
import signal
import socket
import subprocess
import time

import requests

TOP = pathlib.Path(__file__).resolve().parents[1]

# tools/wsgi_shim.py hides gunicorn's arguments from the services.
WSGI_SHIM_DIR = TOP / 'tools'


class ServiceError(AssertionError):
    """A service did not start or answer; the message holds its logs."""


def venv_path(variable, default_name):
    """The service's virtualenv: $variable, or ``default_name`` at the
    top of the tree (as ``tools/lib.sh`` makes it)."""
    return pathlib.Path(os.environ.get(variable, TOP / default_name))


def listening_socket():
    """A socket bound to a free loopback port, for gunicorn to inherit."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def start_command(*args):
    """Start a set-up command (db_sync...), its output captured."""
    return subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def check_command(proc):
    """Wait for a command of ``start_command``; its output on failure."""
    out, _ = proc.communicate()
    if proc.returncode:
        command = [os.path.basename(proc.args[0]), *proc.args[1:]]
        raise ServiceError('%s failed (%d):\n%s' % (
            ' '.join(command), proc.returncode, out))


class GunicornService:
    """gunicorn serving ``module``'s ``application`` from ``venv``.

    ``log_files`` (names in ``workdir``) are the service's own logs,
    shown with gunicorn's when something fails.
    """

    def __init__(self, name, venv, workdir, module, env=None,
                 log_files=(), workers=1, threads=1):
        self.name = name
        self.venv = pathlib.Path(venv)
        self.workdir = pathlib.Path(workdir)
        self.module = module
        self.env = env or {}
        self.log_files = tuple(log_files) + ('gunicorn.log',)
        self.workers = workers
        self.threads = threads
        self.proc = None

    def bin(self, command):
        """A command of the service's virtualenv."""
        return self.venv / 'bin' / command

    def serve(self, sock):
        """gunicorn on an inherited socket: no race for the port."""
        log = self.workdir / 'gunicorn.log'
        args = [str(self.bin('gunicorn')),
                '--bind', 'fd://%d' % sock.fileno(),
                '--workers', str(self.workers),
                '--threads', str(self.threads),
                '--no-control-socket',
                '--chdir', str(self.workdir),
                '--pythonpath', str(WSGI_SHIM_DIR),
                '--error-logfile', str(log),
                '--access-logfile', str(log),
                '--graceful-timeout', '5',
                'wsgi_shim:application']
        self.proc = subprocess.Popen(
            args, env=dict(os.environ, WSGI_APPLICATION_MODULE=self.module,
                           **self.env), pass_fds=[sock.fileno()],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, url, timeout=60):
        """Until GET ``url`` answers 200; fail early if gunicorn died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError('%s: gunicorn exited with %s\n%s' % (
                    self.name, self.proc.returncode, self.logs()))
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.1)
        raise ServiceError('%s: GET %s never answered 200 in %ds\n%s'
                           % (self.name, url, timeout, self.logs()))

    def stop(self):
        """Stop gunicorn (master and workers); the workdir stays."""
        if self.proc is None or self.proc.poll() is not None:
            return
        # gunicorn's quick shutdown: no request of a test is worth
        # waiting for once the session is over.
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def logs(self, lines=40):
        """The tails of the service's logs, to explain a failure."""
        tails = []
        for name in self.log_files:
            path = self.workdir / name
            if path.exists():
                tail = path.read_text(errors='replace').splitlines()[-lines:]
                tails.append('==> %s <==\n%s' % (name, '\n'.join(tail)))
        return '\n'.join(tails)
