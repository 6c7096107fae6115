"""The version documents: no token needed, Nova's shapes and links."""

from tempest.lib.api_schema.response.compute.v2_1 import versions

from tests.unit.api.conftest import assert_schema


def test_root_lists_versions_without_a_token(cloud):
    response = cloud.request('/', token=None)
    assert_schema(versions.list_versions, response)
    listed = {v['id']: v for v in response.json['versions']}
    assert listed['v2.1']['links'] == [
        {'rel': 'self', 'href': 'http://localhost/v2.1/'}]
    assert listed['v2.1']['version'] == '2.104'  # Nova 34's newest
    assert listed['v2.1']['min_version'] == '2.1'
    assert listed['v2.0']['status'] == 'DEPRECATED'
    assert 'OpenStack-API-Version' not in response.headers
    assert response.headers['x-openstack-request-id'].startswith('req-')


def test_v21_document_without_a_token(cloud):
    for path in ('/v2.1', '/v2.1/'):
        response = cloud.request(path, token=None)
        assert_schema(versions.get_one_version, response)
        version = response.json['version']
        assert version['id'] == 'v2.1'
        assert version['links'][0] == {'rel': 'self',
                                       'href': 'http://localhost/v2.1/'}
        assert version['media-types'][0]['type'] == (
            'application/vnd.openstack.compute+json;version=2.1')
        assert response.headers['OpenStack-API-Version'] == 'compute 2.1'


def test_legacy_v2_document(cloud):
    response = cloud.request('/v2/', token=None)
    assert_schema(versions.get_one_version, response)
    assert response.json['version']['id'] == 'v2.0'
    assert response.json['version']['links'][0]['href'] == (
        'http://localhost/v2/')


def test_compute_link_prefix_rewrites_links(cloud, config):
    config.config(compute_link_prefix='https://cloud.example/compute',
                  group='api')
    response = cloud.request('/', token=None)
    hrefs = sorted(v['links'][0]['href'] for v in response.json['versions'])
    assert hrefs == ['https://cloud.example/compute/v2.1/',
                     'https://cloud.example/compute/v2/']


def test_unknown_top_level_path_offers_choices(cloud):
    response = cloud.request('/servers', token=None)
    assert_schema(versions.get_version, response)
    hrefs = sorted(c['links'][0]['href'] for c in response.json['choices'])
    assert hrefs == ['http://localhost/v2.1/servers',
                     'http://localhost/v2/servers']
