"""Servers: create, list, show, update and delete them.

The lists take Nova's filters and sort keys.  A non-administrator sees
their own project's servers, and only the filters Nova lets everyone
use (more from 2.5, 2.26, 2.66, 2.73, 2.83 and 2.90); any other is
dropped silently, as the ``os_compute_api:servers:allow_all_filters``
policy decides.  Before 2.75 unknown query parameters are ignored
(an administrator's naming a column of ``instances`` filters on it, as
in Nova); from 2.75 they are refused, as are the sort keys Nova used to
ignore.  ``status`` values unknown are refused from 2.38 (an empty
list before).  See ``nova_api.views.servers`` for what each
microversion shows.

A create is checked and handed over by ``nova_api.compute_api`` and
answered 202 at once; the server then goes through BUILD as the
conductor places it (see doc/architecture.md).
"""

import copy

from oslo_serialization import jsonutils
from oslo_utils import strutils
from oslo_utils import timeutils
import webob.exc

from common import conf
from common import exception
from common import instance_record
from common import states
from nova_api import actions
from nova_api import base
from nova_api import compute_api
from nova_api import flavor_api
from nova_api import instance_list
from nova_api import paging
from nova_api import policy
from nova_api import router
from nova_api import server_states
from nova_api import validation
from nova_api.controllers import remote_consoles
from nova_api.controllers import rescue
from nova_api.controllers import server_actions
from nova_api.controllers import server_rebuild
from nova_api.schemas import servers as schemas
from nova_api.views import servers as views

CONF = conf.CONF

POLICY = 'os_compute_api:servers:%s'
TAG_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')
PAGING_SORTING_PARAMS = ('sort_key', 'sort_dir', 'limit', 'marker')
# The filters everyone may use, by the microversion that allowed them.
USER_FILTERS = (
    ('2.1', ('reservation_id', 'name', 'status', 'image', 'flavor', 'ip',
             'changes-since', 'all_tenants')),
    ('2.5', ('ip6',)),
    ('2.26', TAG_FILTERS),
    ('2.66', ('changes-before',)),
    ('2.73', ('locked',)),
    ('2.83', ('availability_zone', 'config_drive', 'key_name', 'created_at',
              'launched_at', 'terminated_at', 'power_state', 'task_state',
              'vm_state', 'progress', 'user_id')),
    ('2.90', ('hostname',)),
)
# Query parameters naming another table: refused (400), as in Nova.
JOINED_TABLE_PARAMS = ('block_device_mapping', 'services', 'metadata',
                       'system_metadata', 'info_cache', 'security_groups',
                       'pci_devices')
# Query names that differ from the instance fields they filter.
FILTER_NAMES = {'image': 'image_ref', 'name': 'display_name',
                'tenant_id': 'project_id'}
# Sort keys Nova accepted before its schemas and ignores (until 2.75,
# which refuses them); 'locked' sorts from 2.73.
IGNORED_SORT_KEYS = (
    'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device',
    'default_swap_device', 'deleted', 'deleted_at', 'disable_terminate',
    'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on',
    'locked', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
    'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode')
IGNORED_SORT_KEYS_V273 = tuple(k for k in IGNORED_SORT_KEYS
                               if k != 'locked')
SORT_KEYS = (
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone',
    'config_drive', 'created_at', 'display_description', 'display_name',
    'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id',
    'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
    'power_state', 'progress', 'project_id', 'ramdisk_id',
    'root_device_name', 'task_state', 'terminated_at', 'updated_at',
    'user_id', 'uuid', 'vm_state')
ADMIN_SORT_KEYS = ('host', 'node')


def _sort_key_param(keys):
    return validation.multi_params({'type': 'string', 'enum': list(keys)})


_param = validation.common_query_param
_regex = validation.multi_params({'type': 'string', 'format': 'regex'})
_date_time = validation.multi_params({'type': 'string',
                                      'format': 'date-time'})
