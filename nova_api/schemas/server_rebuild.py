"""Bodies of ``rebuild`` and ``rescue``/``unrescue`` as Nova accepts
them in each microversion.

rebuild takes ``{"rebuild": {"imageRef": ..., ...}}``; what changes:

* 2.19 - ``description``
* 2.54 - ``key_name`` (null removes the key pair)
* 2.57 - ``user_data`` (null removes it); ``personality`` gone
* 2.63 - ``trusted_image_certificates``
* 2.90 - ``hostname`` (one label)
* 2.94 - ``hostname`` may be a fully qualified name
"""

from nova_api import validation

_uuid = {'type': 'string', 'format': 'uuid'}
_any_string = {'type': 'string'}
_base64 = {'type': 'string', 'format': 'base64'}
_hostname = {'type': 'string', 'minLength': 2, 'maxLength': 63,
             'pattern': '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'}


def _rebuild(properties):
    return {'type': 'object',
            'properties': {'rebuild': {
                'type': 'object', 'properties': properties,
                'required': ['imageRef'], 'additionalProperties': False}},
            'required': ['rebuild'], 'additionalProperties': False}


_v21 = {
    'name': validation.name,
    'imageRef': _uuid,
    # Never stored: any string.
    'adminPass': _any_string,
    'metadata': validation.metadata,
    'preserve_ephemeral': validation.boolean,
    'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
    'accessIPv4': {'type': 'string', 'format': 'ipv4'},
    'accessIPv6': {'type': 'string', 'format': 'ipv6'},
    'personality': {'type': 'array', 'items': {
        'type': 'object', 'additionalProperties': False,
        'properties': {'path': _any_string, 'contents': _base64}}},
}
_v219 = {**_v21, 'description': validation.description}
_v254 = {**_v219, 'key_name': {'oneOf': [validation.name,
                                         {'type': 'null'}]}}
_v257 = {**{k: v for k, v in _v254.items() if k != 'personality'},
         'user_data': {'oneOf': [{**_base64, 'maxLength': 65535},
                                 {'type': 'null'}]}}
_v263 = {**_v257, 'trusted_image_certificates': {
    'type': ['array', 'null'], 'minItems': 1, 'maxItems': 50,
    'uniqueItems': True, 'items': {'type': 'string', 'minLength': 1}}}
_v290 = {**_v263, 'hostname': _hostname}
_v294 = {**_v290, 'hostname': validation.fqdn}

# (schema, first version, last version) for servers.validated().
REBUILD = ((_rebuild(_v21), '2.1', '2.18'),
           (_rebuild(_v219), '2.19', '2.53'),
           (_rebuild(_v254), '2.54', '2.56'),
           (_rebuild(_v257), '2.57', '2.62'),
           (_rebuild(_v263), '2.63', '2.89'),
           (_rebuild(_v290), '2.90', '2.93'),
           (_rebuild(_v294), '2.94', None))

# rescue: an optional password and image to boot instead of the server's.
rescue = {
    'type': 'object',
    'properties': {'rescue': {
        'type': ['object', 'null'],
        'properties': {'adminPass': _any_string,
                       'rescue_image_ref': _uuid},
        'additionalProperties': False}},
    'required': ['rescue'], 'additionalProperties': False}
unrescue = {'type': 'object', 'properties': {'unrescue': {}},
            'required': ['unrescue'], 'additionalProperties': False}
