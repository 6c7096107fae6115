"""os-hypervisors: the compute nodes, their resources and their hosts.

2.28 turns ``cpu_info`` into an object, 2.33 pages the lists with
``limit`` and ``marker``, and 2.53 names nodes and services by uuid and
folds the search and servers routes into query parameters of the lists
(``hypervisor_hostname_pattern``, ``with_servers``), refusing unknown
ones.  2.75 always shows ``servers`` when asked for, even empty.  2.88
drops the resource counts (placement has them: ``vcpus``,
``memory_mb``... and ``cpu_info``) in favour of each host's ``uptime``,
and removes ``/statistics`` and ``/{id}/uptime``.
"""

from oslo_serialization import jsonutils
from oslo_utils import strutils
from oslo_utils import uuidutils
import webob.exc

from common import exception
from common import service as nova_service
from nova_api import api_version
from nova_api import host_api
from nova_api import links
from nova_api import paging
from nova_api import policy
from nova_api import validation

POLICY = 'os_compute_api:os-hypervisors:%s'
UUID_FOR_ID = '2.53'
SERVERS_ALWAYS = '2.75'
RESOURCES_IN_PLACEMENT = '2.88'

DETAIL_FIELDS = (
    'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
    'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'current_workload',
    'running_vms', 'disk_available_least')

# Before their parameters existed, the routes ignore any they are given.
no_query = {'type': 'object', 'properties': {}, 'additionalProperties': True}
list_query_v233 = {
    'type': 'object',
    'properties': {
        'limit': validation.multi_params(validation.non_negative_integer),
        'marker': validation.multi_params({'type': 'string'}),
    },
    'additionalProperties': True,
}
list_query_v253 = {
    'type': 'object',
    'properties': {
        'limit': validation.single_param(validation.non_negative_integer),
        'marker': validation.single_param({'type': 'string'}),
        'hypervisor_hostname_pattern': validation.single_param(
            validation.fqdn),
        'with_servers': validation.single_param(validation.boolean),
    },
    'additionalProperties': False,
}
show_query_v253 = {
    'type': 'object',
    'properties': {
        'with_servers': validation.single_param(validation.boolean),
    },
    'additionalProperties': False,
}


def _not_found(hypervisor_id):
    return webob.exc.HTTPNotFound(
        explanation="Hypervisor with ID '%s' could not be found."
        % hypervisor_id)


def _no_match(pattern):
    return webob.exc.HTTPNotFound(
        explanation="No hypervisor matching '%s' could be found." % pattern)


def _with_servers(req):
    """The ``with_servers`` query parameter (2.53), strictly boolean."""
    if req.api_version_request < UUID_FOR_ID:
        return False
    return strutils.bool_from_string(req.GET.get('with_servers', False),
                                     strict=True)