query_v21 = {
    'type': 'object',
    'properties': {
        'user_id': _param, 'project_id': _param, 'tenant_id': _param,
        'launch_index': _param, 'image_ref': _param, 'image': _param,
        'kernel_id': _regex, 'ramdisk_id': _regex, 'hostname': _regex,
        'key_name': _regex, 'power_state': _regex, 'vm_state': _param,
        'task_state': _param, 'host': _param, 'node': _regex,
        'flavor': _regex, 'reservation_id': _regex, 'launched_at': _regex,
        'terminated_at': _regex, 'availability_zone': _regex,
        'name': _regex, 'display_name': _regex, 'description': _regex,
        'display_description': _regex, 'locked_by': _regex, 'uuid': _param,
        'root_device_name': _regex, 'config_drive': _regex,
        'access_ip_v4': _regex, 'access_ip_v6': _regex,
        'auto_disk_config': _regex, 'progress': _regex,
        'sort_key': _sort_key_param(SORT_KEYS + IGNORED_SORT_KEYS),
        'sort_dir': _param, 'all_tenants': _param, 'soft_deleted': _param,
        'deleted': _param, 'status': _param, 'changes-since': _date_time,
        'ip': _regex, 'ip6': _regex, 'created_at': _regex,
        'limit': validation.multi_params(validation.non_negative_integer),
        'marker': _param,
        **{name: _param for name in JOINED_TABLE_PARAMS},
    },
    'additionalProperties': True,
    # Kept (and refused later) rather than dropped: internal names.
    'patternProperties': {'^_': _param},
}
query_v226 = copy.deepcopy(query_v21)
query_v226['properties'].update({name: _regex for name in TAG_FILTERS})
query_v266 = copy.deepcopy(query_v226)
query_v266['properties']['changes-before'] = _date_time
query_v273 = copy.deepcopy(query_v266)
query_v273['properties'].update({
    'sort_key': _sort_key_param(SORT_KEYS + ('locked',) +
                                IGNORED_SORT_KEYS_V273),
    'locked': _param})
query_v275 = copy.deepcopy(query_v273)
query_v275['properties']['sort_key'] = _sort_key_param(
    SORT_KEYS + ('locked',))
query_v275['additionalProperties'] = False


def _with_instance_columns(schema):
    """Before 2.75 Nova kept unknown parameters, and an administrator's
    naming an ``instances`` column filtered on it: keep those too."""
    extended = copy.deepcopy(schema)
    for column in instance_record.INSTANCE_COLUMNS:
        if column not in ('cleaned', 'hidden'):
            extended['properties'].setdefault(column, _param)
    return extended


no_query = {'type': 'object', 'properties': {}, 'additionalProperties': True}


def _list_queries(action):
    """The query schemas of the lists, per microversion range."""
    for schema, low, high in (
            (_with_instance_columns(query_v21), '2.1', '2.25'),
            (_with_instance_columns(query_v226), '2.26', '2.65'),
            (_with_instance_columns(query_v266), '2.66', '2.72'),
            (_with_instance_columns(query_v273), '2.73', '2.74'),
            (query_v275, '2.75', None)):
        action = validation.query_schema(schema, low, high,
                                         strict_from='2.75')(action)
    return action


