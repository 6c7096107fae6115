"""Writes of a cell's servers: ``instances`` and their side tables.

A server enters its cell already placed (host and node chosen, its
resources claimed in the same transaction), or in cell0 unplaced, in
ERROR.  Updates name the task state they expect, so a build that
finishes while the user deletes the server loses cleanly.

Every statement here is SQLAlchemy Core on the tables, not the ORM:
these are the conductor's writes per boot and per delete, and the ORM's
unit of work and object loading cost several times the statements
themselves (most of the conductor's CPU under a burst of boots).
"""

import collections
import datetime
import traceback

from oslo_serialization import jsonutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from common import conf
from common import exception
from common import instance_record
from common import states
from common.db import main_models as main
from nova_conductor.db import claims
from nova_conductor.db import console_auth_tokens

CONF = conf.CONF
_INSTANCES = main.Instance.__table__
_EXTRA = main.InstanceExtra.__table__
_SYSMETA = main.InstanceSystemMetadata.__table__
_ACTIONS = main.InstanceAction.__table__
_EVENTS = main.InstanceActionEvent.__table__
# Soft-deleted with their server; its faults stay as they are.
_SOFT_DELETED_SIDE_TABLES = tuple(model.__table__ for model in (
    main.InstanceMetadata, main.InstanceSystemMetadata, main.InstanceExtra,
    main.InstanceInfoCache, main.BlockDeviceMapping))
_HARD_DELETED_SIDE_TABLES = _SOFT_DELETED_SIDE_TABLES + (
    main.InstanceFault.__table__,)
_UNSET = object()

# Statements of every boot and delete, built once with parameters: a
# new statement object costs SQLAlchemy its cache key on every run.
# Parameter names differ from the columns', which an UPDATE reserves.
_LOCKED_ROW = (sa.select(_INSTANCES).where(
    _INSTANCES.c.uuid == sa.bindparam('instance_uuid'),
    _INSTANCES.c.deleted == 0).with_for_update())
_ROW_BY_ID = sa.select(_INSTANCES).where(
    _INSTANCES.c.id == sa.bindparam('row_id'))
# SET comes from the parameters given with it.
_UPDATE_BY_ID = sa.update(_INSTANCES).where(
    _INSTANCES.c.id == sa.bindparam('row_id'))
_FLAVOR = sa.select(_EXTRA.c.flavor).where(
    _EXTRA.c.instance_uuid == sa.bindparam('instance_uuid'))
_SOFT_DELETES = tuple(
    sa.update(table).where(
        table.c.instance_uuid == sa.bindparam('of_instance'),
        table.c.deleted == 0)
    .values(deleted=table.c.id, deleted_at=sa.bindparam('now'))
    for table in _SOFT_DELETED_SIDE_TABLES)
# This request's latest action on the server, and its latest event of a
# name.
_ACTION_ID = sa.select(_ACTIONS.c.id).where(
    _ACTIONS.c.instance_uuid == sa.bindparam('instance_uuid'),
    _ACTIONS.c.request_id == sa.bindparam('request_id')).order_by(
    _ACTIONS.c.id.desc()).limit(1)
_EVENT_OF_ACTION = (
    sa.select(_EVENTS.c.id, _EVENTS.c.action_id)
    .where(_EVENTS.c.action_id == _ACTION_ID.scalar_subquery(),
           _EVENTS.c.event == sa.bindparam('event_name'))
    .order_by(_EVENTS.c.id.desc()).limit(1))
_UPDATE_ACTION = sa.update(_ACTIONS).where(
    _ACTIONS.c.id == sa.bindparam('row_id'))
_UPDATE_EVENT = sa.update(_EVENTS).where(
    _EVENTS.c.id == sa.bindparam('row_id'))


def create(session, record, block_device_mappings, tags, placement=None):
    """Insert the server and its side rows; claim its node first.

    ``placement`` is (host, nodename, availability_zone) or None (cell0).
    Returns the stored record.
    """
    now = timeutils.utcnow()
    values = instance_record.columns(record)
    values.update(created_at=record.get('created_at') or now,
                  updated_at=now, deleted=0)
    if placement:
        host, nodename, zone = placement
        values['compute_id'] = claims.claim(
            session, host, nodename, instance_record.resources(record))
        values.update(host=host, node=nodename, launched_on=host,
                      availability_zone=zone)
    instance_id = session.execute(
        sa.insert(_INSTANCES), values).inserted_primary_key[0]
    _add_side_rows(session, record, block_device_mappings, tags)
    row = session.execute(_ROW_BY_ID, {'row_id': instance_id}).one()
    [stored] = instance_record.load(session, [row])
    return stored


