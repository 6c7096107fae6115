"""JSON-schema validation of request bodies and query strings.

A handler declares what it accepts, per microversion range::

    @validation.schema(update_v253, '2.53')
    def update(self, req, id, body): ...

and a request that does not match is refused with a 400 naming the
field, in the words Nova uses ("Invalid input for field/attribute
status. Value: x. 'x' is not one of ['enabled', 'disabled']").

Query strings
-------------

Every GET action declares the parameters it reads, as Nova's query
schemas do: an object whose properties are lists (a parameter may be
repeated; ``multi_params`` or, for one allowed value, ``single_param``)::

    index_query = {
        'type': 'object',
        'properties': {'host': validation.common_query_param},
        'additionalProperties': True,
    }

    @validation.query_schema(index_query, strict_from='2.75')
    def index(self, req): ...

What happens to a parameter the schema does not name depends on the
request's version:

* where the schema allows additional properties, and before
  ``strict_from``, it is removed from ``req.GET`` before the action
  runs: old clients' stray parameters are ignored, never half-used;
* where the schema says ``'additionalProperties': False``, or from
  ``strict_from`` on, it is refused: 400 "Invalid input for query
  parameters ... Additional properties are not allowed ('x' was
  unexpected)".

``strict_from`` is the microversion from which the API behind the action
rejects unknown parameters.  Nova made them strict API by API (2.53
os-hypervisors, 2.59 os-migrations, 2.75 os-services and server
groups...): pass that version.  An action with no such version
of its own keeps the default, STRICT_QUERY_VERSION.  Several
``query_schema`` decorators with disjoint ranges stack, one per schema
version; ``min_version``/``max_version`` bound each.
"""

import base64
import binascii
import functools
import re
import unicodedata

import jsonschema
from oslo_utils import timeutils
from oslo_utils import uuidutils

from common import exception

# Building blocks of the schemas, as Nova names them.
hostname = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    # Underscores are not RFC 952, but real host names have them.
    'pattern': '^[a-zA-Z0-9-._]*$',
}
fqdn = hostname
boolean = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
             'YES', 'Yes', 'yes', 'y', 't',
             False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
             'NO', 'No', 'no', 'n', 'f'],
}
non_negative_integer = {
    'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 0,
    'minLength': 1,
}
# Unknown query parameters are refused by every API from this version
# on (those that did not already refuse them).  The issue tracking it
# names 2.102; Nova's published history was not available to confirm
# it, so it is this one constant.
STRICT_QUERY_VERSION = '2.102'
# Names stored for the user (flavors, key pairs, aggregates, server
# groups): printable, with no leading or trailing space from 2.1; the
# ``*_with_leading_trailing_spaces`` variants are what 2.0 accepted.
name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'format': 'name'}
name_with_leading_trailing_spaces = {
    **name, 'format': 'name_with_leading_trailing_spaces'}
az_name = {**name, 'format': 'az_name'}
az_name_with_leading_trailing_spaces = {
    **name, 'format': 'az_name_with_leading_trailing_spaces'}
