"""ComputeAPI against a ComputeManager over oslo.messaging's in-memory
driver: a call reaches the host it names."""

import oslo_messaging as messaging
import pytest

from common import conf
from common import context
from common import rpc
from nova_compute import manager
from nova_compute import rpcapi
from nova_compute.virt import fake

CONF = conf.CONF


@pytest.fixture(autouse=True)
def _reset_conf():
    yield
    CONF.reset()


@pytest.fixture
def computes(monkeypatch):
    # The in-memory transport is handed to common.rpc directly: an
    # override of transport_url, even cleared, would leave nova-manage's
    # tests believing nova.conf sets it (oslo.config keeps its location).
    transport = messaging.get_rpc_transport(
        CONF, url='fake:/', allowed_remote_exmods=rpc.ALLOWED_EXMODS)
    monkeypatch.setattr(rpc, '_TRANSPORT', transport)
    servers = []
    for host in ('compute1', 'compute2'):
        drv = fake.FakeDriver()
        drv.get_host_uptime = lambda host=host: 'uptime of %s' % host
        compute = manager.ComputeManager(host, drv, conductor=None)
        server = rpc.get_server(
            messaging.Target(topic=rpcapi.TOPIC, server=host), [compute])
        server.start()
        servers.append(server)
    yield
    for server in servers:
        server.stop()
    for server in servers:
        server.wait()
    transport.cleanup()


def test_get_host_uptime_asks_the_named_host(computes):
    api = rpcapi.ComputeAPI()
    ctxt = context.get_admin_context()
    assert api.get_host_uptime(ctxt, 'compute2') == 'uptime of compute2'
    assert api.get_host_uptime(ctxt, 'compute1') == 'uptime of compute1'


def test_auto_version_cap_is_no_cap():
    CONF.set_override('compute', 'auto', 'upgrade_levels')
    assert rpcapi._version_cap() is None
