"""[vnc] options: VNC consoles of instances and the noVNC proxy.

nova-compute reads the server side (where guests' VNC servers listen);
nova-novncproxy and nova-api read the proxy side (where browsers
connect and which URL the API hands out).
"""

from oslo_config import cfg
from oslo_config import types

vnc_group = cfg.OptGroup(
    'vnc',
    title='VNC options',
    help='Graphical consoles of instances over VNC.')

vnc_opts = [
    cfg.BoolOpt(
        'enabled',
        default=True,
        deprecated_group='DEFAULT',
        deprecated_name='vnc_enabled',
        help="""
Give new instances a VNC console. Turn off on hosts whose guests
should have none, or that use another console type.
"""),
    cfg.HostAddressOpt(
        'server_listen',
        default='127.0.0.1',
        help="""
Address the guests' VNC servers listen on, on the compute host. Set it
to an address the proxy can reach, and to ``0.0.0.0`` (or ``::``) if
instances live-migrate, since the address is part of the guest.
"""),
    cfg.HostAddressOpt(
        'server_proxyclient_address',
        default='127.0.0.1',
        help="""
Address of this compute host the console proxy connects to. Usually
the management address of the host.
"""),
    cfg.URIOpt(
        'novncproxy_base_url',
        default='http://127.0.0.1:6080/vnc_auto.html',
        help="""
Public URL of the noVNC page, to which the API appends the console
token. Set it to the address browsers reach nova-novncproxy at.
"""),
    cfg.StrOpt(
        'novncproxy_host',
        default='0.0.0.0',
        help='Address nova-novncproxy listens on for browsers.'),
    cfg.PortOpt(
        'novncproxy_port',
        default=6080,
        help="""
Port nova-novncproxy listens on. Keep it in line with
``novncproxy_base_url``.
"""),
    cfg.ListOpt(
        'auth_schemes',
        item_type=types.String(choices=(
            ('none', 'no authentication or encryption'),
            ('vencrypt', 'TLS with x509 certificates'),
        )),
        default=['none'],
        help="""
Authentication schemes the proxy may use towards the compute hosts'
VNC servers, in order of preference. ``vencrypt`` needs the three
``vencrypt_*`` options.
"""),
    cfg.StrOpt(
        'vencrypt_client_key',
        help='Private key the proxy presents to VNC servers (vencrypt).'),
    cfg.StrOpt(
        'vencrypt_client_cert',
        help='Certificate the proxy presents to VNC servers (vencrypt).'),
    cfg.StrOpt(
        'vencrypt_ca_certs',
        help='CA certificates used to check the VNC servers (vencrypt).'),
]


def register_opts(conf):
    conf.register_group(vnc_group)
    conf.register_opts(vnc_opts, group=vnc_group)


def list_opts():
    return {vnc_group: vnc_opts}
