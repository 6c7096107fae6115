"""The pecan application: from a route table to controller methods.

Pecan's object-dispatch is bypassed on purpose: routes stay one flat,
readable table (``nova_api.routes``) of method, path template and
controller action, as in Nova's ``ROUTE_LIST``.  The root controller's
``_route`` hands every request to ``Router.dispatch``, which finds the
action for the request's microversion, calls it and turns its result,
or its exception, into the response.
"""

import re

from oslo_serialization import jsonutils
import pecan
from pecan import core as pecan_core
from pecan import routing as pecan_routing
import webob
import webob.exc

from nova_api import api_version
from nova_api import faults

_BODY_METHODS = ('POST', 'PUT')
_PARAM = re.compile(r'\{(\w+)\}')


def _inspected_once(getargspec):
    """pecan inspects the signature of ``_route`` and of the controller
    it calls on every request, and its getargspec builds a new
    namedtuple class each time: ~5% of nova-api's CPU under a burst of
    requests.  Here those are two methods that never change, so each is
    inspected once."""
    specs = {}

    def remembered(method):
        key = getattr(method, '__func__', method)
        if key not in specs:
            specs[key] = getargspec(method)
        return specs[key]
    return remembered


for _module in (pecan_core, pecan_routing):
    _module.getargspec = _inspected_once(_module.getargspec)


class Request(pecan.Request):
    """What controllers need from a request, by name."""

    @property
    def nova_context(self):
        return self.environ['nova.context']

    @property
    def api_version_request(self):
        return self.environ['nova.api_version_request']

    @property
    def is_legacy_v2(self):
        return self.environ.get('nova.legacy_v2', False)


def response(code):
    """Declare the status of an action's success (default 200)."""
    def decorate(action):
        action.wsgi_code = code
        return action
    return decorate


def body_optional(action):
    """Declare an action that takes no body (a schema of type null,
    as adding a server tag): a request without one calls it with
    ``body=None`` instead of being refused."""
    action.body_optional = True
    return action


def _compile(template):
    """'/os-services/{id}' -> a regex capturing ``id``."""
    pattern = _PARAM.sub(r'(?P<\1>[^/]+)', re.escape(template).replace(
        r'\{', '{').replace(r'\}', '}'))
    return re.compile('^%s/?$' % pattern)


class Route:
    def __init__(self, method, template, action):
        self.method = method
        self.template = template
        self.regex = _compile(template)
        self.action = action


class Router:
    """Dispatches requests through ``routes``.

    ``routes`` is a sequence of (method, path template, controller
    class, action name); each controller class is instantiated once.
    ``fallback`` (controller class, action name) answers paths no route
    knows instead of a 404.  With ``microversions`` the request's
    version is negotiated and announced in the response; without, it is
    not (the root document).
    """

    def __init__(self, routes, fallback=None, microversions=True):
        self._controllers = {}
        self.routes = [Route(method, template, self._action(cls, action))
                       for method, template, cls, action in routes]
        self.fallback = self._action(*fallback) if fallback else None
        self.microversions = microversions

    def _action(self, controller_cls, name):
        controller = self._controllers.setdefault(controller_cls,
                                                  controller_cls())
        return getattr(controller, name)

    @pecan.expose(content_type='application/json')
    def _route(self, args, request):
        # Nova answers JSON whatever the Accept header says: stop pecan
        # from negotiating (it would refuse other types with a 406).
        request.pecan['content_type'] = 'application/json'
        return self.dispatch, []

    @pecan.expose(content_type='application/json')
    def dispatch(self, req, resp):
        version = None
        try:
            if self.microversions:
                version = self._version(req)
            action, params = self._match(req, version)
            if req.method in _BODY_METHODS:
                params['body'] = _json_body(req, action)
            result = action(req, **params)
            response = _render(result, getattr(action, 'wsgi_code', 200))
        except Exception as error:
            response = faults.from_exception(error)
        if version is not None:
            api_version.set_response_headers(response, version)
        return response

    @staticmethod
    def _version(req):
        """Negotiate the microversion; a legacy /v2 request has none to
        ask for and gets the minimum."""
        version = (api_version.MIN if req.is_legacy_v2 else
                   api_version.from_headers(req.headers))
        req.environ['nova.api_version_request'] = version
        return version

    def _match(self, req, version):
        """The action of the first route of the request's path and
        method, in the version asked for.

        As in Nova's mapper, the first route matching path and method
        decides, even when it does not serve the version (404): a route
        removed in a version, like ``/os-hypervisors/statistics`` in
        2.88, is not answered by a later ``/os-hypervisors/{id}``.  A
        known path asked with another method is a 404 too: Nova has no
        405.
        """
        path = req.path_info or '/'
        matches = [(route, route.regex.match(path)) for route in self.routes]
        matches = [(route, m) for route, m in matches if m]
        if not matches and self.fallback:
            return self.fallback, {}
        chosen = [(route, m) for route, m in matches
                  if route.method == req.method]
        for route, match in chosen:
            if route.template == chosen[0][0].template and (
                    version is None or
                    api_version.serves(route.action, version)):
                return route.action, match.groupdict()
        raise webob.exc.HTTPNotFound()


def _json_body(req, action):
    if not req.body:
        if getattr(action, 'body_optional', False):
            return None
        # Nova calls the action without a body, which then fails.
        raise webob.exc.HTTPBadRequest()
    try:
        return jsonutils.loads(req.body)
    except ValueError:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')


def _render(result, code):
    """An action's return value as a response: a dict is the JSON body,
    None an empty body (with the action's code), a Response itself."""
    if isinstance(result, webob.Response):
        return result
    response = webob.Response(status=code)
    if result is None:
        response.content_type = None
        return response
    response.content_type = 'application/json'
    response.charset = None
    response.body = jsonutils.dump_as_bytes(result)
    return response


class _Pecan(pecan_core.ExplicitPecan):
    """Pecan without thread-local request and response (what
    ``pecan.Pecan(use_context_locals=False)`` builds), but where an
    empty 200 stays a 200: Nova answers some actions (deleting an extra
    spec or an aggregate) that way, and clients check the code.
    Actions declare 204 themselves."""

    def _handle_empty_response_body(self, state):
        pass


def make_app(routes, fallback=None, microversions=True):
    """The pecan WSGI application serving ``routes``."""
    return _Pecan(Router(routes, fallback, microversions),
                  use_context_locals=False, request_cls=Request,
                  guess_content_type_from_ext=False,
                  force_canonical=False)

