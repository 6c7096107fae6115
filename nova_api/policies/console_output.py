"""Reading a server's console log: for its project members (it may show
what the guest printed at boot, secrets included), and administrators."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-console-output'

rules = [
    base.api_rule(POLICY, base.PROJECT_MEMBER_OR_ADMIN,
                  "Show a server's console output.",
                  ('POST', '/servers/{server_id}/action '
                           '(os-getConsoleOutput)')),
]


def list_rules():
    return rules
