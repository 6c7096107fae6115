"""A server's diagnostics show the host's view of its guest: for
administrators only."""

from nova_api.policies import base

rules = [
    base.api_rule('os_compute_api:os-server-diagnostics', base.ADMIN,
                  'Show the usage data for a server.',
                  ('GET', '/servers/{server_id}/diagnostics')),
]


def list_rules():
    return rules
