"""os-services: list, enable/disable, force down and delete services.

Before 2.53 a service is named by (host, binary) in the body of
``PUT /os-services/{action}`` and by its integer id, which is only
unique within a cell; from 2.53 by its uuid, with one
``PUT /os-services/{uuid}`` taking the changes in the body.  From 2.69
a cell that does not answer shows its compute hosts with status
``UNKNOWN`` instead of hiding them; from 2.75 the list refuses unknown
query parameters.
"""

from oslo_utils import strutils
from oslo_utils import uuidutils
import webob.exc

from common import exception
from common import service as nova_service
from nova_api import api_version
from nova_api import host_api
from nova_api import policy
from nova_api import router
from nova_api import validation

POLICY = 'os_compute_api:os-services:%s'
UUID_FOR_ID = '2.53'
CELL_DOWN_SUPPORT = '2.69'
STRICT_QUERY = '2.75'
# API services are not RPC services and report no heartbeat: Nova
# hides them rather than show them down forever.
API_BINARIES = ('nova-osapi_compute', 'nova-metadata')

index_query = {
    'type': 'object',
    'properties': {
        'host': validation.common_query_param,
        'binary': validation.common_query_param,
    },
    'additionalProperties': True,
}

_reason = {'type': 'string', 'minLength': 1, 'maxLength': 255}
service_update = {
    'type': 'object',
    'properties': {
        'host': validation.hostname,
        'binary': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'disabled_reason': _reason,
    },
    'required': ['host', 'binary'],
    'additionalProperties': False,
}
service_update_v211 = {
    **service_update,
    'properties': {**service_update['properties'],
                   'forced_down': validation.boolean},
}
# Nothing is required: the uuid in the path names the service and the
# body says what changes; 'disabled_reason' with 'enabled' is refused
# in code.
service_update_v253 = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
        'disabled_reason': _reason,
        'forced_down': validation.boolean,
    },
    'additionalProperties': False,
}


