"""Pausing a server (its vCPUs frozen, memory kept): for the server's
project members, and administrators."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-pause-server:%s'
ACTION = '/servers/{server_id}/action (%s)'

rules = [
    base.api_rule(POLICY % 'pause', base.PROJECT_MEMBER_OR_ADMIN,
                  'Pause a server.', ('POST', ACTION % 'pause')),
    base.api_rule(POLICY % 'unpause', base.PROJECT_MEMBER_OR_ADMIN,
                  'Unpause a paused server.', ('POST', ACTION % 'unpause')),
]


def list_rules():
    return rules
