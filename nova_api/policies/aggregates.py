"""os-aggregates: groups of hosts, their metadata and availability
zones; the host layout of the cloud, so administrators only."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-aggregates:%s'
AGGREGATE = '/os-aggregates/{aggregate_id}'
ACTION = AGGREGATE + '/action (%s)'

rules = [
    base.api_rule(
        POLICY % 'set_metadata', base.ADMIN,
        'Create, replace or remove metadata of an aggregate.',
        ('POST', ACTION % 'set_metadata')),
    base.api_rule(
        POLICY % 'add_host', base.ADMIN,
        'Add a host to an aggregate.',
        ('POST', ACTION % 'add_host')),
    base.api_rule(
        POLICY % 'create', base.ADMIN,
        'Create an aggregate.',
        ('POST', '/os-aggregates')),
    base.api_rule(
        POLICY % 'remove_host', base.ADMIN,
        'Remove a host from an aggregate.',
        ('POST', ACTION % 'remove_host')),
    base.api_rule(
        POLICY % 'update', base.ADMIN,
        'Rename an aggregate or change its availability zone.',
        ('PUT', AGGREGATE)),
    base.api_rule(
        POLICY % 'index', base.ADMIN,
        'List aggregates.',
        ('GET', '/os-aggregates')),
    base.api_rule(
        POLICY % 'delete', base.ADMIN,
        'Delete an aggregate.',
        ('DELETE', AGGREGATE)),
    base.api_rule(
        POLICY % 'show', base.ADMIN,
        'Show an aggregate.',
        ('GET', AGGREGATE)),
    base.api_rule(
        POLICY % 'images', base.ADMIN,
        "Pre-cache images on an aggregate's hosts (2.81).",
        ('POST', AGGREGATE + '/images')),
]


def list_rules():
    return rules
