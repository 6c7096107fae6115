"""The pipeline around the controllers: request ids, faults, noauth2,
policy, routing errors."""

import json

from keystonemiddleware import auth_token
from oslo_context import context as oslo_context
from oslo_middleware import cors
from oslo_policy import policy as oslo_policy
import pytest
import webob
import webob.exc

from common import exception
from nova_api import auth
from nova_api import host_api
from nova_api import policy
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault

GLOBAL_ID = 'req-12345678-1234-1234-1234-123456789abc'


@pytest.fixture
def seen_contexts(monkeypatch):
    """The contexts the policy check is given."""
    seen = []
    real = policy.authorize

    def authorize(context, action):
        seen.append(context)
        return real(context, action)

    monkeypatch.setattr(policy, 'authorize', authorize)
    return seen


def test_every_response_has_a_request_id(cloud):
    for response in (cloud.request('/'), cloud.request('/v2.1/nowhere'),
                     cloud.request('/v2.1/os-services', token=None)):
        request_id = response.headers['x-openstack-request-id']
        assert request_id.startswith('req-')
        assert response.headers['x-compute-request-id'] == request_id


def test_context_carries_request_and_global_request_id(cloud, seen_contexts):
    response = cloud.request('/v2.1/os-services', headers={
        'X-OpenStack-Request-ID': GLOBAL_ID})
    assert response.status_int == 200
    ctxt = seen_contexts[0]
    assert ctxt.global_request_id == GLOBAL_ID
    assert ctxt.request_id == response.headers['x-openstack-request-id']
    assert (ctxt.user_id, ctxt.project_id) == ('admin', 'admin')
    assert ctxt.is_admin and ctxt.roles == ['admin', 'member', 'reader']


def test_noauth2_member_and_bare_user(cloud, seen_contexts):
    """Roles come with those they imply, as in a Keystone token."""
    cloud.request('/v2.1/os-services', token=MEMBER)
    cloud.request('/v2.1/os-services', token='alice')
    member, alice = seen_contexts
    assert (member.user_id, member.project_id, member.roles,
            member.is_admin) == ('demo', 'demo', ['member', 'reader'], False)
    assert (alice.user_id, alice.project_id) == ('alice', 'alice')


@pytest.fixture
def members_are_admins():
    """policy.yaml saying ``context_is_admin: role:member``."""
    policy.init().set_rules(oslo_policy.Rules.from_dict(
        {'context_is_admin': 'role:member'}), overwrite=False,
        use_conf=False)
    yield
    policy.reset()


def test_is_admin_comes_from_the_policy(cloud, seen_contexts,
                                        members_are_admins):
    response = cloud.request('/v2.1/os-services', token=MEMBER)
    assert response.status_int == 200
    assert seen_contexts[0].is_admin


def test_missing_token_is_401(cloud):
    response = cloud.request('/v2.1/os-services', token=None)
    assert_fault(response, 401, 'unauthorized', auth.UNAUTHORIZED)
    assert response.headers['WWW-Authenticate']


@pytest.mark.parametrize('path, rule', [
    ('/v2.1/os-services', 'os_compute_api:os-services:list'),
    ('/v2.1/os-hypervisors', 'os_compute_api:os-hypervisors:list'),
    ('/v2.1/os-hypervisors/detail',
     'os_compute_api:os-hypervisors:list-detail'),
    ('/v2.1/os-hypervisors/statistics',
     'os_compute_api:os-hypervisors:statistics'),
    ('/v2.1/os-hypervisors/1', 'os_compute_api:os-hypervisors:show'),
])
def test_admin_only_resources_are_403_for_members(cloud, path, rule):
    assert_fault(cloud.request(path, token=MEMBER), 403, 'forbidden',
                 "Policy doesn't allow %s to be performed." % rule)


def test_unknown_url_is_404_in_nova_format(cloud):
    assert_fault(cloud.request('/v2.1/os-nothing'), 404, 'itemNotFound',
                 'The resource could not be found.')


