"""[consoleauth] options: lifetime of console access tokens."""

from oslo_config import cfg

consoleauth_group = cfg.OptGroup(
    'consoleauth',
    title='Console authorization options',
    help='Tokens that grant access to an instance console.')

consoleauth_opts = [
    cfg.IntOpt(
        'token_ttl',
        default=600,
        min=0,
        deprecated_name='console_token_ttl',
        deprecated_group='DEFAULT',
        help="""
Seconds a console token stays valid after the API issued it. Shorter
values limit the harm of a leaked URL; the user must open the console
within that time.
"""),
    cfg.BoolOpt(
        'enforce_session_timeout',
        default=False,
        help="""
Also close console sessions still open when their token expires,
instead of only refusing new connections with it.
"""),
]


def register_opts(conf):
    conf.register_group(consoleauth_group)
    conf.register_opts(consoleauth_opts, group=consoleauth_group)


def list_opts():
    return {consoleauth_group: consoleauth_opts}
