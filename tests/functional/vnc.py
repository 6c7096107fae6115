"""Both ends of a console for the tests: a tiny VNC server, and a
client that opens a console URL through nova-novncproxy.

The server speaks just enough RFB 3.8 (security None, a ServerInit
naming its desktop) for a client to complete the handshake, counts the
connections it got, and can drop them all, as a guest that stops does.
The client does what noVNC does with a console URL: the WebSocket path
is the URL's ``path`` parameter, then the RFB handshake.
"""

import socket
import struct
import threading
from urllib import parse

import websocket

RFB_VERSION = b'RFB 003.008\n'
SECURITY_NONE = 1
CLOSE = websocket.ABNF.OPCODE_CLOSE
# A 32-bit true-colour pixel format, as QEMU announces it.
_PIXEL_FORMAT = struct.pack('!BBBBHHHBBBxxx', 32, 24, 0, 1, 255, 255, 255,
                            16, 8, 0)


class VNCServer:
    """Listens on 127.0.0.1 (``port``) from construction to stop()."""

    def __init__(self, desktop_name):
        self.desktop_name = desktop_name.encode()
        self.connections = 0
        self._sessions = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(('127.0.0.1', 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                sock, _address = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._sessions.append(sock)
            threading.Thread(target=self._session, args=(sock,),
                             daemon=True).start()

    def _session(self, sock):
        """Handshake, then read until the client or drop_all() ends it."""
        try:
            sock.sendall(RFB_VERSION)
            _recv_exact(sock.recv, len(RFB_VERSION))
            sock.sendall(bytes((1, SECURITY_NONE)))
            _recv_exact(sock.recv, 1)
            sock.sendall(struct.pack('!I', 0))
            _recv_exact(sock.recv, 1)  # ClientInit
            sock.sendall(struct.pack('!HH', 640, 480) + _PIXEL_FORMAT +
                         struct.pack('!I', len(self.desktop_name)) +
                         self.desktop_name)
            while sock.recv(4096):
                pass
        except OSError:
            pass

    def drop_all(self):
        """Close every session, as a guest that stops would."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for sock in sessions:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self):
        self._listener.close()
        self.drop_all()


def _recv_exact(recv, length):
    data = b''
    while len(data) < length:
        chunk = recv(length - len(data))
        if not chunk:
            raise ConnectionError('closed after %d of %d bytes'
                                  % (len(data), length))
        data += chunk
    return data


def websocket_url(console_url):
    """What noVNC connects to for a console URL: ws(s)://<its host>/
    followed by its ``path`` parameter."""
    url = parse.urlsplit(console_url)
    path = parse.parse_qs(url.query)['path'][0]
    scheme = 'wss' if url.scheme == 'https' else 'ws'
    return '%s://%s/%s' % (scheme, url.netloc, path.lstrip('/'))


def connect(console_url, origin=None, ws_url=None):
    """A WebSocket to the proxy for the console URL (``ws_url`` instead
    to ask for another path)."""
    return websocket.create_connection(
        ws_url or websocket_url(console_url), timeout=30,
        origin=origin, suppress_origin=origin is None)


class Console:
    """An RFB client over a WebSocket."""

    def __init__(self, ws):
        self.ws = ws
        self._buffer = b''

    def recv_exact(self, length):
        while len(self._buffer) < length:
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == CLOSE:
                raise ConnectionError('closed by the proxy: %r' % data)
            self._buffer += data
        data, self._buffer = self._buffer[:length], self._buffer[length:]
        return data

    def handshake(self):
        """Version, security None, ClientInit; the desktop's name."""
        version = self.recv_exact(len(RFB_VERSION))
        assert version == RFB_VERSION, version
        self.ws.send_binary(RFB_VERSION)
        count = self.recv_exact(1)[0]
        assert list(self.recv_exact(count)) == [SECURITY_NONE]
        self.ws.send_binary(bytes((SECURITY_NONE,)))
        assert self.recv_exact(4) == struct.pack('!I', 0)
        self.ws.send_binary(b'\x01')  # shared
        self.recv_exact(4 + len(_PIXEL_FORMAT))
        length = struct.unpack('!I', self.recv_exact(4))[0]
        return self.recv_exact(length).decode()


def desktop_name(console_url, origin=None):
    """Open the console, shake hands; the name its server announces."""
    ws = connect(console_url, origin=origin)
    try:
        return Console(ws).handshake()
    finally:
        ws.close()


def close_code(ws):
    """The close code the proxy ends this WebSocket with (it sends
    nothing else first)."""
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == CLOSE, (opcode, data)
    return struct.unpack('!H', data[:2])[0]
