"""Writes to the ``services`` table of this conductor's cell.

Every daemon's record is created and refreshed here, on the daemon's
behalf: the daemons themselves never open a writing session.
"""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

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