def _add_side_rows(session, record, block_device_mappings, tags):
    uuid = record['uuid']
    _insert(session, main.InstanceExtra, [{
        'instance_uuid': uuid,
        'flavor': jsonutils.dumps({'cur': record['flavor'], 'old': None,
                                   'new': None})}])
    _insert(session, main.InstanceInfoCache, [{'instance_uuid': uuid,
                                               'network_info': '[]'}])
    _insert(session, main.InstanceMetadata, [
        {'instance_uuid': uuid, 'key': k, 'value': v}
        for k, v in record.get('metadata', {}).items()])
    _insert(session, main.InstanceSystemMetadata, [
        {'instance_uuid': uuid, 'key': k, 'value': v}
        for k, v in record.get('system_metadata', {}).items()])
    _insert(session, main.Tag, [{'resource_id': uuid, 'tag': t}
                                for t in tags])
    _insert(session, main.BlockDeviceMapping, [
        dict(bdm, instance_uuid=uuid, uuid=uuidutils.generate_uuid())
        for bdm in block_device_mappings])


def _insert(session, model, rows):
    """Insert ``rows`` (dicts of the same keys) into ``model``'s table,
    in one Core statement; none, no statement."""
    if rows:
        session.execute(sa.insert(model.__table__), rows)


def _locked_row(session, instance_uuid):
    """The live server's ``instances`` row, locked until the transaction
    ends; InstanceNotFound."""
    instance = session.execute(_LOCKED_ROW,
                               {'instance_uuid': instance_uuid}).first()
    if instance is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return instance


def _write(session, instance, values, reload=True):
    """UPDATE the server's row (``instance``, as read before) with
    ``values`` and a new updated_at; its record as it now is, or None
    without ``reload``."""
    values = dict(values, updated_at=timeutils.utcnow())
    session.execute(_UPDATE_BY_ID, dict(values, row_id=instance.id))
    if not reload:
        return None
    [record] = instance_record.load(session, [{**instance._mapping,
                                               **values}])
    return record


def host_of(session, instance_uuid):
    """The host of a live server (None if unplaced); InstanceNotFound."""
    found = session.execute(sa.select(_INSTANCES.c.host).where(
        _INSTANCES.c.uuid == instance_uuid,
        _INSTANCES.c.deleted == 0)).first()
    if found is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return found.host


def hosts_of(session, instance_uuids):
    """Counter {host: live servers} of the given servers in this cell."""
    if not instance_uuids:
        return collections.Counter()
    return collections.Counter(session.scalars(
        sa.select(_INSTANCES.c.host).where(
            _INSTANCES.c.uuid.in_(instance_uuids),
            _INSTANCES.c.deleted == 0, _INSTANCES.c.host.is_not(None))))


def builds_older_than(session, seconds):
    """Uuids of servers still building ``seconds`` after they were
    created (Nova's measure for ``instance_build_timeout``)."""
    cutoff = timeutils.utcnow() - datetime.timedelta(seconds=seconds)
    return list(session.scalars(sa.select(_INSTANCES.c.uuid).where(
        _INSTANCES.c.vm_state == states.BUILDING,
        _INSTANCES.c.deleted == 0,
        _INSTANCES.c.created_at < cutoff)))


def update(session, instance_uuid, values, expected_task_state=_UNSET,
           expected_vm_state=_UNSET, reload=True):
    """Set ``values`` on the server if its states are as expected.

    ``expected_task_state``/``expected_vm_state`` is a state or a list of
    them; a server being deleted raises UnexpectedDeletingTaskStateError
    so its builder knows to stop.  Returns the updated record, or None
    without ``reload``.
    """
    instance = _locked_row(session, instance_uuid)
    _expect(instance, 'task_state', expected_task_state)
    _expect(instance, 'vm_state', expected_vm_state)
    if 'locked_reason' in values:
        # The 2.73 lock reason lives in system metadata, as in Nova.
        _set_system_metadata(session, instance_uuid, {
            instance_record.LOCKED_REASON_KEY: values['locked_reason']})
    if values.get('system_metadata'):
        _set_system_metadata(session, instance_uuid,
                             values['system_metadata'])
    return _write(session, instance, instance_record.parse_dates(
        instance_record.columns(values)), reload=reload)


