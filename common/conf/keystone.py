"""[keystone] options: how services call the identity API itself.

Token validation is configured in [keystone_authtoken], which belongs
to keystonemiddleware; this group is for calls Nova makes, such as
checking that a project exists.  Nothing here makes such calls yet, so
its keystoneauth1 options are in the sample only (common/conf/utils.py
says why they are registered by their client).
"""

from oslo_config import cfg

from common.conf import utils

SERVICE_TYPE = 'identity'

keystone_group = cfg.OptGroup(
    'keystone',
    title='Identity service options',
    help='Access to the identity service API (keystone).')


def register_opts(conf):
    conf.register_group(keystone_group)


def list_opts():
    return {keystone_group: utils.ksa_list_opts(SERVICE_TYPE)}
