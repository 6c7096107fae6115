"""The rules every API's defaults are written in terms of.

Nova's secure defaults (2023.1 onwards) know three personas: the
administrator (``role:admin``, any project), a project's members and a
project's readers; Keystone's implied roles make every admin a member
and every member a reader.  An API's default names one of the
constants below rather than spelling roles out, so an operator can
re-define, say, what a "project reader" is in one place of
``policy.yaml``.
"""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
PROJECT_MEMBER = 'rule:project_member_api'
PROJECT_READER = 'rule:project_reader_api'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'
SERVICE = 'rule:service_api'
SERVICE_OR_ADMIN = 'rule:service_or_admin'
RULE_ANY = '@'

# Nova's API rules are checked against project-scoped tokens only: a
# system-scoped token is refused by oslo.policy before the check string
# is even looked at.
SCOPE_TYPES = ['project']

rules = [
    policy.RuleDefault(
        'context_is_admin', 'role:admin',
        "Who is an administrator: what the 'is_admin:True' check and "
        "every admin-only API rely on."),
    policy.RuleDefault(
        'admin_api', 'is_admin:True',
        'Admin APIs written against the context flag rather than a '
        'role; kept for policy files that still refer to it.'),
    policy.RuleDefault(
        'project_member_api', 'role:member and project_id:%(project_id)s',
        "A member of the project that owns the resource: the default "
        "for changing a project's resources."),
    policy.RuleDefault(
        'project_reader_api', 'role:reader and project_id:%(project_id)s',
        "A reader of the project that owns the resource: the default "
        "for looking at a project's resources."),
    policy.RuleDefault(
        'project_member_or_admin',
        'rule:project_member_api or rule:context_is_admin',
        'A member of the owning project, or an administrator.'),
    policy.RuleDefault(
        'project_reader_or_admin',
        'rule:project_reader_api or rule:context_is_admin',
        'A reader of the owning project, or an administrator.'),
    policy.RuleDefault(
        'service_api', 'role:service',
        'Another OpenStack service (Neutron, Cinder, Ironic) calling '
        'Nova on its own behalf.'),
    policy.RuleDefault(
        'service_or_admin', 'rule:service_api or rule:context_is_admin',
        'Another OpenStack service, or an administrator.'),
]


def api_rule(name, check_str, description, *operations):
    """A documented, project-scoped rule guarding ``operations``.

    Each operation is ``(method, path)``; the sample policy file lists
    them under the rule so an operator sees which calls it affects.
    """
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path}
                    for method, path in operations],
        scope_types=SCOPE_TYPES)


def list_rules():
    return rules
