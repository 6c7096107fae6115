"""[database] (the cell database) and [api_database] (the API database).

Both groups carry oslo.db's option set, so the two connections can be
tuned the same way; [api_database] gets its own copies because an
option object may belong to only one group of a ConfigOpts.
"""

import copy

from oslo_config import cfg
from oslo_db import options as oslo_db_options

db_group = cfg.OptGroup(
    'database',
    title='Cell database options',
    help="""
Connection to the database of the cell this service belongs to, which
holds instances, compute nodes and services. nova-compute does not use
it: it goes through nova-conductor.
""")

api_db_group = cfg.OptGroup(
    'api_database',
    title='API database options',
    help="""
Connection to the API database, which holds what is global to the
deployment: flavors, cell mappings, host mappings, request specs, key
pairs, quotas. nova-api, nova-scheduler, nova-conductor and nova-manage
need it; nova-compute must not have it.
""")

database_opts = oslo_db_options.database_opts

# oslo.db keeps 5 connections per pool; nova-conductor serves up to
# [DEFAULT] executor_thread_pool_size requests at once, and every
# connection over the pool size is opened and closed per use.
POOL_SIZE = 20


def _api_db_opts():
    opts = copy.deepcopy(oslo_db_options.database_opts)
    for opt in opts:
        if opt.name == 'max_pool_size':
            opt.default = POOL_SIZE
        if opt.name == 'connection':
            opt.help = (
                'SQLAlchemy URL of the API database, for instance '
                'mysql+pymysql://nova:secret@db/nova_api. Required by '
                'every service but nova-compute.')
    return opts


api_db_opts = _api_db_opts()


def register_opts(conf):
    conf.register_group(db_group)
    oslo_db_options.set_defaults(conf, max_pool_size=POOL_SIZE)
    conf.register_group(api_db_group)
    conf.register_opts(api_db_opts, group=api_db_group)


def list_opts():
    return {db_group: database_opts, api_db_group: api_db_opts}
