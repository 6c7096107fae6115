"""The compute API as one WSGI application: middleware around pecan.

What Nova's api-paste.ini declares is built here in code, outermost
first:

0. CORS and the proxy headers (``nova_api.middleware``),
1. request id (``x-openstack-request-id`` and Nova's
   ``x-compute-request-id`` on every response; a valid incoming
   ``X-OpenStack-Request-ID`` becomes the global request id),
2. the request log line,
3. the fault wrapper (any exception becomes Nova's JSON error),
4. the request body size limit,
5. the URL map: ``/`` lists the versions; ``/v2.1`` and the legacy
   ``/v2`` show their version document without authentication; every
   other path under them goes through authentication
   (``[api] auth_strategy``) to the API's routes.
"""

import time

from oslo_log import log as logging
from oslo_middleware import request_id
import webob.dec

from common import context
from nova_api import api_version
from nova_api import auth
from nova_api import faults
from nova_api import middleware
from nova_api import router
from nova_api import routes

LOG = logging.getLogger(__name__)

# Version roots, longest first: '/v2.1/x' must not be taken for '/v2'.
VERSION_ROOTS = (('/v2.1', False), ('/v2', True))


class ComputeRequestId(request_id.RequestId):
    """Also answer the request id in Nova's historical header."""

    compat_headers = ['x-compute-request-id']


class RequestLog:
    """One INFO line per request, with its status and microversion.

    A context naming only the request ids becomes the thread's current
    one first (authentication replaces it with the caller's), so every
    line logged for the request, even one refused before being
    authenticated, carries its own request id and not that of the
    thread's previous request.
    """

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        start = time.monotonic()
        context.RequestContext(
            request_id=req.environ.get(request_id.ENV_REQUEST_ID),
            global_request_id=req.environ.get(request_id.GLOBAL_REQ_ID))
        response = req.get_response(self.application)
        version = req.environ.get('nova.api_version_request')
        LOG.info('%(address)s "%(method)s %(uri)s" status: %(status)s '
                 'len: %(length)s microversion: %(version)s '
                 'time: %(time).6f',
                 {'address': req.remote_addr, 'method': req.method,
                  'uri': req.path_qs, 'status': response.status_int,
                  'length': response.content_length or 0,
                  'version': version or '-',
                  'time': time.monotonic() - start})
        return response


class LegacyV2Compatible:
    """``/v2`` is v2.1 at its minimum microversion, minus the version
    headers: clients of the old API neither send nor expect them."""

    HEADERS = (api_version.API_VERSION_HEADER,
               api_version.LEGACY_API_VERSION_HEADER)

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if not req.environ.get('nova.legacy_v2'):
            return req.get_response(self.application)
        for header in self.HEADERS:
            req.headers.pop(header, None)
        response = req.get_response(self.application)
        for header in self.HEADERS + ('Vary',):
            response.headers.pop(header, None)
        return response


class URLMap:
    """Sends a request to the root, the public version document or the
    authenticated API, moving the version root into SCRIPT_NAME so
    links and routes see paths relative to it."""

    def __init__(self, root, public, protected):
        self.root = root
        self.public = public
        self.protected = protected

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        for prefix, legacy in VERSION_ROOTS:
            if path == prefix or path.startswith(prefix + '/'):
                environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME',
                                                     '') + prefix
                environ['PATH_INFO'] = path[len(prefix):]
                environ['nova.legacy_v2'] = legacy
                app = (self.public if environ['PATH_INFO'] in ('', '/')
                       else self.protected)
                return app(environ, start_response)
        return self.root(environ, start_response)


def build_app():
    """The whole API; nova.conf must already be parsed.

    Nothing here opens a database or RPC connection: gunicorn may build
    it before forking its workers.
    """
    api = LegacyV2Compatible(router.make_app(routes.ROUTES))
    root = router.make_app(routes.ROOT_ROUTES, routes.ROOT_FALLBACK,
                           microversions=False)
    urlmap = URLMap(root, public=api, protected=auth.pipeline(api))
    return middleware.outer(ComputeRequestId(RequestLog(faults.FaultWrapper(
        middleware.body_size_limit(urlmap)))))
