"""[wsgi] options: how nova-api's WSGI application is assembled and logs.
"""

from oslo_config import cfg

wsgi_group = cfg.OptGroup(
    'wsgi',
    title='WSGI options',
    help='Options of the WSGI application serving the APIs.')

wsgi_opts = [
    cfg.StrOpt(
        'api_paste_config',
        default='api-paste.ini',
        deprecated_group='DEFAULT',
        help="""
Paste Deploy file defining the API pipelines (middleware and
applications). A relative name is looked up next to the configuration
files.
"""),
    cfg.StrOpt(
        'wsgi_log_format',
        default=('%(client_ip)s "%(request_line)s" status: %(status_code)s'
                 ' len: %(body_length)s time: %(wall_seconds).7f'),
        deprecated_group='DEFAULT',
        help="""
Format of the access log line written for each request, filled with
``client_ip``, ``request_line``, ``status_code``, ``body_length`` and
``wall_seconds``.
"""),
    cfg.StrOpt(
        'secure_proxy_ssl_header',
        deprecated_group='DEFAULT',
        help="""
Header, e.g. ``HTTP_X_FORWARDED_PROTO``, a TLS-terminating proxy sets
to the original scheme, so links in responses use https. Set only
behind such a proxy.
"""),
]


def register_opts(conf):
    conf.register_group(wsgi_group)
    conf.register_opts(wsgi_opts, group=wsgi_group)


def list_opts():
    return {wsgi_group: wsgi_opts}
