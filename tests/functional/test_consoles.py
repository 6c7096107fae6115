"""Browser consoles end to end: the daemons and nova-novncproxy as
processes on MariaDB and RabbitMQ, the fake driver, whose guests'
consoles point at a VNC server this test runs.

The API hands out console URLs (checked against Tempest's schemas), the
conductor stores only the token's hash, and a WebSocket client goes
through the proxy to the VNC server and reads its desktop name.  Every
refusal closes the WebSocket before the VNC server sees a connection.
"""

import hashlib
import time
from urllib import parse

import pytest
import requests
import sqlalchemy as sa
from tempest.lib.api_schema.response.compute.v2_1 import servers as v21
from tempest.lib.api_schema.response.compute.v2_6 import servers as v26
from tempest.lib.api_schema.response.compute.v2_99 import servers as v299

from common.db import engines
from common.db import main_models as main
from tests.functional import daemons
from tests.functional import test_servers
from tests.functional import vnc

MEMBER = 'demo:demo'
DESKTOP = 'fake-guest-desktop'
SHORT_TTL = 2
NOVNC = {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}}

pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def vnc_server():
    server = vnc.VNCServer(DESKTOP)
    yield server
    server.stop()


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, module_mysql_db, glance, vnc_server):
    """Two hosts: 'compute' makes tokens of the default lifetime,
    'shortttl' of SHORT_TTL seconds; nova-novncproxy on a free port."""
    with daemons.cloud(tmp_path_factory.mktemp('consoles'),
                       module_mysql_db) as c:
        _start(c, glance, vnc_server)
        yield c


def _start(c, glance, vnc_server):
    c.novnc_port = daemons.free_port()
    c.base_url = 'http://127.0.0.1:%d/vnc_lite.html' % c.novnc_port
    shared = c.conf_file('consoles.conf', (
        '[glance]\napi_servers = %s\n'
        '[vnc]\nnovncproxy_host = 127.0.0.1\nnovncproxy_port = %d\n'
        'novncproxy_base_url = %s\n'
        '[fake]\nvnc_port = %d\n') % (glance.url, c.novnc_port, c.base_url,
                                      vnc_server.port))
    short = c.conf_file('short.conf',
                        '[consoleauth]\ntoken_ttl = %d\n' % SHORT_TTL)
    c.start('nova-conductor', shared)
    c.start('nova-scheduler', shared)
    for name, extra in (('compute', ()), ('shortttl', (short,))):
        c.start('nova-compute', shared,
                test_servers._compute_conf(c, name, 1, 10), *extra,
                name=name)
    c.start('nova-api', shared)
    c.start('nova-novncproxy', shared)
    c.wait_for_api()
    c.wait_for(lambda: len(c.compute_nodes()) == 2, timeout=120)
    c.wait_for(lambda: c.up().get(('nova-scheduler', 'controller')))
    c.wait_for(lambda: c.up().get(('nova-novncproxy', 'controller')))
    assert c.manage('cell_v2', 'discover_hosts') == 0
    c.image = glance.create_image('cirros', disk_format='qcow2')
    created = c.api('POST', '/flavors', json={'flavor': test_servers.FLAVOR})
    assert created.status_code == 200, created.text


def _boot(cloud, host='compute'):
    """An ACTIVE server on ``host`` (forced there: the admin's)."""
    body = {'server': {'name': 'console', 'imageRef': cloud.image['id'],
                       'flavorRef': '1', 'networks': 'none',
                       'availability_zone': 'nova:%s' % host}}
    created = cloud.api('POST', '/servers', version='2.37', json=body)
    assert created.status_code == 202, created.text
    server_id = created.json()['server']['id']
    shown = test_servers._wait_status(cloud, server_id)
    assert shown['status'] == 'ACTIVE', shown
    assert shown['OS-EXT-SRV-ATTR:host'] == host
    return server_id


@pytest.fixture(scope='module')
def server(cloud):
    return _boot(cloud)


def _console_url(cloud, server_id):
    response = cloud.api('POST', '/servers/%s/remote-consoles' % server_id,
                         version='2.6', json=NOVNC)
    assert response.status_code == 200, response.text
    test_servers._validate(v26.get_remote_consoles, response)
    return response.json()['remote_console']['url']


def _token(url):
    """The token inside a console URL."""
    path = parse.parse_qs(parse.urlsplit(url).query)['path'][0]
    return parse.parse_qs(path.lstrip('?'))['token'][0]


def _refused(cloud, vnc_server, url, **kwargs):
    """The proxy closes the console with 1008 and the VNC server sees
    no connection."""
    before = vnc_server.connections
    ws = vnc.connect(url, **kwargs)
    try:
        assert vnc.close_code(ws) == 1008
    finally:
        ws.close()
    assert vnc_server.connections == before


def test_remote_console_url_and_the_stored_hash(cloud, server):
    url = _console_url(cloud, server)
    token = _token(url)
    assert url == '%s?path=%%3Ftoken%%3D%s' % (cloud.base_url, token)
    with engines.reader(cloud.cell_url) as session:
        rows = session.execute(sa.select(
            main.ConsoleAuthToken.token_hash,
            main.ConsoleAuthToken.console_type,
            main.ConsoleAuthToken.port,
            main.ConsoleAuthToken.access_url_base).where(
            main.ConsoleAuthToken.instance_uuid == server)).all()
    stored = {row.token_hash: row for row in rows}
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert digest in stored
    assert token not in {row.token_hash for row in rows}
    assert stored[digest].console_type == 'novnc'
    assert stored[digest].access_url_base == cloud.base_url


