"""Cells v2 mappings: which cell a host or an instance lives in.

The API database keeps three maps (cell_mappings, host_mappings,
instance_mappings); everything that routes a request to a cell reads
them.  The functions that change them are called by nova-manage and, for
periodic host discovery, by nova-conductor: never by the API, the
scheduler or a compute.
"""

import uuid as uuidlib

from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main

CELL0_UUID = '00000000-0000-0000-0000-000000000000'
CELL0_NAME = 'cell0'
CELL0_TRANSPORT_URL = 'none:///'
_BATCH = 1000


def is_cell0(cell):
    return cell.uuid == CELL0_UUID


def list_cells(api_url):
    """All cell mappings, by name as `nova-manage cell_v2 list_cells`."""
    with engines.reader(api_url) as session:
        query = sa.select(api.CellMapping).order_by(
            api.CellMapping.name, api.CellMapping.id)
        return list(session.scalars(query))


def get_cell(api_url, cell_uuid):
    with engines.reader(api_url) as session:
        cell = _cell_by_uuid(session, cell_uuid)
    if cell is None:
        raise exception.CellMappingNotFound(uuid=cell_uuid)
    return cell


def _cell_by_uuid(session, cell_uuid):
    query = sa.select(api.CellMapping).where(
        api.CellMapping.uuid == cell_uuid)
    return session.scalars(query).first()


def _same_connection(session, transport_url, database_connection,
                     exclude_id=None):
    query = sa.select(api.CellMapping).where(
        api.CellMapping.transport_url == transport_url,
        api.CellMapping.database_connection == database_connection)
    if exclude_id is not None:
        query = query.where(api.CellMapping.id != exclude_id)
    return session.scalars(query.with_for_update()).first()


def create_cell(api_url, name, transport_url, database_connection,
                disabled=False, cell_uuid=None):
    """Map a new cell; one that shares both URLs with another is refused.

    Two cells on the same database and queue would each believe they own
    the same instances, so the pair must be unique.
    """
    with engines.writer(api_url) as session:
        other = _same_connection(session, transport_url, database_connection)
        if other is not None:
            raise exception.CellMappingExists(uuid=other.uuid)
        cell = api.CellMapping(
            uuid=cell_uuid or str(uuidlib.uuid4()), name=name,
            transport_url=transport_url,
            database_connection=database_connection, disabled=disabled)
        session.add(cell)
    return cell


def update_cell(api_url, cell_uuid, **changes):
    """Change a cell's name, URLs or disabled flag (only the given ones)."""
    with engines.writer(api_url) as session:
        cell = _cell_by_uuid(session, cell_uuid)
        if cell is None:
            raise exception.CellMappingNotFound(uuid=cell_uuid)
        transport_url = changes.get('transport_url', cell.transport_url)
        database_connection = changes.get('database_connection',
                                          cell.database_connection)
        other = _same_connection(session, transport_url, database_connection,
                                 exclude_id=cell.id)
        if other is not None:
            raise exception.CellMappingExists(uuid=other.uuid)
        for key, value in changes.items():
            setattr(cell, key, value)
        cell.updated_at = timeutils.utcnow()
    return cell


def host_mappings(api_url, cell_uuid=None):
    """(cell, host) pairs, by cell name then host name."""
    with engines.reader(api_url) as session:
        query = (sa.select(api.CellMapping, api.HostMapping.host)
                 .join(api.HostMapping,
                       api.HostMapping.cell_id == api.CellMapping.id)
                 .order_by(api.CellMapping.name, api.HostMapping.host))
        if cell_uuid is not None:
            query = query.where(api.CellMapping.uuid == cell_uuid)
        return [(cell, host) for cell, host in session.execute(query)]


def count_live_instances(cell, host=None):
    """Instances not deleted in ``cell`` (optionally only on ``host``)."""
    with engines.reader(cell.database_connection) as session:
        query = sa.select(sa.func.count()).select_from(main.Instance).where(
            main.Instance.deleted == 0)
        if host is not None:
            query = query.where(main.Instance.host == host)
        return session.scalar(query)


def has_compute_nodes(database_url):
    """Whether any compute has reported into this cell database yet."""
    with engines.reader(database_url) as session:
        return session.scalar(sa.select(sa.func.count()).where(
            main.ComputeNode.deleted == 0)) > 0


