"""Server tags (2.26): read by the server's project readers, changed by
its members; administrators of any project may do both.  The target is
the project of the server's instance mapping."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-server-tags:%s'
TAGS = '/servers/{server_id}/tags'
TAG = TAGS + '/{tag}'

rules = [
    base.api_rule(
        POLICY % 'delete_all', base.PROJECT_MEMBER_OR_ADMIN,
        'Delete all the tags of a server.',
        ('DELETE', TAGS)),
    base.api_rule(
        POLICY % 'index', base.PROJECT_READER_OR_ADMIN,
        'List the tags of a server.',
        ('GET', TAGS)),
    base.api_rule(
        POLICY % 'update_all', base.PROJECT_MEMBER_OR_ADMIN,
        'Replace all the tags of a server.',
        ('PUT', TAGS)),
    base.api_rule(
        POLICY % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
        'Delete one tag of a server.',
        ('DELETE', TAG)),
    base.api_rule(
        POLICY % 'update', base.PROJECT_MEMBER_OR_ADMIN,
        'Add one tag to a server.',
        ('PUT', TAG)),
    base.api_rule(
        POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
        'Check whether a server has a tag.',
        ('GET', TAG)),
]


def list_rules():
    return rules
