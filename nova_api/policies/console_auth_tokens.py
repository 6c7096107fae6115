"""Looking up a console token's connection info: administrators only,
since it names the compute host and port behind the console."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-console-auth-tokens'

rules = [
    base.api_rule(POLICY, base.ADMIN,
                  'Show console connection information for a given '
                  'console authentication token',
                  ('GET', '/os-console-auth-tokens/{console_token}')),
]


def list_rules():
    return rules
