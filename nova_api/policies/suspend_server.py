"""Suspending a server (its memory saved to the host's disk): for the
server's project members, and administrators."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-suspend-server:%s'
ACTION = '/servers/{server_id}/action (%s)'

rules = [
    base.api_rule(POLICY % 'resume', base.PROJECT_MEMBER_OR_ADMIN,
                  'Resume a suspended server.', ('POST', ACTION % 'resume')),
    base.api_rule(POLICY % 'suspend', base.PROJECT_MEMBER_OR_ADMIN,
                  'Suspend a server.', ('POST', ACTION % 'suspend')),
]


def list_rules():
    return rules
