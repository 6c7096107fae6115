"""[DEFAULT] availability zone options: what zone a service reports.

The API shows them in os-services and, later, on servers; they must be
the same on every node, so they live in one place.
"""

from oslo_config import cfg

availability_zone_opts = [
    cfg.StrOpt(
        'internal_service_availability_zone',
        default='internal',
        help="""
Availability zone shown for every service that is not nova-compute
(scheduler, conductor...). Users cannot boot servers in it; it only
tells operators which services are infrastructure.
"""),
    cfg.StrOpt(
        'default_availability_zone',
        default='nova',
        help="""
Availability zone of compute hosts that belong to no aggregate with an
``availability_zone`` metadata key. Changing it on a running cloud
moves every such host, and the servers on them, to the new zone name.
"""),
]


def register_opts(conf):
    conf.register_opts(availability_zone_opts)


def list_opts():
    return {'DEFAULT': availability_zone_opts}
