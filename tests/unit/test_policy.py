"""Policy: Nova's default decisions, overrides in policy.yaml, the
generated sample, and rule names the controllers use being registered.

The personas carry the roles a Keystone token lists, implied ones
included (admin implies member implies reader).  Resources belong to
user ``alice`` of project ``p1``.
"""

import ast
import difflib
import pathlib
import subprocess
import sys

from oslo_config import fixture as config_fixture
from oslo_policy import policy as oslo_policy
import pytest

from common import conf
from common import context as nova_context
from common import exception
from nova_api import policies
from nova_api import policy

CONF = conf.CONF
REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / 'etc' / 'nova' / 'policy.yaml.sample'
GENERATOR_CONF = REPO / 'etc' / 'nova' / 'nova-policy-generator.conf'
CONTROLLERS = REPO / 'nova_api' / 'controllers'
BIN = pathlib.Path(sys.executable).parent

OWNER = {'project_id': 'p1', 'user_id': 'alice'}


def _context(user_id, project_id, *roles, **kwargs):
    return nova_context.RequestContext(
        user_id=user_id, project_id=project_id, roles=list(roles),
        is_admin='admin' in roles, **kwargs)


PERSONAS = {
    'admin': _context('root', 'admin', 'admin', 'member', 'reader'),
    'member': _context('alice', 'p1', 'member', 'reader'),
    'reader': _context('bob', 'p1', 'reader'),
    'other_project': _context('carol', 'p2', 'member', 'reader'),
}

# Who Nova's defaults let in, on a resource of alice in p1.
ANYONE = {'admin', 'member', 'reader', 'other_project'}
ADMIN = {'admin'}
READER_OR_ADMIN = {'admin', 'member', 'reader'}
MEMBER_OR_ADMIN = {'admin', 'member'}
MEMBER = {'member'}
OWNER_OR_ADMIN = {'admin', 'member'}  # alice is the member persona

