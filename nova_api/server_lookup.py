"""One server as the sub-resource APIs find it (metadata, tags,
instance actions): the instance mapping, then the build request or the
cell's row, read-only.

Nova's ``common.get_instance``: a server another project owns is not
found for a non-administrator (the cell query is limited to the
caller's project), nor is a deleted one unless asked for.

To be merged into ``nova_api.instance_list.get`` once it exists.
"""

import hashlib

from oslo_utils import uuidutils
import sqlalchemy as sa
import webob.exc

from common import exception
from common import instance_record
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main


def get(ctxt, api_url, server_id, read_deleted=False):
    """(instance record, cell mapping or None) of ``server_id``.

    A server not yet placed is its build request's record (cell None).
    Raises InstanceNotFound (404) as Nova's compute API does.
    """
    if not uuidutils.is_uuid_like(server_id):
        raise exception.InstanceNotFound(instance_id=server_id)
    # The mapping and the build request in one read: the conductor
    # places a server (cell set, build request gone) in one transaction.
    with engines.reader(api_url) as session:
        row = session.execute(
            sa.select(api.InstanceMapping, api.CellMapping)
            .outerjoin(api.CellMapping,
                       api.CellMapping.id == api.InstanceMapping.cell_id)
            .where(api.InstanceMapping.instance_uuid == server_id)).first()
        build = None if row is None or row[1] is not None else (
            session.scalars(sa.select(api.BuildRequest.instance).where(
                api.BuildRequest.instance_uuid == server_id)).first())
    if row is None:
        raise exception.InstanceNotFound(instance_id=server_id)
    cell = row[1]
    if cell is None:
        if build is None:
            raise exception.InstanceNotFound(instance_id=server_id)
        return instance_record.from_json(build), None
    return _from_cell(ctxt, cell, server_id, read_deleted), cell


def _from_cell(ctxt, cell, server_id, read_deleted):
    query = sa.select(main.Instance).where(main.Instance.uuid == server_id)
    if not read_deleted:
        query = query.where(main.Instance.deleted == 0)
    if is_user_context(ctxt):
        query = query.where(main.Instance.project_id == ctxt.project_id)
    with engines.reader(cell.database_connection) as session:
        instance = session.scalars(query).first()
        if instance is None:
            raise exception.InstanceNotFound(instance_id=server_id)
        [record] = instance_record.load(session, [instance])
    return record


def is_user_context(ctxt):
    """Nova's: a request that only sees its own project's rows."""
    return not ctxt.is_admin and bool(ctxt.user_id and ctxt.project_id)


def invalid_state(action, server_id, attr, state):
    """The 409 Nova answers when a server's ``attr`` (vm_state,
    task_state, launched_at) forbids ``action``, in its words."""
    if state is not None:
        message = ("Cannot '%s' instance %s while it is in %s %s"
                   % (action, server_id, attr, state))
    else:
        message = ("Instance %s is in an invalid state for '%s'"
                   % (server_id, action))
    return webob.exc.HTTPConflict(explanation=message)


def require_vm_state(record, allowed, action, server_id):
    """409 unless the server rests in one of the ``allowed`` vm_states."""
    if record['vm_state'] not in allowed:
        raise invalid_state(action, server_id, 'vm_state',
                            record['vm_state'])


def host_id(host, project_id):
    """The obfuscated ``hostId``: the same host looks different to each
    project ('' when there is no host)."""
    if not host:
        return ''
    return hashlib.sha224((project_id + host).encode('utf-8')).hexdigest()
