"""Request bodies of the servers API, as Nova accepts them in each
microversion.

``POST /servers`` takes ``{"server": {...}}`` with, beside ``server``,
optional scheduler hints (``os:scheduler_hints`` or the older
``OS-SCH-HNT:scheduler_hints``); ``PUT /servers/{id}`` takes
``{"server": {...}}``.  A key the request's version does not know is
refused (400 "Additional properties are not allowed").

What the microversions change:

* 2.19 - ``description`` (create, update)
* 2.32 - ``tag`` on the items of ``networks`` and
  ``block_device_mapping_v2``; the block device mappings' tag is
  accepted by 2.32 only (Nova meant ">= 2.32" and wrote "== 2.32")
* 2.37 - ``networks`` required: a list whose ``uuid`` must be a UUID, or
  'auto' / 'none'; the networks' tag goes with the old list
* 2.42 - ``tag`` back on networks and block device mappings
* 2.52 - ``tags`` (at most 50)
* 2.57 - ``personality`` gone
* 2.63 - ``trusted_image_certificates``
* 2.67 - ``volume_type`` in ``block_device_mapping_v2`` items
* 2.74 - ``host`` and ``hypervisor_hostname``
* 2.90 - ``hostname`` (create, update): one label of 2 to 63 characters
* 2.94 - ``hostname`` may be a fully qualified name of up to 255
* 2.104 - update: ``pinned_availability_zone`` (a zone, null unpins)

A controller applies a table with :func:`validated`::

    @servers.validated(servers.CREATE)
    def create(self, req, body): ...
"""

from nova_api import validation

DESCRIPTION = '2.19'
DEVICE_TAGS = '2.32'
NETWORKS_REQUIRED = '2.37'
DEVICE_TAGS_AGAIN = '2.42'
SERVER_TAGS = '2.52'
WITHOUT_PERSONALITY = '2.57'
TRUSTED_CERTS = '2.63'
VOLUME_TYPE = '2.67'
HOST_AND_NODE = '2.74'
HOSTNAME = '2.90'
FQDN_HOSTNAME = '2.94'
UNPIN_AZ = '2.104'

tag = validation.tag
_uuid = {'type': 'string', 'format': 'uuid'}
_uuids = {'type': 'array', 'items': _uuid}
_any_string = {'type': 'string'}
_ip_address = {'type': 'string',
               'oneOf': [{'format': 'ipv4'}, {'format': 'ipv6'}]}
_positive_integer = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
                     'minimum': 1, 'minLength': 1}
_base64 = {'type': 'string', 'format': 'base64'}
# A VARCHAR(255) column of block_device_mapping.
_varchar = {'type': 'string', 'maxLength': 255}
_disk_config = {'type': 'string', 'enum': ['AUTO', 'MANUAL']}
_access_ips = {'accessIPv4': {'type': 'string', 'format': 'ipv4'},
               'accessIPv6': {'type': 'string', 'format': 'ipv6'}}
# One DNS label (RFC 952 as relaxed by RFC 1123).
_hostname = {'type': 'string', 'minLength': 2, 'maxLength': 63,
             'pattern': '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'}
_name_or_none = {'oneOf': [{'type': 'string', 'minLength': 1,
                            'maxLength': 255},
                           {'type': 'null'}]}
# Signing certificates the image must be verified with: null resets them
# on rebuild.
_trusted_certs = {'type': ['array', 'null'], 'minItems': 1, 'maxItems': 50,
                  'uniqueItems': True,
                  'items': {'type': 'string', 'minLength': 1}}


def _object(properties, required=()):
    """A JSON object with only ``properties``; ``required`` in the order
    a missing one is reported."""
    schema = {'type': 'object', 'properties': properties,
              'additionalProperties': False}
    if required:
        schema['required'] = list(required)
    return schema


def _array(items):
    return {'type': 'array', 'items': items}


def _without(properties, name):
    return {key: value for key, value in properties.items() if key != name}


