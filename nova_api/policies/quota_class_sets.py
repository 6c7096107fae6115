"""os-quota-class-sets: the defaults every project inherits; reading
or changing them is for administrators."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-quota-class-sets:%s'
QUOTA_CLASS = '/os-quota-class-sets/{quota_class}'

rules = [
    base.api_rule(
        POLICY % 'show', base.ADMIN,
        'Show the quotas of a quota class (only "default" is used).',
        ('GET', QUOTA_CLASS)),
    base.api_rule(
        POLICY % 'update', base.ADMIN,
        'Update the quotas of a quota class, that is the defaults.',
        ('PUT', QUOTA_CLASS)),
]


def list_rules():
    return rules
