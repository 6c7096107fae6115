"""nova-api in-process: SQLite databases, the fake RPC transport and a
real ConductorManager serving it, requests made with webob.

The schemas are migrated once per session and copied for each test.
"""

import shutil
import threading
import uuid

import jsonschema
from oslo_config import fixture as config_fixture
import oslo_messaging as messaging
from oslo_serialization import jsonutils
from oslo_utils import timeutils
import pytest
from tempest.lib.common import jsonschema_validator
import webob

from common import conf
from common import rpc
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from common.db import mappings
from common.db import migration
from nova_api import api_version
from nova_api import app
from nova_conductor import manager as conductor_manager
from nova_conductor import rpcapi as conductor_rpcapi
from tests import fixtures

CONF = conf.CONF
ADMIN = 'admin:admin'
LATEST = api_version.MAX_VERSION
MEMBER = 'demo:demo'
DATABASES = {'api': migration.API, 'cell0': migration.MAIN,
             'cell1': migration.MAIN, 'cell2': migration.MAIN}


@pytest.fixture(scope='session')
def schemas(tmp_path_factory):
    """Migrated, empty SQLite files to copy from."""
    directory = tmp_path_factory.mktemp('schemas')
    for name, database in DATABASES.items():
        url = 'sqlite:///%s' % (directory / ('%s.db' % name))
        migration.db_sync(url, database)
        engines.get_engine(url).dispose()
    return directory


class Cloud:
    """Databases of one API and two cells, nova.conf options, and the
    requests a client makes."""

    def __init__(self, directory, schemas):
        self.urls = {}
        for name in DATABASES:
            path = directory / ('%s.db' % name)
            shutil.copy(schemas / ('%s.db' % name), path)
            self.urls[name] = 'sqlite:///%s' % path
        self.api_url = self.urls['api']
        self.cells = {
            'cell0': mappings.create_cell(
                self.api_url, 'cell0', mappings.CELL0_TRANSPORT_URL,
                self.urls['cell0'], cell_uuid=mappings.CELL0_UUID),
            'cell1': mappings.create_cell(self.api_url, 'cell1', 'fake:/',
                                          self.urls['cell1']),
        }
        self.app = None

    def add_cell2(self):
        self.cells['cell2'] = mappings.create_cell(
            self.api_url, 'cell2', 'fake:/cell2', self.urls['cell2'])
        return self.cells['cell2']

    def add_service(self, host, binary='nova-compute', cell='cell1',
                    **values):
        """A services row as the conductor registers it."""
        now = timeutils.utcnow()
        row = dict(uuid=str(uuid.uuid4()), host=host, binary=binary,
                   topic='compute' if binary == 'nova-compute' else None,
                   report_count=1, disabled=False, forced_down=False,
                   last_seen_up=now, updated_at=now, version=1)
        row.update(values)
        with engines.writer(self.cells[cell].database_connection) as s:
            service = main.Service(**row)
            s.add(service)
            s.flush()
            return service.to_dict()

    def add_compute(self, host, cell='cell1', nodes=1, mapped=True,
                    **service_values):
        """A nova-compute with its nodes, mapped to its cell."""
        service = self.add_service(host, cell=cell, **service_values)
        url = self.cells[cell].database_connection
        with engines.writer(url) as session:
            for i in range(nodes):
                name = host if nodes == 1 else '%s-%d' % (host, i)
                session.add(main.ComputeNode(
                    uuid=str(uuid.uuid4()), service_id=service['id'],
                    host=host, hypervisor_hostname=name, vcpus=8,
                    memory_mb=16384, local_gb=100, vcpus_used=1,
                    memory_mb_used=512, local_gb_used=1, free_ram_mb=15872,
                    free_disk_gb=99, current_workload=0, running_vms=1,
                    disk_available_least=90, hypervisor_type='fake',
                    hypervisor_version=1000, host_ip='192.0.2.10',
                    cpu_info='{"arch": "x86_64", "model": "Nehalem"}',
                    mapped=1 if mapped else 0))
        if mapped:
            with engines.writer(self.api_url) as session:
                session.add(api.HostMapping(host=host,
                                            cell_id=self.cells[cell].id))
        return service

    def nodes(self, cell='cell1', deleted=False):
        with engines.reader(self.cells[cell].database_connection) as s:
            query = s.query(main.ComputeNode).order_by(main.ComputeNode.id)
            if not deleted:
                query = query.filter(main.ComputeNode.deleted == 0)
            return [n.to_dict() for n in query]

    def service(self, service_id, cell='cell1'):
        with engines.reader(self.cells[cell].database_connection) as s:
            return s.get(main.Service, service_id).to_dict()

    def add_instance(self, host, cell='cell1'):
        return fixtures.add_instance(self.cells[cell].database_connection,
                                     host)

    def request(self, path, method='GET', token=ADMIN, version=None,
                body=None, headers=None, data=None):
        """A response of the API to one request."""
        if self.app is None:
            self.app = app.build_app()
        req = webob.Request.blank(path, method=method)
        if token:
            req.headers['X-Auth-Token'] = token
        if version:
            req.headers['OpenStack-API-Version'] = 'compute %s' % version
        if body is not None:
            req.json_body = body
        if data is not None:
            req.body = data
        req.headers.update(headers or {})
        return req.get_response(self.app)