def _bad_request(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def _assert_compute(service):
    """Only nova-compute services can be enabled, disabled or forced
    down: the flags mean nothing to the scheduler for the others."""
    if service['binary'] != host_api.COMPUTE_BINARY:
        raise _bad_request(
            'Updating a %s service is not supported. Only nova-compute '
            'services can be updated.' % service['binary'])


class ServicesController:

    def __init__(self):
        self.host_api = host_api.HostAPI()

    def _view(self, req, service):
        version = req.api_version_request
        if 'uuid' not in service:
            # A host of a cell that did not answer (2.69): all we know.
            return {'binary': service['binary'], 'host': service['host'],
                    'status': 'UNKNOWN'}
        view = {
            'id': service['uuid' if version >= UUID_FOR_ID else 'id'],
            'binary': service['binary'],
            'host': service['host'],
            'zone': service['availability_zone'],
            'status': 'disabled' if service['disabled'] else 'enabled',
            'state': 'up' if nova_service.is_up(service) else 'down',
            'updated_at': service['updated_at'],
            'disabled_reason': service['disabled_reason'],
        }
        if version >= '2.11':
            view['forced_down'] = bool(service['forced_down'])
        return view

    @validation.query_schema(index_query, strict_from=STRICT_QUERY)
    def index(self, req):
        policy.authorize(req.nova_context, POLICY % 'list')
        host = req.GET.get('host')
        binary = req.GET.get('binary')
        found = self.host_api.service_get_all(
            cell_down_support=req.api_version_request >= CELL_DOWN_SUPPORT)
        services = [
            service for _cell, service in found
            if service['binary'] not in API_BINARIES and
            (not host or service['host'] == host) and
            (not binary or service['binary'] == binary)]
        return {'services': [self._view(req, s) for s in services]}

    # --- before 2.53: actions on (host, binary) ----------------------------

    @api_version.versioned('2.1', '2.52')
    @validation.schema(service_update, '2.0', '2.10')
    @validation.schema(service_update_v211, '2.11', '2.52')
    def update_v21(self, req, id, body):
        """``id`` is the action: enable, disable, disable-log-reason and,
        from 2.11, force-down."""
        policy.authorize(req.nova_context, POLICY % 'update')
        actions = {'enable': self._enable, 'disable': self._disable,
                   'disable-log-reason': self._disable_log_reason}
        if req.api_version_request >= '2.11':
            actions['force-down'] = self._force_down
        if id not in actions:
            raise webob.exc.HTTPNotFound(explanation='Unknown action')
        return actions[id](req.nova_context, body)

    def _enable(self, ctxt, body):
        self._update_by_host(ctxt, body, {'disabled': False,
                                          'disabled_reason': None})
        return {'service': {'host': body['host'], 'binary': body['binary'],
                            'status': 'enabled'}}

    def _disable(self, ctxt, body, reason=None):
        self._update_by_host(ctxt, body, {'disabled': True,
                                          'disabled_reason': reason})
        view = {'host': body['host'], 'binary': body['binary'],
                'status': 'disabled'}
        if reason:
            view['disabled_reason'] = reason
        return {'service': view}

    def _disable_log_reason(self, ctxt, body):
        if 'disabled_reason' not in body:
            raise _bad_request('Missing disabled reason field')
        return self._disable(ctxt, body, body['disabled_reason'])

    def _force_down(self, ctxt, body):
        if 'forced_down' not in body:
            raise _bad_request('Missing forced_down field')
        forced_down = strutils.bool_from_string(body['forced_down'])
        self._update_by_host(ctxt, body, {'forced_down': forced_down})
        return {'service': {'host': body['host'], 'binary': body['binary'],
                            'forced_down': forced_down}}

    def _update_by_host(self, ctxt, body, values):
        _assert_compute(body)
        try:
            cell, service = self.host_api.service_get_by_host_and_binary(
                body['host'], body['binary'])
        except (exception.HostBinaryNotFound,
                exception.HostMappingNotFound) as e:
            raise webob.exc.HTTPNotFound(explanation=e.format_message())
        if values.get('forced_down') is False:
            self._check_for_evacuations(cell, service['host'])
        self.host_api.service_update(ctxt, cell, service, values)

    def _check_for_evacuations(self, cell, host):
        """Refuse to force a host up while evacuations from it are
        'done' but not 'completed': its nova-compute has not restarted
        and cleaned up after the evacuated instances yet."""
        if self.host_api.evacuations_pending(cell, host):
            raise _bad_request(
                'Unable to force up host %s as `done` evacuation migration '
                'records remain associated with the host. Ensure the '
                'compute service has been restarted, allowing these '
                'records to move to `completed` before retrying this '
                'request.' % host)

    # --- from 2.53: the service by uuid -----------------------------------

    @api_version.versioned(UUID_FOR_ID)
    @validation.schema(service_update_v253, UUID_FOR_ID)
    def update(self, req, id, body):
        if not uuidutils.is_uuid_like(id):
            raise _bad_request('Invalid uuid %s' % id)
        policy.authorize(req.nova_context, POLICY % 'update')
        cell, service = self.host_api.service_get_by_id(id)
        _assert_compute(service)
        values = _changes(body)
        if values.get('forced_down') is False:
            self._check_for_evacuations(cell, service['host'])
        updated = self.host_api.service_update(req.nova_context, cell,
                                               service, values)
        return {'service': self._view(req, updated)}

    @router.response(204)
    def delete(self, req, id):
        """Delete a service; a compute takes its nodes and host mapping
        along, and is refused (409) while it hosts instances."""
        policy.authorize(req.nova_context, POLICY % 'delete')
        _validate_id(req, id)
        try:
            cell, service = self.host_api.service_get_by_id(id)
        except exception.ServiceNotFound:
            raise webob.exc.HTTPNotFound(
                explanation='Service %s not found.' % id)
        self.host_api.service_delete(req.nova_context, cell, service)


def _changes(body):
    """The values a 2.53 update body asks for; 400 if it asks nothing."""
    values = {}
    if body.get('status') == 'enabled':
        if body.get('disabled_reason'):
            raise _bad_request("Specifying 'disabled_reason' with status "
                               "'enabled' is invalid.")
        values.update(disabled=False, disabled_reason=None)
    elif body.get('status') == 'disabled':
        values.update(disabled=True,
                      disabled_reason=body.get('disabled_reason'))
    if 'forced_down' in body:
        values['forced_down'] = strutils.bool_from_string(
            body['forced_down'], strict=True)
    if not values:
        raise _bad_request("No updates were requested. Fields 'status' or "
                           "'forced_down' should be specified.")
    return values


def _validate_id(req, service_id):
    if req.api_version_request >= UUID_FOR_ID:
        if not uuidutils.is_uuid_like(service_id):
            raise _bad_request('Invalid uuid %s' % service_id)
        return
    try:
        strutils.validate_integer(service_id, 'id')
    except ValueError as e:
        raise _bad_request('Invalid input received: %s' % e)

