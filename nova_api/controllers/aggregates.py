"""os-aggregates: host aggregates, their hosts, metadata and zones.

An aggregate's ``availability_zone`` metadata puts its hosts in that
zone.  The zone rules that need only the API database (one zone per
host, no empty zone name) are checked by the conductor as it writes;
those that need the cells are checked here first: that a host is a
nova-compute somewhere, and that no instance runs on hosts whose zone
changes.  2.41 adds the aggregate's ``uuid``; 2.81 takes image
pre-caching requests.
"""

from oslo_utils import strutils
import sqlalchemy as sa
from sqlalchemy import orm
import webob
import webob.exc

from common import exception
from common.db import api_models as api
from common.db import cells
from common.db import engines
from common.db import main_models as main
from nova_api import actions
from nova_api import api_version
from nova_api import base
from nova_api import host_api
from nova_api import policy
from nova_api import router
from nova_api import validation

POLICY = 'os_compute_api:os-aggregates:%s'
AZ_KEY = 'availability_zone'

_availability_zone = {'oneOf': [validation.az_name, {'type': 'null'}]}


def _body(action, properties, required=(), **extra):
    """``{action: {properties}}``, nothing else accepted."""
    inner = {'type': 'object', 'properties': properties,
             'additionalProperties': False, **extra}
    if required:
        inner['required'] = list(required)
    return {'type': 'object', 'properties': {action: inner},
            'required': [action], 'additionalProperties': False}


create = _body('aggregate', {'name': validation.name,
                             'availability_zone': _availability_zone},
               ['name'])
# Nova has always accepted (and stripped) spaces around a new name.
update = _body(
    'aggregate', {'name': validation.name_with_leading_trailing_spaces,
                  'availability_zone': _availability_zone},
    anyOf=[{'required': ['name']}, {'required': ['availability_zone']}])
add_host = _body('add_host', {'host': validation.fqdn}, ['host'])
remove_host = _body('remove_host', {'host': validation.fqdn}, ['host'])
set_metadata = _body('set_metadata', {'metadata': {
    'type': 'object',
    'patternProperties': {
        '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': ['string', 'null'],
                                      'maxLength': 255},
    },
    'additionalProperties': False,
}}, ['metadata'])
images_v281 = {
    'type': 'object',
    'properties': {
        'cache': {
            'type': ['array'],
            'minItems': 1,
            'items': {
                'type': 'object',
                'properties': {'id': {'type': 'string', 'format': 'uuid'}},
                'additionalProperties': False,
                'required': ['id'],
            },
        },
    },
    'required': ['cache'],
    'additionalProperties': False,
}


def _check_id(aggregate_id):
    try:
        strutils.validate_integer(aggregate_id, 'id')
    except ValueError as e:
        raise webob.exc.HTTPBadRequest(
            explanation=exception.InvalidInput(reason=e).format_message())


def _normalize_name(name):
    """Nova strips names (2.0 allowed spaces around them)."""
    return name.strip() if name else name


def _read_compute_services(host):
    def read(cell):
        with engines.reader(cell.database_connection) as session:
            return list(session.scalars(sa.select(main.Service.host).where(
                main.Service.host == host,
                main.Service.binary == host_api.COMPUTE_BINARY,
                main.Service.deleted == 0)))
    return read


def _count_instances(hosts):
    def read(cell):
        with engines.reader(cell.database_connection) as session:
            return session.scalar(sa.select(sa.func.count()).where(
                main.Instance.host.in_(hosts), main.Instance.deleted == 0))
    return read


