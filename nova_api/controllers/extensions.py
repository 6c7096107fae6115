"""GET /extensions: the fixed list of legacy extension descriptors
(``nova_api.extension_info``), for clients that still ask."""

import webob.exc

from nova_api import extension_info
from nova_api import policy

POLICY = 'os_compute_api:extensions'


class ExtensionsController:

    def index(self, req):
        policy.authorize(req.nova_context, POLICY, {})
        return {'extensions': list(extension_info.EXTENSIONS)}

    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY, {})
        try:
            return {'extension': extension_info.BY_ALIAS[id]}
        except KeyError:
            raise webob.exc.HTTPNotFound()
