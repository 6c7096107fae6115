"""[DEFAULT] options of the console proxies (nova-novncproxy).

They sit in [DEFAULT] in Nova because the websocket proxy library reads
them there; the proxy's own address and port are in [vnc].
"""

from oslo_config import cfg

novnc_opts = [
    cfg.StrOpt(
        'record',
        help="""
File that receives a copy of every websocket frame the proxy relays,
for debugging. Unset (the default) records nothing; never leave it set
in production, the file holds keystrokes and screen contents.
"""),
    cfg.BoolOpt(
        'daemon',
        default=False,
        help="""
Detach the console proxy from the terminal and run it in the
background. Leave off under a service manager such as systemd.
"""),
    cfg.BoolOpt(
        'ssl_only',
        default=False,
        help="""
Refuse plain websocket connections: the proxy accepts only TLS, using
``cert`` and ``key``.
"""),
    cfg.BoolOpt(
        'source_is_ipv6',
        default=False,
        help='Set when the proxy\'s clients connect over IPv6.'),
    cfg.StrOpt(
        'cert',
        default='self.pem',
        help="""
Certificate file the proxy presents to browsers when serving TLS.
"""),
    cfg.StrOpt(
        'key',
        help="""
Private key of ``cert``, when it is not in the certificate file itself.
"""),
    cfg.StrOpt(
        'web',
        default='/usr/share/spice-html5',
        help="""
Directory of static web content (the HTML5 console client) the proxy
serves along with the websocket. Point it at the noVNC installation,
e.g. ``/usr/share/novnc``, when serving VNC consoles.
"""),
]


def register_opts(conf):
    conf.register_opts(novnc_opts)


def list_opts():
    return {'DEFAULT': novnc_opts}
