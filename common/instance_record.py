"""The instance record: one server as a plain dict.

A build request stores it as JSON before the server has a cell; RPC
carries it to nova-compute; the API renders it.  Its keys are the
``instances`` columns plus what lives in side tables: ``metadata``,
``system_metadata``, ``flavor``, ``tags``, ``security_groups``,
``fault`` (the latest, or None), ``locked_reason``, and ``name``, its
name on the hypervisor.  Dates are
datetimes in Python and ISO 8601 strings in JSON.
"""

from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa

from common import conf
from common import states
from common.db import json_functions
from common.db import main_models as main

CONF = conf.CONF

INSTANCE_COLUMNS = tuple(c.name for c in main.Instance.__table__.columns)
DATE_FIELDS = ('created_at', 'updated_at', 'deleted_at', 'launched_at',
               'terminated_at')
# system_metadata keys that hold a record's own fields.
SECURITY_GROUPS_KEY = 'security_groups'
LOCKED_REASON_KEY = 'locked_reason'
IMAGE_PREFIX = 'image_'


def to_json(record):
    return jsonutils.dumps(record)


def from_json(text):
    """A record from its JSON, dates back to naive UTC datetimes."""
    record = jsonutils.loads(text)
    for key in DATE_FIELDS:
        record[key] = _datetime(record.get(key))
    if record.get('fault'):
        record['fault']['created_at'] = _datetime(
            record['fault'].get('created_at'))
    return record


def parse_dates(values):
    """``values`` with date strings (as RPC carries them) as datetimes."""
    return {k: _datetime(v) if k in DATE_FIELDS else v
            for k, v in values.items()}


def name(record):
    """The server's name on the hypervisor (OS-EXT-SRV-ATTR:
    instance_name): ``[DEFAULT] instance_name_template`` filled with the
    row id ('instance-%08x') or with the record ('instance-%(uuid)s');
    '' before the server has a row."""
    return _name(record, CONF.instance_name_template)


def _name(record, template):
    if record.get('id') is None:
        return ''
    try:
        return template % record['id']
    except TypeError:
        return template % record


def _datetime(value):
    if not value or not isinstance(value, str):
        return value
    return timeutils.normalize_time(timeutils.parse_isotime(value))


def columns(record):
    """The values of ``record`` that are ``instances`` columns."""
    return {k: record[k] for k in INSTANCE_COLUMNS if k in record}


