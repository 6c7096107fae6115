"""Servers as the API reads them: one by uuid, or a filtered, sorted
page of them.

A server lives in one of two places (see the servers contract): while
it waits for a host, as a build request in the API database (its
instance record as JSON, no cell); then as an ``instances`` row of a
cell database, found through its instance mapping.  A list reads the
build requests first, then every cell in parallel, and puts them
together as Nova's compute API does: the build requests of the page
(sorted among themselves) come first, then the cells' instances merged
in the requested order.  A cell that fails is skipped with a warning
(``[api] list_records_by_skipping_down_cells``); from 2.69 Nova would
rather show its servers as partial records (id, status UNKNOWN, links)
built from their instance mappings: not done here yet.

Filters are Nova's (``instance_get_all_by_filters_sort``): a few
columns match exactly, any other column of ``instances`` by regular
expression (``REGEXP``: MySQL's, and the case-insensitive one
``common.db.engines`` gives SQLite), tags, ``changes-since``/``-before``
on ``updated_at``, and ``deleted``.  Build requests are filtered in
Python, as Nova does (its regular expressions are case-sensitive).

Everything a detailed view shows is read in bulk: a few IN queries per
cell and on the API database, whatever the number of servers.
"""

import dataclasses
import functools
import heapq
import re

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from common import availability_zones
from common import conf
from common import exception
from common import instance_record
from common import service as nova_service
from common import states
from common.db import api_models as api
from common.db import cells as cells_db
from common.db import engines
from common.db import main_models as main
from common.db import mappings

CONF = conf.CONF
LOG = logging.getLogger(__name__)
# The queries are built on the tables, not the ORM classes: the ORM's
# result layer costs more than the queries of a page.
INSTANCES = main.Instance.__table__
COLUMNS = INSTANCES.c

# Filters on these match exactly (a list: any of its values); every
# other instances column filters by regular expression.
EXACT_FILTERS = ('project_id', 'user_id', 'image_ref', 'vm_state',
                 'instance_type_id', 'uuid', 'host', 'task_state', 'locked',
                 'hidden')
TAG_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')
# Filters that are not regular expressions on a column.
SPECIAL_FILTERS = EXACT_FILTERS + TAG_FILTERS + (
    'deleted', 'soft_deleted', 'changes-since', 'changes-before', 'ip',
    'ip6')
DEFAULT_SORT_KEYS = ('created_at', 'id')

# host_status values (Nova's HostStatus).
HOST_UP = 'UP'
HOST_DOWN = 'DOWN'
HOST_MAINTENANCE = 'MAINTENANCE'
HOST_UNKNOWN = 'UNKNOWN'
HOST_NONE = ''


@dataclasses.dataclass
class Server:
    """A server's instance record and what its detailed view shows
    besides; ``cell`` is None while it is a build request."""

    record: dict
    cell: object = None
    network_info: list = dataclasses.field(default_factory=list)
    volumes: list = dataclasses.field(default_factory=list)
    host_status: str = HOST_NONE
    availability_zone: str = ''
    specs: 'RequestSpecs' = None
    server_groups: list = None
    # The build request's row id: what 'id' sorts build requests by.
    build_request_id: int = None

    @property
    def uuid(self):
        return self.record['uuid']

    @property
    def request_spec(self):
        """The server's request spec, None without one."""
        return self.specs.get(self.uuid) if self.specs else None


# --- one server -------------------------------------------------------------

def get_server(api_url, ctxt, uuid, read_deleted=False, detail=True,
               server_groups=False):
    """The server ``uuid``, or Nova's 404 (InstanceNotFound).

    As Nova's ``common.get_instance``: a non-administrator does not find
    another project's server in a cell (a build request is not
    filtered: the caller's policy check on its project decides), nor
    does anyone find a deleted server unless ``read_deleted`` (2.21
    instance actions).  ``detail`` adds to the record what the detailed
    view shows; ``server_groups`` the groups the server is in (2.71).
    """
    if not uuidutils.is_uuid_like(uuid):
        raise exception.InstanceNotFound(instance_id=uuid)
    cell, server = _placement(api_url, uuid)
    if server is None:
        server = _cell_instance(ctxt, cell, uuid, read_deleted, detail)
    if detail:
        load_details(api_url, [server], server_groups=server_groups)
    return server


