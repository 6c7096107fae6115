"""os-simple-tenant-usage: how many server hours each project used over
a period, and what those servers weighed (vCPU, RAM and disk hours).

A server counts when it was launched before the period ends and not
terminated before it starts; deleted servers count too, from every
cell.  The period is ``start`` to ``end`` (now by default; an end in
the future is now), in one of three UTC formats.  Servers come cell
by cell, by project then uuid within a cell, at most ``[api]
max_limit`` of them; 2.40 pages them (``limit``, ``marker`` a server
uuid) and links the next page; 2.75 refuses unknown query
parameters.
"""

import collections
import datetime
from urllib import parse

from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa
import webob.exc

from common import conf
from common import exception
from common.db import engines
from common.db import main_models as main
from common.db import mappings
from nova_api import base
from nova_api import links
from nova_api import paging
from nova_api import policy
from nova_api import validation

CONF = conf.CONF
POLICY = 'os_compute_api:os-simple-tenant-usage:%s'
COLLECTION = 'os-simple-tenant-usage'
PAGING = '2.40'
STRICT_QUERY = '2.75'
TIME_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f',
                '%Y-%m-%d %H:%M:%S.%f')

_period_params = {'start': validation.common_query_param,
                  'end': validation.common_query_param}
_paging_params = {
    'limit': validation.multi_params(validation.non_negative_integer),
    'marker': validation.multi_params({'type': 'string'}),
}
index_query = {
    'type': 'object',
    'properties': {**_period_params,
                   'detailed': validation.common_query_param},
    'additionalProperties': True,
}
show_query = {'type': 'object', 'properties': _period_params,
              'additionalProperties': True}
index_query_v240 = {**index_query, 'properties': {
    **index_query['properties'], **_paging_params}}
show_query_v240 = {**show_query, 'properties': {
    **show_query['properties'], **_paging_params}}


def _parse_time(value):
    """A period bound: naive UTC, now when not given."""
    if not value:
        return timeutils.utcnow()
    for time_format in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(value, time_format)
        except ValueError:
            continue
    raise exception.InvalidStrTime(reason='Datetime is in invalid format')


def _period(req):
    """(start, stop, detailed) of the request; ``stop`` no later than
    now.  Read from the raw query string, first values, as Nova."""
    params = parse.parse_qs(req.environ.get('QUERY_STRING', ''))
    start = _parse_time(params.get('start', [None])[0])
    stop = _parse_time(params.get('end', [None])[0])
    if not start < stop:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid start time. The start time cannot occur '
            'after the end time.')
    detailed = params.get('detailed', ['0'])[0] == '1'
    return start, min(stop, timeutils.utcnow()), detailed


def _hours(instance, start, stop):
    """Hours of the period the server existed (a float), 0 when none."""
    launched, terminated = instance.launched_at, instance.terminated_at
    if not launched or (terminated and terminated < start) or (
            launched > stop):
        return 0
    end = min(stop, terminated) if terminated else stop
    return (end - max(launched, start)).total_seconds() / 3600.0


def _server_usage(instance, flavor, start, stop, now):
    """One entry of ``server_usages``; sizes from the server's flavor
    (its own columns for a server stored without one)."""
    flavor = flavor or {}
    size = {key: flavor.get(key, getattr(instance, key))
            for key in ('memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb')}
    ended = instance.terminated_at
    return {
        'hours': _hours(instance, start, stop),
        'flavor': flavor.get('name', ''),
        'instance_id': instance.uuid,
        'name': instance.display_name,
        'tenant_id': instance.project_id,
        'memory_mb': size['memory_mb'],
        'local_gb': (size['root_gb'] or 0) + (size['ephemeral_gb'] or 0),
        'vcpus': size['vcpus'],
        'started_at': instance.launched_at,
        'ended_at': ended,
        'state': 'terminated' if ended else instance.vm_state,
        'uptime': int(((ended or now) - instance.launched_at)
                      .total_seconds()),
    }