@pytest.fixture
def config():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.fixture
def fake_transport():
    """oslo.messaging's in-memory driver as the process's transport.

    Installed directly rather than through ``transport_url``: oslo.config
    remembers an overridden option as set even after the override is
    cleared, which nova-manage's tests would then see.
    """
    rpc.cleanup()
    rpc._TRANSPORT = messaging.get_rpc_transport(
        CONF, url='fake:/', allowed_remote_exmods=rpc.ALLOWED_EXMODS)
    yield
    rpc.cleanup()


@pytest.fixture
def cloud(tmp_path, schemas, config, fake_transport):
    config.config(rpc_response_timeout=5)
    config.config(auth_strategy='noauth2', group='api')
    config.config(connection='sqlite:///%s' % (tmp_path / 'api.db'),
                  group='api_database')
    config.config(connection='sqlite:///%s' % (tmp_path / 'cell1.db'),
                  group='database')
    yield Cloud(tmp_path, schemas)
    engines.dispose_all()


class OverTheWire:
    """An endpoint whose replies come back as RabbitMQ delivers them:
    through JSON (dates become strings), which the fake driver skips."""

    def __init__(self, endpoint):
        self.target = endpoint.target
        self._endpoint = endpoint

    def __getattr__(self, name):
        method = getattr(self._endpoint, name)

        def call(*args, **kwargs):
            return jsonutils.loads(jsonutils.dumps(method(*args, **kwargs)))
        return call


@pytest.fixture
def conductor(cloud):
    """A real ConductorManager on the fake transport, in this process."""
    target = messaging.Target(topic=conductor_rpcapi.TOPIC, server='ctl')
    server = rpc.get_server(
        target, [OverTheWire(conductor_manager.ConductorManager())])
    server.start()
    yield server
    server.stop()
    server.wait()


class FakeCompute:
    """The compute endpoint of one host: answers get_host_uptime."""

    target = messaging.Target(version='1.0')

    def __init__(self):
        self.answer = ' 08:32:11 up 93 days, 18:25,  1 user'
        self.called = threading.Event()

    def get_host_uptime(self, ctxt):
        self.called.set()
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def compute_host(cloud):
    """Factory: serve a FakeCompute as nova-compute on ``host``."""
    servers = []

    def start(host):
        endpoint = FakeCompute()
        server = rpc.get_server(messaging.Target(topic='compute',
                                                 server=host), [endpoint])
        server.start()
        servers.append(server)
        return endpoint

    yield start
    for server in servers:
        server.stop()
        server.wait()


def assert_schema(schema, response):
    """What Tempest checks of a response: status and body schema."""
    assert response.status_int in schema['status_code'], response.text
    jsonschema.validate(response.json, schema['response_body'],
                        cls=jsonschema_validator.JSONSCHEMA_VALIDATOR,
                        format_checker=jsonschema_validator.FORMAT_CHECKER)


def assert_fault(response, status, key, message=None):
    """Nova's error body: ``{key: {code, message}}`` in JSON."""
    assert response.status_int == status, response.text
    assert response.content_type == 'application/json'
    assert list(response.json) == [key]
    assert response.json[key]['code'] == status
    if message is not None:
        assert response.json[key]['message'] == message
    return response.json[key]['message']