EXPECTED = {
    'os_compute_api:os-services:list': ADMIN,
    'os_compute_api:os-services:update': ADMIN,
    'os_compute_api:os-services:delete': ADMIN,
    'os_compute_api:os-hypervisors:list': ADMIN,
    'os_compute_api:os-hypervisors:list-detail': ADMIN,
    'os_compute_api:os-hypervisors:statistics': ADMIN,
    'os_compute_api:os-hypervisors:show': ADMIN,
    'os_compute_api:os-hypervisors:uptime': ADMIN,
    'os_compute_api:os-hypervisors:search': ADMIN,
    'os_compute_api:os-hypervisors:servers': ADMIN,
    'os_compute_api:os-flavor-manage:create': ADMIN,
    'os_compute_api:os-flavor-manage:update': ADMIN,
    'os_compute_api:os-flavor-manage:delete': ADMIN,
    'os_compute_api:os-flavor-extra-specs:index': READER_OR_ADMIN,
    'os_compute_api:os-flavor-extra-specs:show': READER_OR_ADMIN,
    'os_compute_api:os-flavor-extra-specs:create': ADMIN,
    'os_compute_api:os-flavor-extra-specs:update': ADMIN,
    'os_compute_api:os-flavor-extra-specs:delete': ADMIN,
    'os_compute_api:os-flavor-access': ADMIN,
    'os_compute_api:os-flavor-access:add_tenant_access': ADMIN,
    'os_compute_api:os-flavor-access:remove_tenant_access': ADMIN,
    'os_compute_api:os-keypairs:index': OWNER_OR_ADMIN,
    'os_compute_api:os-keypairs:create': OWNER_OR_ADMIN,
    'os_compute_api:os-keypairs:delete': OWNER_OR_ADMIN,
    'os_compute_api:os-keypairs:show': OWNER_OR_ADMIN,
    'os_compute_api:limits': ANYONE,
    'os_compute_api:limits:other_project': ADMIN,
    'os_compute_api:os-networks:list': READER_OR_ADMIN,
    'os_compute_api:os-networks:view': READER_OR_ADMIN,
    'os_compute_api:os-quota-sets:show': READER_OR_ADMIN,
    'os_compute_api:os-quota-sets:update': ADMIN,
    'os_compute_api:os-quota-sets:defaults': ANYONE,
    'os_compute_api:os-quota-sets:delete': ADMIN,
    'os_compute_api:os-quota-sets:detail': READER_OR_ADMIN,
    'os_compute_api:os-quota-class-sets:show': ADMIN,
    'os_compute_api:os-quota-class-sets:update': ADMIN,
    'os_compute_api:os-availability-zone:list': ANYONE,
    'os_compute_api:os-availability-zone:detail': ADMIN,
    'os_compute_api:os-server-groups:create': MEMBER,
    'os_compute_api:os-server-groups:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-groups:index': READER_OR_ADMIN,
    'os_compute_api:os-server-groups:index:all_projects': ADMIN,
    'os_compute_api:os-server-groups:show': READER_OR_ADMIN,
    'os_compute_api:os-aggregates:index': ADMIN,
    'os_compute_api:os-aggregates:create': ADMIN,
    'os_compute_api:os-aggregates:show': ADMIN,
    'os_compute_api:os-aggregates:update': ADMIN,
    'os_compute_api:os-aggregates:delete': ADMIN,
    'os_compute_api:os-aggregates:add_host': ADMIN,
    'os_compute_api:os-aggregates:remove_host': ADMIN,
    'os_compute_api:os-aggregates:set_metadata': ADMIN,
    'os_compute_api:os-aggregates:images': ADMIN,
    'os_compute_api:extensions': ANYONE,
    'os_compute_api:servers:index': READER_OR_ADMIN,
    'os_compute_api:servers:detail': READER_OR_ADMIN,
    'os_compute_api:servers:index:get_all_tenants': ADMIN,
    'os_compute_api:servers:detail:get_all_tenants': ADMIN,
    'os_compute_api:servers:allow_all_filters': ADMIN,
    'os_compute_api:servers:show': READER_OR_ADMIN,
    'os_compute_api:servers:show:flavor-extra-specs': READER_OR_ADMIN,
    'os_compute_api:servers:show:host_status': ADMIN,
    'os_compute_api:servers:show:host_status:unknown-only': ADMIN,
    'os_compute_api:servers:create:forced_host': ADMIN,
    'os_compute_api:servers:create:zero_disk_flavor': ADMIN,
    'os_compute_api:servers:create': MEMBER_OR_ADMIN,
    'os_compute_api:servers:create:attach_volume': MEMBER_OR_ADMIN,
    'os_compute_api:servers:create:attach_network': MEMBER_OR_ADMIN,
    'os_compute_api:servers:create:trusted_certs': MEMBER_OR_ADMIN,
    'os_compute_api:servers:delete': MEMBER_OR_ADMIN,
    'os_compute_api:servers:update': MEMBER_OR_ADMIN,
    'os_compute_api:servers:confirm_resize': MEMBER_OR_ADMIN,
    'os_compute_api:servers:revert_resize': MEMBER_OR_ADMIN,
    'os_compute_api:servers:reboot': MEMBER_OR_ADMIN,
    'os_compute_api:servers:resize': MEMBER_OR_ADMIN,
    'os_compute_api:servers:rebuild': MEMBER_OR_ADMIN,
    'os_compute_api:servers:rebuild:trusted_certs': MEMBER_OR_ADMIN,
    'os_compute_api:servers:create_image': MEMBER_OR_ADMIN,
    'os_compute_api:servers:create_image:allow_volume_backed': MEMBER_OR_ADMIN,
    'os_compute_api:servers:start': MEMBER_OR_ADMIN,
    'os_compute_api:servers:stop': MEMBER_OR_ADMIN,
    'os_compute_api:servers:trigger_crash_dump': MEMBER_OR_ADMIN,
    'os_compute_api:os-extended-server-attributes': ADMIN,
    'os_compute_api:server-metadata:index': READER_OR_ADMIN,
    'os_compute_api:server-metadata:show': READER_OR_ADMIN,
    'os_compute_api:server-metadata:create': MEMBER_OR_ADMIN,
    'os_compute_api:server-metadata:update_all': MEMBER_OR_ADMIN,
    'os_compute_api:server-metadata:update': MEMBER_OR_ADMIN,
    'os_compute_api:server-metadata:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-tags:index': READER_OR_ADMIN,
    'os_compute_api:os-server-tags:show': READER_OR_ADMIN,
    'os_compute_api:os-server-tags:update': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-tags:update_all': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-tags:delete': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-tags:delete_all': MEMBER_OR_ADMIN,
    'os_compute_api:os-instance-actions:list': READER_OR_ADMIN,
    'os_compute_api:os-instance-actions:show': READER_OR_ADMIN,
    'os_compute_api:os-instance-actions:events': ADMIN,
    'os_compute_api:os-instance-actions:events:details': ADMIN,
    # The service role only, which no persona has: see
    # test_external_events_are_for_services.
    'os_compute_api:os-server-external-events:create': set(),
    'os_compute_api:os-simple-tenant-usage:list': ADMIN,
    'os_compute_api:os-simple-tenant-usage:show': READER_OR_ADMIN,
    'os_compute_api:os-pause-server:pause': MEMBER_OR_ADMIN,
    'os_compute_api:os-pause-server:unpause': MEMBER_OR_ADMIN,
    'os_compute_api:os-suspend-server:suspend': MEMBER_OR_ADMIN,
    'os_compute_api:os-suspend-server:resume': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:lock': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:unlock': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:unlock:unlock_override': ADMIN,
    'os_compute_api:os-console-output': MEMBER_OR_ADMIN,
    'os_compute_api:os-remote-consoles': MEMBER_OR_ADMIN,
    'os_compute_api:os-console-auth-tokens': ADMIN,
    'os_compute_api:os-rescue': MEMBER_OR_ADMIN,
    'os_compute_api:os-unrescue': MEMBER_OR_ADMIN,
    'os_compute_api:os-server-diagnostics': ADMIN,
}

