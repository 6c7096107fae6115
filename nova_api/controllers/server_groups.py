"""os-server-groups: a project's groups of servers under one placement
policy.

2.13 shows the owner (``project_id``, ``user_id``), 2.15 accepts the
soft policies, 2.64 replaces the one-element ``policies`` list (and the
always empty ``metadata``) with a ``policy`` string and its ``rules``,
and 2.75 refuses unknown query parameters of the list.
"""

import collections

from oslo_utils import strutils
import sqlalchemy as sa
from sqlalchemy import orm
import webob.exc

from common import conf
from common import exception
from common import quota
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from nova_api import base
from nova_api import policy
from nova_api import router
from nova_api import validation

CONF = conf.CONF
POLICY = 'os_compute_api:os-server-groups:%s'
POLICY_OBJECT = '2.64'

_policies_v21 = {
    # One policy, in a list until 2.64 makes it a string.
    'type': 'array',
    'items': [{'type': 'string', 'enum': ['anti-affinity', 'affinity']}],
    'uniqueItems': True,
    'minItems': 1,
    'maxItems': 1,
    'additionalItems': False,
}
_policies_v215 = {
    **_policies_v21,
    'items': [{'type': 'string',
               'enum': ['anti-affinity', 'affinity', 'soft-anti-affinity',
                        'soft-affinity']}],
}


def _create_schema(properties, required):
    return {
        'type': 'object',
        'properties': {
            'server_group': {
                'type': 'object',
                'properties': {'name': validation.name, **properties},
                'required': ['name', required],
                'additionalProperties': False,
            },
        },
        'required': ['server_group'],
        'additionalProperties': False,
    }


create = _create_schema({'policies': _policies_v21}, 'policies')
create_v215 = _create_schema({'policies': _policies_v215}, 'policies')
create_v264 = _create_schema({
    'policy': {'type': 'string',
               'enum': ['anti-affinity', 'affinity', 'soft-anti-affinity',
                        'soft-affinity']},
    'rules': {
        'type': 'object',
        'properties': {
            'max_server_per_host': {
                'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
                'minimum': 1, 'minLength': 1},
        },
        'additionalProperties': False,
    },
}, 'policy')

index_query = {
    'type': 'object',
    'properties': {
        'all_projects': validation.multi_params({'type': 'string'}),
        'limit': validation.multi_params(validation.non_negative_integer),
        'offset': validation.multi_params(validation.non_negative_integer),
    },
    'additionalProperties': True,
}


def _page_param(req, name):
    try:
        return strutils.validate_integer(req.GET[name], name, min_value=0)
    except ValueError as e:
        raise webob.exc.HTTPBadRequest(
            explanation=exception.InvalidInput(reason=e).format_message())


def _limited(req, items):
    """``offset`` and ``limit`` (0 or more than ``[api] max_limit`` is
    the maximum) applied to ``items``, as Nova's ``common.limited``."""
    offset = _page_param(req, 'offset') if 'offset' in req.GET else 0
    limit = _page_param(req, 'limit') if 'limit' in req.GET else 0
    limit = min(CONF.api.max_limit, limit or CONF.api.max_limit)
    return items[offset:offset + limit]


def _over_quota():
    return webob.exc.HTTPForbidden(
        explanation='Quota exceeded, too many server groups.')


