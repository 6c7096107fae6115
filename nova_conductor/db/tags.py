"""Writes of a server's tags: the ``tags`` table of its cell.

Tags are plain rows keyed by (server uuid, tag), deleted for good, never
soft-deleted.  A server that is deleted (or gone) takes no tags:
InstanceNotFound, as Nova's tag writes check first.
"""

import sqlalchemy as sa

from common import exception
from common.db import main_models as main


def _check_instance(session, instance_uuid):
    exists = session.scalar(sa.select(main.Instance.id).where(
        main.Instance.uuid == instance_uuid, main.Instance.deleted == 0))
    if exists is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)


def _tags(session, instance_uuid):
    return list(session.scalars(
        sa.select(main.Tag.tag).where(main.Tag.resource_id == instance_uuid)
        .order_by(main.Tag.tag)))


def add(session, instance_uuid, tag):
    """Add one tag (a tag the server has already is kept as it is);
    the server's tags afterwards."""
    _check_instance(session, instance_uuid)
    if tag not in _tags(session, instance_uuid):
        session.add(main.Tag(resource_id=instance_uuid, tag=tag))
        session.flush()
    return _tags(session, instance_uuid)


def set_all(session, instance_uuid, tags):
    """Make ``tags`` (duplicates count once) the server's whole set;
    the tags afterwards."""
    _check_instance(session, instance_uuid)
    wanted = set(tags)
    existing = set(_tags(session, instance_uuid))
    gone = existing - wanted
    if gone:
        session.execute(sa.delete(main.Tag).where(
            main.Tag.resource_id == instance_uuid, main.Tag.tag.in_(gone)))
    session.add_all(main.Tag(resource_id=instance_uuid, tag=tag)
                    for tag in sorted(wanted - existing))
    session.flush()
    return _tags(session, instance_uuid)


def delete(session, instance_uuid, tag):
    """Remove one tag; InstanceTagNotFound when the server lacks it."""
    _check_instance(session, instance_uuid)
    result = session.execute(sa.delete(main.Tag).where(
        main.Tag.resource_id == instance_uuid, main.Tag.tag == tag))
    if not result.rowcount:
        raise exception.InstanceTagNotFound(instance_id=instance_uuid,
                                            tag=tag)


def delete_all(session, instance_uuid):
    _check_instance(session, instance_uuid)
    session.execute(sa.delete(main.Tag).where(
        main.Tag.resource_id == instance_uuid))
