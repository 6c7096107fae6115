"""Holds nova-novncproxy's port until the websocket proxy exists.

Binding the port now makes a clash with another program show at start,
and a browser sent to the console URL gets a clear answer instead of a
refused connection.  The websockify + noVNC proxy replaces this module.
"""

from http import server
import socket
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)
MESSAGE = b'console proxy not implemented yet\n'


class PlaceholderHandler(server.BaseHTTPRequestHandler):
    """Answers every request with 503 and ``MESSAGE``."""

    def _unavailable(self):
        self.send_response(503)
        self.send_header('Content-Type', 'text/plain; charset=utf-8')
        self.send_header('Content-Length', str(len(MESSAGE)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(MESSAGE)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _unavailable

    def log_message(self, format, *args):
        # Requests go to the daemon's log, not to stderr.
        LOG.debug('%s - %s', self.address_string(), format % args)


class PlaceholderServer(server.ThreadingHTTPServer):
    """Bound on construction; serves in a thread from start() to stop()."""

    daemon_threads = True

    def __init__(self, host, port):
        if ':' in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), PlaceholderHandler)
        self._thread = threading.Thread(target=self.serve_forever,
                                        name='novncproxy-placeholder',
                                        daemon=True)

    def start(self):
        self._thread.start()
        LOG.info('Listening on %s:%s (console proxy not implemented yet: '
                 'every request gets 503)', *self.server_address[:2])

    def stop(self):
        self.shutdown()
        self.server_close()