def _set_system_metadata(session, instance_uuid, items):
    """Set the given system metadata keys (a None value removes its
    key); the others stay."""
    session.execute(sa.delete(_SYSMETA).where(
        _SYSMETA.c.instance_uuid == instance_uuid,
        _SYSMETA.c.key.in_(items)))
    _insert(session, main.InstanceSystemMetadata, [
        {'instance_uuid': instance_uuid, 'key': key, 'value': value}
        for key, value in items.items() if value is not None])


def _expect(instance, attr, expected):
    if expected is _UNSET:
        return
    allowed = expected if isinstance(expected, (list, tuple)) else [expected]
    actual = getattr(instance, attr)
    if actual in allowed:
        return
    error = (exception.UnexpectedDeletingTaskStateError
             if actual == states.DELETING else
             exception.UnexpectedTaskStateError)
    raise error(instance_uuid=instance.uuid, expected=allowed, actual=actual)


def move(session, instance_uuid, placement):
    """Place a server on another node (a reschedule): the old node's
    claim is released and the new one claimed, in one transaction."""
    instance = _locked_row(session, instance_uuid)
    usage = _usage(session, instance)
    host, nodename, zone = placement
    compute_id = claims.claim(session, host, nodename, usage)
    if instance.host:
        claims.release(session, instance.host, instance.node, usage)
    return _write(session, instance, {
        'host': host, 'node': nodename, 'compute_id': compute_id,
        'launched_on': host, 'availability_zone': zone})


def unplace(session, instance_uuid, values, expected_vm_state=_UNSET):
    """Free the server's node and set ``values`` (a build that failed
    for good keeps its record, in ERROR, on no host)."""
    instance = _locked_row(session, instance_uuid)
    _expect(instance, 'vm_state', expected_vm_state)
    _release(session, instance)
    return _write(session, instance, dict(values, host=None, node=None,
                                          compute_id=None))


def _usage(session, instance):
    """(vcpus, memory_mb, disk_gb) the server's claim holds: its
    columns, and the swap of its flavor."""
    flavor = session.execute(_FLAVOR,
                             {'instance_uuid': instance.uuid}).scalar()
    return instance_record.resources(dict(
        instance._mapping,
        flavor=jsonutils.loads(flavor).get('cur') if flavor else None))


def _release(session, instance):
    if instance.host and instance.node:
        claims.release(session, instance.host, instance.node,
                       _usage(session, instance))


def destroy(session, instance_uuid, hard=False):
    """Delete the server and free its node.

    Soft delete, as Nova: the row stays (``deleted`` = its id,
    vm_state deleted) for admins' ``deleted`` listings and archiving;
    tags and console tokens go.  ``hard`` removes every row: a server
    that never existed for the user (a multi-create rolled back).
    """
    instance = _locked_row(session, instance_uuid)
    _release(session, instance)
    session.execute(sa.delete(main.Tag.__table__).where(
        main.Tag.__table__.c.resource_id == instance_uuid))
    console_auth_tokens.destroy_for_instance(session, instance_uuid)
    if hard:
        for table in _HARD_DELETED_SIDE_TABLES:
            session.execute(sa.delete(table).where(
                table.c.instance_uuid == instance_uuid))
        session.execute(sa.delete(_INSTANCES).where(
            _INSTANCES.c.id == instance.id))
        return None
    now = timeutils.utcnow()
    for statement in _SOFT_DELETES:
        session.execute(statement, {'of_instance': instance_uuid,
                                    'now': now})
    session.execute(_UPDATE_BY_ID, {
        'row_id': instance.id, 'vm_state': states.DELETED,
        'task_state': None, 'terminated_at': instance.terminated_at or now,
        'updated_at': now, 'deleted_at': now, 'deleted': instance.id})
    return instance.id


