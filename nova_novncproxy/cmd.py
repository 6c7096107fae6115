"""nova-novncproxy: browser consoles of instances, on [vnc] port 6080.

It serves noVNC's pages and proxies their WebSocket to the guests' VNC
servers (nova_novncproxy.websocketproxy), after the conductor checked
each console token (conductor RPC 1.9): the proxy holds no database
connection, which spares it SQLAlchemy and PyMySQL (~25 MiB).  Like
every daemon it registers its service and heartbeats through the
conductor; it serves no RPC.
"""

import os
import sys
import threading

from oslo_log import log as logging

from common import conf as nova_conf
from common import config
from common import service
from nova_conductor import rpcapi as conductor_rpcapi
from nova_novncproxy import websocketproxy

BINARY = 'nova-novncproxy'
LOG = logging.getLogger(__name__)
# Where Debian's novnc package puts noVNC.  The option's own default is
# the SPICE proxy's directory, so this daemon sets its own, as Nova's
# does.
NOVNC_WEB = '/usr/share/novnc'


class ConsoleProxyManager:
    """No RPC topic and no periodic task: browsers are its only callers.

    ``Service`` needs a manager; this one has nothing to add.
    """


def main():
    nova_conf.CONF.set_default('web', NOVNC_WEB)
    conf = config.parse_args(sys.argv)
    if conf.ssl_only and not os.path.exists(conf.cert):
        LOG.error('SSL only and %s not found', conf.cert)
        return 1
    if not os.path.isdir(conf.web):
        LOG.warning('[DEFAULT] web %s is not a directory: consoles work, '
                    'but there is no noVNC page to serve', conf.web)
    host, port = conf.vnc.novncproxy_host, conf.vnc.novncproxy_port
    conductor = conductor_rpcapi.ConductorAPI()
    try:
        proxy = websocketproxy.ConsoleProxyServer(
            host, port, conf.web, conductor, ssl_context=_ssl_context(conf))
    except OSError as e:
        error = e.strerror or str(e)
    else:
        return _serve(conf, proxy, conductor)
    # Logged outside the except clause, where oslo.log would repeat it.
    LOG.error('Cannot listen on %s:%s: %s', host, port, error)
    return 1


def _ssl_context(conf):
    if not conf.ssl_only:
        return None
    return websocketproxy.ssl_context(conf.cert, conf.key)


def _serve(conf, proxy, conductor):
    thread = threading.Thread(target=proxy.serve_forever,
                                      name='novncproxy', daemon=True)
    thread.start()
    LOG.info('Serving consoles on %s:%s (noVNC from %s)',
             *proxy.server_address[:2], conf.web)
    try:
        service.serve([service.Service(
            conf.host, BINARY, None, ConsoleProxyManager(),
            reporter=conductor)])
    finally:
        proxy.shutdown()
        proxy.server_close()
    return 0