def _bad_request(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def _bool(value, strict=False, default=False):
    """A query flag; one that is not a boolean is Nova's 400."""
    try:
        return strutils.bool_from_string(value, strict=strict,
                                         default=default)
    except ValueError as error:
        raise exception.InvalidInput(str(error))


class ServersController(base.APIBase):
    """The servers API; the actions of POST /servers/{id}/action that
    act on the server itself are here too."""

    def __init__(self):
        super().__init__()
        self.compute_api = compute_api.API()
        self._actions = {
            'forceDelete': self._force_delete,
            **server_actions.ServerActions(self.compute_api).handlers(),
            **remote_consoles.RemoteConsolesController(
                self.compute_api).action_handlers(),
            **server_rebuild.ServerRebuild(self.compute_api).action_handlers(),
            **rescue.RescueController(self.compute_api).action_handlers()}

    @_list_queries
    def index(self, req):
        policy.authorize(req.nova_context, POLICY % 'index')
        return self._list(req, detail=False)

    @_list_queries
    def detail(self, req):
        policy.authorize(req.nova_context, POLICY % 'detail')
        return self._list(req, detail=True)

    @validation.query_schema(no_query)
    def show(self, req, id):
        context = req.nova_context
        server = self.get_server(req, id, server_groups=(
            req.api_version_request >= '2.71'))
        policy.authorize(context, POLICY % 'show',
                         {'project_id': server.record['project_id']})
        return {'server': views.show(req, server, server_groups=(
            req.api_version_request >= '2.71'))}

    def get_server(self, req, server_id, server_groups=False, detail=True):
        """The server the path names, with what its view shows (only its
        record without ``detail``); 404 when there is none the caller
        may see."""
        return instance_list.get_server(self.api_url, req.nova_context,
                                        server_id, detail=detail,
                                        server_groups=server_groups)

    # --- create, update, delete ------------------------------------------

    @schemas.validated(schemas.CREATE)
    @router.response(202)
    def create(self, req, body):
        context = req.nova_context
        policy.authorize(context, POLICY % 'create')
        server = body['server']
        records, reservation_id, password = self.compute_api.create(
            context, _create_request(req, body))
        if server.get('return_reservation_id'):
            return {'reservation_id': reservation_id}
        created = views.created(req, records[0])
        if CONF.api.enable_instance_password:
            created['adminPass'] = password
        return _with_location({'server': created},
                              created['links'][0]['href'])

    @schemas.validated(schemas.UPDATE)
    def update(self, req, id, body):
        context = req.nova_context
        server = self.get_server(req, id)
        policy.authorize(context, POLICY % 'update',
                         {'project_id': server.record['project_id']})
        self.compute_api.update(context, id, _update_values(body['server']))
        if 'pinned_availability_zone' in body['server']:
            self.conductor.request_spec_pin_zone(
                context, id, body['server']['pinned_availability_zone'])
        groups = req.api_version_request >= '2.71'
        return {'server': views.show(req, self.get_server(
            req, id, server_groups=groups), server_groups=groups)}

    @router.response(204)
    def delete(self, req, id):
        self._delete(req, id, 'delete')

    def _delete(self, req, id, action):
        context = req.nova_context
        record = self.get_server(req, id, detail=False).record
        policy.authorize(context, POLICY % action.lower(),
                         {'project_id': record['project_id']})
        if record.get('locked') and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=id)
        self.compute_api.delete(context, id)

    @router.response(202)
    def action(self, req, id, body):
        """POST /servers/{id}/action: the action the body names (see
        nova_api.controllers.server_actions for most of them)."""
        return actions.handler(self._actions, body)(req, id, body=body)

    @validation.schema(schemas.force_delete)
    def _force_delete(self, req, id, body):
        """Delete a soft-deleted server now; any other state is 409."""
        server = self.get_server(req, id)
        server_states.require_vm_state(server.record, [states.SOFT_DELETED],
                                       'forceDelete', id)
        self._delete(req, id, 'delete')

    # --- lists ---------------------------------------------------------------

    def _list(self, req, detail):
        context = req.nova_context
        search = self._search_options(req)
        if search is None:
            return {'servers': []}
        all_tenants = self._all_tenants(req, search, detail)
        limit, marker = paging.limit_and_marker(req)
        sort_keys, sort_dirs = self._sort(req)
        try:
            filters = self._filters(context, search)
        except exception.FlavorNotFound:
            return {'servers': []}
        try:
            servers = instance_list.list_servers(
                self.api_url, context.elevated() if all_tenants else context,
                filters, sort_keys, sort_dirs, limit, marker, detail=detail)
        except exception.MarkerNotFound:
            raise _bad_request('marker [%s] not found' % marker)
        return (views.detail(req, servers) if detail
                else views.index(req, servers))

    def _search_options(self, req):
        """The filters of the request as Nova's compute API takes them;
        None when a status names nothing (before 2.38)."""
        context = req.nova_context
        search = {name: req.GET.getall(name)[-1] for name in req.GET}
        self._drop_disallowed(req, search)
        for name in search:
            if name in JOINED_TABLE_PARAMS or name.startswith('_'):
                raise _bad_request('Invalid filter field: %s.' % name)
        search.pop('status', None)
        if 'status' in req.GET:
            vm_states, task_states = _states(req.GET.getall('status'))
            if not vm_states and not task_states:
                if req.api_version_request >= '2.38':
                    raise _bad_request('Invalid status value')
                return None
            search['vm_state'] = vm_states
            if task_states is not None:
                search['task_state'] = task_states
        _parse_changes(search)
        if 'deleted' in search:
            search['deleted'] = _bool(search['deleted'])
        elif ('changes-since' not in search and
              'changes-before' not in search):
            search['deleted'] = False
        if search.get('vm_state') == [states.DELETED]:
            if not context.is_admin:
                raise webob.exc.HTTPForbidden(
                    explanation='Only administrators may list deleted '
                    'instances')
            search['deleted'] = True
        if req.api_version_request >= '2.26':
            for name in TAG_FILTERS:
                if name in search:
                    search[name] = search[name].split(',')
        if 'locked' in search:
            search['locked'] = _bool(search['locked'], strict=True)
        return search

    @staticmethod
    def _drop_disallowed(req, search):
        """Paging and sorting are not filters; and the filters a
        non-administrator may not use are ignored."""
        if policy.allowed(req.nova_context, POLICY % 'allow_all_filters'):
            for name in PAGING_SORTING_PARAMS:
                search.pop(name, None)
            return
        allowed = {name for version, names in USER_FILTERS
                   if req.api_version_request >= version for name in names}
        for name in set(search) - allowed:
            del search[name]

    @staticmethod
    def _all_tenants(req, search, detail):
        """Whether every project's servers are listed (``all_tenants``,
        admins); otherwise the caller's project's only."""
        context = req.nova_context
        value = search.pop('all_tenants', None)
        all_tenants = (value == '' or
                       (value is not None and _bool(value, strict=True)))
        if all_tenants:
            policy.authorize(context, POLICY % (
                'detail:get_all_tenants' if detail
                else 'index:get_all_tenants'))
            return True
        search.pop('tenant_id', None)
        if context.project_id:
            search['project_id'] = context.project_id
        else:
            search['user_id'] = context.user_id
        return False

    @staticmethod
    def _sort(req):
        """sort_key and sort_dir, defaulting to created_at desc; keys
        Nova ignores are dropped, host and node are for admins."""
        sort_keys = [key.strip() for key in req.GET.getall('sort_key')]
        sort_dirs = [d.strip() for d in req.GET.getall('sort_dir')]
        sort_keys = sort_keys or ['created_at']
        sort_dirs = sort_dirs or ['desc']
        ignored = (IGNORED_SORT_KEYS_V273
                   if req.api_version_request >= '2.73'
                   else IGNORED_SORT_KEYS)
        for key in list(sort_keys):
            if key in ignored:
                index = sort_keys.index(key)
                if len(sort_dirs) > index:
                    del sort_dirs[index]
                del sort_keys[index]
            elif key in ADMIN_SORT_KEYS and not req.nova_context.is_admin:
                raise webob.exc.HTTPForbidden(
                    explanation='Only administrators can sort servers by '
                    '%s' % key)
        return sort_keys, sort_dirs

    @staticmethod
    def _filters(context, search):
        """Query names to instance fields; a flavor by its flavorid
        (FlavorNotFound when the caller cannot see it)."""
        filters = {}
        for name, value in search.items():
            if name == 'flavor':
                filters['instance_type_id'] = flavor_api.get(
                    context, value)['id']
            else:
                filters[FILTER_NAMES.get(name, name)] = value
        return filters


