"""Console tokens and URLs, the proxy's Origin check, token lookup in a
request and RFB negotiation, the remote-consoles request schemas, and
the compute making a token."""

import hashlib
import struct
import time
import types

import jsonschema
import oslo_messaging as messaging
import pytest

from common import conf
from common import console_auth
from common import exception
from nova_api.schemas import remote_consoles as schemas
from nova_compute import manager
from nova_compute import utils
from nova_compute.virt import fake
from nova_novncproxy import rfb
from nova_novncproxy import websocketproxy

CONF = conf.CONF
BASE = 'http://console.example.com:6080/vnc_lite.html'


@pytest.fixture(autouse=True)
def _reset_conf():
    yield
    CONF.reset()


# --- tokens ------------------------------------------------------------------

def test_tokens_are_random_uuids():
    first, second = console_auth.new_token(), console_auth.new_token()
    assert first != second
    assert len(first) == 36


def test_only_the_sha256_is_stored():
    assert console_auth.token_hash('abc') == hashlib.sha256(
        b'abc').hexdigest()


def test_novnc_url_carries_the_token_in_path():
    assert console_auth.access_url(BASE, 'novnc', 'tok-1') == (
        BASE + '?path=%3Ftoken%3Dtok-1')


def test_other_console_urls_carry_the_token_directly():
    assert console_auth.access_url('http://h/spice_auto.html',
                                   'spice-html5', 'tok-1') == (
        'http://h/spice_auto.html?token=tok-1')


# --- the token of a request --------------------------------------------------

def test_token_from_the_query_string():
    assert websocketproxy.token_from_request('/?token=abc', {}) == 'abc'


def test_token_from_novncs_cookie():
    headers = {'Cookie': 'lang=en; token=from-cookie'}
    assert websocketproxy.token_from_request('/', headers) == 'from-cookie'


def test_no_token():
    assert websocketproxy.token_from_request('/websockify', {}) == ''


# --- Origin ------------------------------------------------------------------

def _check(origin, host='127.0.0.1:6080', allowed=(), **headers):
    if origin is not None:
        headers['Origin'] = origin
    headers['Host'] = host
    websocketproxy.check_origin(headers, BASE, list(allowed))


class _Conductor:
    """The conductor's console_auth_token_get_valid, answering with
    ``outcome`` (a dict, or an exception to raise)."""

    def __init__(self, outcome):
        self.outcome = outcome
        self.tokens = []

    def console_auth_token_get_valid(self, ctxt, token):
        self.tokens.append(token)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _authorize(conductor, path='/?token=abc'):
    handler = types.SimpleNamespace(
        path=path, headers={}, server=types.SimpleNamespace(
            conductor=conductor))
    return websocketproxy.ConsoleRequestHandler._authorize(handler)


def test_proxy_asks_the_conductor_about_the_token():
    conductor = _Conductor({'access_url_base': None, 'host': 'h'})
    assert _authorize(conductor)['host'] == 'h'
    assert conductor.tokens == ['abc']


@pytest.mark.parametrize('error, reason', [
    (exception.InvalidToken(), 'The token is invalid or has expired'),
    (messaging.MessagingTimeout('no reply'),
     'the conductor could not check the token .no reply'),
    (messaging.RPCVersionCapError(version='1.9', version_cap='1.8'),
     'the conductor could not check the token'),
    (exception.DatabaseUnavailable(reason='gone'),
     'the conductor could not check the token'),
])
def test_proxy_refuses_what_the_conductor_cannot_vouch_for(error, reason):
    with pytest.raises(websocketproxy.ConsoleRefused, match=reason):
        _authorize(_Conductor(error))



@pytest.mark.parametrize('origin, kwargs', [
    (None, {}),
    ('http://127.0.0.1:6080', {}),
    ('http://console.example.com', {}),
    ('http://lb.example.com', {'allowed': ['lb.example.com']}),
    ('http://[::1]:6080', {'host': '[::1]:6080'}),
])
def test_origins_accepted(origin, kwargs):
    _check(origin, **kwargs)


@pytest.mark.parametrize('origin, kwargs, reason', [
    ('http://evil.example.com', {}, 'does not match this host'),
    ('https://console.example.com', {}, 'protocol does not match'),
    ('http://console.example.com', {'X-Forwarded-Proto': 'https'},
     'protocol does not match'),
    ('null', {}, 'not valid'),
])
def test_origins_refused(origin, kwargs, reason):
    with pytest.raises(websocketproxy.ConsoleRefused, match=reason):
        _check(origin, **kwargs)


# --- RFB negotiation ---------------------------------------------------------

class _Stream:
    """One side of the handshake: what it will send, what it got."""

    def __init__(self, *chunks):
        self.incoming = b''.join(chunks)
        self.sent = b''

    def recv_exact(self, length):
        if len(self.incoming) < length:
            raise rfb.NegotiationFailed('closed')
        data, self.incoming = (self.incoming[:length],
                               self.incoming[length:])
        return data

    def sendall(self, data):
        self.sent += data


def test_none_towards_both_sides():
    compute = _Stream(rfb.VERSION_3_8, bytes((2, 1, 2)))
    tenant = _Stream(rfb.VERSION_3_8, b'\x01')
    rfb.negotiate(tenant, compute)
    assert tenant.sent == rfb.VERSION_3_8 + bytes((1, 1))
    assert compute.sent == rfb.VERSION_3_8 + b'\x01'