BASE_RULES = {
    'context_is_admin': 'role:admin',
    'admin_api': 'is_admin:True',
    'project_member_api': 'role:member and project_id:%(project_id)s',
    'project_reader_api': 'role:reader and project_id:%(project_id)s',
    'project_member_or_admin':
        'rule:project_member_api or rule:context_is_admin',
    'project_reader_or_admin':
        'rule:project_reader_api or rule:context_is_admin',
    'service_api': 'role:service',
    'service_or_admin': 'rule:service_api or rule:context_is_admin',
}


@pytest.fixture(autouse=True)
def enforcer():
    """A fresh Enforcer per test, so no policy file leaks between
    tests."""
    policy.reset()
    yield policy.init()
    policy.reset()


def _allowed(persona, action, target=OWNER):
    return policy.allowed(PERSONAS[persona], action, target)


def test_every_api_rule_has_an_expected_decision():
    api_rules = {rule.name for rule in policies.list_rules()
                 if rule.name.startswith('os_compute_api:')}
    assert api_rules == set(EXPECTED)


def test_rule_names_are_unique():
    names = [rule.name for rule in policies.list_rules()]
    assert len(names) == len(set(names))


def test_base_rules():
    defaults = {rule.name: rule.check_str for rule in policies.list_rules()}
    assert {name: defaults[name] for name in BASE_RULES} == BASE_RULES


def test_api_rules_are_documented_and_project_scoped():
    for rule in policies.list_rules():
        if rule.name.startswith('os_compute_api:'):
            assert isinstance(rule, oslo_policy.DocumentedRuleDefault)
            assert rule.scope_types == ['project'], rule.name
            assert rule.description.strip(), rule.name


@pytest.mark.parametrize('action', sorted(EXPECTED))
def test_default_decision(action):
    allowed = {persona for persona in PERSONAS if _allowed(persona, action)}
    assert allowed == EXPECTED[action]


def test_keypairs_of_the_caller_are_the_default_target():
    action = 'os_compute_api:os-keypairs:index'
    for persona in PERSONAS:
        assert policy.authorize(PERSONAS[persona], action)
    other_user = {'project_id': 'p1', 'user_id': 'dave'}
    assert not _allowed('member', action, other_user)
    assert _allowed('admin', action, other_user)


@pytest.mark.parametrize('action, expected', [
    ('compute:servers:create:requested_destination', ADMIN),
    ('network:attach_external_network', ADMIN),
    ('compute:servers:resize:cross_cell', set()),
])
def test_servers_rules_named_outside_the_api_namespace(action, expected):
    allowed = {persona for persona in PERSONAS if _allowed(persona, action)}
    assert allowed == expected


def test_server_group_is_created_in_the_callers_project():
    action = 'os_compute_api:os-server-groups:create'
    assert policy.authorize(PERSONAS['admin'], action)
    assert policy.authorize(PERSONAS['other_project'], action)
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(PERSONAS['reader'], action)


def test_external_events_are_for_services():
    action = 'os_compute_api:os-server-external-events:create'
    neutron = _context('neutron', 'service', 'service')
    assert policy.authorize(neutron, action, {})
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(PERSONAS['admin'], action, {})


def test_refusal_is_novas_403():
    with pytest.raises(exception.PolicyNotAuthorized) as raised:
        policy.authorize(PERSONAS['member'],
                         'os_compute_api:os-services:list')
    assert raised.value.code == 403
    assert str(raised.value) == (
        "Policy doesn't allow os_compute_api:os-services:list to be "
        "performed.")


@pytest.mark.parametrize('check', [policy.authorize, policy.allowed])
def test_unregistered_rule_is_a_bug_not_a_refusal(check):
    with pytest.raises(oslo_policy.PolicyNotRegistered):
        check(PERSONAS['admin'], 'os_compute_api:no-such-rule')


