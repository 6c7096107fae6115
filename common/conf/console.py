"""[console] options shared by the console proxies."""

from oslo_config import cfg

console_group = cfg.OptGroup(
    'console',
    title='Console proxy options',
    help='Options common to every console proxy.')

console_opts = [
    cfg.ListOpt(
        'allowed_origins',
        default=[],
        deprecated_name='console_allowed_origins',
        deprecated_group='DEFAULT',
        help="""
Extra host names accepted in the Origin header of websocket
connections, besides the proxy's own. Needed when the console page is
served from another name than the proxy, e.g. behind a load balancer.
"""),
    cfg.StrOpt(
        'ssl_ciphers',
        help="""
OpenSSL cipher list allowed on TLS connections to the proxy, e.g.
``kEECDH+aECDSA+AES:kEECDH+AES``. When unset OpenSSL's default is used.
"""),
    cfg.StrOpt(
        'ssl_minimum_version',
        default='default',
        choices=[
            ('default', 'OpenSSL\'s default'),
            ('tlsv1_1', 'TLS 1.1 or newer'),
            ('tlsv1_2', 'TLS 1.2 or newer'),
            ('tlsv1_3', 'TLS 1.3 or newer'),
        ],
        help='Oldest TLS version the proxy accepts from browsers.'),
]


def register_opts(conf):
    conf.register_group(console_group)
    conf.register_opts(console_opts, group=console_group)


def list_opts():
    return {console_group: console_opts}
