"""Server metadata: a server's user key/value pairs.

Read by the server's project; changed only while the server rests
(active, paused, suspended or stopped, launched once), is not locked
(administrators pass a lock), and within the caller's
``metadata_items`` quota, as Nova's compute API decides.  POST merges
(and answers 200, not 201, as Nova does), PUT on the collection
replaces all, PUT on an item sets one key.
"""

import webob.exc

from common import exception
from common import quota
from common import states
from nova_api import base
from nova_api import instance_list
from nova_api import policy
from nova_api import router
from nova_api import server_states
from nova_api import validation

POLICY = 'os_compute_api:server-metadata:%s'
# Where Nova's compute API lets metadata change (any task state).
CHANGEABLE = (states.ACTIVE, states.PAUSED, states.SUSPENDED,
              states.STOPPED)

create = {
    'type': 'object',
    'properties': {'metadata': validation.metadata},
    'required': ['metadata'],
    'additionalProperties': False,
}
update_all = create
update = {
    'type': 'object',
    'properties': {
        'meta': {**validation.metadata, 'minProperties': 1,
                 'maxProperties': 1},
    },
    'required': ['meta'],
    'additionalProperties': False,
}
_not_found = 'Metadata item was not found'


def _check_changeable(ctxt, record, action, server_id):
    """Nova's lock and state checks before a metadata change: 409s."""
    if record.get('locked') and not ctxt.is_admin:
        raise exception.InstanceIsLocked(instance_uuid=record['uuid'])
    server_states.require_vm_state(record, CHANGEABLE, action, server_id)
    if not record.get('launched_at'):
        raise server_states.invalid_state(action, server_id, 'launched_at',
                                          None)


class ServerMetadataController(base.APIBase):

    def _server(self, req, server_id, action):
        """The server, once the caller may ``action`` its metadata."""
        ctxt = req.nova_context
        record = instance_list.get_server(self.api_url, ctxt, server_id,
                                          detail=False).record
        policy.authorize(ctxt, POLICY % action,
                         {'project_id': record['project_id']})
        return record

    def index(self, req, server_id):
        record = self._server(req, server_id, 'index')
        return {'metadata': record['metadata']}

    def show(self, req, server_id, id):
        record = self._server(req, server_id, 'show')
        if id not in record['metadata']:
            raise webob.exc.HTTPNotFound(explanation=_not_found)
        return {'meta': {id: record['metadata'][id]}}

    @validation.schema(create)
    def create(self, req, server_id, body):
        record = self._server(req, server_id, 'create')
        return {'metadata': self._update(req, record, server_id,
                                         body['metadata'], delete=False)}

    @validation.schema(update_all)
    def update_all(self, req, server_id, body):
        record = self._server(req, server_id, 'update_all')
        return {'metadata': self._update(req, record, server_id,
                                         body['metadata'], delete=True)}

    @validation.schema(update)
    def update(self, req, server_id, id, body):
        record = self._server(req, server_id, 'update')
        if id not in body['meta']:
            raise webob.exc.HTTPBadRequest(
                explanation='Request body and URI mismatch')
        self._update(req, record, server_id, body['meta'], delete=False)
        return {'meta': body['meta']}

    @router.response(204)
    def delete(self, req, server_id, id):
        ctxt = req.nova_context
        record = self._server(req, server_id, 'delete')
        if id not in record['metadata']:
            raise webob.exc.HTTPNotFound(explanation=_not_found)
        _check_changeable(ctxt, record, 'delete metadata', server_id)
        self.conductor.instance_metadata_delete(ctxt, record['uuid'], id)

    def _update(self, req, record, server_id, changes, delete):
        """Merge (or, with ``delete``, replace); the metadata after."""
        ctxt = req.nova_context
        _check_changeable(ctxt, record, 'update metadata', server_id)
        self._check_quota(ctxt, changes if delete else
                          {**record['metadata'], **changes})
        return self.conductor.instance_metadata_update(
            ctxt, record['uuid'], changes, delete=delete)

    def _check_quota(self, ctxt, new_metadata):
        """403 when the server would hold more items than the caller's
        project (or user) ``metadata_items`` allows; Nova words it with
        the project's limit."""
        if not new_metadata:
            return
        project = quota.limits(self.api_url, ctxt.project_id)
        user = quota.limits(self.api_url, ctxt.project_id, ctxt.user_id)
        if any(0 <= limits['metadata_items'] < len(new_metadata)
               for limits in (project, user)):
            raise webob.exc.HTTPForbidden(
                explanation=exception.MetadataLimitExceeded(
                    allowed=project['metadata_items']).format_message())