def _placement(api_url, uuid):
    """(cell, None) of a placed server, (None, its build request's
    Server) of one waiting for a host.

    One read of the API database: the conductor places a server (sets
    its mapping's cell, deletes its build request) in one transaction.
    """
    with engines.reader(api_url) as session:
        row = session.execute(
            sa.select(api.InstanceMapping.id, api.CellMapping)
            .outerjoin(api.CellMapping,
                       api.CellMapping.id == api.InstanceMapping.cell_id)
            .where(api.InstanceMapping.instance_uuid == uuid)).first()
        if row is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        if row.CellMapping is not None:
            return row.CellMapping, None
        build = session.scalars(sa.select(api.BuildRequest).where(
            api.BuildRequest.instance_uuid == uuid)).first()
    if build is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return None, _from_build_request(build)


def _cell_instance(ctxt, cell, uuid, read_deleted, detail):
    query = _instances_query(detail).where(COLUMNS.uuid == uuid)
    if not read_deleted:
        query = query.where(COLUMNS.deleted == 0)
    if _is_user_context(ctxt):
        query = query.where(COLUMNS.project_id == ctxt.project_id)
    with engines.reader(cell.database_connection) as session:
        found = _cell_servers(session, cell, session.execute(query).all(),
                              detail)
    if not found:
        raise exception.InstanceNotFound(instance_id=uuid)
    return found[0]


def _is_user_context(ctxt):
    """Nova's: a request that sees only its own project's rows."""
    return not ctxt.is_admin and bool(ctxt.user_id and ctxt.project_id)


# --- lists ------------------------------------------------------------------

def list_servers(api_url, ctxt, filters, sort_keys, sort_dirs, limit,
                 marker=None, detail=False):
    """A page of servers matching ``filters`` (Nova's internal names:
    display_name, image_ref, project_id...), in the requested order.

    Raises MarkerNotFound when ``marker`` is no server (or one the
    filters leave out of the build requests and that is in no cell),
    InvalidInput for sort directions Nova refuses.
    """
    # Resolve the sort order first: bad directions are refused even
    # when nothing matches.
    build_order = sort_params(sort_keys, sort_dirs)
    cell_order = sort_params(*_with_uuid(sort_keys, sort_dirs))
    if limit == 0:
        return []
    with engines.reader(api_url) as session:
        builds, marker = _build_request_page(session, filters, build_order,
                                             limit, marker)
        cells = _cells(session, ctxt)
    marker_values = _marker_values(api_url, marker,
                                   [key for key, _dir in cell_order])
    if 'ip' in filters or 'ip6' in filters:
        # No server has an address yet (there is no network service to
        # give one), so no server matches an address filter.
        return []
    found = builds + _cells_page(cells, filters, cell_order,
                                 limit - len(builds), marker_values, detail)
    servers = _unique(found)
    if detail:
        load_details(api_url, servers)
    return servers


def _unique(servers):
    """A server being scheduled may be read as a build request and as
    an instance: keep the first."""
    seen = set()
    unique = []
    for server in servers:
        if server.uuid not in seen:
            seen.add(server.uuid)
            unique.append(server)
    return unique


def sort_params(sort_keys, sort_dirs, default_dir='desc'):
    """[(key, direction)] completed as Nova's database layer does:
    directions default to the first one given (else ``default_dir``),
    and created_at and id are appended when missing."""
    if sort_dirs:
        for sort_dir in sort_dirs:
            if sort_dir not in ('asc', 'desc'):
                raise exception.InvalidInput(
                    reason="Unknown sort direction, must be 'desc' or 'asc'")
        default_dir = sort_dirs[0]
    if len(sort_dirs) > len(sort_keys):
        raise exception.InvalidInput(
            reason='Sort direction size exceeds sort key size')
    keys = list(sort_keys)
    dirs = list(sort_dirs) + [default_dir] * (len(keys) - len(sort_dirs))
    for key in DEFAULT_SORT_KEYS:
        if key not in keys:
            keys.append(key)
            dirs.append(default_dir)
    return list(zip(keys, dirs, strict=True))


