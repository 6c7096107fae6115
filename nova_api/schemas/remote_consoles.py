"""Bodies of the remote-consoles API and the legacy os-getVNCConsole
action, as Nova validates them.

The protocol and type are checked separately: a pair that does not go
together (vnc with spice-html5) passes here and is refused by the
console's handler, as in Nova.
"""

import copy


def _create(protocols, types):
    return {
        'type': 'object',
        'properties': {'remote_console': {
            'type': 'object',
            'properties': {
                'protocol': {'type': 'string', 'enum': list(protocols)},
                'type': {'type': 'string', 'enum': list(types)},
            },
            'required': ['protocol', 'type'],
            'additionalProperties': False}},
        'required': ['remote_console'],
        'additionalProperties': False}


# 2.6: one URL for every protocol.
create_v26 = _create(('vnc', 'spice', 'rdp', 'serial'),
                     ('novnc', 'xvpvnc', 'rdp-html5', 'spice-html5',
                      'serial'))
# 2.8: VMware's MKS consoles.
create_v28 = copy.deepcopy(create_v26)
_console = create_v28['properties']['remote_console']['properties']
_console['protocol']['enum'].append('mks')
_console['type']['enum'].append('webmks')
# 2.99: SPICE consoles for native clients.
create_v299 = copy.deepcopy(create_v28)
create_v299['properties']['remote_console']['properties']['type'][
    'enum'].append('spice-direct')

get_vnc_console = {
    'type': 'object',
    'properties': {'os-getVNCConsole': {
        'type': 'object',
        'properties': {'type': {'type': 'string',
                                'enum': ['novnc', 'xvpvnc']}},
        'required': ['type'],
        'additionalProperties': False}},
    'required': ['os-getVNCConsole'],
    'additionalProperties': False}