def test_system_scoped_token_is_refused():
    system_admin = _context('root', None, 'admin', system_scope='all')
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(system_admin, 'os_compute_api:os-services:list')


def test_secure_defaults_are_on():
    assert CONF.oslo_policy.enforce_new_defaults is True
    assert CONF.oslo_policy.policy_file == 'policy.yaml'


def test_defaults_apply_before_the_configuration_is_parsed():
    # An API built in-process (tests) never parses nova.conf; there is
    # no policy.yaml to look for then, and no error either.
    assert not policy.init().use_conf
    assert policy.authorize(PERSONAS['admin'],
                            'os_compute_api:os-services:list')


def test_policy_file_missing_means_defaults(policy_file):
    policy_file.unlink()
    assert policy.init().use_conf
    assert _allowed('admin', 'os_compute_api:os-services:list')
    assert not _allowed('member', 'os_compute_api:os-services:list')


def test_check_is_admin():
    assert policy.check_is_admin(PERSONAS['admin'])
    assert not policy.check_is_admin(PERSONAS['member'])


@pytest.fixture
def policy_file(tmp_path):
    """A parsed (empty) configuration whose [oslo_policy] policy_file
    is a file the test writes; undone by the fixture's reset."""
    path = tmp_path / 'policy.yaml'
    path.write_text('{}\n')
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    CONF([], default_config_files=[])
    fixture.config(policy_file=str(path), group='oslo_policy')
    yield path
    fixture.cleanUp()


def test_policy_yaml_overrides_one_rule(policy_file):
    policy_file.write_text(
        '"os_compute_api:os-services:list": "rule:project_reader_api"\n')
    assert _allowed('reader', 'os_compute_api:os-services:list')
    assert not _allowed('other_project', 'os_compute_api:os-services:list')
    # The other rules keep their defaults.
    assert not _allowed('reader', 'os_compute_api:os-services:delete')


def test_redefining_admin_moves_every_admin_check(policy_file):
    policy_file.write_text('"context_is_admin": "role:cloud_admin"\n')
    assert not _allowed('admin', 'os_compute_api:os-services:list')
    assert not policy.check_is_admin(PERSONAS['admin'])
    cloud_admin = _context('root', 'admin', 'cloud_admin')
    assert policy.authorize(cloud_admin, 'os_compute_api:os-services:list')
    assert policy.check_is_admin(cloud_admin)


def test_sample_is_up_to_date(tmp_path):
    out = tmp_path / 'policy.yaml.sample'
    proc = subprocess.run(
        [str(BIN / 'oslopolicy-sample-generator'), '--config-file',
         str(GENERATOR_CONF), '--output-file', str(out)],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    fresh = out.read_text().splitlines(keepends=True)
    committed = SAMPLE.read_text().splitlines(keepends=True)
    if fresh != committed:
        diff = ''.join(list(difflib.unified_diff(
            committed, fresh, 'committed', 'generated'))[:40])
        pytest.fail('etc/nova/policy.yaml.sample is stale: run '
                    'tools/gen-config-sample.sh\n' + diff)


def test_enforcer_entry_point_serves_the_oslopolicy_tools(tmp_path):
    proc = subprocess.run(
        [str(BIN / 'oslopolicy-policy-generator'), '--namespace', 'nova'],
        cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert ('"os_compute_api:os-services:list": "rule:context_is_admin"'
            in proc.stdout)


def _rule_names_in(source):
    """The rule names a module passes to authorize: string literals
    starting with ``os_compute_api:``, and templates such as
    ``POLICY = 'os_compute_api:os-services:%s'`` expanded with every
    string literal found on the right of ``POLICY % ...``."""
    tree = ast.parse(source)
    templates = {}
    names = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and
                isinstance(node.value, ast.Constant) and
                isinstance(node.value.value, str) and
                '%s' in node.value.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    templates[target.id] = node.value.value
        elif (isinstance(node, ast.Constant) and
              isinstance(node.value, str) and
              node.value.startswith('os_compute_api:') and
              '%' not in node.value):
            names.add(node.value)
    for node in ast.walk(tree):
        if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and
                isinstance(node.left, ast.Name) and
                templates.get(node.left.id, '').startswith(
                    'os_compute_api:')):
            names.update(
                templates[node.left.id] % leaf.value
                for leaf in ast.walk(node.right)
                if isinstance(leaf, ast.Constant) and
                isinstance(leaf.value, str))
    return names


def test_rules_used_by_controllers_are_registered():
    used = set()
    for path in CONTROLLERS.rglob('*.py'):
        used |= _rule_names_in(path.read_text())
    assert used, 'no rule names found: has the controllers layout moved?'
    registered = {rule.name for rule in policies.list_rules()}
    assert used - registered == set()
