"""common.rpc on oslo.messaging's in-memory driver: the context travels."""

import oslo_messaging as messaging
import pytest

from common import conf
from common import context
from common import exception
from common import rpc


class _Endpoint:
    target = messaging.Target(version='1.0')

    def whoami(self, ctxt, greeting):
        return {'greeting': greeting, 'request_id': ctxt.request_id,
                'global_request_id': ctxt.global_request_id,
                'user_id': ctxt.user_id, 'roles': ctxt.roles,
                'is_admin': ctxt.is_admin}

    def fail(self, ctxt):
        raise exception.CellMappingNotFound(uuid='abc')


@pytest.fixture
def server():
    conf.CONF.set_override('transport_url', 'fake:/')
    target = messaging.Target(topic='test', server='host1')
    srv = rpc.get_server(target, [_Endpoint()])
    srv.start()
    yield
    srv.stop()
    srv.wait()
    rpc.cleanup()
    conf.CONF.clear_override('transport_url')


def _client():
    return rpc.get_client(messaging.Target(topic='test', server='host1',
                                           version='1.0'))


def test_call_carries_the_request_context(server):
    ctxt = context.RequestContext(user_id='u1', project_id='p1',
                                  roles=['member'],
                                  global_request_id='req-global')
    reply = _client().prepare(timeout=10).call(ctxt, 'whoami',
                                               greeting='hi')
    assert reply == {'greeting': 'hi', 'request_id': ctxt.request_id,
                     'global_request_id': 'req-global', 'user_id': 'u1',
                     'roles': ['member'], 'is_admin': False}


def test_our_exceptions_cross_the_wire(server):
    with pytest.raises(exception.CellMappingNotFound) as err:
        _client().prepare(timeout=10).call(context.get_admin_context(),
                                           'fail')
    assert 'abc' in str(err.value)


def test_version_cap_refuses_newer_messages(server):
    client = rpc.get_client(messaging.Target(topic='test', server='host1'),
                            version_cap='1.0')
    assert not client.can_send_version('1.1')
    assert client.can_send_version('1.0')