# Server metadata: keys as Nova's instance_metadata allows, values that
# fit its VARCHAR(255).
metadata = {
    'type': 'object',
    'patternProperties': {
        '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255}},
    'additionalProperties': False,
}
# A tag of a server (or of a device): no '/' (tags are path segments of
# /servers/{id}/tags) nor ',' (the list filters take comma-separated
# tags).  A server holds MAX_TAG_COUNT at most.
MAX_TAG_COUNT = 50
tag = {'type': 'string', 'minLength': 1, 'maxLength': 60,
       'pattern': '^[^,/]*$'}

FORMAT_CHECKER = jsonschema.FormatChecker()


def _printable(char):
    """Letters, marks, numbers, punctuation, symbols and horizontal
    spaces: no control, format or line-breaking characters."""
    category = unicodedata.category(char)
    return not category.startswith('C') and (
        not category.startswith('Z') or category == 'Zs')


def _space(char):
    return unicodedata.category(char) == 'Zs'


def _name_format(format_name, reason, trimmed, excluded=''):
    """Register a name format; a mismatch is InvalidName's message."""
    def check(instance):
        if not isinstance(instance, str):
            return True
        if (all(_printable(c) and c not in excluded for c in instance) and
                not all(_space(c) for c in instance) and
                (not trimmed or not (_space(instance[0]) or
                                     _space(instance[-1])))):
            return True
        raise exception.InvalidName(reason=reason)
    FORMAT_CHECKER.checks(format_name, raises=exception.InvalidName)(check)


_name_format('name', 'printable characters. Can not start or end with '
             'whitespace.', trimmed=True)
_name_format('name_with_leading_trailing_spaces', 'printable characters '
             'with at least one non space character', trimmed=False)
_name_format('az_name', 'printable characters except :.Can not start or '
             'end with whitespace.', trimmed=True, excluded=':')
_name_format('az_name_with_leading_trailing_spaces', 'printable characters '
             'except :, with at least one non space character',
             trimmed=False, excluded=':')


@FORMAT_CHECKER.checks('uuid')
def _uuid_format(instance):
    """As Nova: any spelling oslo reads as a UUID (no hyphens, braces,
    upper case), not only the canonical one."""
    return not isinstance(instance, str) or uuidutils.is_uuid_like(instance)


@FORMAT_CHECKER.checks('base64')
def _base64_format(instance):
    """Decodable by the lenient decoder Nova uses (it skips characters
    outside the alphabet but wants the padding right)."""
    if not isinstance(instance, str):
        return True
    try:
        base64.b64decode(instance.encode('ascii'))
    except (UnicodeEncodeError, binascii.Error):
        return False
    return True


@FORMAT_CHECKER.checks('date-time')
def _date_time_format(instance):
    """ISO 8601, as Nova parses it (``changes-since``)."""
    if not isinstance(instance, str):
        return True
    try:
        timeutils.parse_isotime(instance)
    except ValueError:
        return False
    return True


def _printable_class():
    """A regex character class of the printable characters of the
    Basic Multilingual Plane, the only ones Nova's descriptions allow."""
    ranges = []
    for code in range(0xFFFF):
        if not _printable(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return ''.join(re.escape(chr(first)) if first == last else
                   '%s-%s' % (re.escape(chr(first)), re.escape(chr(last)))
                   for first, last in ranges)


# Free text shown back to the user (server descriptions): printable,
# may be empty or null.
description = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255,
               'pattern': '^[%s]*$' % _printable_class()}


def _number(instance):
    """The number a string such as '10' holds, None if none."""
    for kind in (int, float):
        try:
            return kind(instance)
        except (TypeError, ValueError):
            pass
    return None


def _bound(keyword):
    """Draft 4's ``minimum``/``maximum``, applied to numbers sent as
    strings too, as Nova's validator does ('0' is below a minimum of 1)."""
    check = jsonschema.Draft4Validator.VALIDATORS[keyword]

    def validate(validator, bound, instance, schema):
        number = _number(instance)
        if number is not None:
            yield from check(validator, bound, number, schema) or ()
    return validate


_Validator = jsonschema.validators.extend(
    jsonschema.Draft4Validator,
    {'minimum': _bound('minimum'), 'maximum': _bound('maximum')})


def multi_params(schema):
    """A query parameter: a list, since it may be given several times."""
    return {'type': 'array', 'items': schema}


def single_param(schema):
    """A query parameter that may be given once only."""
    return {**multi_params(schema), 'maxItems': 1}


common_query_param = multi_params({'type': 'string'})


def _validate(schema, instance, is_body):
    validator = _Validator(schema, format_checker=FORMAT_CHECKER)
    error = next(validator.iter_errors(instance), None)
    if error is None:
        return
    if isinstance(error.cause, exception.InvalidName):
        detail = error.cause.format_message()
    elif not error.path:
        detail = error.message
    elif is_body:
        detail = ('Invalid input for field/attribute %s. Value: %s. %s'
                  % (error.path.pop(), error.instance, error.message))
    else:
        # The path of a query error starts with the parameter's name,
        # then the index in its list of values.
        detail = ('Invalid input for query parameters %s. Value: %s. %s'
                  % (error.path.popleft(), error.instance, error.message))
    raise exception.ValidationError(detail=detail)


def _in_range(req, min_version, max_version):
    return req.api_version_request.matches(min_version or '2.0',
                                           max_version)


def schema(body_schema, min_version=None, max_version=None):
    """Validate the ``body`` of requests in [min_version, max_version]."""
    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(controller, req, *args, **kwargs):
            if _in_range(req, min_version, max_version):
                _validate(body_schema, kwargs['body'], is_body=True)
            return handler(controller, req, *args, **kwargs)
        return wrapper
    return decorate


def query_schema(params_schema, min_version=None, max_version=None,
                 strict_from=STRICT_QUERY_VERSION):
    """Validate the query string of requests in the range.

    Every value is a list, as a parameter may be repeated.  Parameters
    the schema does not name are dropped, or refused from
    ``strict_from`` on (see the module's docstring).
    """
    strict = {**params_schema, 'additionalProperties': False}

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(controller, req, *args, **kwargs):
            version = req.api_version_request
            if _in_range(req, min_version, max_version):
                checked = (strict if strict_from and version >= strict_from
                           else params_schema)
                _validate(checked, req.GET.dict_of_lists(), is_body=False)
                _drop_unknown(checked, req)
            return handler(controller, req, *args, **kwargs)
        return wrapper
    return decorate


def _drop_unknown(params_schema, req):
    """Remove the parameters a lenient schema does not name, so the
    action cannot act on what the API does not document."""
    if params_schema.get('additionalProperties', True) is False:
        return
    known = params_schema.get('properties', {})
    patterns = [re.compile(p) for p in
                params_schema.get('patternProperties', ())]
    for name in set(req.GET.keys()):
        if name not in known and not any(p.search(name) for p in patterns):
            del req.GET[name]
