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
    if record.get('id') is None:
        return ''
    template = CONF.instance_name_template
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


def load(session, instances):
    """Records of ``instances`` (rows), their side tables read in bulk.

    A handful of IN queries whatever the number of instances: a list of
    100 servers must not cost 100 round trips per side table.
    """
    uuids = [i.uuid for i in instances]
    if not uuids:
        return []
    by_uuid = {i.uuid: _record_of(i) for i in instances}
    for row in session.execute(sa.select(
            main.InstanceMetadata.instance_uuid, main.InstanceMetadata.key,
            main.InstanceMetadata.value).where(
            main.InstanceMetadata.instance_uuid.in_(uuids),
            main.InstanceMetadata.deleted == 0)):
        by_uuid[row.instance_uuid]['metadata'][row.key] = row.value
    for row in session.execute(sa.select(
            main.InstanceSystemMetadata.instance_uuid,
            main.InstanceSystemMetadata.key,
            main.InstanceSystemMetadata.value).where(
            main.InstanceSystemMetadata.instance_uuid.in_(uuids),
            main.InstanceSystemMetadata.deleted == 0)):
        by_uuid[row.instance_uuid]['system_metadata'][row.key] = row.value
    for row in session.execute(sa.select(
            main.InstanceExtra.instance_uuid, main.InstanceExtra.flavor).where(
            main.InstanceExtra.instance_uuid.in_(uuids))):
        if row.flavor:
            by_uuid[row.instance_uuid]['flavor'] = (
                jsonutils.loads(row.flavor).get('cur'))
    for row in session.execute(sa.select(main.Tag.resource_id, main.Tag.tag)
                               .where(main.Tag.resource_id.in_(uuids))):
        by_uuid[row.resource_id]['tags'].append(row.tag)
    _load_faults(session, by_uuid)
    for record in by_uuid.values():
        _from_system_metadata(record)
    return [by_uuid[u] for u in uuids]


def _record_of(instance):
    record = {name: getattr(instance, name) for name in INSTANCE_COLUMNS}
    record.update(metadata={}, system_metadata={}, flavor=None, tags=[],
                  fault=None)
    record['name'] = name(record)
    return record


def _load_faults(session, by_uuid):
    """The latest fault of each instance that may show one."""
    faulted = [u for u, r in by_uuid.items()
               if r['vm_state'] in ('error', 'deleted')]
    if not faulted:
        return
    query = (sa.select(main.InstanceFault)
             .where(main.InstanceFault.instance_uuid.in_(faulted),
                    main.InstanceFault.deleted == 0)
             .order_by(main.InstanceFault.created_at.desc(),
                       main.InstanceFault.id.desc()))
    for fault in session.scalars(query):
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