class HypervisorsController:

    def __init__(self):
        self.host_api = host_api.HostAPI()

    def _view(self, req, hypervisor, detail, servers=None):
        """A hypervisor as the version shows it; ``servers`` is its
        instances when they were asked for, else None."""
        node, service = hypervisor.node, hypervisor.service
        version = req.api_version_request
        uuid_for_id = version >= UUID_FOR_ID
        view = {
            'id': node['uuid' if uuid_for_id else 'id'],
            'hypervisor_hostname': node['hypervisor_hostname'],
            'state': 'up' if nova_service.is_up(service) else 'down',
            'status': 'disabled' if service['disabled'] else 'enabled',
        }
        if detail:
            view.update({field: node[field] for field in (
                'hypervisor_type', 'hypervisor_version', 'host_ip')})
            view['service'] = {
                'id': service['uuid' if uuid_for_id else 'id'],
                'host': node['host'],
                'disabled_reason': service['disabled_reason'],
            }
            if version >= RESOURCES_IN_PLACEMENT:
                view['uptime'] = self._uptime_or_none(req, hypervisor)
            else:
                view.update({field: node[field] for field in DETAIL_FIELDS})
                view['cpu_info'] = self._cpu_info(req, node['cpu_info'])
        if servers or (servers is not None and version >= SERVERS_ALWAYS):
            view['servers'] = [
                {'name': host_api.instance_name(instance),
                 'uuid': instance['uuid']} for instance in servers]
        return view

    @staticmethod
    def _cpu_info(req, cpu_info):
        if req.api_version_request < '2.28':
            return cpu_info
        return jsonutils.loads(cpu_info) if cpu_info else {}

    def _uptime_or_none(self, req, hypervisor):
        """The host's uptime in a detailed view (2.88): None when its
        driver cannot tell or its nova-compute is down or silent,
        rather than failing the whole answer."""
        try:
            return self.host_api.get_host_uptime(req.nova_context,
                                                 hypervisor)
        except (NotImplementedError, exception.ComputeServiceUnavailable):
            return None

    def _views(self, req, hypervisors, detail, with_servers=False):
        if not with_servers:
            return [self._view(req, h, detail) for h in hypervisors]
        servers = self.host_api.instances_by_host(hypervisors)
        return [self._view(req, h, detail, servers.get(h.node['host'], []))
                for h in hypervisors]

    def _search(self, pattern):
        found = self.host_api.compute_node_search_by_hypervisor(pattern)
        if not found:
            raise _no_match(pattern)
        return found

    def _list(self, req, detail):
        """index and detail: every hypervisor, a page of them (2.33) or
        those matching a pattern (2.53)."""
        policy.authorize(req.nova_context,
                         POLICY % ('list-detail' if detail else 'list'))
        paged = req.api_version_request >= '2.33'
        limit, marker = (paging.limit_and_marker(req) if paged
                         else (None, None))
        pattern = (req.GET.get('hypervisor_hostname_pattern')
                   if req.api_version_request >= UUID_FOR_ID else None)
        if pattern is not None:
            if 'limit' in req.GET or marker:
                raise webob.exc.HTTPBadRequest(
                    explanation='Paging over hypervisors with the '
                    'hypervisor_hostname_pattern query parameter is not '
                    'supported.')
            found = self._search(pattern)
        else:
            try:
                found = self.host_api.compute_node_get_all(limit, marker)
            except exception.MarkerNotFound:
                raise webob.exc.HTTPBadRequest(
                    explanation='marker [%s] not found' % marker)
        views = self._views(req, found, detail, _with_servers(req))
        body = {'hypervisors': views}
        hypervisor_links = (
            links.collection_links(
                req, views,
                'os-hypervisors/detail' if detail else 'os-hypervisors')
            if paged and pattern is None else [])
        if hypervisor_links:
            body['hypervisors_links'] = hypervisor_links
        return body

    @validation.query_schema(no_query, '2.1', '2.32')
    @validation.query_schema(list_query_v233, '2.33', '2.52')
    @validation.query_schema(list_query_v253, UUID_FOR_ID)
    def index(self, req):
        return self._list(req, detail=False)

    @validation.query_schema(no_query, '2.1', '2.32')
    @validation.query_schema(list_query_v233, '2.33', '2.52')
    @validation.query_schema(list_query_v253, UUID_FOR_ID)
    def detail(self, req):
        return self._list(req, detail=True)

    def _get(self, req, hypervisor_id):
        """The hypervisor of a path: a uuid from 2.53, an integer before
        (anything else is a 404 there, as the id names nothing)."""
        if req.api_version_request >= UUID_FOR_ID:
            if not uuidutils.is_uuid_like(hypervisor_id):
                raise webob.exc.HTTPBadRequest(
                    explanation='Invalid uuid %s' % hypervisor_id)
        elif not hypervisor_id.isdigit():
            raise _not_found(hypervisor_id)
        try:
            return self.host_api.compute_node_get(hypervisor_id)
        except exception.ComputeHostNotFound:
            raise _not_found(hypervisor_id)

    @validation.query_schema(no_query, '2.1', '2.52')
    @validation.query_schema(show_query_v253, UUID_FOR_ID)
    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'show')
        hypervisor = self._get(req, id)
        views = self._views(req, [hypervisor], True, _with_servers(req))
        return {'hypervisor': views[0]}

    @api_version.versioned('2.1', '2.87')
    @validation.query_schema(no_query)
    def uptime(self, req, id):
        """The host's ``uptime`` line; in the detailed views from 2.88."""
        policy.authorize(req.nova_context, POLICY % 'uptime')
        hypervisor = self._get(req, id)
        try:
            uptime = self.host_api.get_host_uptime(req.nova_context,
                                                   hypervisor)
        except NotImplementedError:
            raise webob.exc.HTTPNotImplemented(
                explanation='The requested functionality is not supported.')
        view = self._view(req, hypervisor, detail=False)
        view['uptime'] = uptime
        return {'hypervisor': view}

    @api_version.versioned('2.1', '2.52')
    @validation.query_schema(no_query)
    def search(self, req, id):
        """Hypervisors whose name contains ``id`` (before 2.53)."""
        policy.authorize(req.nova_context, POLICY % 'search')
        return {'hypervisors': self._views(req, self._search(id), False)}

    @api_version.versioned('2.1', '2.52')
    @validation.query_schema(no_query)
    def servers(self, req, id):
        """As search, with the servers of each (before 2.53)."""
        policy.authorize(req.nova_context, POLICY % 'servers')
        return {'hypervisors': self._views(req, self._search(id), False,
                                           with_servers=True)}

    @api_version.versioned('2.1', '2.87')
    @validation.query_schema(no_query)
    def statistics(self, req):
        """Sums over the enabled hosts; gone in 2.88 (placement has
        the numbers)."""
        policy.authorize(req.nova_context, POLICY % 'statistics')
        return {'hypervisor_statistics':
                self.host_api.compute_node_statistics()}
