"""os-server-groups: a project's groups, read by its readers and
changed by its members.

``create`` is a member of the caller's own project only (no admin
clause): the API takes no project id, so the group is always created
in the caller's project.
"""

from nova_api.policies import base

POLICY = 'os_compute_api:os-server-groups:%s'
GROUP = '/os-server-groups/{server_group_id}'

rules = [
    base.api_rule(
        POLICY % 'create', base.PROJECT_MEMBER,
        'Create a server group in the caller\'s project.',
        ('POST', '/os-server-groups')),
    base.api_rule(
        POLICY % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
        'Delete a server group.',
        ('DELETE', GROUP)),
    base.api_rule(
        POLICY % 'index', base.PROJECT_READER_OR_ADMIN,
        "List the server groups of the caller's project.",
        ('GET', '/os-server-groups')),
    base.api_rule(
        POLICY % 'index:all_projects', base.ADMIN,
        'List the server groups of every project (?all_projects=).',
        ('GET', '/os-server-groups')),
    base.api_rule(
        POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
        'Show a server group and its members.',
        ('GET', GROUP)),
]


def list_rules():
    return rules