def test_server_without_none_is_refused():
    compute = _Stream(rfb.VERSION_3_8, bytes((1, 19)))
    tenant = _Stream(rfb.VERSION_3_8)
    with pytest.raises(rfb.NegotiationFailed, match=r'offers security '
                       r'types \[19\]'):
        rfb.negotiate(tenant, compute)
    reason = b'Unable to negotiate security with server'
    assert tenant.sent == (rfb.VERSION_3_8 + b'\0' +
                           struct.pack('!I', len(reason)) + reason)


def test_client_must_choose_none():
    compute = _Stream(rfb.VERSION_3_8, bytes((1, 1)))
    tenant = _Stream(rfb.VERSION_3_8, b'\x02')
    with pytest.raises(rfb.NegotiationFailed, match='type 2'):
        rfb.negotiate(tenant, compute)
    assert tenant.sent.startswith(rfb.VERSION_3_8 + bytes((1, 1)) +
                                  struct.pack('!I', 1))
    assert compute.sent == rfb.VERSION_3_8


def test_old_rfb_servers_are_refused():
    with pytest.raises(rfb.NegotiationFailed, match='RFB 3.8'):
        rfb.negotiate(_Stream(), _Stream(b'RFB 003.003\n'))


# --- request schemas ---------------------------------------------------------

def _valid(schema, body):
    try:
        jsonschema.validate(body, schema)
    except jsonschema.ValidationError:
        return False
    return True


def _console(protocol, console_type):
    return {'remote_console': {'protocol': protocol, 'type': console_type}}


def test_remote_console_schemas_by_version():
    assert _valid(schemas.create_v26, _console('vnc', 'novnc'))
    assert not _valid(schemas.create_v26, _console('mks', 'webmks'))
    assert _valid(schemas.create_v28, _console('mks', 'webmks'))
    assert not _valid(schemas.create_v28, _console('spice', 'spice-direct'))
    assert _valid(schemas.create_v299, _console('spice', 'spice-direct'))
    assert not _valid(schemas.create_v26, {'remote_console': {
        'protocol': 'vnc'}})
    assert not _valid(schemas.create_v26, dict(
        _console('vnc', 'novnc'), extra=1))


def test_legacy_vnc_console_schema():
    assert _valid(schemas.get_vnc_console,
                  {'os-getVNCConsole': {'type': 'novnc'}})
    assert not _valid(schemas.get_vnc_console, {'os-getVNCConsole': {}})
    assert not _valid(schemas.get_vnc_console,
                      {'os-getVNCConsole': {'type': 'spice-html5'}})


# --- the compute's side -----------------------------------------------------

class _TokenStore:
    """The conductor, as far as console tokens go."""

    def __init__(self):
        self.stored = []

    def console_auth_token_create(self, ctxt, instance_uuid, values):
        self.stored.append((instance_uuid, values))


def _compute(vm_state='active', spawned=True):
    drv = fake.FakeDriver()
    drv.init_host('compute1')
    store = _TokenStore()
    compute = manager.ComputeManager('compute1', drv, store)
    record = {'uuid': 'u1', 'name': 'instance-u1', 'vcpus': 1,
              'memory_mb': 64, 'root_gb': 1, 'ephemeral_gb': 0,
              'vm_state': vm_state, 'system_metadata': {}}
    if spawned:
        drv.spawn(None, utils.guest(record), {}, [], None, {})
    return compute, store, record


def test_compute_hands_out_the_token_and_stores_its_hash():
    CONF.set_override('vnc_port', 5999, 'fake')
    CONF.set_override('token_ttl', 60, 'consoleauth')
    compute, store, record = _compute()
    info = compute.get_vnc_console(None, record, 'novnc')
    [(instance_uuid, values)] = store.stored
    assert instance_uuid == 'u1'
    assert values['token_hash'] == console_auth.token_hash(info['token'])
    assert info['token'] not in values.values()
    assert (values['host'], values['port']) == ('127.0.0.1', 5999)
    assert 55 <= values['expires'] - time.time() <= 61
    assert info['access_url'] == '%s?path=%%3Ftoken%%3D%s' % (
        CONF.vnc.novncproxy_base_url, info['token'])


def test_compute_refuses_what_it_does_not_serve():
    compute, store, record = _compute()
    assert isinstance(_refusal(compute, record, 'xvpvnc'),
                      exception.ConsoleTypeInvalid)
    CONF.set_override('enabled', False, 'vnc')
    assert isinstance(_refusal(compute, record, 'novnc'),
                      exception.ConsoleTypeUnavailable)
    assert store.stored == []


def test_a_guest_still_building_is_not_ready():
    compute, _store, record = _compute(vm_state='building', spawned=False)
    assert isinstance(_refusal(compute, record, 'novnc'),
                      exception.InstanceNotReady)


def _refusal(compute, record, console_type):
    """What get_vnc_console raised, declared as an answer to the caller
    (oslo.messaging logs no traceback for it)."""
    with pytest.raises(messaging.ExpectedException) as raised:
        compute.get_vnc_console(None, record, console_type)
    return raised.value.exc_info[1]
