"""The real Keystone of the functional tests holds the cloud they expect.

The acceptance tests trust this fixture for who may do what: these
tests check the users, scopes and roles it promises, that the
openstack CLI logs in with ``env()``, and that keystonemiddleware set
up from ``authtoken_conf()`` alone accepts its tokens as nova-api will.
"""

import json

from keystonemiddleware import auth_token
from oslo_config import cfg
import pytest
import requests
import webob
import webob.dec

from tests.functional import keystone as keystone_lib

# Until tests/functional/conftest.py imports the fixture for every test.
pytest_plugins = ('tests.functional.keystone_fixture',)


@pytest.mark.parametrize('user, project, role', [
    ('admin', 'admin', 'admin'),
    ('alice', 'project-a', 'member'),
    ('bob', 'project-b', 'member'),
    ('rita', 'project-a', 'reader'),
    ('nova', 'service', 'service'),
])
def test_token_is_scoped_with_its_role(keystone, user, project, role):
    token = keystone.validate(keystone.token(user, project))
    assert token['user']['name'] == user
    assert token['project']['name'] == project
    assert token['project']['id'] == keystone.project_id(project)
    assert role in {r['name'] for r in token['roles']}


def test_reader_is_not_member(keystone):
    roles = keystone.validate(keystone.token('rita', 'project-a'))['roles']
    assert {r['name'] for r in roles} == {'reader'}


def test_no_token_outside_own_project(keystone):
    with pytest.raises(keystone_lib.KeystoneError, match='401'):
        keystone.token('alice', 'project-b')


def test_catalog_follows_compute_endpoint(keystone):
    for port in (8774, 8775):
        url = 'http://127.0.0.1:%d/v2.1' % port
        keystone.set_compute_endpoint(url)
        catalog = keystone.validate(keystone.token('bob', 'project-b'))[
            'catalog']
        compute, = [s for s in catalog if s['type'] == 'compute']
        assert [(e['interface'], e['region'], e['url'])
                for e in compute['endpoints']] == [
                    ('public', keystone_lib.REGION, url)]


def test_openstack_cli_issues_token(keystone):
    issued = json.loads(keystone.openstack(
        'alice', 'project-a', 'token', 'issue', '-f', 'json'))
    assert issued['project_id'] == keystone.project_id('project-a')
    token = keystone.validate(issued['id'])
    assert token['user']['name'] == 'alice'


@webob.dec.wsgify
def _echo_identity(request):
    """What nova-api's code would see of the caller."""
    return webob.Response(json={
        'project_id': request.headers.get('X-Project-Id'),
        'roles': request.headers.get('X-Roles'),
    })


@pytest.fixture(scope='module')
def authtoken(keystone, tmp_path_factory):
    """keystonemiddleware configured by a nova.conf, as nova-api is."""
    conf_file = tmp_path_factory.mktemp('nova') / 'nova.conf'
    conf_file.write_text(keystone.authtoken_conf())
    conf = cfg.ConfigOpts()
    conf(args=[], project='nova', default_config_files=[str(conf_file)])
    return auth_token.AuthProtocol(_echo_identity,
                                   {'oslo_config_config': conf})


def test_authtoken_accepts_keystone_token(keystone, authtoken):
    request = webob.Request.blank('/v2.1/servers', headers={
        'X-Auth-Token': keystone.token('alice', 'project-a')})
    response = request.get_response(authtoken)
    assert response.status_int == 200, response.text
    seen = response.json
    assert seen['project_id'] == keystone.project_id('project-a')
    assert 'member' in seen['roles'].split(',')


@pytest.mark.parametrize('headers', [{'X-Auth-Token': 'bogus'}, {}])
def test_authtoken_rejects_bad_token(keystone, authtoken, headers):
    request = webob.Request.blank('/v2.1/servers', headers=headers)
    response = request.get_response(authtoken)
    assert response.status_int == 401
    assert keystone.url in response.headers['WWW-Authenticate']


def test_keystone_answers_over_http(keystone):
    """Version discovery, which openstackclient starts with."""
    resp = requests.get(keystone.auth_url, timeout=10)
    assert resp.json()['version']['id'] == 'v3.14'
