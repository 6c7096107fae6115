"""nova-novncproxy: browser consoles of instances, on [vnc] port 6080.

For now it registers its service and heartbeats like every daemon, and
holds its port with a placeholder that answers 503; the websocket proxy
to the instances' VNC servers comes later.
"""

import sys

from oslo_log import log as logging

from common import config
from common import service
from nova_conductor import rpcapi as conductor_rpcapi
from nova_novncproxy import placeholder

BINARY = 'nova-novncproxy'
LOG = logging.getLogger(__name__)


class ConsoleProxyManager:
    """No RPC topic and no periodic task: browsers are its only callers.

    ``Service`` needs a manager; this one has nothing to add yet.
    """


def main():
    conf = config.parse_args(sys.argv)
    host, port = conf.vnc.novncproxy_host, conf.vnc.novncproxy_port
    try:
        proxy = placeholder.PlaceholderServer(host, port)
    except OSError as e:
        error = e.strerror
    else:
        return _serve(conf, proxy)
    # Logged outside the except clause, where oslo.log would repeat it.
    LOG.error('Cannot listen on %s:%s: %s', host, port, error)
    return 1


def _serve(conf, proxy):
    proxy.start()
    try:
        service.serve([service.Service(
            conf.host, BINARY, None, ConsoleProxyManager(),
            reporter=conductor_rpcapi.ConductorAPI())])
    finally:
        proxy.stop()
    return 0
