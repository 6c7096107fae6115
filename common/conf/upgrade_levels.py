"""[upgrade_levels]: caps on the RPC API versions sent to each service.

During a rolling upgrade, upgraded services must keep talking the
version the not-yet-upgraded ones understand; these options pin it.
"""

from oslo_config import cfg

upgrade_group = cfg.OptGroup(
    'upgrade_levels',
    title='RPC version caps',
    help="""
Highest RPC API version sent to each service, given as a version number
or a release name. Unset means the newest version this code knows.
""")

upgrade_levels_opts = [
    cfg.StrOpt(
        'compute',
        help="""
Version cap for messages to nova-compute. ``auto`` picks the highest
version every registered compute service understands, which is what a
rolling upgrade needs.
"""),
    cfg.StrOpt(
        'scheduler',
        help='Version cap for messages to nova-scheduler.'),
    cfg.StrOpt(
        'conductor',
        help='Version cap for messages to nova-conductor.'),
    cfg.StrOpt(
        'baseapi',
        help="""
Version cap of the base RPC API every service exposes (ping and
similar).
"""),
    cfg.StrOpt(
        'cert',
        deprecated_for_removal=True,
        deprecated_since='18.0.0',
        deprecated_reason='The nova-cert service no longer exists.',
        help='Version cap for messages to the removed nova-cert service.'),
]


def register_opts(conf):
    conf.register_group(upgrade_group)
    conf.register_opts(upgrade_levels_opts, group=upgrade_group)


def list_opts():
    return {upgrade_group: upgrade_levels_opts}
