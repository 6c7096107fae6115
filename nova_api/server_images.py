"""What a server's image becomes in other records: the image a
snapshot (createImage) makes in Glance, and the image_* system
metadata a rebuild writes.  Both start from the server's system
metadata, where its image's properties were noted at create.
"""

from common import conf
from common import instance_record

CONF = conf.CONF

# Image properties a snapshot never inherits from its server's image,
# besides [DEFAULT] non_inheritable_image_properties: the signature of
# the original's data and the encryption key of a volume image, both of
# which belong to the original.
NON_INHERITABLE_IMAGE_PROPERTIES = frozenset((
    'img_signature_hash_method', 'img_signature', 'img_signature_key_type',
    'img_signature_certificate_uuid', 'cinder_encryption_key_id',
    'cinder_encryption_key_deletion_policy'))
# Glance keeps these for itself and refuses an image that sets them.
GLANCE_RESERVED_PREFIX = 'os_glance_'
# system_metadata image_* keys that are image attributes, not
# properties; the disk and container formats are left to the host,
# which may convert the disk.
_SNAPSHOT_SIZE_KEYS = ('min_ram', 'min_disk')
_SNAPSHOT_FORMAT_KEYS = ('disk_format', 'container_format')


def snapshot_image_meta(ctxt, record, name, extra_properties):
    """The new image of a snapshot, as Nova makes it: private, with the
    server's image's properties (its system_metadata ``image_*``:
    kernel_id, ramdisk_id, os_type, base_image_ref ...) but those not
    inherited, the snapshot's own (instance_uuid, user_id, image_type)
    and last the request's metadata."""
    prefix = instance_record.IMAGE_PREFIX
    inherited = {key[len(prefix):]: value for key, value in
                 (record.get('system_metadata') or {}).items()
                 if key.startswith(prefix)}
    meta = {'name': name, 'visibility': 'private'}
    for key in _SNAPSHOT_SIZE_KEYS:
        value = inherited.pop(key, None)
        if value:
            meta[key] = int(value)
    properties = {
        key: value for key, value in inherited.items()
        if key not in NON_INHERITABLE_IMAGE_PROPERTIES and
        key not in CONF.non_inheritable_image_properties and
        key not in _SNAPSHOT_FORMAT_KEYS and
        not key.startswith(GLANCE_RESERVED_PREFIX)}
    properties.update(instance_uuid=record['uuid'],
                      user_id=str(ctxt.user_id), image_type='snapshot')
    properties.update(extra_properties or {})
    meta['properties'] = properties
    return meta


def rebuilt_system_metadata(record, image):
    """The image_* system metadata of the new image; the old image's
    other properties removed, but the machine type the host pinned."""
    prefix = instance_record.IMAGE_PREFIX
    kept = (prefix + 'hw_machine_type',)
    values = {key: None for key in record.get('system_metadata') or {}
              if key.startswith(prefix) and key not in kept}
    values.update(instance_record.image_properties(image))
    return values
