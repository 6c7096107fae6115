"""The RFB (VNC) handshake between the browser and the guest's VNC server.

The proxy stands in the middle of the security negotiation, as Nova's
``RFBSecurityProxy`` does: it speaks RFB 3.8 to both sides, offers the
browser only the "None" security type (the token already authorized
it) and picks towards the compute host a type of ``[vnc]
auth_schemes`` that the VNC server offers.  Only ``none`` is
implemented; a server that requires another type (VeNCrypt) is
refused with a logged reason.  From the server's SecurityResult on,
the bytes are relayed untouched.

``tenant`` and ``compute`` are objects with ``recv_exact(n)`` and
``sendall(data)``.
"""

import struct

from common import conf

CONF = conf.CONF

VERSION_3_8 = b'RFB 003.008\n'
SECURITY_NONE = 1
_SCHEMES = {'none': SECURITY_NONE}
_RESULT_FAILED = struct.pack('!I', 1)
# What the browser is told when the server side fails: the details are
# for the operator's log, not for the user.
_SERVER_FAILED = 'Unable to negotiate security with server'


class NegotiationFailed(Exception):
    """The handshake cannot go on; the message says why, for the log."""


def negotiate(tenant, compute):
    """Run the version and security handshakes; afterwards the relay
    carries the server's SecurityResult and the rest of the session."""
    version = compute.recv_exact(len(VERSION_3_8))
    if version != VERSION_3_8:
        raise NegotiationFailed(
            'the VNC server speaks %r; the proxy needs RFB 3.8' % version)
    tenant.sendall(version)
    tenant_version = tenant.recv_exact(len(VERSION_3_8))
    if tenant_version != VERSION_3_8:
        _refuse_types(tenant, 'RFB 3.8 is required')
        raise NegotiationFailed(
            'the client speaks %r; the proxy needs RFB 3.8' % tenant_version)
    compute.sendall(version)
    security_type = _server_security_type(tenant, compute)
    tenant.sendall(bytes((1, SECURITY_NONE)))
    chosen = tenant.recv_exact(1)[0]
    if chosen != SECURITY_NONE:
        _fail_result(tenant, 'Only the security type None (%d) is supported'
                     % SECURITY_NONE)
        raise NegotiationFailed(
            'the client asked for security type %d, not None' % chosen)
    compute.sendall(bytes((security_type,)))


def _server_security_type(tenant, compute):
    """The security type to use with the server: the first of ``[vnc]
    auth_schemes`` it offers."""
    count = compute.recv_exact(1)[0]
    if count == 0:
        length = struct.unpack('!I', compute.recv_exact(4))[0]
        reason = compute.recv_exact(length).decode('utf-8', 'replace')
        _refuse_types(tenant, _SERVER_FAILED)
        raise NegotiationFailed('the VNC server refused the connection: %s'
                                % reason)
    offered = set(compute.recv_exact(count))
    for scheme in CONF.vnc.auth_schemes:
        if _SCHEMES.get(scheme) in offered:
            return _SCHEMES[scheme]
    _refuse_types(tenant, _SERVER_FAILED)
    raise NegotiationFailed(
        'the VNC server offers security types %s, none of [vnc] '
        'auth_schemes %s that the proxy implements (none)'
        % (sorted(offered), CONF.vnc.auth_schemes))


def _refuse_types(tenant, reason):
    """No security type for the client: RFB 3.8's failure, a count of
    zero followed by the reason."""
    tenant.sendall(b'\0' + _reason(reason))


def _fail_result(tenant, reason):
    """A failed SecurityResult, after the client chose a type."""
    tenant.sendall(_RESULT_FAILED + _reason(reason))


def _reason(text):
    data = text.encode('utf-8')
    return struct.pack('!I', len(data)) + data