_legacy_bdm = {
    'virtual_name': _varchar,
    'volume_id': _uuid,
    'snapshot_id': _uuid,
    # At most the INT column's maximum.
    'volume_size': {'type': ['integer', 'string'], 'pattern': '^[0-9]+$',
                    'minimum': 1, 'maximum': 0x7FFFFFFF},
    'device_name': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                    'pattern': '^[a-zA-Z0-9._/-]*$'},
    'delete_on_termination': validation.boolean,
    'no_device': {},
    # A MEDIUMTEXT column.
    'connection_info': {'type': 'string', 'maxLength': 16777215},
}
_bdm_v2 = {
    **_legacy_bdm,
    'source_type': {'type': 'string',
                    'enum': ['volume', 'image', 'snapshot', 'blank']},
    'uuid': {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'pattern': '^[a-zA-Z0-9._-]*$'},
    'image_id': _uuid,
    'destination_type': {'type': 'string', 'enum': ['local', 'volume']},
    'guest_format': _varchar,
    'device_type': _varchar,
    'disk_bus': _varchar,
    # null is the legacy v2 API's "not bootable".
    'boot_index': {'type': ['integer', 'string', 'null'],
                   'pattern': '^-?[0-9]+$'},
}


def _block_devices(**extra):
    """block_device_mapping_v2, its items with the ``extra`` keys."""
    return _array(_object({**_bdm_v2, **extra}))


def _networks(uuid, **extra):
    """The list of requested networks, ports and fixed IPs."""
    return _array(_object({
        'fixed_ip': _ip_address,
        'port': {'type': ['string', 'null'], 'format': 'uuid'},
        'uuid': uuid,
        **extra,
    }))


def _networks_or_keyword(**extra):
    """From 2.37: the list, or 'auto' (allocate one) / 'none'."""
    return {'oneOf': [_networks(_uuid, **extra),
                      {'type': 'string', 'enum': ['none', 'auto']}]}


# Open: any filter may read its own hint; those Nova's filters know are
# checked.
_hints = {
    'type': 'object',
    'properties': {
        'group': {'oneOf': [_uuids, _uuid]},
        'different_host': {'oneOf': [_uuid, _uuids]},
        'same_host': {'type': ['string', 'array'], 'items': _uuid},
        # JSON text or its object, for the JsonFilter.
        'query': {'type': ['string', 'object']},
        'target_cell': validation.name,
        'different_cell': {'type': ['string', 'array'],
                           'items': _any_string},
        'build_near_host_ip': _ip_address,
        'cidr': {'type': 'string', 'pattern': '^/[0-9a-f.:]+$'},
    },
    'additionalProperties': True,
}


def _create(server, required=('name', 'flavorRef')):
    return {
        'type': 'object',
        'properties': {
            'server': _object(server, required),
            'os:scheduler_hints': _hints,
            'OS-SCH-HNT:scheduler_hints': _hints,
        },
        'required': ['server'],
        'additionalProperties': False,
    }


def _update(server):
    return {
        'type': 'object',
        'properties': {'server': _object(server)},
        'required': ['server'],
        'additionalProperties': False,
    }


_create_v21 = {
    'name': validation.name,
    # '' boots from a volume; the handler refuses it otherwise.
    'imageRef': {'oneOf': [_uuid, {'type': 'string', 'maxLength': 0}]},
    'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
    # Never stored: any string.
    'adminPass': _any_string,
    'metadata': validation.metadata,
    'networks': _networks(_any_string),
    'OS-DCF:diskConfig': _disk_config,
    **_access_ips,
    'personality': _array(_object({'path': _any_string,
                                   'contents': _base64})),
    'availability_zone': validation.name,
    'block_device_mapping': _array(_object(_legacy_bdm)),
    'block_device_mapping_v2': _block_devices(),
    'config_drive': validation.boolean,
    'key_name': validation.name,
    'min_count': _positive_integer,
    'max_count': _positive_integer,
    'return_reservation_id': validation.boolean,
    # A name or a UUID.
    'security_groups': _array(_object({'name': validation.name})),
    'user_data': {**_base64, 'maxLength': 65535},
}
_create_v219 = {**_create_v21, 'description': validation.description}
_create_v232 = {**_create_v219,
                'networks': _networks(_any_string, tag=tag),
                'block_device_mapping_v2': _block_devices(tag=tag)}
