"""Microversions: parsing, negotiation and the headers of responses."""

import pytest

from common import exception
from nova_api import api_version
from tests.unit.api.conftest import assert_fault

VARY = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'


def test_versions_compare_as_numbers_and_with_strings():
    v = api_version.APIVersionRequest('2.10')
    assert v > '2.9' and v >= '2.10' and v < '2.11' and v == '2.10'
    assert str(v) == '2.10'
    assert v.matches('2.1', '2.10') and not v.matches('2.11')


@pytest.mark.parametrize('bad', ['2', '2.01', 'two', '2.1.1', '0.1', ''])
def test_malformed_versions_are_refused(bad):
    with pytest.raises(exception.InvalidAPIVersionString):
        api_version.APIVersionRequest(bad)


@pytest.mark.parametrize('headers, expected', [
    ({}, '2.1'),
    ({'OpenStack-API-Version': 'compute 2.11'}, '2.11'),
    ({'OpenStack-API-Version': 'placement 1.3, compute 2.20'}, '2.20'),
    ({'OpenStack-API-Version': 'compute latest'}, api_version.MAX_VERSION),
    ({'X-OpenStack-Nova-API-Version': '2.33'}, '2.33'),
    ({'OpenStack-API-Version': 'placement 1.3',
      'X-OpenStack-Nova-API-Version': '2.5'}, '2.5'),
])
def test_requested_version(headers, expected):
    assert str(api_version.from_headers(headers)) == expected


def test_responses_name_the_version_and_vary_on_it(cloud):
    response = cloud.request('/v2.1/os-services', version='2.11')
    assert response.headers['OpenStack-API-Version'] == 'compute 2.11'
    assert response.headers['X-OpenStack-Nova-API-Version'] == '2.11'
    assert response.headers['Vary'] == VARY


def test_latest_is_the_maximum(cloud):
    response = cloud.request('/v2.1/os-services', version='latest')
    assert response.headers['OpenStack-API-Version'] == (
        'compute %s' % api_version.MAX_VERSION)


def test_legacy_header_alone_is_honoured(cloud):
    response = cloud.request('/v2.1/os-services', headers={
        'X-OpenStack-Nova-API-Version': '2.53'})
    assert response.headers['X-OpenStack-Nova-API-Version'] == '2.53'


def test_version_out_of_range_is_406(cloud):
    response = cloud.request('/v2.1/os-services', version='2.999')
    assert_fault(response, 406, 'computeFault',
                 'Version 2.999 is not supported by the API. Minimum is '
                 '2.1 and maximum is %s.' % api_version.MAX_VERSION)
    assert 'OpenStack-API-Version' not in response.headers


def test_malformed_version_is_400(cloud):
    assert_fault(cloud.request('/v2.1/os-services', version='2.x'), 400,
                 'badRequest',
                 'API Version String 2.x is of invalid format. Must be of '
                 'format MajorNum.MinorNum.')


def test_errors_carry_the_version_headers_too(cloud):
    response = cloud.request('/v2.1/nothing-here', version='2.20')
    assert_fault(response, 404, 'itemNotFound')
    assert response.headers['OpenStack-API-Version'] == 'compute 2.20'


def test_legacy_v2_ignores_and_hides_microversions(cloud):
    cloud.add_compute('cmp1')
    response = cloud.request('/v2/os-services', version='2.53')
    assert response.status_int == 200
    assert isinstance(response.json['services'][0]['id'], int)
    assert 'forced_down' not in response.json['services'][0]
    for header in ('OpenStack-API-Version', 'X-OpenStack-Nova-API-Version',
                   'Vary'):
        assert header not in response.headers


def test_route_outside_its_microversions_is_404(cloud):
    cloud.add_compute('cmp1')
    response = cloud.request('/v2.1/os-hypervisors/cmp1/search',
                             version='2.53')
    assert_fault(response, 404, 'itemNotFound',
                 'The resource could not be found.')
