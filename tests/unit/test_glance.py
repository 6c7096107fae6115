"""common.glance against a real Glance (tests/glance_fixture.py).

The client is what nova-api trusts for an image's metadata and what
nova-compute trusts for its bytes: these tests check Glance's answers
arrive whole, and its refusals and failures as Nova's exceptions.
"""

import datetime
import hashlib
import http.server
import os
import socket
import threading

from oslo_config import fixture as config_fixture
import pytest

from common import conf
from common import context
from common import exception
from common import glance as glance_client

CONF = conf.CONF
MEMBER = 'demo'
ADMIN = 'admin'
PROPERTIES = {'hw_disk_bus': 'scsi', 'os_distro': 'cirros',
              'img_config_drive': 'mandatory'}


def _context(user=MEMBER, project=MEMBER, **kwargs):
    """A request's context as nova-api's noauth2 makes it."""
    return context.RequestContext(user_id=user, project_id=project,
                                  auth_token='%s:%s' % (user, project),
                                  **kwargs)


@pytest.fixture
def config():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.fixture
def client(glance, config):
    """The client, pointed at the Glance fixture by api_servers."""
    config.config(group='glance', api_servers=[glance.url], num_retries=0)
    return glance_client.API()


def _closed_port():
    """A loopback port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_get_active_image(glance, client):
    data = b'x' * 4096
    image = glance.create_image('cirros', data=data, disk_format='raw',
                                min_ram=128, min_disk=2,
                                properties=PROPERTIES)
    got = client.get(_context(), image['id'])
    created = datetime.datetime.strptime(image['created_at'],
                                         '%Y-%m-%dT%H:%M:%SZ')
    assert got == {
        'id': image['id'], 'name': 'cirros', 'status': 'active',
        'disk_format': 'raw', 'container_format': 'bare',
        'min_ram': 128, 'min_disk': 2, 'size': 4096,
        'checksum': hashlib.md5(data).hexdigest(), 'owner': 'admin',
        'visibility': 'public', 'created_at': created,
        'updated_at': got['updated_at'], 'properties': PROPERTIES}
    assert got['updated_at'] >= created
    assert got['updated_at'].tzinfo is None


def test_get_queued_image(glance, client):
    image = glance.create_image('empty', upload=False)
    got = client.get(_context(), image['id'])
    assert (got['status'], got['size'], got['checksum']) == (
        'queued', 0, None)
    assert (got['min_ram'], got['min_disk'], got['properties']) == (0, 0, {})


def test_get_deactivated_image(glance, client):
    image = glance.create_image('old')
    glance.deactivate(image['id'])
    assert client.get(_context(), image['id'])['status'] == 'deactivated'


def test_private_image_of_another_project_is_not_found(glance, client):
    image = glance.create_image('secret', visibility='private',
                                project='other')
    with pytest.raises(exception.ImageNotFound):
        client.get(_context(), image['id'])
    owner = _context(project='other')
    assert client.get(owner, image['id'])['owner'] == 'other'


def test_get_missing_image(glance, client):
    image = glance.create_image('gone')
    glance.delete_image(image['id'])
    with pytest.raises(exception.ImageNotFound) as raised:
        client.get(_context(), image['id'])
    assert raised.value.code == 404
    assert image['id'] in raised.value.format_message()


@pytest.mark.parametrize('image_id', ['not-a-uuid', '', '../schemas/image',
                                      '1234'])
def test_get_malformed_id(client, image_id):
    with pytest.raises(exception.ImageNotFound):
        client.get(_context(), image_id)


def test_download_bytes_equal(glance, client, tmp_path):
    # Several chunks, the last one short.
    data = os.urandom(3 * glance_client.CHUNK_SIZE + 1000)
    image = glance.create_image('big', data=data)
    dst = tmp_path / 'disk'
    client.download(_context(), image['id'], str(dst))
    assert dst.read_bytes() == data


def test_download_without_data(glance, client, tmp_path):
    image = glance.create_image('empty', upload=False)
    dst = tmp_path / 'disk'
    with pytest.raises(exception.ImageUnacceptable,
                       match='no associated data'):
        client.download(_context(), image['id'], str(dst))
    assert not dst.exists()


def test_download_of_deactivated_image_is_for_admins(glance, client,
                                                     tmp_path):
    image = glance.create_image('old', data=b'old bytes')
    glance.deactivate(image['id'])
    dst = tmp_path / 'disk'
    with pytest.raises(exception.ImageNotAuthorized) as raised:
        client.download(_context(), image['id'], str(dst))
    assert raised.value.code == 403
    assert not dst.exists()
    client.download(_context(ADMIN, ADMIN), image['id'], str(dst))
    assert dst.read_bytes() == b'old bytes'


def test_download_missing_image(client, tmp_path):
    with pytest.raises(exception.ImageNotFound):
        client.download(_context(), '7b5e8a43-5b3d-4e4b-9d3c-2a7f0c1d2e3f',
                        str(tmp_path / 'disk'))


def test_create_and_upload(client):
    ctxt = _context()
    image = client.create(ctxt, {
        'name': 'snap', 'disk_format': 'qcow2', 'container_format': 'bare',
        'min_disk': 1, 'visibility': 'private',
        'properties': {'image_type': 'snapshot'}})
    assert (image['status'], image['owner'], image['properties']) == (
        'queued', MEMBER, {'image_type': 'snapshot'})
    client.upload(ctxt, image['id'], iter([b'snap', b'shot']))
    got = client.get(ctxt, image['id'])
    assert (got['status'], got['size'], got['min_disk']) == ('active', 8, 1)


def test_create_refused_by_glance(client):
    with pytest.raises(exception.ImageBadRequest,
                       match="BadRequest response: .*'floppy' is not one of"):
        client.create(_context(), {'name': 'bad', 'disk_format': 'floppy',
                                   'container_format': 'bare'})


def test_upload_to_an_active_image(glance, client):
    image = glance.create_image('cirros', project=MEMBER)
    with pytest.raises(exception.NovaException,
                       match='409 Image status transition from active'):
        client.upload(_context(), image['id'], b'again')


def test_unreachable_endpoint(client, config):
    port = _closed_port()
    config.config(group='glance', api_servers=['http://127.0.0.1:%d' % port])
    with pytest.raises(exception.GlanceConnectionFailed) as raised:
        client.get(_context(), '7b5e8a43-5b3d-4e4b-9d3c-2a7f0c1d2e3f')
    assert raised.value.code == 503
    assert '127.0.0.1:%d' % port in raised.value.format_message()


def test_fails_over_to_the_next_api_server(glance, client, config):
    """Whichever server comes first, each call ends on the live one."""
    image = glance.create_image('cirros')
    dead = 'http://127.0.0.1:%d' % _closed_port()
    config.config(group='glance', api_servers=[dead, glance.url],
                  num_retries=1)
    for _ in range(2):
        assert client.get(_context(), image['id'])['id'] == image['id']


def test_every_api_server_down(client, config):
    servers = ['http://127.0.0.1:%d' % _closed_port() for _ in range(2)]
    config.config(group='glance', api_servers=servers, num_retries=1)
    with pytest.raises(exception.GlanceConnectionFailed):
        client.get(_context(), '7b5e8a43-5b3d-4e4b-9d3c-2a7f0c1d2e3f')


class _Unavailable(http.server.BaseHTTPRequestHandler):
    """An image service behind a proxy that has lost its backends."""

    def do_GET(self):
        self.send_error(503)

    def log_message(self, *args):
        pass


@pytest.fixture
def unavailable():
    server = http.server.HTTPServer(('127.0.0.1', 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                              daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % server.server_port
    server.shutdown()
    server.server_close()


def test_503_is_retried_elsewhere(glance, client, config, unavailable):
    image = glance.create_image('cirros')
    config.config(group='glance', api_servers=[unavailable, glance.url],
                  num_retries=1)
    for _ in range(2):
        assert client.get(_context(), image['id'])['id'] == image['id']
    config.config(group='glance', api_servers=[unavailable], num_retries=0)
    with pytest.raises(exception.GlanceConnectionFailed, match='503'):
        client.get(_context(), image['id'])


def test_versioned_api_server(glance, client, config):
    image = glance.create_image('cirros')
    config.config(group='glance', api_servers=[glance.url + '/v2/'])
    assert client.get(_context(), image['id'])['name'] == 'cirros'


def _catalog(url, interface='public'):
    """The catalog as keystonemiddleware hands it on (v2 form)."""
    return [{'type': 'image', 'name': 'glance', 'endpoints': [
        {'region': 'RegionOne', interface + 'URL': url}]}]


def test_endpoint_from_the_service_catalog(glance, client, config):
    image = glance.create_image('cirros')
    config.config(group='glance', api_servers=None)
    ctxt = _context()
    ctxt.service_catalog = _catalog(glance.url)
    assert client.get(ctxt, image['id'])['id'] == image['id']


def test_catalog_without_a_valid_interface(glance, client, config):
    config.config(group='glance', api_servers=None,
                  valid_interfaces=['internal'])
    ctxt = _context()
    ctxt.service_catalog = _catalog(glance.url, 'admin')
    with pytest.raises(exception.GlanceConnectionFailed):
        client.get(ctxt, '7b5e8a43-5b3d-4e4b-9d3c-2a7f0c1d2e3f')


def test_endpoint_override_beats_the_catalog(glance, client, config):
    image = glance.create_image('cirros')
    config.config(group='glance', api_servers=None,
                  endpoint_override=glance.url)
    ctxt = _context()
    ctxt.service_catalog = _catalog('http://127.0.0.1:%d' % _closed_port())
    assert client.get(ctxt, image['id'])['id'] == image['id']


def test_no_endpoint_at_all(client, config):
    config.config(group='glance', api_servers=None)
    with pytest.raises(exception.GlanceConnectionFailed,
                       match='service catalog'):
        client.get(_context(), '7b5e8a43-5b3d-4e4b-9d3c-2a7f0c1d2e3f')