def _with_uuid(sort_keys, sort_dirs):
    """Across cells ids are not unique: uuid ends the order (ascending)
    so pages are stable, as Nova's multi-cell listing does."""
    keys, dirs = list(sort_keys), list(sort_dirs)
    if not keys:
        keys, dirs = list(DEFAULT_SORT_KEYS), ['desc', 'desc']
    if 'uuid' not in keys:
        keys.append('uuid')
        dirs.append('asc')
    return keys, dirs


def _ordering(order, value):
    """A sort key function: ``value(item, key)`` compared key by key,
    None first in ascending order, as MySQL and SQLite sort NULLs."""
    def compare(first, second):
        for key, sort_dir in order:
            a, b = value(first, key), value(second, key)
            if a == b:
                continue
            smaller = a is None or (b is not None and a < b)
            return -1 if smaller == (sort_dir == 'asc') else 1
        return 0
    return functools.cmp_to_key(compare)


# --- build requests (API database) ------------------------------------------

def _from_build_request(build):
    record = instance_record.from_json(build.instance)
    record['created_at'] = record.get('created_at') or build.created_at
    record['updated_at'] = record.get('updated_at') or build.updated_at
    record['tags'] = jsonutils.loads(build.tags) if build.tags else []
    return Server(record=record, build_request_id=build.id)


def _build_request_page(session, filters, order, limit, marker):
    """(page of build requests, marker left for the cells).

    As Nova: when the marker is one of the matching build requests the
    page continues after it and the cells start from their beginning;
    otherwise no build request is listed and the cells look for it.
    """
    if filters.get('deleted'):
        # Build requests are never deleted.
        return [], marker
    query = sa.select(api.BuildRequest)
    if isinstance(filters.get('project_id'), str):
        query = query.where(api.BuildRequest.project_id ==
                            filters['project_id'])
    builds = [_from_build_request(b) for b in session.scalars(query)]
    matching = _python_filtered(builds, filters)
    matching.sort(key=_ordering(order, _build_value))
    start = 0
    if marker:
        uuids = [server.uuid for server in matching]
        if marker not in uuids:
            return [], marker
        start = uuids.index(marker) + 1
    return matching[start:start + limit], None


def _build_value(server, key):
    if key == 'id':
        return server.build_request_id
    return server.record.get(key)


def _python_filtered(servers, filters):
    """Build requests are filtered in Python, as Nova's are: the exact
    fields and tags, then the regular expressions."""
    exact = {k: v for k, v in filters.items() if k in EXACT_FILTERS or
             k in TAG_FILTERS}
    if any(isinstance(v, (list, tuple, set)) and not v
           for k, v in exact.items() if k not in TAG_FILTERS):
        return []
    regex = {k: v for k, v in filters.items() if k not in SPECIAL_FILTERS}
    return [s for s in servers if _passes_exact(s.record, exact) and
            _passes_regex(s.record, regex)]


def _passes_exact(record, filters):
    for key, wanted in filters.items():
        if key in TAG_FILTERS:
            if not _tags_match(key, set(record['tags']), wanted):
                return False
        elif isinstance(wanted, (list, tuple, set)):
            if record.get(key) not in wanted:
                return False
        elif record.get(key) != wanted:
            return False
    return True


def _tags_match(kind, tags, wanted):
    found = tags.intersection(wanted)
    return {'tags': len(found) == len(set(wanted)),
            'tags-any': bool(found),
            'not-tags': len(found) != len(set(wanted)),
            'not-tags-any': not found}[kind]


def _passes_regex(record, filters):
    """As Nova's build requests: a field that is empty passes."""
    for key, pattern in filters.items():
        if key not in instance_record.INSTANCE_COLUMNS:
            continue
        value = record.get(key)
        if value and not re.search(str(pattern), str(value)):
            return False
    return True


# --- cells ------------------------------------------------------------------

