"""Creating, changing and deleting flavors: flavors are shared by every
project, so administrators only (reading them has no rule)."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-flavor-manage:%s'

rules = [
    base.api_rule(
        POLICY % 'create', base.ADMIN, 'Create a flavor.',
        ('POST', '/flavors')),
    base.api_rule(
        POLICY % 'update', base.ADMIN,
        "Update a flavor's description (2.55).",
        ('PUT', '/flavors/{flavor_id}')),
    base.api_rule(
        POLICY % 'delete', base.ADMIN, 'Delete a flavor.',
        ('DELETE', '/flavors/{flavor_id}')),
]


def list_rules():
    return rules
