"""RPC over RabbitMQ with oslo.messaging: transports, clients, servers.

Daemons never build oslo.messaging objects themselves: a caller's
``rpcapi.py`` asks ``get_client`` and a daemon's service asks
``get_server``, so the transport, the serializer that carries the
RequestContext and the threading executor (no eventlet) are chosen in
one place.
"""

import threading

import futurist
import oslo_messaging as messaging

from common import conf
from common import context as nova_context

CONF = conf.CONF

_TRANSPORT = None
_LOCK = threading.Lock()

# Exceptions raised by an RPC server method that the caller may see as
# themselves (their modules are re-imported on the caller's side).
ALLOWED_EXMODS = ['common.exception']


def get_transport():
    """The process's RPC transport for ``[DEFAULT] transport_url``."""
    global _TRANSPORT
    with _LOCK:
        if _TRANSPORT is None:
            _TRANSPORT = messaging.get_rpc_transport(
                CONF, allowed_remote_exmods=ALLOWED_EXMODS)
        return _TRANSPORT


def cleanup():
    """Close the transport (at exit, or between tests)."""
    global _TRANSPORT
    with _LOCK:
        if _TRANSPORT is not None:
            _TRANSPORT.cleanup()
            _TRANSPORT = None


class RequestContextSerializer(messaging.NoOpSerializer):
    """Carries the RequestContext across every call and cast."""

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return nova_context.RequestContext.from_dict(context)


def get_client(target, version_cap=None):
    """A client for ``target``, capped at ``version_cap`` if given.

    The cap comes from ``[upgrade_levels]`` in each rpcapi, so a newer
    caller never sends a message an older server cannot read.
    """
    return messaging.get_rpc_client(
        get_transport(), target, version_cap=version_cap,
        serializer=RequestContextSerializer())


def get_server(target, endpoints):
    """An RPC server dispatching to ``endpoints`` from a thread pool.

    oslo.messaging picks its threading executor because nothing here
    monkey-patches the standard library (no eventlet).  Its pool
    (futurist's ThreadPoolExecutor) starts a new thread for each message
    until it holds ``executor_thread_pool_size`` (64), keeps them all
    and wakes each one every second: a compute simulating ten hosts
    grew to 640 threads and 20 MiB more with nothing to do.  futurist's
    DynamicThreadPoolExecutor has the same limit but starts a thread
    only while most of its threads are busy and stops idle ones.
    oslo.messaging has no option to choose it, so the server's executor
    class is set here; tests/unit/test_rpc.py checks that it is used.
    """
    server = messaging.get_rpc_server(
        get_transport(), target, endpoints,
        serializer=RequestContextSerializer(),
        access_policy=messaging.DefaultRPCAccessPolicy)
    server._executor_cls = futurist.DynamicThreadPoolExecutor
    return server
