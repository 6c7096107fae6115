"""GET /limits: anyone may see their own project's limits; seeing
another project's (``?tenant_id=``) is checked afterwards, with that
project as the target."""

from nova_api.policies import base

POLICY = 'os_compute_api:limits'

rules = [
    base.api_rule(
        POLICY, base.RULE_ANY,
        "Show the absolute limits and usage of the caller's project.",
        ('GET', '/limits')),
    base.api_rule(
        POLICY + ':other_project', base.ADMIN,
        "Show another project's limits; checked only once "
        "os_compute_api:limits has passed.",
        ('GET', '/limits')),
]


def list_rules():
    return rules