def add_fault(session, instance_uuid, error, host=None, details=None):
    """Record why the server failed; the API shows the latest fault.

    ``error`` is an exception or a message; ``details`` defaults to the
    current traceback.  Nova-style: code is the exception's code (500
    for anything unexpected), message at most 255 characters.
    """
    if isinstance(error, BaseException):
        code = getattr(error, 'code', 500)
        message = (error.format_message()
                   if isinstance(error, exception.NovaException)
                   else str(error)) or type(error).__name__
    else:
        code, message = 500, str(error)
    if details is None:
        details = ''.join(traceback.format_exc()) if isinstance(
            error, BaseException) and error.__traceback__ else ''
    _insert(session, main.InstanceFault, [{
        'instance_uuid': instance_uuid,
        'code': code if isinstance(code, int) else 500,
        'message': message[:255], 'details': details, 'host': host}])


def action_start(session, ctxt, instance_uuid, action):
    """An instance action (os-instance-actions) for this request."""
    _insert(session, main.InstanceAction, [{
        'action': action, 'instance_uuid': instance_uuid,
        'request_id': ctxt.request_id, 'user_id': ctxt.user_id,
        'project_id': ctxt.project_id, 'start_time': timeutils.utcnow()}])


def _touch_action(session, action_id, **values):
    session.execute(_UPDATE_ACTION, dict(values, row_id=action_id,
                                         updated_at=timeutils.utcnow()))


def event_start(session, ctxt, instance_uuid, event, host):
    action_id = session.execute(_ACTION_ID, {
        'instance_uuid': instance_uuid,
        'request_id': ctxt.request_id}).scalar()
    if action_id is None:
        return
    _insert(session, main.InstanceActionEvent, [{
        'event': event, 'action_id': action_id,
        'start_time': timeutils.utcnow(), 'host': host}])
    _touch_action(session, action_id)


def event_finish(session, ctxt, instance_uuid, event, result,
                 exc_tb=None, details=None):
    """Finish an event of this request's latest action on the server;
    an Error result marks the action failed, as in Nova ('Error'
    message on the action)."""
    row = session.execute(_EVENT_OF_ACTION, {
        'instance_uuid': instance_uuid, 'request_id': ctxt.request_id,
        'event_name': event}).first()
    if row is None:
        return
    now = timeutils.utcnow()
    session.execute(_UPDATE_EVENT, {
        'row_id': row.id, 'finish_time': now, 'result': result,
        'traceback': exc_tb, 'details': details, 'updated_at': now})
    _touch_action(session, row.action_id,
                  **({'message': 'Error'} if result == 'Error' else {}))


# What a compute needs of its servers to compare them with its guests.
_HOST_STATE_COLUMNS = (_INSTANCES.c.id, _INSTANCES.c.uuid,
                       _INSTANCES.c.host, _INSTANCES.c.vm_state,
                       _INSTANCES.c.task_state, _INSTANCES.c.power_state)


def on_host(session, host, full=False):
    """Records of the live servers of ``host`` in this cell.

    By default only their states (uuid, name, host, vm_state,
    task_state, power_state): the periodic power-state sync reads them
    for every server of the host and needs nothing else.  ``full``
    gives whole records, side tables included, for a compute that acts
    on them (a start-up retrying an interrupted action).
    """
    table = _INSTANCES
    live = (table.c.host == host, table.c.deleted == 0)
    if full:
        return instance_record.load(session, session.execute(
            sa.select(table).where(*live).order_by(table.c.id)).all())
    rows = session.execute(sa.select(*_HOST_STATE_COLUMNS).where(*live)
                           .order_by(table.c.id)).mappings()
    records = [dict(row) for row in rows]
    for record in records:
        record['name'] = instance_record.name(record)
    return records


def deleted_among(session, instance_uuids, older_than=0):
    """Which of ``instance_uuids`` are deleted servers of this cell,
    deleted ``older_than`` seconds ago or more; uuids the cell does not
    know are not among them (they may be another cloud's guests)."""
    if not instance_uuids:
        return []
    cutoff = timeutils.utcnow() - datetime.timedelta(seconds=older_than)
    return list(session.scalars(sa.select(_INSTANCES.c.uuid).where(
        _INSTANCES.c.uuid.in_(instance_uuids),
        _INSTANCES.c.deleted != 0,
        sa.or_(_INSTANCES.c.deleted_at.is_(None),
               _INSTANCES.c.deleted_at <= cutoff))))
