"""os-hypervisors: the compute nodes behind the servers, which expose
the cloud's hosts and capacity; administrators only."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-hypervisors:%s'

rules = [
    base.api_rule(
        POLICY % 'list', base.ADMIN,
        'List hypervisors, optionally matching a hostname pattern.',
        ('GET', '/os-hypervisors')),
    base.api_rule(
        POLICY % 'list-detail', base.ADMIN,
        'List hypervisors with their details.',
        ('GET', '/os-hypervisors/detail')),
    base.api_rule(
        POLICY % 'statistics', base.ADMIN,
        'Show the summed capacity and usage of all hypervisors.',
        ('GET', '/os-hypervisors/statistics')),
    base.api_rule(
        POLICY % 'show', base.ADMIN,
        'Show the details of one hypervisor.',
        ('GET', '/os-hypervisors/{hypervisor_id}')),
    base.api_rule(
        POLICY % 'uptime', base.ADMIN,
        "Show a hypervisor's uptime.",
        ('GET', '/os-hypervisors/{hypervisor_id}/uptime')),
    base.api_rule(
        POLICY % 'search', base.ADMIN,
        'Search hypervisors by hostname pattern (before 2.53).',
        ('GET', '/os-hypervisors/{hypervisor_hostname_pattern}/search')),
    base.api_rule(
        POLICY % 'servers', base.ADMIN,
        'List the servers on the hypervisors matching a hostname '
        'pattern (before 2.53).',
        ('GET', '/os-hypervisors/{hypervisor_hostname_pattern}/servers')),
]


def list_rules():
    return rules
