"""Keypairs belong to a user, not a project: the default lets the
owning user (``user_id`` of the target, which is the caller unless an
administrator names another user with ``?user_id=``) or an
administrator in."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-keypairs:%s'
OWNER_OR_ADMIN = '(%s) or user_id:%%(user_id)s' % base.ADMIN

rules = [
    base.api_rule(
        POLICY % 'index', OWNER_OR_ADMIN,
        "List a user's keypairs.",
        ('GET', '/os-keypairs')),
    base.api_rule(
        POLICY % 'create', OWNER_OR_ADMIN,
        'Create or import a keypair for a user.',
        ('POST', '/os-keypairs')),
    base.api_rule(
        POLICY % 'delete', OWNER_OR_ADMIN,
        'Delete a keypair of a user.',
        ('DELETE', '/os-keypairs/{keypair_name}')),
    base.api_rule(
        POLICY % 'show', OWNER_OR_ADMIN,
        'Show a keypair of a user.',
        ('GET', '/os-keypairs/{keypair_name}')),
]


def list_rules():
    return rules
