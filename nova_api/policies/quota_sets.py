"""os-quota-sets: a project's readers may see its quotas; only
administrators change them.  The target is the project named in the
URL, so a reader of another project is refused."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-quota-sets:%s'
QUOTA_SET = '/os-quota-sets/{tenant_id}'

rules = [
    base.api_rule(
        POLICY % 'update', base.ADMIN,
        "Update a project's (or a user's) quotas.",
        ('PUT', QUOTA_SET)),
    base.api_rule(
        POLICY % 'defaults', base.RULE_ANY,
        'Show the default quotas, which are the same for everyone.',
        ('GET', QUOTA_SET + '/defaults')),
    base.api_rule(
        POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
        "Show a project's (or a user's) quotas.",
        ('GET', QUOTA_SET)),
    base.api_rule(
        POLICY % 'delete', base.ADMIN,
        "Revert a project's (or a user's) quotas to the defaults.",
        ('DELETE', QUOTA_SET)),
    base.api_rule(
        POLICY % 'detail', base.PROJECT_READER_OR_ADMIN,
        "Show a project's (or a user's) quotas with usage and "
        "reservations.",
        ('GET', QUOTA_SET + '/detail')),
]


def list_rules():
    return rules
