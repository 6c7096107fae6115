"""``POST /servers/{id}/action`` with ``rebuild``: the server boots
again from an image (202 with the server's view, as show, and its new
adminPass when ``[api] enable_instance_password``).

ServersController dispatches here; nova_api.compute_api checks the
lock, the states (ACTIVE, STOPPED, ERROR) and the image as a create
does, and nova-compute does the work.
"""

from common import conf
from nova_api import base
from nova_api import instance_list
from nova_api import policy
from nova_api.schemas import server_rebuild as schemas
from nova_api.schemas import servers as server_schemas
from nova_api.views import servers as views

CONF = conf.CONF
POLICY = 'os_compute_api:servers:%s'
# Where Nova shows the server's groups in the view.
SERVER_GROUPS_VERSION = '2.71'
USER_DATA_VERSION = '2.57'
# From 2.75 the answer is the server as show has it; before, without
# the extensions' attributes.
FULL_VIEW_VERSION = '2.75'
_EXTENSION_PREFIXES = ('OS-EXT-AZ:', 'OS-EXT-STS:', 'OS-SRV-USG:',
                       'OS-EXT-SRV-ATTR:', 'os-extended-volumes:')
_EXTENSION_KEYS = ('config_drive', 'key_name', 'host_status',
                   'security_groups')


class ServerRebuild(base.APIBase):

    def __init__(self, compute):
        super().__init__()
        self.compute_api = compute

    def action_handlers(self):
        """The ``/servers/{id}/action`` handlers of this module."""
        return {'rebuild': self._rebuild}

    @server_schemas.validated(schemas.REBUILD)
    def _rebuild(self, req, id, body):
        context = req.nova_context
        request = body['rebuild']
        record = instance_list.get_server(self.api_url, context, id,
                                          detail=False).record
        target = {'project_id': record['project_id'],
                  'user_id': record['user_id']}
        policy.authorize(context, POLICY % 'rebuild', target)
        if request.get('trusted_image_certificates'):
            policy.authorize(context, POLICY % 'rebuild:trusted_certs',
                             target)
        password = self.compute_api.rebuild(context, record, request)
        return {'server': self._view(req, id, password)}

    def _view(self, req, server_id, password):
        version = req.api_version_request
        groups = version >= SERVER_GROUPS_VERSION
        server = instance_list.get_server(self.api_url, req.nova_context,
                                          server_id, server_groups=groups)
        view = views.show(req, server, server_groups=groups)
        if version < FULL_VIEW_VERSION:
            view = {key: value for key, value in view.items()
                    if key not in _EXTENSION_KEYS and
                    not key.startswith(_EXTENSION_PREFIXES)}
        if CONF.api.enable_instance_password:
            view['adminPass'] = password
        if version >= USER_DATA_VERSION:
            view['user_data'] = server.record.get('user_data')
        return view
