"""os-instance-actions: what was asked of a server, request by request,
and the steps (events) each request went through.

2.21 finds the actions of deleted servers too; 2.51 shows an action's
events to everyone who may see the action (tracebacks stay behind the
``events`` rule); 2.58 adds ``updated_at``, pages the list by request
id (``limit``, ``marker``, newest first) and filters it by
``changes-since``; 2.62 gives each event an obfuscated ``hostId`` and,
to those passing ``events``, its ``host``; 2.66 adds
``changes-before``; 2.84 shows an event's ``details`` to those passing
``events:details``.
"""

from oslo_utils import timeutils
import sqlalchemy as sa
import webob.exc

from common import exception
from common.db import engines
from common.db import main_models as main
from nova_api import base
from nova_api import instance_list
from nova_api import links
from nova_api import paging
from nova_api import policy
from nova_api import validation
from nova_api.views import servers as views

POLICY = 'os_compute_api:os-instance-actions:%s'
DELETED_SERVERS = '2.21'
EVENTS_FOR_READERS = '2.51'
PAGING = '2.58'
HOST_ID = '2.62'
CHANGES_BEFORE = '2.66'
EVENT_DETAILS = '2.84'

ACTION_FIELDS = ('action', 'instance_uuid', 'request_id', 'user_id',
                 'project_id', 'start_time', 'message')
ACTION_FIELDS_V258 = ACTION_FIELDS + ('updated_at',)
EVENT_FIELDS = ('event', 'start_time', 'finish_time', 'result')

_date = validation.single_param({'type': 'string', 'format': 'date-time'})
# Before 2.58 the list takes no parameters: any given is ignored.
index_query = {'type': 'object', 'properties': {}}
index_query_v258 = {
    'type': 'object',
    'properties': {
        'limit': validation.single_param(validation.non_negative_integer),
        'marker': validation.single_param({'type': 'string'}),
        'changes-since': _date,
    },
    'additionalProperties': False,
}
index_query_v266 = {
    **index_query_v258,
    'properties': {**index_query_v258['properties'],
                   'changes-before': _date},
}


def _time_param(req, name):
    value = req.GET.get(name)
    return value and timeutils.normalize_time(timeutils.parse_isotime(value))


def _changes_window(req):
    """(changes-since, changes-before), naive UTC or None; 400 when the
    window is upside down."""
    since = _time_param(req, 'changes-since')
    before = _time_param(req, 'changes-before')
    if since and before and before < since:
        raise webob.exc.HTTPBadRequest(
            explanation='The value of changes-since must be less than or '
            'equal to changes-before.')
    return since, before


def _newest_first(query):
    return query.order_by(main.InstanceAction.created_at.desc(),
                          main.InstanceAction.id.desc())


def _by_request_id(session, instance_uuid, request_id):
    """The latest action of the server with ``request_id``, or None."""
    return session.scalars(_newest_first(sa.select(main.InstanceAction).where(
        main.InstanceAction.instance_uuid == instance_uuid,
        main.InstanceAction.request_id == request_id,
        main.InstanceAction.deleted == 0))).first()


def _after(marker):
    """Actions listed after ``marker`` when newest come first."""
    action = main.InstanceAction
    return sa.or_(action.created_at < marker.created_at,
                  sa.and_(action.created_at == marker.created_at,
                          action.id < marker.id))


