"""Nova's error responses: ``{"<kind>": {"code": N, "message": "..."}}``.

Every error leaves the API in this shape, whatever raised it: a webob
HTTP exception, a NovaException with a 4xx code, or a bug.  A bug is a
500 ``computeFault`` whose message names only the exception's class;
its traceback goes to the log, never to the client.

An over-limit answer (413, 429) carrying ``Retry-After`` (a webob
exception's header, or the ``headers`` of a NovaException such as
QuotaError) keeps the header and repeats it as ``retryAfter`` in the
body, as Nova does.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob
import webob.dec
import webob.exc

from common import exception

LOG = logging.getLogger(__name__)

FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}
DEFAULT_FAULT_NAME = 'computeFault'

SUPPORT = ('Please report this at http://bugs.launchpad.net/nova/ and '
           'attach the Nova API log if possible.')
OVER_LIMIT = (413, 429)


def fault_response(status, message, headers=None):
    """A JSON error response in Nova's format."""
    headers = {name: str(value) for name, value in (headers or {}).items()}
    fault = {'code': status, 'message': message}
    if status in OVER_LIMIT and headers.get('Retry-After'):
        fault['retryAfter'] = headers['Retry-After']
    body = {FAULT_NAMES.get(status, DEFAULT_FAULT_NAME): fault}
    response = webob.Response(status=status, headers=headers)
    response.content_type = 'application/json'
    response.charset = 'UTF-8'
    response.text = jsonutils.dumps(body)
    return response


def from_exception(error):
    """The response for ``error``; unexpected ones are logged in full.

    Must be called from the ``except`` block that caught ``error`` so
    the logged traceback is the right one.
    """
    if isinstance(error, webob.exc.HTTPException):
        return fault_response(error.code, error.explanation,
                              _extra_headers(error))
    if isinstance(error, exception.NovaException) and error.code < 500:
        return fault_response(error.code, error.format_message(),
                              getattr(error, 'headers', None))
    LOG.exception('Unexpected exception in API method')
    return fault_response(500, 'Unexpected API Error. %s\n%s'
                          % (SUPPORT, type(error)))


def _extra_headers(error):
    """Headers an HTTP error carries for the client (Allow, Retry-After,
    WWW-Authenticate), not those describing webob's own body."""
    return {name: value for name, value in error.headers.items()
            if name.lower() not in ('content-type', 'content-length')}


class FaultWrapper:
    """WSGI middleware: nothing below it can answer with a traceback."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            return req.get_response(self.application)
        except Exception as error:
            return from_exception(error)
