"""Writes to the host aggregate tables of the API database:
``aggregates``, their ``aggregate_hosts`` and ``aggregate_metadata``.

An availability zone is not a table: it is the ``availability_zone``
metadata key of an aggregate.  Since a host can be in only one zone, a
change that would put a host into two zones is refused here, in the same
transaction as the change, as Nova's ``is_safe_to_update_az`` does.

The API checks, before asking, what needs the cell databases: that a
host exists, and that no instance runs on hosts whose zone changes.
"""

from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import api_models as api

AZ_KEY = 'availability_zone'


def _zone(aggregate):
    return next((m.value for m in aggregate.metadata_items
                 if m.key == AZ_KEY), None)


def create(session, name, availability_zone=None):
    """Store a new aggregate, in a zone if ``availability_zone`` is set.

    The unique name constraint decides, so two concurrent creates of
    one name cannot both succeed.
    """
    aggregate = api.Aggregate(uuid=uuidutils.generate_uuid(), name=name)
    if availability_zone:
        aggregate.metadata_items.append(
            api.AggregateMetadata(key=AZ_KEY, value=availability_zone))
    session.add(aggregate)
    _flush_name(session, name)
    return aggregate.as_dict()


def _flush_name(session, name):
    try:
        session.flush()
    except sa_exc.IntegrityError:
        raise exception.AggregateNameExists(aggregate_name=name)


def _get(session, aggregate_id):
    """The aggregate, locked so concurrent changes to it queue up."""
    aggregate = session.scalars(
        sa.select(api.Aggregate).where(api.Aggregate.id == aggregate_id)
        .with_for_update()).first()
    if aggregate is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return aggregate


def update(session, aggregate_id, values):
    """Rename the aggregate and/or move it, with its hosts, to a zone.

    ``values`` holds 'name' and/or 'availability_zone'; a zone of None
    is refused ("empty named availability zone"), as in Nova.
    """
    aggregate = _get(session, aggregate_id)
    if AZ_KEY in values:
        _check_zone(session, aggregate, values[AZ_KEY],
                    [h.host for h in aggregate.hosts],
                    exception.InvalidAggregateActionUpdate)
        _set_metadata(aggregate, {AZ_KEY: values[AZ_KEY]})
    aggregate.name = values.get('name', aggregate.name)
    aggregate.updated_at = api.utcnow()
    _flush_name(session, aggregate.name)
    return aggregate.as_dict()


def destroy(session, aggregate_id):
    """Delete an empty aggregate and its metadata; returns it.

    An aggregate with hosts is refused: its hosts would silently leave
    their zone (Nova's message names the wrong action, kept as is).
    """
    aggregate = _get(session, aggregate_id)
    if aggregate.hosts:
        raise exception.InvalidAggregateActionDelete(
            aggregate_id=aggregate_id, reason='Host aggregate is not empty')
    deleted = aggregate.as_dict()
    session.delete(aggregate)
    session.flush()
    return deleted


def add_host(session, aggregate_id, host):
    """Put ``host`` in the aggregate, and so in the aggregate's zone."""
    aggregate = _get(session, aggregate_id)
    zone = _zone(aggregate)
    if zone is not None:
        _check_zone(session, aggregate, zone, [host],
                    exception.InvalidAggregateActionAdd)
    if any(h.host == host for h in aggregate.hosts):
        raise exception.AggregateHostExists(aggregate_id=aggregate_id,
                                            host=host)
    aggregate.hosts.append(api.AggregateHost(host=host))
    session.flush()
    return aggregate.as_dict()


def remove_host(session, aggregate_id, host):
    """Take ``host`` out of the aggregate (and out of its zone)."""
    aggregate = _get(session, aggregate_id)
    membership = next((h for h in aggregate.hosts if h.host == host), None)
    if membership is None:
        raise exception.AggregateHostNotFound(aggregate_id=aggregate_id,
                                              host=host)
    aggregate.hosts.remove(membership)
    session.flush()
    return aggregate.as_dict()


def update_metadata(session, aggregate_id, metadata):
    """Set the given keys; a key whose value is None is removed.

    Changing ``availability_zone`` moves every host of the aggregate,
    so it is checked like a zone change (and, as in Nova, cannot be
    set to None).
    """
    aggregate = _get(session, aggregate_id)
    if AZ_KEY in metadata:
        _check_zone(session, aggregate, metadata[AZ_KEY],
                    [h.host for h in aggregate.hosts],
                    exception.InvalidAggregateActionUpdateMeta)
    _set_metadata(aggregate, metadata)
    aggregate.updated_at = api.utcnow()
    session.flush()
    return aggregate.as_dict()


def _set_metadata(aggregate, metadata):
    items = {m.key: m for m in aggregate.metadata_items}
    for key, value in metadata.items():
        if value is None:
            if key in items:
                aggregate.metadata_items.remove(items[key])
        elif key in items:
            items[key].value = value
        else:
            aggregate.metadata_items.append(
                api.AggregateMetadata(key=key, value=value))


def _check_zone(session, aggregate, zone, hosts, error):
    """Refuse a zone that is empty, or that ``hosts`` are already out of.

    A host's other aggregates with a different zone conflict; the
    aggregate being changed does not count.
    """
    if not zone:
        raise error(aggregate_id=aggregate.id,
                    reason='Aggregate %s does not support empty named '
                           'availability zone' % aggregate.name)
    conflicting = session.scalars(
        sa.select(api.AggregateMetadata.value).distinct()
        .join(api.AggregateHost, api.AggregateHost.aggregate_id ==
              api.AggregateMetadata.aggregate_id)
        .where(api.AggregateMetadata.key == AZ_KEY,
               api.AggregateMetadata.value != zone,
               api.AggregateHost.host.in_(hosts),
               api.AggregateMetadata.aggregate_id != aggregate.id)
        .order_by(api.AggregateMetadata.value)).all()
    if conflicting:
        raise error(aggregate_id=aggregate.id,
                    reason='One or more hosts already in availability '
                           'zone(s) %s' % conflicting)