class InstanceActionsController(base.APIBase):

    def _server(self, req, server_id, rule):
        """(record, cell) of the server once the caller may ``rule``."""
        ctxt = req.nova_context
        server = instance_list.get_server(
            self.api_url, ctxt, server_id, detail=False,
            read_deleted=req.api_version_request >= DELETED_SERVERS)
        policy.authorize(ctxt, POLICY % rule,
                         {'project_id': server.record['project_id']})
        return server.record, server.cell

    @validation.query_schema(index_query, '2.1', '2.57')
    @validation.query_schema(index_query_v258, PAGING, '2.65')
    @validation.query_schema(index_query_v266, CHANGES_BEFORE)
    def index(self, req, server_id):
        record, cell = self._server(req, server_id, 'list')
        if req.api_version_request < PAGING:
            return {'instanceActions': [
                _view(action, ACTION_FIELDS)
                for action in self._actions(cell, record['uuid'])]}
        since, before = _changes_window(req)
        limit, marker = paging.limit_and_marker(req)
        actions = [_view(action, ACTION_FIELDS_V258) for action in
                   self._actions(cell, record['uuid'], limit, marker,
                                 since, before)]
        body = {'instanceActions': actions}
        next_page = links.collection_links(
            req, actions, 'servers/%s/os-instance-actions' % server_id,
            id_key='request_id')
        if next_page:
            body['links'] = next_page
        return body

    @staticmethod
    def _actions(cell, instance_uuid, limit=None, marker=None, since=None,
                 before=None):
        """The server's actions, newest first; a server not yet placed
        has none."""
        if cell is None or limit == 0:
            return []
        action = main.InstanceAction
        query = sa.select(action).where(action.instance_uuid == instance_uuid,
                                        action.deleted == 0)
        if since:
            query = query.where(action.updated_at >= since)
        if before:
            query = query.where(action.updated_at <= before)
        with engines.reader(cell.database_connection) as session:
            if marker is not None:
                found = _by_request_id(session, instance_uuid, marker)
                if found is None:
                    raise webob.exc.HTTPBadRequest(
                        explanation=exception.MarkerNotFound(
                            marker=marker).format_message())
                query = query.where(_after(found))
            if limit is not None:
                query = query.limit(limit)
            return [row.to_dict() for row in
                    session.scalars(_newest_first(query))]

    def show(self, req, server_id, id):
        version = req.api_version_request
        record, cell = self._server(req, server_id, 'show')
        action, events = self._action(cell, record['uuid'], id)
        view = _view(action, ACTION_FIELDS_V258 if version >= PAGING
                     else ACTION_FIELDS)
        shown = _event_fields(req.nova_context, version,
                              {'project_id': record['project_id']})
        if shown is not None:
            # Events a periodic task recorded have no project: the
            # server's hashes their host then.
            project_id = action['project_id'] or record['project_id']
            view['events'] = [
                _event_view(event, shown, version >= HOST_ID, project_id)
                for event in events]
        return {'instanceAction': view}

    @staticmethod
    def _action(cell, instance_uuid, request_id):
        """The action of ``request_id`` and its events, newest first."""
        if cell is None:
            raise webob.exc.HTTPNotFound(
                explanation='Action %s not found' % request_id)
        event = main.InstanceActionEvent
        with engines.reader(cell.database_connection) as session:
            action = _by_request_id(session, instance_uuid, request_id)
            if action is None:
                raise webob.exc.HTTPNotFound(
                    explanation='Action %s not found' % request_id)
            events = session.scalars(
                sa.select(event).where(event.action_id == action.id,
                                       event.deleted == 0)
                .order_by(event.created_at.desc(), event.id.desc()))
            return action.to_dict(), [row.to_dict() for row in events]


def _event_fields(ctxt, version, target):
    """The event fields the caller sees, None for no events at all."""
    privileged = policy.allowed(ctxt, POLICY % 'events', target)
    if not privileged and version < EVENTS_FOR_READERS:
        return None
    shown = EVENT_FIELDS
    if privileged:
        shown += ('traceback', 'host') if version >= HOST_ID else (
            'traceback',)
    if version >= EVENT_DETAILS and policy.allowed(
            ctxt, POLICY % 'events:details', target):
        shown += ('details',)
    return shown


def _view(row, fields):
    return {field: row[field] for field in fields}


def _event_view(event, fields, with_host_id, project_id):
    view = _view(event, fields)
    if with_host_id:
        view['hostId'] = views.host_id(event['host'], project_id)
    return view
