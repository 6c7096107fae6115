"""Locking a server against changes by its project's non-admins.

Members lock and unlock their servers; a lock an administrator set
(``locked_by`` admin) is lifted only by whoever passes
``unlock:unlock_override``, administrators by default.
"""

from nova_api.policies import base

POLICY = 'os_compute_api:os-lock-server:%s'
ACTION = '/servers/{server_id}/action (%s)'

rules = [
    base.api_rule(POLICY % 'lock', base.PROJECT_MEMBER_OR_ADMIN,
                  'Lock a server.', ('POST', ACTION % 'lock')),
    base.api_rule(POLICY % 'unlock', base.PROJECT_MEMBER_OR_ADMIN,
                  'Unlock a server.', ('POST', ACTION % 'unlock')),
    base.api_rule(POLICY % 'unlock:unlock_override', base.ADMIN,
                  'Unlock a server locked by someone of another kind (an '
                  'owner unlocking what an administrator locked); checked '
                  'only then.', ('POST', ACTION % 'unlock')),
]


def list_rules():
    return rules
