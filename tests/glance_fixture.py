"""The ``glance`` fixture: one real Glance (image API v2) per session.

nova-api reads image metadata from Glance and nova-compute downloads
images from it; a fake image service would only prove that we agree
with ourselves.  Glance 33 runs from its own virtualenv
(``tools/lib.sh``'s ``glance_env`` makes ``.venv-glance``) under
gunicorn on a free loopback port, with a SQLite database and the file
store in a temporary folder: nothing outlives the test session.
``tests/conftest.py`` registers the fixture, so any test may ask for
it::

    def test_boot_from_image(glance, ...):
        image = glance.create_image('cirros', min_ram=64,
                                    properties={'hw_disk_bus': 'scsi'})
        ...[glance] api_servers = glance.url (see nova_conf())...
        queued = glance.create_image('empty', upload=False)

Tokens: Glance sits behind ``tests/glance_noauth.py``, which reads
``user:project`` tokens as our noauth2 does (the user ``admin`` is an
administrator), so the token nova-api forwards gives Glance the
caller's real project.  The helpers act as ``admin`` in ``project``
(default ``admin``), which therefore owns the images they create.

Every test of the session shares this Glance: a test creates the images
it needs (each gets a fresh id) and must not assert on the whole image
list.
"""

import pathlib
import shutil

import pytest
import requests

from tests import gunicorn_service

VENV = gunicorn_service.venv_path('NOVA_GLANCE_VENV', '.venv-glance')
ADMIN_PROJECT = 'admin'
# Tests need bytes, not a bootable disk.
DEFAULT_DATA = b'novaclone test image\n'

CONF_TEMPLATE = '''\
[DEFAULT]
log_file = {dir}/glance.log
enabled_backends = fs:file

[database]
connection = sqlite:///{dir}/glance.sqlite

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = {dir}/images

[os_glance_staging_store]
filesystem_store_datadir = {dir}/staging

[os_glance_tasks_store]
filesystem_store_datadir = {dir}/tasks

[image_format]
# Glance inspects uploads and refuses a qcow2 image whose bytes are not
# qcow2: tests upload a few bytes in any disk_format.
require_image_format_match = false

[paste_deploy]
# No flavor: the pipeline glance-api below, without keystonemiddleware.
config_file = {dir}/glance-api-paste.ini
'''

# Glance's own pipeline for Keystone, with glance_noauth standing for
# keystonemiddleware's auth_token (and no CORS, proxy or profiler).
PASTE_INI = '''\
[pipeline:glance-api]
pipeline = versionnegotiation noauth context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:versionnegotiation]
paste.filter_factory = \
glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:noauth]
paste.filter_factory = glance_noauth:filter_factory

[filter:context]
paste.filter_factory = \
glance.api.middleware.context:ContextMiddleware.factory
'''


class GlanceError(gunicorn_service.ServiceError):
    """Glance did not start, or refused a helper's request."""