def test_wrong_method_is_404_as_in_nova(cloud):
    """Nova's mapper matches path and method together: no 405."""
    response = cloud.request('/v2.1/os-hypervisors', method='POST',
                             body={})
    assert_fault(response, 404, 'itemNotFound',
                 'The resource could not be found.')
    assert 'Allow' not in response.headers


def test_a_bug_is_500_without_traceback(cloud, monkeypatch, caplog):
    def explode(self, **kwargs):
        raise ValueError('secret detail')

    monkeypatch.setattr(host_api.HostAPI, 'service_get_all', explode)
    response = cloud.request('/v2.1/os-services')
    message = assert_fault(response, 500, 'computeFault')
    assert message.startswith('Unexpected API Error. ')
    assert message.endswith("<class 'ValueError'>")
    assert 'secret detail' not in response.text
    assert 'Traceback' not in response.text
    assert 'secret detail' in caplog.text


def test_malformed_json_body_is_400(cloud):
    response = cloud.request('/v2.1/os-services/enable', method='PUT',
                             data=b'{"host": ', headers={
                                 'Content-Type': 'application/json'})
    assert_fault(response, 400, 'badRequest', 'Malformed request body')


def _recording_app():
    """An application behind KeystoneContext; the contexts it saw."""
    seen = []

    def app(environ, start_response):
        seen.append(environ['nova.context'])
        start_response('204 No Content', [])
        return []

    return seen, app


def test_keystone_strategy_builds_context_from_auth_token_headers(
        cloud, config):
    config.config(auth_strategy='keystone', group='api')
    seen, app = _recording_app()
    req = webob.Request.blank('/', headers={
        'X-User-Id': 'u1', 'X-Project-Id': 'p1', 'X-Roles': 'member,admin',
        'X-Identity-Status': 'Confirmed'})
    assert req.get_response(auth.KeystoneContext(app)).status_int == 204
    assert (seen[0].user_id, seen[0].project_id, seen[0].roles,
            seen[0].is_admin) == ('u1', 'p1', ['member', 'admin'], True)
    req.headers['X-Roles'] = 'member,reader'
    req.get_response(auth.KeystoneContext(app))
    assert not seen[1].is_admin
    anonymous = webob.Request.blank('/').get_response(
        auth.KeystoneContext(app))
    assert_fault(anonymous, 401, 'unauthorized')


def test_keystone_context_keeps_the_catalog_nova_calls_into(cloud, config):
    """nova-api and nova-compute find Glance in the caller's catalog;
    services Nova never calls are dropped from the context."""
    config.config(auth_strategy='keystone', group='api')
    seen, app = _recording_app()
    image = {'type': 'image', 'name': 'glance', 'endpoints': [
        {'publicURL': 'http://glance:9292', 'region': 'RegionOne'}]}
    identity = {'type': 'identity', 'name': 'keystone', 'endpoints': []}
    headers = {'X-User-Id': 'u1', 'X-Project-Id': 'p1', 'X-Roles': 'member',
               'X-Service-Catalog': json.dumps([image, identity])}
    webob.Request.blank('/', headers=headers).get_response(
        auth.KeystoneContext(app))
    headers['X-Service-Catalog'] = '{not json'
    webob.Request.blank('/', headers=headers).get_response(
        auth.KeystoneContext(app))
    assert seen[0].service_catalog == [image]
    assert seen[0].from_dict(seen[0].to_dict()).service_catalog == [image]
    assert seen[0].elevated().service_catalog == [image]
    assert seen[1].service_catalog == []


def test_keystone_strategy_puts_auth_token_in_front(cloud, config):
    for group, opts in auth_token.list_opts():
        config.register_opts(opts, group=group)
    config.config(www_authenticate_uri='http://keystone.example/identity',
                  group='keystone_authtoken')
    config.config(auth_strategy='keystone', group='api')
    response = cloud.request('/v2.1/os-services', token=None)
    assert response.status_int == 401
    assert response.headers['WWW-Authenticate'] == (
        'Keystone uri="http://keystone.example/identity"')
    assert cloud.request('/v2.1/', token=None).status_int == 200


