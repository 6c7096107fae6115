"""Rescuing a server: booting a rescue image with its disk attached, to
repair it; project members and administrators."""

from nova_api.policies import base

ACTION = '/servers/{server_id}/action (%s)'

rules = [
    base.api_rule('os_compute_api:os-rescue', base.PROJECT_MEMBER_OR_ADMIN,
                  'Rescue a server.', ('POST', ACTION % 'rescue')),
    base.api_rule('os_compute_api:os-unrescue', base.PROJECT_MEMBER_OR_ADMIN,
                  'Unrescue a server.', ('POST', ACTION % 'unrescue')),
]


def list_rules():
    return rules
