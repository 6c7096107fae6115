"""Remote consoles: the URL a user opens to see a server's screen.

``POST /servers/{server_id}/remote-consoles`` (2.6 on) names a protocol
and a console type; the legacy ``os-getVNCConsole`` action of
``/servers/{id}/action`` (up to 2.5) a VNC console type.  Both answer
200 with a URL of ``[vnc] novncproxy_base_url`` carrying a new token
that the server's host made (see nova_compute.manager.get_vnc_console
and doc/architecture.md).  VNC is the only console here: spice, rdp,
serial and mks get Nova's answer for a console its computes have
disabled (400), a type that does not go with the protocol Nova's 400
too.
"""

import webob.exc

from nova_api import actions
from nova_api import api_version
from nova_api import base
from nova_api import compute_api
from nova_api import validation
from nova_api.schemas import remote_consoles as schemas

POLICY = 'os_compute_api:os-remote-consoles'
REMOTE_CONSOLES = '2.6'
LEGACY_MAX = '2.5'


class RemoteConsolesController(base.APIBase):
    """``compute`` is the servers controller's compute API, when the
    legacy action is served through it."""

    def __init__(self, compute=None):
        super().__init__()
        self.compute_api = compute or compute_api.API()

    def action_handlers(self):
        """The ``/servers/{id}/action`` handlers of this module."""
        return {'os-getVNCConsole': self._get_vnc_console}

    @api_version.versioned(REMOTE_CONSOLES)
    @validation.schema(schemas.create_v26, '2.6', '2.7')
    @validation.schema(schemas.create_v28, '2.8', '2.98')
    @validation.schema(schemas.create_v299, '2.99')
    def create(self, req, server_id, body):
        protocol = body['remote_console']['protocol']
        console_type = body['remote_console']['type']
        url = self._console_url(req, server_id, protocol, console_type)
        return {'remote_console': {'protocol': protocol,
                                   'type': console_type, 'url': url}}

    @validation.schema(schemas.get_vnc_console)
    def _get_vnc_console(self, req, id, body):
        if req.api_version_request > LEGACY_MAX:
            # Replaced by remote-consoles: gone, as a route of another
            # version range would be.
            raise webob.exc.HTTPNotFound()
        console_type = body['os-getVNCConsole']['type']
        url = self._console_url(req, id, 'vnc', console_type)
        return actions.ok({'console': {'type': console_type, 'url': url}})

    def _console_url(self, req, server_id, protocol, console_type):
        context = req.nova_context
        record = self.authorized_record(req, server_id, POLICY)
        try:
            return self.compute_api.get_console_url(context, record,
                                                    protocol, console_type)
        except NotImplementedError:
            raise webob.exc.HTTPNotImplemented(
                explanation='The requested functionality is not supported.')
