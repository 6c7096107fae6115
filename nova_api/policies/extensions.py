"""GET /extensions: a fixed, public list kept for old clients."""

from nova_api.policies import base

rules = [
    base.api_rule(
        'os_compute_api:extensions', base.RULE_ANY,
        'List the API extensions, or show one by alias.',
        ('GET', '/extensions'),
        ('GET', '/extensions/{alias}')),
]


def list_rules():
    return rules
