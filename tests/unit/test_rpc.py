"""common.rpc on oslo.messaging's in-memory driver: the context travels."""

import threading
import time

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


class _Sleeper:
    target = messaging.Target(version='1.0')

    def __init__(self):
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def nap(self, ctxt, seconds):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(seconds)
        with self.lock:
            self.running -= 1


@pytest.fixture
def sleeper():
    conf.CONF.set_override('transport_url', 'fake:/')
    endpoint = _Sleeper()
    srv = rpc.get_server(messaging.Target(topic='test', server='host1'),
                         [endpoint])
    srv.start()
    yield srv, endpoint
    srv.stop()
    srv.wait()
    rpc.cleanup()
    conf.CONF.clear_override('transport_url')


def test_sequential_messages_reuse_a_thread(sleeper):
    """oslo.messaging's default pool started one thread per message up
    to 64 and kept them; ours starts threads only while others are
    busy."""
    srv, _endpoint = sleeper
    client = _client().prepare(timeout=10)
    for _ in range(20):
        client.call(context.get_admin_context(), 'nap', seconds=0)
    assert srv._work_executor.num_workers <= 2


def test_concurrent_messages_still_run_in_parallel(sleeper):
    srv, endpoint = sleeper
    client = _client().prepare(timeout=30)
    callers = [threading.Thread(target=client.call,
                                args=(context.get_admin_context(), 'nap'),
                                kwargs={'seconds': 1}) for _ in range(10)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    # Ten one-second naps: serialised they would never overlap.
    assert endpoint.most >= 5
    assert (srv._work_executor.num_workers <=
            conf.CONF.executor_thread_pool_size)
