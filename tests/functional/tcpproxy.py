"""A TCP proxy a test can cut: RabbitMQ or MariaDB going away and
coming back, for one daemon, without disturbing the shared servers.
"""

import socket
import threading


class TCPProxy:
    """Forwards ``listen``:<port> (127.0.0.1 by default) to ``upstream``
    (host, port).

    ``cut()`` drops every open connection and refuses new ones (they are
    accepted and closed at once, as a server that is down or restarting
    would look); ``restore()`` forwards again.
    """

    def __init__(self, upstream, listen='127.0.0.1'):
        self.upstream = upstream
        self.listen = listen
        self._listener = socket.create_server((listen, 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open = []
        self._cut = False
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def url_netloc(self):
        return '%s:%d' % (self.listen, self.port)

    def cut(self):
        with self._lock:
            self._cut = True
            doomed, self._open = self._open, []
        for sock in doomed:
            _close(sock)

    def restore(self):
        with self._lock:
            self._cut = False

    def close(self):
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refused = self._cut
            if refused:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open += [client, server]
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(src, dst),
                                 daemon=True).start()


def _pump(src, dst):
    """Copy bytes one way until either side closes."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    _close(src)
    _close(dst)


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