def count_unmapped_compute_nodes(cell):
    """Compute nodes of ``cell`` that discover_hosts has not mapped yet."""
    with engines.reader(cell.database_connection) as session:
        return session.scalar(sa.select(sa.func.count()).where(
            main.ComputeNode.mapped == 0, main.ComputeNode.deleted == 0))


def delete_cell(api_url, cell_uuid, force=False):
    """Remove a cell mapping, with its host and instance maps if forced.

    Raises CellNotEmpty with a reason code the CLI turns into Nova's exit
    codes: 'hosts' (2), 'instances' (3), 'instance_mappings' (4).
    """
    cell = get_cell(api_url, cell_uuid)
    with engines.reader(api_url) as session:
        hosts = session.scalar(sa.select(sa.func.count()).where(
            api.HostMapping.cell_id == cell.id))
        mapped = session.scalar(sa.select(sa.func.count()).where(
            api.InstanceMapping.cell_id == cell.id))
    if hosts and not force:
        raise exception.CellNotEmpty(uuid=cell_uuid, reason='hosts')
    if mapped and count_live_instances(cell):
        raise exception.CellNotEmpty(uuid=cell_uuid, reason='instances')
    if mapped and not force:
        raise exception.CellNotEmpty(uuid=cell_uuid,
                                     reason='instance_mappings')
    with engines.writer(api_url) as session:
        for model in (api.InstanceMapping, api.HostMapping):
            session.execute(sa.delete(model).where(model.cell_id == cell.id))
        session.execute(sa.delete(api.CellMapping).where(
            api.CellMapping.id == cell.id))


def delete_host(api_url, cell_uuid, host):
    """Unmap an empty host so it can be discovered again (or retired)."""
    cell = get_cell(api_url, cell_uuid)
    with engines.reader(api_url) as session:
        mapping = session.scalars(sa.select(api.HostMapping).where(
            api.HostMapping.host == host)).first()
    if mapping is None:
        raise exception.HostMappingNotFound(name=host)
    if mapping.cell_id != cell.id:
        raise exception.HostMappingNotInCell(host=host, cell_uuid=cell_uuid)
    if count_live_instances(cell, host=host):
        raise exception.HostHasInstances(host=host)
    with engines.writer(cell.database_connection) as session:
        session.execute(sa.update(main.ComputeNode).where(
            main.ComputeNode.host == host).values(mapped=0))
    with engines.writer(api_url) as session:
        session.execute(sa.delete(api.HostMapping).where(
            api.HostMapping.id == mapping.id))


def discover_hosts(api_url, cell_uuid=None, by_service=False,
                   status=lambda msg: None):
    """Map every compute host of the cells that has no host mapping yet.

    Safe to run twice or concurrently (nova-manage and the conductor's
    periodic task): a mapping created by someone else in the meantime is
    taken as done, never as an error.  Returns the newly mapped host names.
    """
    cells = [get_cell(api_url, cell_uuid)] if cell_uuid else \
        list_cells(api_url)
    status('Found %d cell mappings.' % len(cells))
    added = []
    for cell in cells:
        if is_cell0(cell):
            status('Skipping cell0 since it does not contain hosts.')
            continue
        if cell.name:
            status("Getting computes from cell '%s': %s"
                   % (cell.name, cell.uuid))
        else:
            status('Getting computes from cell: %s' % cell.uuid)
        finder = _unmapped_service_hosts if by_service else \
            _unmapped_node_hosts
        hosts = finder(api_url, cell)
        for host in hosts:
            status("Checking host mapping for compute host '%s': %s"
                   % (host, cell.uuid))
            if _create_host_mapping(api_url, cell, host):
                status("Creating host mapping for compute host '%s': %s"
                       % (host, cell.uuid))
                added.append(host)
        _mark_nodes_mapped(cell, hosts)
        status('Found %d unmapped computes in cell: %s'
               % (len(hosts), cell.uuid))
    return added


def _unmapped_node_hosts(api_url, cell):
    with engines.reader(cell.database_connection) as session:
        query = sa.select(main.ComputeNode.host).where(
            main.ComputeNode.mapped == 0,
            main.ComputeNode.deleted == 0).distinct()
        return sorted(h for h in session.scalars(query) if h)


def _unmapped_service_hosts(api_url, cell):
    with engines.reader(cell.database_connection) as session:
        hosts = set(session.scalars(sa.select(main.Service.host).where(
            main.Service.binary == 'nova-compute',
            main.Service.deleted == 0)))
    with engines.reader(api_url) as session:
        mapped = set(session.scalars(sa.select(api.HostMapping.host).where(
            api.HostMapping.host.in_(hosts))))
    return sorted(hosts - mapped)


