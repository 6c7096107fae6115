"""validation.query_schema: what each microversion does with known,
bad and unknown query parameters."""

import pytest
import webob

from common import exception
from nova_api import api_version
from nova_api import validation

schema = {
    'type': 'object',
    'properties': {
        'host': validation.common_query_param,
        'limit': validation.single_param(validation.non_negative_integer),
    },
    'patternProperties': {'^tag-': validation.common_query_param},
    'additionalProperties': True,
}


class Controller:
    @validation.query_schema(schema, '2.1', '2.9', strict_from='2.5')
    @validation.query_schema({**schema, 'additionalProperties': False},
                             '2.10')
    def index(self, req):
        return req.GET.dict_of_lists()


def _index(query, version):
    req = webob.Request.blank('/?' + query)
    req.api_version_request = api_version.APIVersionRequest(version)
    return Controller().index(req)


def test_unknown_parameters_are_dropped_while_lenient():
    assert _index('host=a&host=b&foo=1&tag-x=y', '2.4') == {
        'host': ['a', 'b'], 'tag-x': ['y']}


@pytest.mark.parametrize('version', ['2.5', '2.9', '2.10'])
def test_unknown_parameters_are_refused_once_strict(version):
    with pytest.raises(exception.ValidationError) as e:
        _index('host=a&foo=1', version)
    # With patternProperties, jsonschema names the patterns it missed.
    assert e.value.format_message() == (
        "'foo' does not match any of the regexes: '^tag-'")
    assert _index('host=a', version) == {'host': ['a']}


@pytest.mark.parametrize('query, message', [
    ('limit=1&limit=2', "Invalid input for query parameters limit. "
                        "Value: ['1', '2']. ['1', '2'] is too long"),
    ('limit=x', "Invalid input for query parameters limit. Value: x. "
                "'x' does not match '^[0-9]*$'"),
])
def test_bad_values_name_the_parameter(query, message):
    with pytest.raises(exception.ValidationError) as e:
        _index(query, '2.4')
    assert e.value.format_message() == message


def test_nothing_checked_outside_the_ranges():
    req = webob.Request.blank('/?limit=x')
    req.api_version_request = api_version.APIVersionRequest('2.0')
    assert Controller().index(req) == {'limit': ['x']}


def test_every_api_is_strict_from_the_default_version():
    @validation.query_schema(schema)
    def index(controller, req):
        return req.GET.dict_of_lists()

    def call(version):
        req = webob.Request.blank('/?foo=1')
        req.api_version_request = api_version.APIVersionRequest(version)
        return index(None, req)

    before = api_version.APIVersionRequest(validation.STRICT_QUERY_VERSION)
    before.ver_minor -= 1
    assert call(str(before)) == {}
    with pytest.raises(exception.ValidationError):
        call(validation.STRICT_QUERY_VERSION)
