"""A real guest's console through nova-novncproxy.

The cloud of rest_cloud.py (real QEMU guests) plus nova-novncproxy on a
free port: a guest boots, the API gives its console URL, and a
WebSocket client goes through the proxy to QEMU's VNC server, does the
RFB handshake and reads the desktop name QEMU announces, which names
the domain (``instance-<uuid>``).

The computes of rest_cloud.py keep the default ``novncproxy_base_url``
(port 6080); the client takes the URL's ``path`` (the token) to the
proxy's real port, as noVNC would on the host the URL names.
"""

from urllib import parse

import pytest

from tests.functional import daemons
from tests.functional import vnc
from tests.integration import rest_cloud as rc

libvirt = pytest.importorskip('libvirt')
pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def novnc_port(cloud):
    port = daemons.free_port()
    novnc_conf = cloud.conf_file('novnc.conf', (
        '[vnc]\nnovncproxy_host = 127.0.0.1\nnovncproxy_port = %d\n')
        % port)
    cloud.start('nova-novncproxy', novnc_conf)
    cloud.wait_for(lambda: cloud.up().get(('nova-novncproxy', cloud.host)),
                   timeout=60)
    return port


def test_console_of_a_real_guest(cloud, guest, novnc_port):
    server_id, _shown, _to_active, _to_marker = rc.boot_active(
        cloud, 'console', guest['marker'])
    response = cloud.api('POST', '/servers/%s/remote-consoles' % server_id,
                         version='2.6', json={'remote_console': {
                             'protocol': 'vnc', 'type': 'novnc'}})
    assert response.status_code == 200, response.text
    url = parse.urlsplit(response.json()['remote_console']['url'])
    on_proxy = url._replace(netloc='127.0.0.1:%d' % novnc_port).geturl()
    name = vnc.desktop_name(on_proxy)
    assert 'instance-%s' % server_id in name, name
    rc.delete(cloud, server_id)
