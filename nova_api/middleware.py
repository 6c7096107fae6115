"""oslo.middleware's filters in front of the compute API, as Nova puts
them in its api-paste.ini, with Nova's CORS defaults.

``[cors]`` lets browser applications on ``allowed_origin`` call the
API; ``[oslo_middleware] enable_proxy_headers_parsing`` trusts a TLS
proxy's ``X-Forwarded-Proto``/``Forwarded`` headers for the links the
API writes; ``[oslo_middleware] max_request_body_size`` refuses larger
bodies (413).
"""

from oslo_middleware import cors
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import sizelimit

from common import conf

CONF = conf.CONF

# The headers a browser may send, and read, across origins: the token,
# the request id and the microversion.
ALLOW_HEADERS = ['X-Auth-Token', 'X-Openstack-Request-Id',
                 'X-Identity-Status', 'X-Roles', 'X-Service-Catalog',
                 'X-User-Id', 'X-Tenant-Id', 'X-OpenStack-Nova-API-Version',
                 'OpenStack-API-Version']
EXPOSE_HEADERS = ['X-Auth-Token', 'X-Openstack-Request-Id',
                  'X-Subject-Token', 'X-Service-Token',
                  'X-OpenStack-Nova-API-Version', 'OpenStack-API-Version']
ALLOW_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH']


def set_defaults():
    """Nova's ``[cors]`` defaults; also the ``oslo.config.opts.defaults``
    hook, so the sample nova.conf shows them."""
    cors.set_defaults(allow_headers=ALLOW_HEADERS,
                      expose_headers=EXPOSE_HEADERS,
                      allow_methods=ALLOW_METHODS)


def outer(application):
    """CORS, then the proxy headers: outside everything else, so a
    preflight request needs no token and every link sees the client's
    scheme."""
    set_defaults()
    return cors.CORS(
        http_proxy_to_wsgi.HTTPProxyToWSGI(application, CONF), CONF)


def body_size_limit(application):
    return sizelimit.RequestBodySizeLimiter(application, CONF)
