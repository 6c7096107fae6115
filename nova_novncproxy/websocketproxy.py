"""The console proxy: noVNC's files and the WebSocket to a guest's VNC.

One HTTP server on ``[vnc] novncproxy_host:novncproxy_port``, a thread
per connection (no eventlet).  A plain GET is a file of ``[DEFAULT]
web`` (the noVNC installation: ``vnc.html``, ``vnc_lite.html``...).  A
WebSocket upgrade is a console: websockify's WebSocket does the
framing, and then, in this order, as Nova's proxy does:

1. the token, from the query string (``?token=``, which noVNC builds
   from the console URL's ``path``) or else noVNC's ``token`` cookie,
   is checked by the conductor in the cells' databases (its hash, not
   expired, its server not deleted);
2. the ``Origin`` header (sent by browsers) must name this host, the
   host of the token's ``novncproxy_base_url``, or one of ``[console]
   allowed_origins``, with the base URL's scheme;
3. only then is the compute host's VNC server connected to, the RFB
   security handshake done in the middle (nova_novncproxy.rfb), and
   the bytes relayed both ways until either side closes.

A refused connection is closed with a WebSocket close frame (1008,
policy violation) and one log line saying why; nothing reaches the
guest.  A guest that goes away closes its browser's socket, and the
other consoles carry on.
"""

import functools
from http import cookies
from http import server
import select
import socket
import ssl
from urllib import parse

from oslo_log import log as logging
import oslo_messaging as messaging
from websockify import websocket
from websockify import websocketserver

from common import conf
from common import context
from common import exception
from nova_novncproxy import rfb

CONF = conf.CONF
LOG = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
SERVER_ERROR = 1011
# The handshake must not hold a thread for ever; the session may idle.
HANDSHAKE_TIMEOUT = 30
CONNECT_TIMEOUT = 10
BUFFER_SIZE = 65536
# Origin schemes that go with a base URL's scheme.
_SCHEMES = {'http': ('http', 'ws'), 'https': ('https', 'wss')}


class ConsoleRefused(Exception):
    """A console connection that must not reach the guest; the message
    is the logged reason."""


def token_from_request(path, headers):
    """The console token of a WebSocket request: its ``token`` query
    parameter, else noVNC's ``token`` cookie; '' if neither."""
    query = parse.parse_qs(parse.urlsplit(path).query)
    token = query.get('token', [''])[-1]
    if token:
        return token
    jar = cookies.SimpleCookie()
    for part in (headers.get('Cookie') or '').split(';'):
        try:
            jar.load(part.strip())
        except cookies.CookieError:
            # Never log a cookie's content: it may hold a token.
            LOG.warning('Ignored a malformed cookie')
    return jar['token'].value if 'token' in jar else ''


def check_origin(headers, access_url_base, allowed_origins):
    """ConsoleRefused unless the request's Origin (if any) names an
    expected host with the base URL's scheme.

    A request without Origin is not from a browser, which is allowed,
    as in Nova.  A TLS-terminating proxy in front tells the original
    scheme in X-Forwarded-Proto.
    """
    origin = headers.get('Origin')
    if origin is None:
        return
    parsed = parse.urlsplit(origin)
    scheme = headers.get('X-Forwarded-Proto') or parsed.scheme
    if not parsed.hostname or not scheme:
        raise ConsoleRefused('Origin header not valid: %r' % origin)
    base = parse.urlsplit(access_url_base)
    expected = set(allowed_origins) | {base.hostname, _host_name(headers)}
    if parsed.hostname not in expected:
        raise ConsoleRefused('Origin header does not match this host: %r'
                             % origin)
    if scheme not in _SCHEMES.get(base.scheme, (base.scheme,)):
        raise ConsoleRefused('Origin header protocol does not match this '
                             'host: %r' % origin)


def _host_name(headers):
    """The host name of the request's Host header (no port)."""
    return parse.urlsplit('//' + (headers.get('Host') or '')).hostname


class _WebSocket(websocketserver.HttpWebSocket):
    """noVNC before 1.0 asks for the 'binary' subprotocol; newer ones
    ask for none."""

    def select_subprotocol(self, protocols):
        return 'binary' if 'binary' in protocols else ''


class TenantStream:
    """The browser's side as a byte stream over WebSocket messages."""

    def __init__(self, ws):
        self.ws = ws
        self.buffer = b''

    def recv_exact(self, length):
        while len(self.buffer) < length:
            try:
                data = self.ws.recvmsg()
            except websocket.WebSocketWantReadError:
                continue
            if data is None:
                raise rfb.NegotiationFailed('the client closed the console')
            self.buffer += data
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        return data

    def sendall(self, data):
        send_message(self.ws, data)


class ComputeStream:
    """The VNC server's side: a socket read by exact lengths."""

    def __init__(self, sock):
        self.sock = sock

    def recv_exact(self, length):
        data = b''
        while len(data) < length:
            chunk = self.sock.recv(length - len(data))
            if not chunk:
                raise rfb.NegotiationFailed('the VNC server closed the '
                                            'connection')
            data += chunk
        return data

    def sendall(self, data):
        self.sock.sendall(data)


def send_message(ws, data):
    """One binary message, however long the socket takes to accept it
    (websockify asks to be called again with the same data)."""
    while True:
        try:
            ws.sendmsg(data)
            return
        except websocket.WebSocketWantWriteError:
            select.select([], [ws.socket], [])