def _summaries(server_usages, start, stop, detailed):
    """One usage per project, in the order its servers came."""
    summaries = collections.OrderedDict()
    for usage in server_usages:
        summary = summaries.get(usage['tenant_id'])
        if summary is None:
            summary = summaries[usage['tenant_id']] = {
                'tenant_id': usage['tenant_id'],
                'total_local_gb_usage': 0, 'total_vcpus_usage': 0,
                'total_memory_mb_usage': 0, 'total_hours': 0,
                'start': start, 'stop': stop}
            if detailed:
                summary['server_usages'] = []
        hours = usage['hours']
        summary['total_local_gb_usage'] += usage['local_gb'] * hours
        summary['total_vcpus_usage'] += usage['vcpus'] * hours
        summary['total_memory_mb_usage'] += usage['memory_mb'] * hours
        summary['total_hours'] += hours
        if detailed:
            summary['server_usages'].append(usage)
    return list(summaries.values())


def _in_window(cell, start, stop, project_id, limit, marker):
    """(instance row, flavor) of a cell's servers in the period, by
    project and uuid, after ``marker`` (MarkerNotFound if this cell
    does not have it)."""
    instance = main.Instance
    query = (sa.select(instance, main.InstanceExtra.flavor)
             .outerjoin(main.InstanceExtra,
                        main.InstanceExtra.instance_uuid == instance.uuid)
             .where(sa.or_(instance.terminated_at.is_(None),
                           instance.terminated_at > start),
                    instance.launched_at < stop))
    if project_id:
        query = query.where(instance.project_id == project_id)
    with engines.reader(cell.database_connection) as session:
        if marker is not None:
            found = session.scalars(sa.select(instance).where(
                instance.uuid == marker)).first()
            if found is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(sa.or_(
                instance.project_id > found.project_id,
                sa.and_(instance.project_id == found.project_id,
                        instance.uuid > found.uuid)))
        query = query.order_by(instance.project_id, instance.uuid).limit(
            limit)
        return [(row, jsonutils.loads(flavor)['cur'] if flavor else None)
                for row, flavor in session.execute(query)]


class SimpleTenantUsageController(base.APIBase):

    @validation.query_schema(index_query, '2.1', '2.39')
    @validation.query_schema(index_query_v240, PAGING,
                             strict_from=STRICT_QUERY)
    def index(self, req):
        policy.authorize(req.nova_context, POLICY % 'list')
        start, stop, detailed = _period(req)
        usages, servers = self._usages(req, start, stop, None, detailed)
        body = {'tenant_usages': usages}
        self._link_next(req, body, 'tenant_usages_links', servers,
                        COLLECTION)
        return body

    @validation.query_schema(show_query, '2.1', '2.39')
    @validation.query_schema(show_query_v240, PAGING,
                             strict_from=STRICT_QUERY)
    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'show',
                         {'project_id': id})
        start, stop, _detailed = _period(req)
        usages, servers = self._usages(req, start, stop, id, True)
        body = {'tenant_usage': usages[0] if usages else {}}
        self._link_next(req, body, 'tenant_usage_links', servers,
                        '%s/%s' % (COLLECTION, id))
        return body

    def _usages(self, req, start, stop, project_id, detailed):
        """(per-project usages, every server's usage) of the period."""
        limit, marker = CONF.api.max_limit, None
        if req.api_version_request >= PAGING:
            limit, marker = paging.limit_and_marker(req)
        now = timeutils.utcnow()
        servers = [_server_usage(instance, flavor, start, stop, now)
                   for instance, flavor in self._instances(
                       start, stop, project_id, limit, marker)]
        return _summaries(servers, start, stop, detailed), servers

    def _instances(self, start, stop, project_id, limit, marker):
        """Nova's walk over the cells, in the order they were created:
        cells before the one holding the marker are skipped, and the
        limit is what the previous cells left."""
        found = []
        for cell in sorted(mappings.list_cells(self.api_url),
                           key=lambda cell: cell.id):
            try:
                rows = _in_window(cell, start, stop, project_id, limit,
                                  marker)
            except exception.MarkerNotFound:
                continue
            found.extend(rows)
            marker = None
            limit -= len(rows)
            if limit <= 0:
                break
        if marker is not None and not found:
            raise webob.exc.HTTPBadRequest(
                explanation=exception.MarkerNotFound(
                    marker=marker).format_message())
        return found

    @staticmethod
    def _link_next(req, body, key, servers, collection):
        """From 2.40, the next page's link when this page is full."""
        if req.api_version_request < PAGING:
            return
        next_page = links.collection_links(req, servers, collection,
                                           id_key='instance_id')
        if next_page:
            body[key] = next_page
