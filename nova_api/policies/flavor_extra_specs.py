"""A flavor's extra specs: readable by anyone who can read the project
it is used in (they shape scheduling), written by administrators.

``index`` also decides whether extra specs are embedded in flavor
bodies (2.61) and in a server's flavor (2.47), hence its list of
operations.
"""

from nova_api.policies import base

POLICY = 'os_compute_api:os-flavor-extra-specs:%s'
SPEC = '/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}'

rules = [
    base.api_rule(
        POLICY % 'index', base.PROJECT_READER_OR_ADMIN,
        "List a flavor's extra specs, and include them in flavor "
        "(2.61) and server (2.47) responses.",
        ('GET', '/flavors/{flavor_id}/os-extra_specs'),
        ('GET', '/servers/detail'),
        ('GET', '/servers/{server_id}'),
        ('PUT', '/servers/{server_id}'),
        ('POST', '/servers/{server_id}/action (rebuild)'),
        ('POST', '/flavors'),
        ('GET', '/flavors/detail'),
        ('GET', '/flavors/{flavor_id}'),
        ('PUT', '/flavors/{flavor_id}')),
    base.api_rule(
        POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
        'Show one extra spec of a flavor.',
        ('GET', SPEC)),
    base.api_rule(
        POLICY % 'create', base.ADMIN,
        'Create or replace extra specs of a flavor.',
        ('POST', '/flavors/{flavor_id}/os-extra_specs')),
    base.api_rule(
        POLICY % 'update', base.ADMIN,
        'Update one extra spec of a flavor.',
        ('PUT', SPEC)),
    base.api_rule(
        POLICY % 'delete', base.ADMIN,
        'Delete one extra spec of a flavor.',
        ('DELETE', SPEC)),
]


def list_rules():
    return rules