class Glance:
    """One Glance: configuration, database, file store and a gunicorn.

    One worker process with threads: a single import of Glance (the
    bulk of the start-up time) and keep-alive connections, which
    gunicorn's sync workers do not offer.
    """

    def __init__(self, workdir, venv=VENV, threads=4):
        self.workdir = pathlib.Path(workdir)
        self.venv = pathlib.Path(venv)
        self.port = None
        self.server = gunicorn_service.GunicornService(
            'glance', venv, workdir, 'glance.wsgi.api',
            env={'OS_GLANCE_CONFIG_DIR': str(self.workdir)},
            log_files=['glance.log'], threads=threads)
        self.http = requests.Session()

    @property
    def url(self):
        """The endpoint, as the catalog or [glance] api_servers hold it."""
        return 'http://127.0.0.1:%d' % self.port

    def start(self):
        """Set Glance up and serve it; stop it on failure."""
        if not (self.venv / 'bin' / 'glance-manage').exists():
            raise GlanceError(
                'no Glance in %s: run tools/run-tests.sh (or, in bash, '
                '". tools/lib.sh; glance_env")' % self.venv)
        try:
            with gunicorn_service.listening_socket() as sock:
                self.port = sock.getsockname()[1]
                self._write_config()
                # The worker imports Glance (seconds) during db_sync: it
                # touches the database only when asked.
                sync = gunicorn_service.start_command(
                    self.server.bin('glance-manage'), '--config-file',
                    self.workdir / 'glance-api.conf', 'db_sync')
                self.server.serve(sock)
            gunicorn_service.check_command(sync)
            self.server.wait_ready(self.url + '/versions')
        except BaseException as e:
            self.stop()
            if isinstance(e, gunicorn_service.ServiceError):
                raise
            raise GlanceError('%s\n%s' % (e, self.logs())) from e
        return self

    def _write_config(self):
        for store in ('images', 'staging', 'tasks'):
            (self.workdir / store).mkdir()
        (self.workdir / 'glance-api.conf').write_text(
            CONF_TEMPLATE.format(dir=self.workdir))
        (self.workdir / 'glance-api-paste.ini').write_text(PASTE_INI)
        shutil.copy(gunicorn_service.TOP / 'tests' / 'glance_noauth.py',
                    self.workdir)

    def stop(self):
        """Stop gunicorn; the database and the images stay."""
        self.http.close()
        self.server.stop()

    def logs(self, lines=40):
        """The tails of Glance's logs, to explain a failure."""
        return self.server.logs(lines)

    # What tests use.

    def nova_conf(self):
        """The [glance] section's text pointing nova.conf here."""
        return '[glance]\napi_servers = %s\n' % self.url

    def request(self, method, path, project=ADMIN_PROJECT, **kwargs):
        """One request to /v2``path`` as the admin of ``project``.

        Fails on any error status: the tests want to know at once.
        """
        headers = dict(kwargs.pop('headers', {}),
                       **{'X-Auth-Token': 'admin:%s' % project})
        resp = self.http.request(method, self.url + '/v2' + path,
                                 headers=headers, timeout=30, **kwargs)
        if resp.status_code >= 400:
            raise GlanceError('%s %s: %s %s' % (
                method, path, resp.status_code, resp.text))
        return resp

    def create_image(self, name, data=DEFAULT_DATA, disk_format='qcow2',
                     container_format='bare', min_ram=0, min_disk=0,
                     visibility='public', properties=None, upload=True,
                     project=ADMIN_PROJECT):
        """A new image (Glance's JSON), owned by ``project``.

        ``properties`` join the body as they are (additional properties
        must be strings for Glance).  The image is 'active' once
        ``data`` is uploaded; with ``upload=False`` it stays 'queued'.
        """
        body = dict(properties or {}, name=name, disk_format=disk_format,
                    container_format=container_format, min_ram=min_ram,
                    min_disk=min_disk, visibility=visibility)
        image = self.request('POST', '/images', project, json=body).json()
        if upload:
            self.upload(image['id'], data, project)
            image = self.image(image['id'], project)
        return image

    def upload(self, image_id, data, project=ADMIN_PROJECT):
        """Store ``data`` as the image's bytes."""
        self.request('PUT', '/images/%s/file' % image_id, project, data=data,
                     headers={'Content-Type': 'application/octet-stream'})

    def image(self, image_id, project=ADMIN_PROJECT):
        """The image as Glance shows it now."""
        return self.request('GET', '/images/' + image_id, project).json()

    def delete_image(self, image_id):
        self.request('DELETE', '/images/' + image_id)

    def deactivate(self, image_id):
        """Status 'deactivated': only admins may download it."""
        self.request('POST', '/images/%s/actions/deactivate' % image_id)

    def reactivate(self, image_id):
        self.request('POST', '/images/%s/actions/reactivate' % image_id)


@pytest.fixture(scope='session')
def glance(tmp_path_factory):
    """A started ``Glance``, stopped when the session ends."""
    server = Glance(tmp_path_factory.mktemp('glance'))
    server.start()
    yield server
    server.stop()