class AggregatesController(base.APIBase):

    # --- reads ------------------------------------------------------------

    def _aggregates(self, *where):
        query = (sa.select(api.Aggregate).where(*where)
                 .options(orm.selectinload(api.Aggregate.hosts),
                          orm.selectinload(api.Aggregate.metadata_items))
                 .order_by(api.Aggregate.id))
        with engines.reader(self.api_url) as session:
            return [a.as_dict() for a in session.scalars(query)]

    def _get(self, aggregate_id):
        found = self._aggregates(api.Aggregate.id == int(aggregate_id))
        if not found:
            raise exception.AggregateNotFound(aggregate_id=aggregate_id)
        return found[0]

    def _check_compute_host(self, host):
        """ComputeHostNotFound unless ``host`` runs nova-compute in some
        cell, under exactly that name (MySQL compares without case)."""
        found = cells.read_all_cells(self.api_url,
                                     _read_compute_services(host))
        if not any(host in hosts for _cell, hosts in found):
            raise exception.ComputeHostNotFound(host=host)

    def _check_no_instances(self, aggregate, zone, error):
        """A zone change is refused while the aggregate's hosts run
        instances: they would silently change zone.  An empty zone is
        left to the conductor, which refuses it."""
        if not zone or zone == aggregate[AZ_KEY] or not aggregate['hosts']:
            return
        counts = cells.read_all_cells(self.api_url,
                                      _count_instances(aggregate['hosts']))
        if any(count for _cell, count in counts):
            raise error(aggregate_id=aggregate['id'],
                        reason='One or more hosts contain instances in '
                               'this zone')

    @staticmethod
    def _view(req, aggregate, with_members=True):
        """Nova's Aggregate object: the API database has no soft delete,
        so ``deleted`` is always false and ``deleted_at`` null."""
        view = {key: aggregate[key] for key in (
            'id', 'name', AZ_KEY, 'created_at', 'updated_at')}
        view.update(deleted=False, deleted_at=None)
        if with_members:
            view.update(hosts=aggregate['hosts'],
                        metadata=aggregate['metadata'])
        if req.api_version_request >= '2.41':
            view['uuid'] = aggregate['uuid']
        return view

    def index(self, req):
        policy.authorize(req.nova_context, POLICY % 'index', {})
        return {'aggregates': [self._view(req, a)
                               for a in self._aggregates()]}

    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'show', {})
        _check_id(id)
        return {'aggregate': self._view(req, self._get(id))}

    # --- writes -----------------------------------------------------------

    @validation.schema(create)
    def create(self, req, body):
        policy.authorize(req.nova_context, POLICY % 'create', {})
        values = body['aggregate']
        aggregate = self.conductor.aggregate_create(
            req.nova_context, _normalize_name(values['name']),
            _normalize_name(values.get(AZ_KEY)))
        return {'aggregate': self._view(req, aggregate, with_members=False)}

    @validation.schema(update)
    def update(self, req, id, body):
        policy.authorize(req.nova_context, POLICY % 'update', {})
        values = dict(body['aggregate'])
        if 'name' in values:
            values['name'] = _normalize_name(values['name'])
        _check_id(id)
        if AZ_KEY in values:
            self._check_no_instances(self._get(id), values[AZ_KEY],
                                     exception.InvalidAggregateActionUpdate)
        return {'aggregate': self._view(req, self.conductor.aggregate_update(
            req.nova_context, int(id), values))}

    def delete(self, req, id):
        """Delete an empty aggregate: 200 with no body, as in Nova."""
        policy.authorize(req.nova_context, POLICY % 'delete', {})
        _check_id(id)
        self.conductor.aggregate_destroy(req.nova_context, int(id))

    def action(self, req, id, body):
        """POST /os-aggregates/{id}/action: the action the body names."""
        handler = actions.handler({'add_host': self._add_host,
                                   'remove_host': self._remove_host,
                                   'set_metadata': self._set_metadata},
                                  body)
        aggregate = handler(req, id, body=body)
        return {'aggregate': self._view(req, aggregate)}

    @validation.schema(add_host)
    def _add_host(self, req, id, body):
        policy.authorize(req.nova_context, POLICY % 'add_host', {})
        _check_id(id)
        host = body['add_host']['host']
        self._check_compute_host(host)
        try:
            return self.conductor.aggregate_add_host(
                req.nova_context, int(id), host)
        except (exception.AggregateHostExists,
                exception.InvalidAggregateAction) as e:
            raise webob.exc.HTTPConflict(explanation=e.format_message())

    @validation.schema(remove_host)
    def _remove_host(self, req, id, body):
        """Every failure says the same, as in Nova: 404 for an unknown
        host, aggregate or membership, 409 for a refused change."""
        policy.authorize(req.nova_context, POLICY % 'remove_host', {})
        _check_id(id)
        host = body['remove_host']['host']
        message = 'Cannot remove host %s in aggregate %s' % (host, id)
        try:
            self._check_compute_host(host)
            return self.conductor.aggregate_remove_host(
                req.nova_context, int(id), host)
        except exception.NotFound:
            raise webob.exc.HTTPNotFound(explanation=message)
        except exception.InvalidAggregateAction:
            raise webob.exc.HTTPConflict(explanation=message)

    @validation.schema(set_metadata)
    def _set_metadata(self, req, id, body):
        policy.authorize(req.nova_context, POLICY % 'set_metadata', {})
        _check_id(id)
        metadata = body['set_metadata']['metadata']
        if AZ_KEY in metadata:
            self._check_no_instances(
                self._get(id), metadata[AZ_KEY],
                exception.InvalidAggregateActionUpdateMeta)
        return self.conductor.aggregate_update_metadata(
            req.nova_context, int(id), metadata)

    @api_version.versioned('2.81')
    @router.response(202)
    @validation.schema(images_v281, '2.81')
    def images(self, req, id, body):
        """Accept a request to pre-cache images on the aggregate's hosts.

        Only validated: there is no compute-side image cache to ask yet.
        """
        policy.authorize(req.nova_context, POLICY % 'images', {})
        _check_id(id)
        image_ids = [image['id'] for image in body['cache']]
        if len(image_ids) != len(set(image_ids)):
            raise webob.exc.HTTPBadRequest(
                explanation='Duplicate images in request')
        self._get(id)
