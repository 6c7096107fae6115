"""Writes of a cell's servers: ``instances`` and their side tables.

A server enters its cell already placed (host and node chosen, its
resources claimed in the same transaction), or in cell0 unplaced, in
ERROR.  Updates name the task state they expect, so a build that
finishes while the user deletes the server loses cleanly.
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
_DELETED_SIDE_TABLES = (main.InstanceMetadata, main.InstanceSystemMetadata,
                        main.InstanceExtra, main.InstanceInfoCache,
                        main.BlockDeviceMapping, main.InstanceFault)
_UNSET = object()


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
    instance = main.Instance(**values)
    session.add(instance)
    session.flush()
    _add_side_rows(session, record, block_device_mappings, tags)
    return _reload(session, instance)


def _add_side_rows(session, record, block_device_mappings, tags):
    uuid = record['uuid']
    session.add(main.InstanceExtra(
        instance_uuid=uuid,
        flavor=jsonutils.dumps({'cur': record['flavor'], 'old': None,
                                'new': None})))
    session.add(main.InstanceInfoCache(instance_uuid=uuid,
                                       network_info='[]'))
    session.add_all(main.InstanceMetadata(instance_uuid=uuid, key=k, value=v)
                    for k, v in record.get('metadata', {}).items())
    session.add_all(main.InstanceSystemMetadata(
        instance_uuid=uuid, key=k, value=v)
        for k, v in record.get('system_metadata', {}).items())
    session.add_all(main.Tag(resource_id=uuid, tag=t) for t in tags)
    session.add_all(main.BlockDeviceMapping(
        instance_uuid=uuid, uuid=uuidutils.generate_uuid(), **bdm)
        for bdm in block_device_mappings)


def _row(session, instance_uuid, for_update=False):
    query = sa.select(main.Instance).where(
        main.Instance.uuid == instance_uuid, main.Instance.deleted == 0)
    if for_update:
        query = query.with_for_update()
    instance = session.scalars(query).first()
    if instance is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return instance


def _reload(session, instance):
    """The record of ``instance`` (a row of this session), as written."""
    session.flush()
    [record] = instance_record.load(session, [instance])
    return record


def host_of(session, instance_uuid):
    """The host of a live server (None if unplaced); InstanceNotFound."""
    found = session.execute(sa.select(main.Instance.host).where(
        main.Instance.uuid == instance_uuid,
        main.Instance.deleted == 0)).first()
    if found is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return found.host


def hosts_of(session, instance_uuids):
    """Counter {host: live servers} of the given servers in this cell."""
    if not instance_uuids:
        return collections.Counter()
    return collections.Counter(session.scalars(
        sa.select(main.Instance.host).where(
            main.Instance.uuid.in_(instance_uuids),
            main.Instance.deleted == 0, main.Instance.host.is_not(None))))


def builds_older_than(session, seconds):
    """Uuids of servers still building ``seconds`` after they were
    created (Nova's measure for ``instance_build_timeout``)."""
    cutoff = timeutils.utcnow() - datetime.timedelta(seconds=seconds)
    return list(session.scalars(sa.select(main.Instance.uuid).where(
        main.Instance.vm_state == states.BUILDING,
        main.Instance.deleted == 0,
        main.Instance.created_at < cutoff)))


def update(session, instance_uuid, values, expected_task_state=_UNSET,
           expected_vm_state=_UNSET, reload=True):
    """Set ``values`` on the server if its states are as expected.

    ``expected_task_state``/``expected_vm_state`` is a state or a list of
    them; a server being deleted raises UnexpectedDeletingTaskStateError
    so its builder knows to stop.  Returns the updated record, or None
    without ``reload``.
    """
    instance = _row(session, instance_uuid, for_update=True)
    _expect(instance, 'task_state', expected_task_state)
    _expect(instance, 'vm_state', expected_vm_state)
    if 'locked_reason' in values:
        # The 2.73 lock reason lives in system metadata, as in Nova.
        _set_system_metadata(session, instance_uuid, {
            instance_record.LOCKED_REASON_KEY: values['locked_reason']})
    if values.get('system_metadata'):
        _set_system_metadata(session, instance_uuid,
                             values['system_metadata'])
    values = instance_record.parse_dates(instance_record.columns(values))
    for key, value in values.items():
        setattr(instance, key, value)
    instance.updated_at = timeutils.utcnow()
    if not reload:
        session.flush()
        return None
    return _reload(session, instance)


def _set_system_metadata(session, instance_uuid, items):
    """Set the given system metadata keys (a None value removes its
    key); the others stay."""
    sysmeta = main.InstanceSystemMetadata
    session.execute(sa.delete(sysmeta).where(
        sysmeta.instance_uuid == instance_uuid, sysmeta.key.in_(items)))
    session.add_all(sysmeta(instance_uuid=instance_uuid, key=key,
                            value=value)
                    for key, value in items.items() if value is not None)


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
    instance = _row(session, instance_uuid, for_update=True)
    [record] = instance_record.load(session, [instance])
    usage = instance_record.resources(record)
    host, nodename, zone = placement
    compute_id = claims.claim(session, host, nodename, usage)
    if instance.host:
        claims.release(session, instance.host, instance.node, usage)
    instance.host, instance.node, instance.compute_id = host, nodename, \
        compute_id
    instance.launched_on, instance.availability_zone = host, zone
    instance.updated_at = timeutils.utcnow()
    return _reload(session, instance)


def unplace(session, instance_uuid, values, expected_vm_state=_UNSET):
    """Free the server's node and set ``values`` (a build that failed
    for good keeps its record, in ERROR, on no host)."""
    instance = _row(session, instance_uuid, for_update=True)
    _expect(instance, 'vm_state', expected_vm_state)
    _release(session, instance)
    instance.host = instance.node = instance.compute_id = None
    for key, value in values.items():
        setattr(instance, key, value)
    instance.updated_at = timeutils.utcnow()
    return _reload(session, instance)


def _release(session, instance):
    if instance.host and instance.node:
        [record] = instance_record.load(session, [instance])
        claims.release(session, instance.host, instance.node,
                       instance_record.resources(record))


def destroy(session, instance_uuid, hard=False):
    """Delete the server and free its node.

    Soft delete, as Nova: the row stays (``deleted`` = its id,
    vm_state deleted) for admins' ``deleted`` listings and archiving;
    tags and console tokens go.  ``hard`` removes every row: a server
    that never existed for the user (a multi-create rolled back).
    """
    instance = _row(session, instance_uuid, for_update=True)
    _release(session, instance)
    session.execute(sa.delete(main.Tag).where(
        main.Tag.resource_id == instance_uuid))
    console_auth_tokens.destroy_for_instance(session, instance_uuid)
    if hard:
        for model in _DELETED_SIDE_TABLES:
            session.execute(sa.delete(model).where(
                model.instance_uuid == instance_uuid))
        session.delete(instance)
        return None
    now = timeutils.utcnow()
    for model in _DELETED_SIDE_TABLES:
        if model is not main.InstanceFault:
            session.execute(
                sa.update(model).where(model.instance_uuid == instance_uuid,
                                       model.deleted == 0)
                .values(deleted=model.id, deleted_at=now)
                .execution_options(synchronize_session=False))
    instance.vm_state = states.DELETED
    instance.task_state = None
    instance.terminated_at = instance.terminated_at or now
    instance.updated_at = now
    instance.deleted_at = now
    instance.deleted = instance.id
    session.flush()
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
    session.add(main.InstanceFault(
        instance_uuid=instance_uuid, code=code if isinstance(code, int)
        else 500, message=message[:255], details=details, host=host))


def action_start(session, ctxt, instance_uuid, action):
    """An instance action (os-instance-actions) for this request."""
    session.add(main.InstanceAction(
        action=action, instance_uuid=instance_uuid,
        request_id=ctxt.request_id, user_id=ctxt.user_id,
        project_id=ctxt.project_id, start_time=timeutils.utcnow()))


def _action(session, ctxt, instance_uuid):
    return session.scalars(
        sa.select(main.InstanceAction).where(
            main.InstanceAction.instance_uuid == instance_uuid,
            main.InstanceAction.request_id == ctxt.request_id)
        .order_by(main.InstanceAction.id.desc())).first()


def event_start(session, ctxt, instance_uuid, event, host):
    action = _action(session, ctxt, instance_uuid)
    if action is None:
        return
    session.add(main.InstanceActionEvent(
        event=event, action_id=action.id, start_time=timeutils.utcnow(),
        host=host))
    action.updated_at = timeutils.utcnow()


def event_finish(session, ctxt, instance_uuid, event, result,
                 exc_tb=None, details=None):
    """Finish an event; an Error result marks the action failed, as in
    Nova ('Error' message on the action)."""
    action = _action(session, ctxt, instance_uuid)
    if action is None:
        return
    row = session.scalars(
        sa.select(main.InstanceActionEvent).where(
            main.InstanceActionEvent.action_id == action.id,
            main.InstanceActionEvent.event == event)
        .order_by(main.InstanceActionEvent.id.desc())).first()
    if row is None:
        return
    now = timeutils.utcnow()
    row.finish_time, row.result, row.traceback = now, result, exc_tb
    row.details = details
    action.updated_at = now
    if result == 'Error':
        action.message = 'Error'


# What a compute needs of its servers to compare them with its guests.
_HOST_STATE_COLUMNS = (main.Instance.id, main.Instance.uuid,
                       main.Instance.host, main.Instance.vm_state,
                       main.Instance.task_state, main.Instance.power_state)


def on_host(session, host, full=False):
    """Records of the live servers of ``host`` in this cell.

    By default only their states (uuid, name, host, vm_state,
    task_state, power_state): the periodic power-state sync reads them
    for every server of the host and needs nothing else.  ``full``
    gives whole records, side tables included, for a compute that acts
    on them (a start-up retrying an interrupted action).
    """
    table = main.Instance.__table__
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
    return list(session.scalars(sa.select(main.Instance.uuid).where(
        main.Instance.uuid.in_(instance_uuids),
        main.Instance.deleted != 0,
        sa.or_(main.Instance.deleted_at.is_(None),
               main.Instance.deleted_at <= cutoff))))
