"""os-availability-zone: every user needs the zone names to boot into
one; the detailed list shows hosts and services, so admins only."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-availability-zone:%s'

rules = [
    base.api_rule(
        POLICY % 'list', base.RULE_ANY,
        'List availability zones and whether each is available.',
        ('GET', '/os-availability-zone')),
    base.api_rule(
        POLICY % 'detail', base.ADMIN,
        'List availability zones with their hosts and services.',
        ('GET', '/os-availability-zone/detail')),
]


def list_rules():
    return rules
