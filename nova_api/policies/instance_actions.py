"""os-instance-actions: a server's history, for its project's readers.

What an action's events reveal is the administrators' by default:
``events`` lets a caller see the events before 2.51 and, in every
version, their tracebacks and (2.62) the host's name; from 2.51 the
other readers see the events without those.  ``events:details`` (2.84)
guards the events' failure details, which may tell about the
deployment (the hypervisor, say).  Both are checked only after
``show`` passed.
"""

from nova_api.policies import base

POLICY = 'os_compute_api:os-instance-actions:%s'
ACTIONS = '/servers/{server_id}/os-instance-actions'
ACTION = ACTIONS + '/{request_id}'

rules = [
    base.api_rule(
        POLICY % 'events:details', base.ADMIN,
        "Show the 'details' of a server action's events (2.84).",
        ('GET', ACTION)),
    base.api_rule(
        POLICY % 'events', base.ADMIN,
        "Show a server action's events with their tracebacks and, from "
        '2.62, the host they ran on (before 2.51: show the events at all).',
        ('GET', ACTION)),
    base.api_rule(
        POLICY % 'list', base.PROJECT_READER_OR_ADMIN,
        'List the actions of a server.',
        ('GET', ACTIONS)),
    base.api_rule(
        POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
        'Show one action of a server.',
        ('GET', ACTION)),
]


def list_rules():
    return rules
