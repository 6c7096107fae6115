"""os-server-external-events: other services (Neutron, Cinder, Cyborg)
telling Nova about a server's port, volume or accelerator.  The
``service`` role only, as Nova's defaults since 2023.2: an
administrator's token without that role is refused."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-server-external-events:%s'

rules = [
    base.api_rule(
        POLICY % 'create', base.SERVICE,
        'Create one or more external events for servers.',
        ('POST', '/os-server-external-events')),
]


def list_rules():
    return rules