def _cells_page(cells, filters, order, limit, marker_values, detail):
    """The first ``limit`` instances of each of ``cells`` after the
    marker's ``marker_values`` (None: from the start), merged in
    ``order``."""
    if limit <= 0:
        return []
    read = functools.partial(_read_cell, filters=filters, order=order,
                             limit=limit, marker_values=marker_values,
                             detail=detail)
    pages = []
    for cell, result in cells_db.scatter_gather(cells, read):
        if isinstance(result, cells_db.CellFailure):
            _skip_failed_cell(cell, result)
        else:
            pages.append(result)
    key = _ordering(order, lambda server, k: server.record.get(k))
    return list(heapq.merge(*pages, key=key))[:limit]


def _skip_failed_cell(cell, failure):
    if not CONF.api.list_records_by_skipping_down_cells:
        raise exception.NovaException(
            'Cell %s is not responding but configuration indicates that '
            'we should fail.' % cell.uuid)
    LOG.warning('Cell %s (%s) did not respond and its servers are left '
                'out of the list: %s', cell.name, cell.uuid, failure.error)


def _cells(session, ctxt):
    """Every cell (by name, as nova-manage lists them), or with ``[api]
    instance_list_per_project_cells`` only those a non-administrator's
    project has servers in."""
    query = sa.select(api.CellMapping).order_by(api.CellMapping.name,
                                                api.CellMapping.id)
    if CONF.api.instance_list_per_project_cells and not ctxt.is_admin:
        query = query.where(api.CellMapping.id.in_(
            sa.select(api.InstanceMapping.cell_id).where(
                api.InstanceMapping.project_id == ctxt.project_id)))
    return list(session.scalars(query))


def _marker_values(api_url, marker, sort_keys):
    """The marker instance's values of the sort keys, wherever it is
    (deleted or not); MarkerNotFound if it is in no cell."""
    if not marker:
        return None
    try:
        _mapping, cell = mappings.get_instance_mapping(api_url, marker)
    except exception.InstanceMappingNotFound:
        cell = None
    if cell is None:
        raise exception.MarkerNotFound(marker=marker)
    with engines.reader(cell.database_connection) as session:
        row = session.execute(sa.select(INSTANCES).where(
            COLUMNS.uuid == marker)).first()
    if row is None:
        raise exception.MarkerNotFound(marker=marker)
    return [getattr(row, key) for key in sort_keys]


def _read_cell(cell, filters, order, limit, marker_values, detail):
    """One cell's page: its first ``limit`` matching instances."""
    query = _instances_query(detail).where(*_clauses(filters))
    if marker_values is not None:
        query = query.where(_after(order, marker_values))
    query = query.order_by(*[
        COLUMNS[key].asc() if sort_dir == 'asc' else COLUMNS[key].desc()
        for key, sort_dir in order]).limit(limit)
    with engines.reader(cell.database_connection) as session:
        rows = session.execute(query).all()
        if not detail:
            # The list's index shows names: the rows have them.
            return [Server(record=dict(row._mapping), cell=cell)
                    for row in rows]
        return _cell_servers(session, cell, rows, detail)


def _instances_query(detail):
    """instances rows; for a detailed view with the network info and
    trusted certificates of their one-to-one side tables."""
    if not detail:
        return sa.select(INSTANCES)
    cache = main.InstanceInfoCache.__table__.c
    extra = main.InstanceExtra.__table__.c
    return (sa.select(INSTANCES, cache.network_info, extra.trusted_certs)
            .outerjoin(main.InstanceInfoCache.__table__,
                       cache.instance_uuid == COLUMNS.uuid)
            .outerjoin(main.InstanceExtra.__table__,
                       extra.instance_uuid == COLUMNS.uuid))


def _after(order, values):
    """Rows after ``values`` (one per sort key) in ``order``: NULL sorts
    first ascending (and last descending), in MySQL as in SQLite."""
    alternatives = []
    for i, (key, sort_dir) in enumerate(order):
        equal = [_equal(COLUMNS[k], values[j])
                 for j, (k, _dir) in enumerate(order[:i])]
        alternatives.append(sa.and_(
            *equal, _beyond(COLUMNS[key], values[i], sort_dir)))
    return sa.or_(*alternatives)