class ServerGroupsController(base.APIBase):

    # --- reads ------------------------------------------------------------

    def _groups(self, *where):
        query = (sa.select(api.InstanceGroup).where(*where)
                 .options(orm.selectinload(api.InstanceGroup.policies),
                          orm.selectinload(api.InstanceGroup.members))
                 .order_by(api.InstanceGroup.id))
        with engines.reader(self.api_url) as session:
            return [group.as_dict() for group in session.scalars(query)]

    def _get(self, group_uuid):
        found = self._groups(api.InstanceGroup.uuid == group_uuid)
        if not found:
            raise webob.exc.HTTPNotFound(
                explanation=exception.InstanceGroupNotFound(
                    group_uuid=group_uuid).format_message())
        return found[0]

    def _live_members(self, groups):
        """The members that still exist: not deleted in their cell, or
        not yet in any cell.  A member without an instance mapping has
        gone entirely (archived) and is left out too, as in Nova."""
        wanted = {uuid for group in groups for uuid in group['members']}
        if not wanted:
            return set()
        query = (sa.select(api.InstanceMapping.instance_uuid,
                           api.CellMapping)
                 .outerjoin(api.CellMapping,
                            api.InstanceMapping.cell_id == api.CellMapping.id)
                 .where(api.InstanceMapping.instance_uuid.in_(wanted)))
        live, by_cell, cells = set(), collections.defaultdict(set), {}
        with engines.reader(self.api_url) as session:
            for instance_uuid, cell in session.execute(query):
                if cell is None:
                    live.add(instance_uuid)
                else:
                    cells[cell.uuid] = cell
                    by_cell[cell.uuid].add(instance_uuid)
        for cell_uuid, uuids in by_cell.items():
            with engines.reader(cells[cell_uuid].database_connection) as s:
                live.update(s.scalars(sa.select(main.Instance.uuid).where(
                    main.Instance.uuid.in_(uuids),
                    main.Instance.deleted == 0)))
        return live

    def _view(self, req, group, live_members):
        view = {'id': group['uuid'], 'name': group['name']}
        if req.api_version_request >= POLICY_OBJECT:
            view.update(policy=group['policy'], rules=group['rules'])
        else:
            view.update(policies=[group['policy']] if group['policy']
                        else [], metadata={})
        view['members'] = [uuid for uuid in group['members']
                           if uuid in live_members]
        if req.api_version_request >= '2.13':
            view.update(project_id=group['project_id'],
                        user_id=group['user_id'])
        return view

    def _views(self, req, groups):
        live = self._live_members(groups)
        return [self._view(req, group, live) for group in groups]

    @validation.query_schema(index_query, strict_from='2.75')
    def index(self, req):
        """The caller's project's groups; every project's with
        ``all_projects`` (whatever its value, as in Nova) for admins."""
        ctxt = req.nova_context
        target = {'project_id': ctxt.project_id}
        policy.authorize(ctxt, POLICY % 'index', target)
        if 'all_projects' in req.GET:
            policy.authorize(ctxt, POLICY % 'index:all_projects', target)
            groups = self._groups()
        else:
            groups = self._groups(
                api.InstanceGroup.project_id == ctxt.project_id)
        return {'server_groups': self._views(req, _limited(req, groups))}

    def show(self, req, id):
        group = self._get(id)
        policy.authorize(req.nova_context, POLICY % 'show',
                         {'project_id': group['project_id']})
        return {'server_group': self._views(req, [group])[0]}

    # --- writes -----------------------------------------------------------

    @validation.schema(create, '2.0', '2.14')
    @validation.schema(create_v215, '2.15', '2.63')
    @validation.schema(create_v264, POLICY_OBJECT)
    def create(self, req, body):
        ctxt = req.nova_context
        policy.authorize(ctxt, POLICY % 'create',
                         {'project_id': ctxt.project_id})
        self._check_quota(ctxt, 1)
        values = body['server_group']
        if req.api_version_request >= POLICY_OBJECT:
            group_policy = values['policy']
            rules = values.get('rules', {})
            if group_policy != 'anti-affinity' and rules:
                raise webob.exc.HTTPBadRequest(
                    explanation='Only anti-affinity policy supports rules.')
        else:
            group_policy, rules = values['policies'][0], {}
        group = self.conductor.server_group_create(
            ctxt, ctxt.project_id, ctxt.user_id, values['name'],
            group_policy, rules)
        if CONF.quota.recheck_quota:
            try:
                self._check_quota(ctxt, 0)
            except webob.exc.HTTPForbidden:
                # A concurrent create won the race: undo this one.
                self.conductor.server_group_destroy(ctxt, group['uuid'])
                raise
        return {'server_group': self._view(req, group, set())}

    @router.response(204)
    def delete(self, req, id):
        group = self._get(id)
        policy.authorize(req.nova_context, POLICY % 'delete',
                         {'project_id': group['project_id']})
        try:
            self.conductor.server_group_destroy(req.nova_context, id)
        except exception.InstanceGroupNotFound as e:
            raise webob.exc.HTTPNotFound(explanation=e.format_message())

    def _check_quota(self, ctxt, delta):
        """403 unless the project and the user each stay within their
        ``server_groups`` limit with ``delta`` more groups."""
        try:
            quota.check_deltas(self.api_url, {'server_groups': delta},
                               ctxt.project_id, ctxt.user_id)
        except exception.OverQuota:
            raise _over_quota()
