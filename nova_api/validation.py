"""JSON-schema validation of request bodies and query strings.

A handler declares what it accepts, per microversion range::

    @validation.schema(update_v253, '2.53')
    def update(self, req, id, body): ...

and a request that does not match is refused with a 400 naming the
field, in the words Nova uses ("Invalid input for field/attribute
status. Value: x. 'x' is not one of ['enabled', 'disabled']").
"""

import functools

import jsonschema

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
common_query_param = {'type': 'string', 'minLength': 1, 'maxLength': 255}


def multi_params(schema):
    """A query parameter: a list, since it may be given several times."""
    return {'type': 'array', 'items': schema}


def _validate(schema, instance, is_body):
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.FormatChecker())
    error = next(validator.iter_errors(instance), None)
    if error is None:
        return
    if not error.path:
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


def query_schema(params_schema, min_version=None, max_version=None):
    """Validate the query string of requests in the range.

    Every value is a list, as a parameter may be repeated.
    """
    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(controller, req, *args, **kwargs):
            if _in_range(req, min_version, max_version):
                _validate(params_schema, req.GET.dict_of_lists(),
                          is_body=False)
            return handler(controller, req, *args, **kwargs)
        return wrapper
    return decorate