def resources(record):
    """(vcpus, memory_mb, disk_gb) the server takes on its compute node.

    Disk counts root, ephemeral and swap (rounded up to a GiB), as
    Placement counts DISK_GB for Nova.
    """
    swap_mb = (record.get('flavor') or {}).get('swap') or 0
    disk_gb = ((record.get('root_gb') or 0) + (record.get('ephemeral_gb') or 0)
               + -(-swap_mb // 1024))
    return record.get('vcpus') or 0, record.get('memory_mb') or 0, disk_gb


def image_properties(image):
    """system_metadata rows Nova keeps of the image a server boots.

    ``image_<property>`` for each property and for min_ram, min_disk,
    disk_format and container_format; ``image_base_image_ref`` is the id.
    Values are stored as text, 255 characters at most.
    """
    values = {'base_image_ref': image.get('id')}
    for key in ('min_ram', 'min_disk', 'disk_format', 'container_format'):
        if image.get(key) is not None:
            values[key] = image[key]
    values.update(image.get('properties') or {})
    return {IMAGE_PREFIX + key: _text(value)[:255]
            for key, value in values.items() if value is not None}


def _text(value):
    return value if isinstance(value, str) else jsonutils.dumps(value)


_INSTANCE = main.Instance.__table__.c
_META = main.InstanceMetadata.__table__.c
_SYSMETA = main.InstanceSystemMetadata.__table__.c
_TAGS = main.Tag.__table__.c
_EXTRA = main.InstanceExtra.__table__
_FAULTS = main.InstanceFault.__table__.c
_UUIDS = sa.bindparam('uuids', expanding=True)


def _of_instance(aggregate, uuid_column, *where):
    return sa.select(aggregate).where(uuid_column == _INSTANCE.uuid,
                                      *where).scalar_subquery()


# The side tables of a set of records: one row per instance, its flavor
# (instance_extra) and the rest as JSON.  Built on the tables rather
# than the ORM classes: the ORM's result layer costs more than the
# query.
_SIDE_TABLES = (
    sa.select(
        _INSTANCE.uuid, _EXTRA.c.flavor,
        _of_instance(json_functions.JsonObject(_META.key, _META.value),
                     _META.instance_uuid, _META.deleted == 0),
        _of_instance(json_functions.JsonObject(_SYSMETA.key, _SYSMETA.value),
                     _SYSMETA.instance_uuid, _SYSMETA.deleted == 0),
        _of_instance(json_functions.JsonArray(_TAGS.tag), _TAGS.resource_id))
    .select_from(main.Instance.__table__.outerjoin(
        _EXTRA, _EXTRA.c.instance_uuid == _INSTANCE.uuid))
    .where(_INSTANCE.uuid.in_(_UUIDS)))
# Faults of the records that may show one, the latest first.
_FAULT_ROWS = (
    sa.select(_FAULTS.instance_uuid, _FAULTS.code, _FAULTS.message,
              _FAULTS.details, _FAULTS.host, _FAULTS.created_at)
    .where(_FAULTS.instance_uuid.in_(_UUIDS), _FAULTS.deleted == 0)
    .order_by(_FAULTS.created_at.desc(), _FAULTS.id.desc()))
_FAULTED_STATES = (states.ERROR, states.DELETED)


def load(session, instances):
    """Records of ``instances``, their side tables read in bulk.

    ``instances`` are rows of a Core select of the ``instances`` table
    (the record keeps any other column the select adds) or dicts of
    such a row's columns.  One
    query whatever the number of instances, a second when one of them
    may show a fault: a list of 100 servers must not cost 100 round
    trips per side table, nor a row per metadata item.
    """
    if not instances:
        return []
    template = CONF.instance_name_template
    records = [_record_of(instance, template) for instance in instances]
    by_uuid = {record['uuid']: record for record in records}
    side_rows = session.execute(_SIDE_TABLES, {'uuids': list(by_uuid)})
    for uuid, flavor, metadata, system_metadata, tags in side_rows:
        record = by_uuid[uuid]
        if flavor:
            record['flavor'] = jsonutils.loads(flavor).get('cur')
        # An instance without rows has NULL (MySQL) or an empty
        # document (SQLite).
        record.update(metadata=_json(metadata, {}),
                      system_metadata=_json(system_metadata, {}),
                      tags=_json(tags, []))
    _load_faults(session, by_uuid)
    for record in records:
        _from_system_metadata(record)
    return records


def _json(document, empty):
    return jsonutils.loads(document) if document else empty


def _record_of(instance, template):
    """A record's columns: a Core row's, or a dict of them (a row the
    conductor just updated, with the values it wrote)."""
    record = dict(getattr(instance, '_mapping', instance))
    record.update(metadata={}, system_metadata={}, flavor=None, tags=[],
                  fault=None)
    record['name'] = _name(record, template)
    return record


def _load_faults(session, by_uuid):
    """The latest fault of each instance that may show one."""
    faulted = [uuid for uuid, record in by_uuid.items()
               if record['vm_state'] in _FAULTED_STATES]
    if not faulted:
        return
    for fault in session.execute(_FAULT_ROWS, {'uuids': faulted}):
        record = by_uuid[fault.instance_uuid]
        if record['fault'] is None:
            record['fault'] = {'code': fault.code, 'message': fault.message,
                               'details': fault.details, 'host': fault.host,
                               'created_at': fault.created_at}


def _from_system_metadata(record):
    sysmeta = record['system_metadata']
    groups = sysmeta.get(SECURITY_GROUPS_KEY)
    record['security_groups'] = jsonutils.loads(groups) if groups else []
    record['locked_reason'] = sysmeta.get(LOCKED_REASON_KEY)