def test_legacy_get_vnc_console(cloud, server):
    response = cloud.api('POST', '/servers/%s/action' % server,
                         version='2.5', json={'os-getVNCConsole': {
                             'type': 'novnc'}})
    test_servers._validate(v21.get_vnc_console, response)
    assert response.json()['console']['type'] == 'novnc'
    gone = cloud.api('POST', '/servers/%s/action' % server, version='2.6',
                     json={'os-getVNCConsole': {'type': 'novnc'}})
    assert gone.status_code == 404


@pytest.mark.parametrize('protocol, console_type, message', [
    ('spice', 'spice-html5', 'Unavailable console type spice-html5.'),
    ('serial', 'serial', 'Unavailable console type serial.'),
    ('rdp', 'rdp-html5', 'Unavailable console type rdp-html5.'),
    ('vnc', 'spice-html5', 'Invalid console type spice-html5'),
    ('vnc', 'xvpvnc', 'Invalid console type xvpvnc'),
])
def test_unavailable_consoles_are_400(cloud, server, protocol, console_type,
                                      message):
    response = cloud.api('POST', '/servers/%s/remote-consoles' % server,
                         version='2.8', json={'remote_console': {
                             'protocol': protocol, 'type': console_type}})
    assert response.status_code == 400, response.text
    assert response.json()['badRequest']['message'] == message


def test_unknown_protocol_is_400(cloud, server):
    response = cloud.api('POST', '/servers/%s/remote-consoles' % server,
                         version='2.6', json={'remote_console': {
                             'protocol': 'mks', 'type': 'webmks'}})
    assert response.status_code == 400
    assert 'protocol' in response.json()['badRequest']['message']


def test_console_of_a_stopped_server_is_409(cloud):
    server_id = _boot(cloud)
    stop = cloud.api('POST', '/servers/%s/action' % server_id,
                     json={'os-stop': None})
    assert stop.status_code == 202
    test_servers._wait_status(cloud, server_id, statuses=('SHUTOFF',))
    response = cloud.api('POST', '/servers/%s/remote-consoles' % server_id,
                         version='2.6', json=NOVNC)
    assert response.status_code == 409
    assert response.json()['conflictingRequest']['message'] == (
        "Cannot 'get_vnc_console' instance %s while it is in vm_state "
        "stopped" % server_id)


def test_console_auth_tokens(cloud, server, vnc_server):
    token = _token(_console_url(cloud, server))
    shown = cloud.api('GET', '/os-console-auth-tokens/%s' % token,
                      version='2.99')
    test_servers._validate(v299.console_auth_tokens, shown)
    assert shown.json()['console'] == {
        'instance_uuid': server, 'host': '127.0.0.1',
        'port': vnc_server.port, 'internal_access_path': None,
        'tls_port': None}
    assert cloud.api('GET', '/os-console-auth-tokens/%s' % token,
                     version='2.30').status_code == 401
    assert cloud.api('GET', '/os-console-auth-tokens/nope',
                     version='2.31').status_code == 404
    assert cloud.api('GET', '/os-console-auth-tokens/%s' % token,
                     token=MEMBER).status_code == 403


def test_console_through_the_proxy(cloud, server, vnc_server):
    url = _console_url(cloud, server)
    before = vnc_server.connections
    assert vnc.desktop_name(url) == DESKTOP
    # A browser's Origin: the proxy's own host.
    assert vnc.desktop_name(url, origin='http://127.0.0.1:%d'
                            % cloud.novnc_port) == DESKTOP
    assert vnc_server.connections == before + 2


def test_proxy_serves_novnc(cloud):
    page = requests.get(cloud.base_url, timeout=30)
    assert page.status_code == 200
    assert 'noVNC' in page.text


def test_missing_token_is_refused(cloud, vnc_server):
    _refused(cloud, vnc_server, None,
             ws_url='ws://127.0.0.1:%d/' % cloud.novnc_port)


def test_wrong_token_is_refused(cloud, vnc_server):
    _refused(cloud, vnc_server, '%s?path=%%3Ftoken%%3Dnot-a-token'
             % cloud.base_url)


def test_wrong_origin_is_refused(cloud, server, vnc_server):
    url = _console_url(cloud, server)
    _refused(cloud, vnc_server, url, origin='http://evil.example.com')
    _refused(cloud, vnc_server, url, origin='https://127.0.0.1:%d'
             % cloud.novnc_port)


def test_expired_token_is_refused(cloud, vnc_server):
    url = _console_url(cloud, _boot(cloud, host='shortttl'))
    time.sleep(SHORT_TTL + 1)
    _refused(cloud, vnc_server, url)


def test_token_of_a_deleted_server_is_refused(cloud, vnc_server):
    server_id = _boot(cloud)
    url = _console_url(cloud, server_id)
    assert cloud.api('DELETE', '/servers/%s' % server_id).status_code == 204

    def gone():
        """the server deleted"""
        return cloud.api('GET', '/servers/%s' % server_id).status_code == 404
    cloud.wait_for(gone, timeout=60)
    with engines.reader(cloud.cell_url) as session:
        assert session.scalar(sa.select(sa.func.count()).where(
            main.ConsoleAuthToken.instance_uuid == server_id)) == 0
    _refused(cloud, vnc_server, url)


def test_vnc_server_closing_ends_the_console_only(cloud, server,
                                                  vnc_server):
    url = _console_url(cloud, server)
    ws = vnc.connect(url)
    try:
        assert vnc.Console(ws).handshake() == DESKTOP
        vnc_server.drop_all()
        assert vnc.close_code(ws) == 1000
    finally:
        ws.close()
    assert vnc.desktop_name(url) == DESKTOP
