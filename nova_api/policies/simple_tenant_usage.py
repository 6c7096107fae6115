"""os-simple-tenant-usage: every project's usage is for administrators;
one project's usage for its readers too."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-simple-tenant-usage:%s'

rules = [
    base.api_rule(
        POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
        "Show a project's usage over a period.",
        ('GET', '/os-simple-tenant-usage/{tenant_id}')),
    base.api_rule(
        POLICY % 'list', base.ADMIN,
        "List every project's usage over a period.",
        ('GET', '/os-simple-tenant-usage')),
]


def list_rules():
    return rules
