"""Who is calling: the middleware that puts a RequestContext in
``environ['nova.context']`` for ``[api] auth_strategy``.

``keystone``: keystonemiddleware's auth_token validates the token
(configured in ``[keystone_authtoken]``) and passes the identity on in
headers (X-User-Id, X-Project-Id, X-Roles...), from which
``KeystoneContext`` builds the context.

``noauth2`` (development and tests): the token is ``user:project`` and
is believed; the user named ``admin`` has the ``admin`` role.  Roles
come with those they imply, as in a Keystone token (admin implies
member, member implies reader): the default rules ask for ``reader`` or
``member`` and would refuse a bare ``member``.

Either way ``context.is_admin`` is what the ``context_is_admin`` rule
says of the caller, as in Nova, so policy.yaml decides who is an
administrator.
"""

import json

import webob.dec

from common import conf
from common import context as nova_context
from nova_api import faults
from nova_api import policy

CONF = conf.CONF

UNAUTHORIZED = 'The request you have made requires authentication.'
NOAUTH_ADMIN_ROLES = ['admin', 'member', 'reader']
NOAUTH_ROLES = ['member', 'reader']


def _unauthorized(challenge=None):
    headers = {'WWW-Authenticate': challenge} if challenge else None
    return faults.fault_response(401, UNAUTHORIZED, headers)


def _context(req, **identity):
    """The request's context; it also becomes the thread's current one,
    so every log line of this request names its request id."""
    ctxt = nova_context.RequestContext(
        request_id=req.environ.get('openstack.request_id'),
        global_request_id=req.environ.get('openstack.global_request_id'),
        **identity)
    ctxt.is_admin = policy.check_is_admin(ctxt)
    return ctxt


class NoAuthMiddleware:
    """``X-Auth-Token: user:project``; a bare ``user`` is its own
    project."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        token = req.headers.get('X-Auth-Token')
        if not token:
            return _unauthorized('Token realm="noauth2"')
        user_id, _sep, project_id = token.partition(':')
        roles = NOAUTH_ADMIN_ROLES if user_id == 'admin' else NOAUTH_ROLES
        req.environ['nova.context'] = _context(
            req, user_id=user_id, project_id=project_id or user_id,
            roles=list(roles), auth_token=token)
        return req.get_response(self.application)


class KeystoneContext:
    """The context of a request auth_token has vouched for."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        headers = req.headers
        user_id = headers.get('X-User-Id') or headers.get('X-User')
        if not user_id:
            # auth_token already challenged anonymous requests; a token
            # without a user is simply refused.
            return _unauthorized()
        roles = [role.strip() for role in
                 headers.get('X-Roles', '').split(',') if role.strip()]
        req.environ['nova.context'] = _context(
            req, user_id=user_id,
            project_id=headers.get('X-Project-Id') or
            headers.get('X-Tenant-Id'),
            user_name=headers.get('X-User-Name'),
            project_name=headers.get('X-Project-Name'),
            roles=roles, auth_token=headers.get('X-Auth-Token'),
            service_catalog=_service_catalog(headers))
        return req.get_response(self.application)


def _service_catalog(headers):
    """The catalog of auth_token's X-Service-Catalog (JSON), or none."""
    try:
        catalog = json.loads(headers.get('X-Service-Catalog') or '[]')
    except ValueError:
        return []
    return catalog if isinstance(catalog, list) else []


def pipeline(application):
    """``application`` behind the authentication ``auth_strategy`` asks."""
    if CONF.api.auth_strategy == 'noauth2':
        return NoAuthMiddleware(application)
    # Imported only when used: ~20 MiB of each worker (keystoneclient,
    # oslo.cache) that a noauth2 development cloud does not need.
    from keystonemiddleware import auth_token  # noqa: PLC0415
    return auth_token.AuthProtocol(KeystoneContext(application),
                                   {'oslo_config_config': CONF})
