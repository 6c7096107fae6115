"""Server metadata: read by the server's project readers, changed by
its members; administrators of any project may do both."""

from nova_api.policies import base

POLICY = 'os_compute_api:server-metadata:%s'
METADATA = '/servers/{server_id}/metadata'
ITEM = METADATA + '/{key}'

rules = [
    base.api_rule(
        POLICY % 'index', base.PROJECT_READER_OR_ADMIN,
        "List a server's metadata.",
        ('GET', METADATA)),
    base.api_rule(
        POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
        'Show one metadata item of a server.',
        ('GET', ITEM)),
    base.api_rule(
        POLICY % 'create', base.PROJECT_MEMBER_OR_ADMIN,
        'Add or change metadata items of a server.',
        ('POST', METADATA)),
    base.api_rule(
        POLICY % 'update_all', base.PROJECT_MEMBER_OR_ADMIN,
        "Replace all of a server's metadata.",
        ('PUT', METADATA)),
    base.api_rule(
        POLICY % 'update', base.PROJECT_MEMBER_OR_ADMIN,
        'Set one metadata item of a server.',
        ('PUT', ITEM)),
    base.api_rule(
        POLICY % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
        'Delete one metadata item of a server.',
        ('DELETE', ITEM)),
]


def list_rules():
    return rules