def _states(statuses):
    """(vm_states, task_states or None for any) of several statuses."""
    vm_states, task_states, any_task = set(), set(), False
    for status in statuses:
        vms, tasks = states.states_from_status(status.strip())
        vm_states.update(vms)
        if tasks is None:
            any_task = True
        else:
            task_states.update(tasks)
    return sorted(vm_states), None if any_task else sorted(task_states)


def _parse_changes(search):
    """changes-since and changes-before as naive UTC datetimes; the
    first may not be later than the second."""
    for name in ('changes-since', 'changes-before'):
        if name in search:
            try:
                search[name] = timeutils.normalize_time(
                    timeutils.parse_isotime(search[name]))
            except ValueError:
                raise _bad_request('Invalid filter field: %s.' % name)
    since, before = search.get('changes-since'), search.get('changes-before')
    if since and before and before < since:
        raise _bad_request('The value of changes-since must be less than or '
                           'equal to changes-before.')


def _create_request(req, body):
    """The body's ``server`` as the compute API takes it: hints beside
    it, counts as integers, the flavor's id from a link, and 'auto'
    networks before 2.37 made them required."""
    server = dict(body['server'])
    server['scheduler_hints'] = (body.get('os:scheduler_hints') or
                                 body.get('OS-SCH-HNT:scheduler_hints') or {})
    server['flavorRef'] = str(server['flavorRef']).rstrip('/').rsplit(
        '/', 1)[-1]
    for name in ('min_count', 'max_count'):
        if name in server:
            server[name] = int(server[name])
    if req.api_version_request < '2.37':
        server.setdefault('networks', 'auto')
    return server


# PUT /servers/{id} body keys -> instance fields.
_UPDATABLE = {'name': 'display_name', 'description': 'display_description',
              'hostname': 'hostname', 'accessIPv4': 'access_ip_v4',
              'accessIPv6': 'access_ip_v6'}


def _update_values(server):
    values = {_UPDATABLE[k]: v for k, v in server.items() if k in _UPDATABLE}
    if 'OS-DCF:diskConfig' in server:
        values['auto_disk_config'] = server['OS-DCF:diskConfig'] == 'AUTO'
    return values


def _with_location(body, location):
    response = webob.Response(status=202, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(body)
    response.headers['Location'] = location
    return response
