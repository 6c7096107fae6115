"""os-networks: nova-network's API, which Nova keeps up to 2.35 as a
read-only view of the networks a project may use."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-networks:%s'

rules = [
    base.api_rule(
        POLICY % 'list', base.PROJECT_READER_OR_ADMIN,
        'List the networks the project may use (deprecated proxy).',
        ('GET', '/os-networks')),
    base.api_rule(
        POLICY % 'view', base.PROJECT_READER_OR_ADMIN,
        'Show a network (deprecated proxy).',
        ('GET', '/os-networks/{network_id}')),
]


def list_rules():
    return rules