def _create_host_mapping(api_url, cell, host):
    """Insert one mapping; False when it already existed (or just raced)."""
    try:
        with engines.writer(api_url) as session:
            exists = session.scalar(sa.select(api.HostMapping.id).where(
                api.HostMapping.host == host))
            if exists is not None:
                return False
            session.add(api.HostMapping(host=host, cell_id=cell.id))
    except sa_exc.IntegrityError:
        return False
    return True


def _mark_nodes_mapped(cell, hosts):
    if not hosts:
        return
    with engines.writer(cell.database_connection) as session:
        session.execute(sa.update(main.ComputeNode).where(
            main.ComputeNode.host.in_(hosts),
            main.ComputeNode.mapped == 0).values(mapped=1))


def get_instance_mapping(api_url, instance_uuid):
    """The mapping and its cell (None when not yet scheduled)."""
    with engines.reader(api_url) as session:
        query = (sa.select(api.InstanceMapping, api.CellMapping)
                 .outerjoin(api.CellMapping,
                            api.CellMapping.id == api.InstanceMapping.cell_id)
                 .where(api.InstanceMapping.instance_uuid == instance_uuid))
        row = session.execute(query).first()
    if row is None:
        raise exception.InstanceMappingNotFound(uuid=instance_uuid)
    return row[0], row[1]


def instance_state_in_cell(cell, instance_uuid):
    """'active', 'deleted' or 'archived' (no row left in the cell)."""
    with engines.reader(cell.database_connection) as session:
        deleted = session.scalar(sa.select(main.Instance.deleted).where(
            main.Instance.uuid == instance_uuid))
    if deleted is None:
        return 'archived'
    return 'deleted' if deleted else 'active'


def map_instances(api_url, cell_uuid, max_count=None):
    """Create missing instance mappings for a cell's instances, oldest first.

    Returns (mapped_now, done): ``done`` is False when ``max_count`` stopped
    the run before every instance was mapped; a later run carries on.
    """
    cell = get_cell(api_url, cell_uuid)
    mapped_now = 0
    last_id = 0
    while True:
        batch = _instances_after(cell, last_id)
        if not batch:
            return mapped_now, True
        last_id = batch[-1].id
        missing = _unmapped(api_url, batch)
        room = None if max_count is None else max_count - mapped_now
        if room is not None and len(missing) > room:
            _insert_instance_mappings(api_url, cell, missing[:room])
            return max_count, False
        _insert_instance_mappings(api_url, cell, missing)
        mapped_now += len(missing)


def _instances_after(cell, last_id):
    with engines.reader(cell.database_connection) as session:
        query = (sa.select(main.Instance.id, main.Instance.uuid,
                           main.Instance.project_id, main.Instance.user_id)
                 .where(main.Instance.id > last_id)
                 .order_by(main.Instance.id).limit(_BATCH))
        return list(session.execute(query))


def _unmapped(api_url, instances):
    with engines.reader(api_url) as session:
        known = set(session.scalars(
            sa.select(api.InstanceMapping.instance_uuid).where(
                api.InstanceMapping.instance_uuid.in_(
                    [i.uuid for i in instances]))))
    return [i for i in instances if i.uuid not in known]


def _insert_instance_mappings(api_url, cell, instances):
    if not instances:
        return
    with engines.writer(api_url) as session:
        session.add_all(api.InstanceMapping(
            instance_uuid=i.uuid, cell_id=cell.id, project_id=i.project_id,
            user_id=i.user_id) for i in instances)


def forget_instances(api_url, instance_uuids):
    """Drop the API database's records of archived instances.

    Once an instance's rows left its cell for the shadow tables, its
    mapping, request spec and group membership only mislead.  Returns
    {'API_DB.<table>': rows} for the tables that lost rows.
    """
    counts = {}
    if not instance_uuids:
        return counts
    with engines.writer(api_url) as session:
        for model in (api.InstanceMapping, api.RequestSpec,
                      api.InstanceGroupMember):
            result = session.execute(sa.delete(model).where(
                model.instance_uuid.in_(instance_uuids)))
            if result.rowcount:
                counts['API_DB.%s' % model.__tablename__] = result.rowcount
    return counts
