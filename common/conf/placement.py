"""[placement] options: how services reach the placement API.

In Nova, nova-compute reports inventories there, nova-scheduler asks it
for candidate hosts and nova-conductor moves allocations.  Here the
conductor claims resources in its own database and nothing calls a
placement API, so the group's keystoneauth1 options are in the sample
only (common/conf/utils.py says why they are registered by their
client).
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


def list_opts():
    return {placement_group: utils.ksa_list_opts(SERVICE_TYPE)}
