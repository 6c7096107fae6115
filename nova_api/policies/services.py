"""os-services: the nova-* daemons and their state; cloud-wide, so
administrators only."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-services:%s'

rules = [
    base.api_rule(
        POLICY % 'list', base.ADMIN,
        'List the compute services of every cell and whether each is '
        'up, enabled or forced down.',
        ('GET', '/os-services')),
    base.api_rule(
        POLICY % 'update', base.ADMIN,
        'Enable, disable or force down a compute service (and the '
        'pre-2.53 enable/disable/force-down actions).',
        ('PUT', '/os-services/{service_id}')),
    base.api_rule(
        POLICY % 'delete', base.ADMIN,
        'Delete a compute service and the compute nodes it reported.',
        ('DELETE', '/os-services/{service_id}')),
]


def list_rules():
    return rules