def _equal(column, value):
    return column.is_(None) if value is None else column == value


def _beyond(column, value, sort_dir):
    if sort_dir == 'asc':
        return column.is_not(None) if value is None else column > value
    if value is None:
        return sa.false()
    return sa.or_(column < value, column.is_(None))


def _clauses(filters):
    """The WHERE clauses of ``filters``, as Nova's database API."""
    clauses = _deleted_clauses(filters)
    if 'changes-since' in filters:
        clauses.append(COLUMNS.updated_at >= filters['changes-since'])
    if 'changes-before' in filters:
        clauses.append(COLUMNS.updated_at <= filters['changes-before'])
    for key in TAG_FILTERS:
        if key in filters:
            clauses.append(_tag_clause(key, filters[key]))
    for key, value in filters.items():
        if key not in instance_record.INSTANCE_COLUMNS:
            continue
        column = COLUMNS[key]
        if key in EXACT_FILTERS:
            clauses.append(_exact(column, value))
        elif key not in SPECIAL_FILTERS:
            clauses.append(column.op('REGEXP')(str(value)))
    return clauses


def _exact(column, value):
    if isinstance(value, (list, tuple, set)):
        return column.in_(list(value)) if value else sa.false()
    return column == value


def _deleted_clauses(filters):
    """``deleted`` True: deleted or soft-deleted servers (only deleted
    ones when ``soft_deleted`` is given false-ish); False: neither,
    unless ``soft_deleted``.  Absent: all of them."""
    if 'deleted' not in filters:
        return []
    soft_deleted = filters.get('soft_deleted')
    if filters['deleted']:
        if soft_deleted is None or soft_deleted:
            return [sa.or_(COLUMNS.deleted == COLUMNS.id,
                           COLUMNS.vm_state == states.SOFT_DELETED)]
        return [COLUMNS.deleted == COLUMNS.id]
    clauses = [COLUMNS.deleted == 0]
    if not soft_deleted:
        clauses.append(sa.or_(COLUMNS.vm_state != states.SOFT_DELETED,
                              COLUMNS.vm_state.is_(None)))
    return clauses


def _tag_clause(kind, tags):
    """tags: all of them; tags-any: one of them; not-tags: not all of
    them; not-tags-any: none of them."""
    tag = main.Tag.__table__.c
    tagged = sa.select(tag.resource_id).where(tag.tag.in_(tags))
    if kind in ('tags', 'not-tags'):
        tagged = tagged.group_by(tag.resource_id).having(
            sa.func.count(sa.distinct(tag.tag)) == len(set(tags)))
    if kind.startswith('not-'):
        return COLUMNS.uuid.not_in(tagged)
    return COLUMNS.uuid.in_(tagged)


def _cell_servers(session, cell, rows, detail):
    """Servers of a cell's ``instances`` rows, their records' side
    tables read; with the cell's share of the details when ``detail``
    (the rows of ``_instances_query(detail=True)``)."""
    servers = [Server(record=record, cell=cell)
               for record in instance_record.load(session, rows)]
    if detail and servers:
        for server in servers:
            record = server.record
            server.network_info = _network_info(record.pop('network_info'))
            record['trusted_certs'] = _cert_ids(record['trusted_certs'])
        _load_volumes(session, servers)
        _load_host_statuses(session, servers)
    return servers


def _network_info(stored):
    return jsonutils.loads(stored) if stored and stored != '[]' else []


def _cert_ids(stored):
    """Trusted certificate ids, stored as a list or as {"ids": [...]}."""
    certs = jsonutils.loads(stored) if stored else None
    return certs.get('ids') if isinstance(certs, dict) else certs


_BDM = main.BlockDeviceMapping.__table__.c
_VOLUMES = (sa.select(_BDM.instance_uuid, _BDM.volume_id,
                      _BDM.delete_on_termination)
            .where(_BDM.instance_uuid.in_(sa.bindparam('uuids',
                                                       expanding=True)),
                   _BDM.deleted == 0, _BDM.volume_id.is_not(None))
            .order_by(_BDM.id))