_create_v233 = {**_create_v219, 'networks': _networks(_any_string, tag=tag)}
_create_v237 = {**_create_v233, 'networks': _networks_or_keyword()}
_create_v242 = {**_create_v237,
                'networks': _networks_or_keyword(tag=tag),
                'block_device_mapping_v2': _block_devices(tag=tag)}
_create_v252 = {**_create_v242, 'tags': {**_array(tag),
                                         'maxItems': validation.MAX_TAG_COUNT}}
_create_v257 = _without(_create_v252, 'personality')
_create_v263 = {**_create_v257, 'trusted_image_certificates': _trusted_certs}
_create_v267 = {**_create_v263, 'block_device_mapping_v2': _block_devices(
    tag=tag, volume_type={'type': ['string', 'null'], 'minLength': 0,
                          'maxLength': 255})}
_create_v274 = {**_create_v267, 'host': validation.fqdn,
                'hypervisor_hostname': validation.fqdn}
_create_v290 = {**_create_v274, 'hostname': _hostname}
_create_v294 = {**_create_v290, 'hostname': validation.fqdn}

_with_networks = ('name', 'flavorRef', 'networks')
create = _create(_create_v21)
create_v219 = _create(_create_v219)
create_v232 = _create(_create_v232)
create_v233 = _create(_create_v233)
create_v237 = _create(_create_v237, _with_networks)
create_v242 = _create(_create_v242, _with_networks)
create_v252 = _create(_create_v252, _with_networks)
create_v257 = _create(_create_v257, _with_networks)
create_v263 = _create(_create_v263, _with_networks)
create_v267 = _create(_create_v267, _with_networks)
create_v274 = _create(_create_v274, _with_networks)
create_v290 = _create(_create_v290, _with_networks)
create_v294 = _create(_create_v294, _with_networks)

_update_v21 = {'name': validation.name, 'OS-DCF:diskConfig': _disk_config,
               **_access_ips}
_update_v219 = {**_update_v21, 'description': validation.description}
_update_v290 = {**_update_v219, 'hostname': _hostname}
_update_v294 = {**_update_v290, 'hostname': validation.fqdn}

update = _update(_update_v21)
update_v219 = _update(_update_v219)
update_v290 = _update(_update_v290)
update_v294 = _update(_update_v294)
update_v2104 = _update({**_update_v294,
                        'pinned_availability_zone': _name_or_none})

# The action's value is ignored: Nova accepts any, clients send null.
force_delete = {
    'type': 'object',
    'properties': {'forceDelete': {}},
    'required': ['forceDelete'],
    'additionalProperties': False,
}


def _table(*rows):
    """(schema, first, last) rows from (schema, first) ones: each
    schema serves until the next one's first version; the last one has
    no end."""
    lasts = ['2.%d' % (int(first.split('.')[1]) - 1)
             for _schema, first in rows[1:]]
    return tuple((schema, first, last)
                 for (schema, first), last in zip(rows, lasts + [None],
                                                      strict=True))


CREATE = _table((create, '2.1'),
                (create_v219, DESCRIPTION),
                (create_v232, DEVICE_TAGS),
                (create_v233, '2.33'),
                (create_v237, NETWORKS_REQUIRED),
                (create_v242, DEVICE_TAGS_AGAIN),
                (create_v252, SERVER_TAGS),
                (create_v257, WITHOUT_PERSONALITY),
                (create_v263, TRUSTED_CERTS),
                (create_v267, VOLUME_TYPE),
                (create_v274, HOST_AND_NODE),
                (create_v290, HOSTNAME),
                (create_v294, FQDN_HOSTNAME))
UPDATE = _table((update, '2.1'),
                (update_v219, DESCRIPTION),
                (update_v290, HOSTNAME),
                (update_v294, FQDN_HOSTNAME),
                (update_v2104, UNPIN_AZ))


def validated(table):
    """Decorate a handler with one ``validation.schema`` per row of a
    table: the request's version picks the row that checks its body."""
    def decorate(handler):
        for body_schema, first, last in table:
            handler = validation.schema(body_schema, first, last)(handler)
        return handler
    return decorate