def test_unauthenticated_requests_log_their_own_request_id(cloud):
    first = cloud.request('/v2.1/os-services')
    refused = cloud.request('/v2.1/os-services', token=None)
    current = oslo_context.get_current()
    assert current.request_id == refused.headers['x-openstack-request-id']
    assert current.request_id != first.headers['x-openstack-request-id']


def _over_limit(monkeypatch, error):
    def refuse(self, **kwargs):
        raise error
    monkeypatch.setattr(host_api.HostAPI, 'service_get_all', refuse)


def test_quota_error_is_413_with_retry_after(cloud, monkeypatch):
    _over_limit(monkeypatch, exception.QuotaError(code='ram'))
    response = cloud.request('/v2.1/os-services')
    assert_fault(response, 413, 'overLimit', 'Quota exceeded: code=ram')
    assert response.headers['Retry-After'] == '0'
    assert response.json['overLimit']['retryAfter'] == '0'


def test_too_many_requests_keeps_its_retry_after(cloud, monkeypatch):
    _over_limit(monkeypatch, webob.exc.HTTPTooManyRequests(
        explanation='Slow down', headers={'Retry-After': '30'}))
    response = cloud.request('/v2.1/os-services')
    assert_fault(response, 429, 'overLimit', 'Slow down')
    assert response.headers['Retry-After'] == '30'
    assert response.json['overLimit']['retryAfter'] == '30'


ORIGIN = 'https://dashboard.example'


@pytest.fixture
def cors_origin(cloud, config):
    config.register_opts(cors.CORS_OPTS, group='cors')
    config.config(allowed_origin=[ORIGIN], group='cors')


def test_cors_preflight_needs_no_token(cloud, cors_origin):
    response = cloud.request(
        '/v2.1/os-services', method='OPTIONS', token=None, headers={
            'Origin': ORIGIN, 'Access-Control-Request-Method': 'GET',
            'Access-Control-Request-Headers': 'X-Auth-Token,'
                                              'OpenStack-API-Version'})
    assert response.status_int == 200
    assert response.headers['Access-Control-Allow-Origin'] == ORIGIN
    assert 'OpenStack-API-Version' in response.headers[
        'Access-Control-Allow-Headers']


def test_cors_answers_expose_nova_headers(cloud, cors_origin):
    response = cloud.request('/v2.1/os-services',
                             headers={'Origin': ORIGIN})
    assert response.status_int == 200
    assert response.headers['Access-Control-Allow-Origin'] == ORIGIN
    exposed = response.headers['Access-Control-Expose-Headers']
    assert 'X-Openstack-Request-Id' in exposed
    assert 'OpenStack-API-Version' in exposed
    other = cloud.request('/v2.1/os-services',
                          headers={'Origin': 'https://evil.example'})
    assert 'Access-Control-Allow-Origin' not in other.headers


def _self_link(cloud):
    response = cloud.request('/v2.1/', token=None, headers={
        'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'nova.example'})
    return response.json['version']['links'][0]['href']


def test_proxy_headers_parsed_only_when_enabled(cloud, config):
    assert _self_link(cloud) == 'http://localhost/v2.1/'
    cloud.app = None
    config.config(enable_proxy_headers_parsing=True,
                  group='oslo_middleware')
    assert _self_link(cloud) == 'https://nova.example/v2.1/'


def test_request_body_size_is_limited(cloud, config):
    cloud.request('/')
    config.config(max_request_body_size=10, group='oslo_middleware')
    response = cloud.request('/v2.1/os-services/enable', method='PUT',
                             body={'host': 'cmp1', 'binary': 'nova-compute'})
    assert response.status_int == 413
