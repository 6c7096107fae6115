"""Opening a server's console: what its project members may do (the
console is the server's keyboard and screen), and administrators."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-remote-consoles'

rules = [
    base.api_rule(POLICY, base.PROJECT_MEMBER_OR_ADMIN,
                  'Generate a URL to access a remote server console.',
                  ('POST', '/servers/{server_id}/action (os-getVNCConsole)'),
                  ('POST', '/servers/{server_id}/remote-consoles')),
]


def list_rules():
    return rules
