"""[glance] options: how services reach the image service.

nova-compute downloads images and uploads snapshots; nova-api reads
image metadata when validating requests.  The keystoneauth1 options of
the group are registered by the client, common/glance.py (see
common/conf/utils.py).
"""

from oslo_config import cfg

from common.conf import utils

SERVICE_TYPE = 'image'

glance_group = cfg.OptGroup(
    'glance',
    title='Image service options',
    help="""
Access to the image service (glance). The endpoint is taken from the
service catalog unless ``endpoint_override`` or ``api_servers`` is set.
""")

glance_opts = [
    cfg.ListOpt(
        'api_servers',
        deprecated_for_removal=True,
        deprecated_since='21.0.0',
        deprecated_reason="""
The keystoneauth1 adapter options of this group (``endpoint_override``,
``valid_interfaces``, ``region_name``) select the endpoint instead.
""",
        help="""
URLs of image service endpoints, tried in turn. When unset the service
catalog is used.
"""),
    cfg.IntOpt(
        'num_retries',
        default=3,
        min=0,
        help="""
How many times an image service request is retried on another endpoint
(or the same one) after a connection error.
"""),
    cfg.BoolOpt(
        'verify_glance_signatures',
        default=False,
        help="""
Check the signature of signed images before booting them and refuse
images whose signature does not verify. Needs a key manager.
"""),
    cfg.ListOpt(
        'default_trusted_certificate_ids',
        default=[],
        help="""
Certificate IDs treated as trusted for image signature verification
when the request names none.
"""),
    cfg.BoolOpt(
        'enable_rbd_download',
        default=False,
        help="""
Read images stored in Ceph straight from the cluster instead of
through the image API, saving a copy through the image service. Needs
the ``rbd_*`` options.
"""),
    cfg.StrOpt(
        'rbd_user',
        default='',
        help='Ceph user for direct image downloads.'),
    cfg.IntOpt(
        'rbd_connect_timeout',
        default=5,
        help='Seconds to wait for the Ceph cluster on direct downloads.'),
    cfg.StrOpt(
        'rbd_pool',
        default='',
        help='Ceph pool holding the images for direct downloads.'),
    cfg.StrOpt(
        'rbd_ceph_conf',
        default='',
        help='Ceph configuration file used for direct downloads.'),
    cfg.BoolOpt(
        'debug',
        default=False,
        help="""
Log every request to and response from the image service, for
troubleshooting; noisy.
"""),
]


def register_opts(conf):
    conf.register_group(glance_group)
    conf.register_opts(glance_opts, group=glance_group)


def list_opts():
    return {glance_group: glance_opts + utils.ksa_list_opts(SERVICE_TYPE)}
