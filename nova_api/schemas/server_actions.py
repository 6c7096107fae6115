"""Bodies of the server actions that change power or lock, of
os-getConsoleOutput and createImage, as Nova validates them.

Most actions take any value (clients send null or {}), as Nova still
accepts; a body must name exactly its action.
"""

from nova_api import validation


def _any_value(action):
    return {'type': 'object', 'properties': {action: {}},
            'required': [action], 'additionalProperties': False}


def _object(action, properties, required=()):
    return {
        'type': 'object',
        'properties': {action: {
            'type': 'object', 'properties': properties,
            'required': list(required), 'additionalProperties': False}},
        'required': [action], 'additionalProperties': False}


start = _any_value('os-start')
stop = _any_value('os-stop')
pause = _any_value('pause')
unpause = _any_value('unpause')
suspend = _any_value('suspend')
resume = _any_value('resume')
unlock = _any_value('unlock')
lock = _any_value('lock')
# 2.73: an optional reason, shown as the server's locked_reason.
lock_v273 = {
    'type': 'object',
    'properties': {'lock': {
        'type': ['object', 'null'],
        'properties': {'locked_reason': {'type': 'string', 'minLength': 1,
                                         'maxLength': 255}},
        'additionalProperties': False}},
    'required': ['lock'], 'additionalProperties': False}
reboot = _object('reboot', {'type': {
    'type': 'string',
    'enum': ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']}},
    required=['type'])
# A number of lines, as an integer or a string of digits; -1 (or null,
# or nothing) is the whole log.
get_console_output = _object('os-getConsoleOutput', {'length': {
    'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$',
    'minimum': -1}})
# A name as a server's (no leading or trailing whitespace) and
# metadata as a server's: both become the image's name and properties.
create_image = _object('createImage', {'name': validation.name,
                                       'metadata': validation.metadata},
                       required=['name'])
