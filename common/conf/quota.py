"""[quota] options: default per-project limits and how usage is counted.

The limits here apply to projects that have no limit of their own in
the database; -1 means unlimited.
"""

from oslo_config import cfg

quota_group = cfg.OptGroup(
    'quota',
    title='Quota options',
    help='Default quotas of projects and the quota engine.')


def _limit(name, default, what):
    return cfg.IntOpt(
        name,
        default=default,
        min=-1,
        deprecated_name='quota_' + name,
        deprecated_group='DEFAULT',
        help='Default per-project limit on %s. -1 means unlimited.' % what)


limit_opts = [
    _limit('instances', 10, 'the number of servers'),
    _limit('cores', 20, 'the number of VCPUs of all servers'),
    _limit('ram', 51200, 'the MiB of memory of all servers'),
    _limit('metadata_items', 128,
           'the number of metadata items per server'),
    _limit('injected_files', 5,
           'the number of files injected into one server'),
    _limit('injected_file_content_bytes', 10240,
           'the size, in bytes, of one injected file'),
    _limit('injected_file_path_length', 255,
           'the length of the path of one injected file'),
    _limit('key_pairs', 100, 'the number of key pairs (per user)'),
    _limit('server_groups', 10, 'the number of server groups'),
    _limit('server_group_members', 10,
           'the number of servers in one server group'),
]

engine_opts = [
    cfg.StrOpt(
        'driver',
        default='nova_conductor.quota.DbQuotaDriver',
        choices=[
            ('nova_conductor.quota.DbQuotaDriver',
             'limits stored in the database, defaulting to the options '
             'of this group; usage counted on demand'),
            ('nova_conductor.quota.NoopQuotaDriver',
             'no quota: every resource is unlimited'),
            ('nova_conductor.quota.UnifiedLimitsDriver',
             'limits read from keystone unified limits, usage counted '
             'in placement; resources without a limit there get 0'),
        ],
        help='Quota engine that checks requests against limits.'),
    cfg.BoolOpt(
        'recheck_quota',
        default=True,
        help="""
Count usage again after creating resources and undo the creation if
concurrent requests took the project over its limit. Turning it off
saves a query per request but lets racing requests exceed quotas.
"""),
    cfg.BoolOpt(
        'count_usage_from_placement',
        default=False,
        help="""
Count cores and RAM from placement allocations instead of the cell
databases, so usage stays correct when a cell is down. Needs every
compute host to report to placement; servers being resized count both
their old and new flavors.
"""),
]

QUOTA_OPTS = limit_opts + engine_opts


def register_opts(conf):
    conf.register_group(quota_group)
    conf.register_opts(QUOTA_OPTS, group=quota_group)


def list_opts():
    return {quota_group: QUOTA_OPTS}
