"""[placement] options: how services reach the placement API.

nova-compute reports inventories there, nova-scheduler asks it for
candidate hosts and nova-conductor moves allocations, so all of them
need credentials in this group.
"""

from oslo_config import cfg

from common.conf import utils

SERVICE_TYPE = 'placement'

placement_group = cfg.OptGroup(
    'placement',
    title='Placement service options',
    help='Access to the placement API.')


def register_opts(conf):
    conf.register_group(placement_group)
    utils.register_ksa_opts(conf, placement_group, SERVICE_TYPE)


def list_opts():
    return {placement_group: utils.ksa_list_opts(SERVICE_TYPE)}
