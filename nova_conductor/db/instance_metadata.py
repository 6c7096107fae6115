"""Writes of a server's user metadata: ``instance_metadata`` of its cell.

The API has already checked what depends on the request (the server's
state and lock, the ``metadata_items`` quota); here the change is made
in one transaction.  Removed keys are soft-deleted, as Nova keeps them
until ``archive_deleted_rows``.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from common import exception
from common.db import main_models as main


def _lock_instance(session, instance_uuid):
    """The live server row, locked so that two changes of one server's
    metadata apply one after the other (InstanceNotFound if deleted)."""
    instance = session.scalars(
        sa.select(main.Instance).where(main.Instance.uuid == instance_uuid,
                                       main.Instance.deleted == 0)
        .with_for_update()).first()
    if instance is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return instance


def _rows(session, instance_uuid):
    return {row.key: row for row in session.scalars(
        sa.select(main.InstanceMetadata).where(
            main.InstanceMetadata.instance_uuid == instance_uuid,
            main.InstanceMetadata.deleted == 0))}


def update(session, instance_uuid, metadata, delete=False):
    """Set the keys of ``metadata``; with ``delete`` every other key
    goes.  Returns the server's metadata as now stored."""
    instance = _lock_instance(session, instance_uuid)
    rows = _rows(session, instance_uuid)
    now = timeutils.utcnow()
    for key, row in rows.items():
        if key in metadata:
            row.value = metadata[key]
        elif delete:
            row.soft_delete()
    session.add_all(main.InstanceMetadata(instance_uuid=instance_uuid,
                                          key=key, value=value)
                    for key, value in metadata.items() if key not in rows)
    instance.updated_at = now
    session.flush()
    return {key: row.value for key, row in
            _rows(session, instance_uuid).items()}


def delete_key(session, instance_uuid, key):
    """Remove one key; already gone is not an error (the API found it
    a moment ago, and the outcome is the same)."""
    instance = _lock_instance(session, instance_uuid)
    row = _rows(session, instance_uuid).get(key)
    if row is not None:
        row.soft_delete()
        instance.updated_at = timeutils.utcnow()
