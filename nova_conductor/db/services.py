"""Writes to the ``services`` table of this conductor's cell.

Every daemon's record is created and refreshed here, on the daemon's
behalf: the daemons themselves never open a writing session.
"""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from common import exception
from common.db import main_models as main

# Bumped when a service's RPC interface changes in a way others must
# know (Nova's SERVICE_VERSION): the minimum across a deployment caps
# what callers send.
SERVICE_VERSION = 1


def to_dict(service):
    """The record as plain data, for RPC replies."""
    return {column.name: getattr(service, column.name)
            for column in main.Service.__table__.columns}


def register(session, host, binary, topic):
    """Create the (host, binary) row, or bring a known one back to life.

    A restart must not reset ``disabled`` or ``forced_down``: an
    operator's decision outlives the process.
    """
    now = timeutils.utcnow()
    service = session.scalars(sa.select(main.Service).where(
        main.Service.host == host, main.Service.binary == binary,
        main.Service.deleted == 0).with_for_update()).first()
    if service is None:
        service = main.Service(
            uuid=uuidutils.generate_uuid(), host=host, binary=binary,
            topic=topic, report_count=0, disabled=False, forced_down=False,
            version=SERVICE_VERSION)
        session.add(service)
    service.topic = topic
    service.version = SERVICE_VERSION
    service.last_seen_up = now
    service.updated_at = now
    session.flush()
    return to_dict(service)


def heartbeat(session, service_id):
    """One report: bump the count and the last time seen up."""
    now = timeutils.utcnow()
    result = session.execute(
        sa.update(main.Service)
        .where(main.Service.id == service_id, main.Service.deleted == 0)
        .values(report_count=main.Service.report_count + 1,
                last_seen_up=now, updated_at=now))
    return result.rowcount == 1


# What the API may change on a service: PUT /os-services.
UPDATABLE = frozenset(('disabled', 'disabled_reason', 'forced_down'))

# Migration statuses after which a move no longer holds resources on its
# hosts; any other status is a move in progress.
_MIGRATION_DONE = ('confirmed', 'reverted', 'error', 'failed', 'completed',
                   'cancelled', 'done')


def _get_live(session, service_id):
    service = session.scalars(sa.select(main.Service).where(
        main.Service.id == service_id,
        main.Service.deleted == 0).with_for_update()).first()
    if service is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return service


def update(session, service_id, values):
    """Apply an operator's change (enable, disable, force down).

    Only ``UPDATABLE`` keys are accepted: the API must never be able to
    rewrite what the service itself reports.
    """
    unknown = set(values) - UPDATABLE
    if unknown:
        raise exception.Invalid('Service fields %s cannot be updated.'
                                % ', '.join(sorted(unknown)))
    service = _get_live(session, service_id)
    for key, value in values.items():
        setattr(service, key, value)
    session.flush()
    return to_dict(service)


# What a service's own disabled_reason starts with (Nova's): only such a
# disable is undone by the service itself; an operator's stays.
AUTO_DISABLE_PREFIX = 'AUTO: '


def set_host_enabled(session, service_id, enabled, reason=None):
    """A service takes itself out of scheduling, for ``reason``, or back
    in, as Nova's compute does while its hypervisor is away.

    An enabled service is disabled with ``AUTO_DISABLE_PREFIX`` before
    the reason; only a service so disabled is enabled again.  A service
    an operator disabled stays as the operator left it, whichever the
    order of events.  The row is locked while it is judged, so an
    operator's change at the same moment is never overwritten.  Returns
    the row as it is now.
    """
    service = _get_live(session, service_id)
    if not enabled and not service.disabled:
        service.disabled = True
        service.disabled_reason = _fit(AUTO_DISABLE_PREFIX + reason)
    elif enabled and service.disabled and (
            service.disabled_reason or '').startswith(AUTO_DISABLE_PREFIX):
        service.disabled = False
        service.disabled_reason = None
    session.flush()
    return to_dict(service)


def _fit(reason):
    """``reason`` cut to what the column holds (a hypervisor's error
    text has no limit; MariaDB refuses a longer one)."""
    return reason[:main.Service.disabled_reason.type.length]


def destroy(session, service_id):
    """Soft-delete a service; a nova-compute takes its nodes along.

    A compute still hosting instances, or taking part in a move, is
    refused: deleting it would orphan what the instances consume.
    Returns the deleted row.
    """
    service = _get_live(session, service_id)
    if service.binary == 'nova-compute':
        _assert_host_is_empty(session, service.host)
        session.execute(
            sa.update(main.ComputeNode)
            .where(sa.or_(main.ComputeNode.service_id == service.id,
                          main.ComputeNode.host == service.host),
                   main.ComputeNode.deleted == 0)
            .values(deleted=main.ComputeNode.id,
                    deleted_at=timeutils.utcnow()))
    service.soft_delete()
    session.flush()
    return to_dict(service)


def _assert_host_is_empty(session, host):
    instances = session.scalar(sa.select(sa.func.count()).where(
        main.Instance.host == host, main.Instance.deleted == 0))
    if instances:
        raise exception.ServiceHostsInstances(host=host)
    moves = session.scalar(sa.select(sa.func.count()).where(
        sa.or_(main.Migration.source_compute == host,
               main.Migration.dest_compute == host),
        main.Migration.status.not_in(_MIGRATION_DONE),
        main.Migration.deleted == 0))
    if moves:
        raise exception.ServiceHasInProgressMigrations(host=host)
