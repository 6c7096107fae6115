"""[conductor] options of nova-conductor."""

from oslo_config import cfg

conductor_group = cfg.OptGroup(
    'conductor',
    title='Conductor options',
    help='Options of nova-conductor, the only service that writes to the '
         'databases on behalf of the others.')

conductor_opts = [
    cfg.IntOpt(
        'workers',
        help="""
Number of nova-conductor worker processes. When unset, one per CPU of
the host is started; conductor is often the bottleneck of a busy cell,
so size it with the number of compute hosts.
"""),
]


def register_opts(conf):
    conf.register_group(conductor_group)
    conf.register_opts(conductor_opts, group=conductor_group)


def list_opts():
    return {conductor_group: conductor_opts}