class ConsoleRequestHandler(websocketserver.WebSocketRequestHandlerMixIn,
                            server.SimpleHTTPRequestHandler):
    """A file of ``[DEFAULT] web``, or a console over a WebSocket."""

    SocketClass = _WebSocket
    server_version = 'nova-novncproxy'

    def list_directory(self, path):
        # The web directory is served by name, never listed.
        self.send_error(404, 'File not found')

    def log_message(self, format, *args):
        LOG.debug('%s %s', self.address_string(), format % args)

    def handle_upgrade(self):
        self.request.settimeout(HANDSHAKE_TIMEOUT)
        super().handle_upgrade()

    def handle_websocket(self):
        ws = self.request
        client = self.address_string()
        # Each failure is logged outside its except clause, where
        # oslo.log would append the exception again.
        try:
            connect_info, refusal = self._authorize(), None
        except ConsoleRefused as refused:
            refusal = str(refused)
        if refusal is not None:
            LOG.warning('Console connection from %s refused: %s', client,
                        refusal)
            _close(ws, POLICY_VIOLATION, 'Console access refused')
            return
        instance = connect_info['instance_uuid']
        host, port = connect_info['host'], connect_info['port']
        try:
            compute, error = socket.create_connection(
                (host, port), timeout=CONNECT_TIMEOUT), None
        except OSError as e:
            error = str(e)
        if error is not None:
            LOG.warning('Instance %s: cannot reach its VNC server at %s:%s '
                        '(client %s): %s', instance, host, port, client,
                        error)
            _close(ws, SERVER_ERROR, 'Cannot reach the console')
            return
        with compute:
            self._serve_console(ws, compute, instance, client)

    def _authorize(self):
        """The token's connection info, once token and Origin pass."""
        token = token_from_request(self.path, self.headers)
        if not token:
            raise ConsoleRefused('no token given')
        try:
            connect_info = self.server.conductor.console_auth_token_get_valid(
                context.get_admin_context(), token)
        except exception.InvalidToken as invalid:
            raise ConsoleRefused(invalid.format_message())
        except (messaging.MessagingException,
                exception.NovaException) as error:
            raise ConsoleRefused('the conductor could not check the token '
                                 '(%s)' % error)
        check_origin(self.headers, connect_info['access_url_base'] or '',
                     CONF.console.allowed_origins)
        return connect_info

    def _serve_console(self, ws, compute, instance, client):
        tenant = TenantStream(ws)
        try:
            rfb.negotiate(tenant, ComputeStream(compute))
            error = None
        except (rfb.NegotiationFailed, OSError) as e:
            error = str(e) or type(e).__name__
        if error is not None:
            LOG.warning('Instance %s: console handshake with %s failed: %s',
                        instance, client, error)
            _close(ws, SERVER_ERROR, 'Console handshake failed')
            return
        LOG.info('Instance %s: console opened by %s', instance, client)
        ws.socket.settimeout(None)
        compute.settimeout(None)
        if tenant.buffer:
            compute.sendall(tenant.buffer)
        reason = _relay(ws, compute)
        LOG.info('Instance %s: console of %s closed (%s)', instance, client,
                 reason)


def _relay(ws, compute):
    """Copy bytes both ways until one side closes; which side did."""
    while True:
        readable = ([ws.socket] if ws.pending() else
                    select.select([ws.socket, compute], [], [])[0])
        if ws.socket in readable:
            try:
                for data in _tenant_messages(ws):
                    compute.sendall(data)
            except EOFError:
                return 'closed by the client'
            except OSError as error:
                _close(ws, 1000, 'The console closed')
                return 'VNC server gone: %s' % error
        if compute in readable:
            try:
                data = compute.recv(BUFFER_SIZE)
            except OSError:
                data = b''
            if not data:
                _close(ws, 1000, 'The console closed')
                return 'closed by the VNC server'
            send_message(ws, data)


def _tenant_messages(ws):
    """The whole messages the browser sent that are here now (EOFError
    once it has closed)."""
    while True:
        try:
            data = ws.recvmsg()
        except websocket.WebSocketWantReadError:
            return
        if data is None:
            raise EOFError()
        yield data
        if not ws.pending():
            return


def _close(ws, code, reason):
    """Close the WebSocket with ``code``; a peer already gone is fine."""
    try:
        if ws.socket is not None:
            ws.close(code, reason)
    except (OSError, websocket.WebSocketWantWriteError):
        pass


class ConsoleProxyServer(server.ThreadingHTTPServer):
    """Bound on construction; serves in threads from serve_forever().

    ``conductor`` (its rpcapi) checks the tokens: the proxy holds no
    database connection.  With ``ssl_context`` every connection is TLS
    (``[DEFAULT] ssl_only``).
    """

    daemon_threads = True

    def __init__(self, host, port, web, conductor, ssl_context=None):
        if ':' in host:
            self.address_family = socket.AF_INET6
        self.conductor = conductor
        self.ssl_context = ssl_context
        super().__init__((host, port), functools.partial(
            ConsoleRequestHandler, directory=web))

    def get_request(self):
        sock, address = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        # A client that vanished mid-request is not a bug of ours.
        LOG.info('Connection from %s ended with an error', client_address[0],
                 exc_info=LOG.isEnabledFor(logging.DEBUG))


def ssl_context(cert, key):
    """TLS towards browsers from ``[DEFAULT] cert`` and ``key``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if CONF.console.ssl_ciphers:
        context.set_ciphers(CONF.console.ssl_ciphers)
    minimum = CONF.console.ssl_minimum_version
    if minimum != 'default':
        context.minimum_version = getattr(
            ssl.TLSVersion, minimum.upper().replace('TLSV', 'TLSv'))
    return context