def _load_volumes(session, servers):
    """The attached volumes (block device mappings with a volume)."""
    by_uuid = {server.uuid: server for server in servers}
    for uuid, volume_id, delete in session.execute(
            _VOLUMES, {'uuids': list(by_uuid)}):
        by_uuid[uuid].volumes.append(
            {'volume_id': volume_id, 'delete_on_termination': delete})


def _load_host_statuses(session, servers):
    hosts = {s.record['host'] for s in servers if s.record.get('host')}
    if not hosts:
        return
    statuses = {host: HOST_NONE for host in hosts}
    services = main.Service.__table__
    for service in session.execute(sa.select(services).where(
            services.c.host.in_(hosts), services.c.binary == 'nova-compute',
            services.c.deleted == 0)):
        statuses[service.host] = host_status(service)
    for server in servers:
        if server.record.get('host'):
            server.host_status = statuses[server.record['host']]


def host_status(service):
    """What the API says of a server's host, from its compute service:
    DOWN when forced down, MAINTENANCE when disabled, then UP or
    UNKNOWN by its heartbeat; '' when there is no such service."""
    if service is None:
        return HOST_NONE
    if service.forced_down:
        return HOST_DOWN
    if service.disabled:
        return HOST_MAINTENANCE
    return HOST_UP if nova_service.is_up(service) else HOST_UNKNOWN


# --- details from the API database ------------------------------------------

def load_details(api_url, servers, server_groups=False):
    """The availability zones of the servers' hosts, their request
    specs (read when first asked for) and, when asked, the server
    groups they belong to."""
    if not servers:
        return
    hosts = {s.record['host'] for s in servers if s.record.get('host')}
    zones = _host_zones(api_url, hosts)
    specs = RequestSpecs(api_url, [server.uuid for server in servers])
    for server in servers:
        host = server.record.get('host')
        # Before it has a host, the zone the user asked for, or ''.
        server.availability_zone = zones[host] if host else (
            server.record.get('availability_zone') or '')
        server.specs = specs
    if server_groups:
        with engines.reader(api_url) as session:
            _load_server_groups(session, {s.uuid: s for s in servers})


def _host_zones(api_url, hosts):
    """{host: its zone}: its zoned aggregates' (several joined by
    commas), else the default zone."""
    if not hosts:
        return {}
    zones = availability_zones.host_zones(api_url, hosts)
    return {host: ','.join(sorted(zones.get(host, ()))) or
            CONF.default_availability_zone for host in hosts}


class RequestSpecs:
    """The request specs of the servers of one answer, read from the
    API database when one is first asked for: only the views of 2.96
    and later show anything of them (the pinned zone, the scheduler
    hints)."""

    def __init__(self, api_url, uuids):
        self.api_url = api_url
        self.uuids = uuids
        self._specs = None

    def get(self, uuid):
        """The spec of the server ``uuid``, None without one."""
        if self._specs is None:
            with engines.reader(self.api_url) as session:
                self._specs = dict(session.execute(
                    _REQUEST_SPECS, {'uuids': self.uuids}).all())
        spec = self._specs.get(uuid)
        return jsonutils.loads(spec) if spec else None


_SPEC = api.RequestSpec.__table__.c
_REQUEST_SPECS = sa.select(_SPEC.instance_uuid, _SPEC.spec).where(
    _SPEC.instance_uuid.in_(sa.bindparam('uuids', expanding=True)))


def _load_server_groups(session, by_uuid):
    for server in by_uuid.values():
        server.server_groups = []
    query = (sa.select(api.InstanceGroupMember.instance_uuid,
                       api.InstanceGroup.uuid)
             .join(api.InstanceGroup, api.InstanceGroup.id ==
                   api.InstanceGroupMember.group_id)
             .where(api.InstanceGroupMember.instance_uuid.in_(
                 list(by_uuid))))
    for uuid, group_uuid in session.execute(query):
        by_uuid[uuid].server_groups.append(group_uuid)
