"""``POST /servers/{id}/action`` with ``rescue`` (200, the rescue
guest's adminPass when ``[api] enable_instance_password``) and
``unrescue`` (202).

A rescued server (vm_state rescued, status RESCUE) runs a rescue image
(its own image unless ``rescue_image_ref``) with its own disk attached
second, so its owner can repair it; unrescue runs it as before.
"""

from common import conf
from nova_api import actions
from nova_api import base
from nova_api import validation
from nova_api.schemas import server_rebuild as schemas

CONF = conf.CONF
RESCUE = 'os_compute_api:os-rescue'
UNRESCUE = 'os_compute_api:os-unrescue'


class RescueController(base.APIBase):

    def __init__(self, compute):
        super().__init__()
        self.compute_api = compute

    def action_handlers(self):
        """The ``/servers/{id}/action`` handlers of this module."""
        return {'rescue': self._rescue, 'unrescue': self._unrescue}

    @validation.schema(schemas.rescue)
    def _rescue(self, req, id, body):
        record = self.authorized_record(req, id, RESCUE)
        request = body['rescue'] or {}
        password = self.compute_api.rescue(
            req.nova_context, record, request.get('adminPass'),
            request.get('rescue_image_ref'))
        if CONF.api.enable_instance_password:
            return actions.ok({'adminPass': password})
        return actions.ok({})

    @validation.schema(schemas.unrescue)
    def _unrescue(self, req, id, body):
        record = self.authorized_record(req, id, UNRESCUE)
        self.compute_api.unrescue(req.nova_context, record)
