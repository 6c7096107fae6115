"""os-quota-sets and os-quota-class-sets over every microversion that
changed them, and the quota engine (common.quota) behind them; writes
through a real conductor on the fake transport."""

import uuid

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import (
    quota_classes as classes_v21,
)
from tempest.lib.api_schema.response.compute.v2_1 import quotas as v21
from tempest.lib.api_schema.response.compute.v2_36 import quotas as v236
from tempest.lib.api_schema.response.compute.v2_50 import (
    quota_classes as classes_v250,
)
from tempest.lib.api_schema.response.compute.v2_57 import (
    quota_classes as classes_v257,
)
from tempest.lib.api_schema.response.compute.v2_57 import quotas as v257

from common import exception
from common import quota
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from nova_api import api_version
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

LATEST = api_version.MAX_VERSION
ALT_MEMBER = 'alt:demo'
QUOTAS = '/v2.1/os-quota-sets/demo'
DEFAULT_CLASS = '/v2.1/os-quota-class-sets/default'
ALL = set(quota.RESOURCES)
V236 = ALL - set(quota.NETWORK_RESOURCES)
V257 = V236 - {'injected_files', 'injected_file_content_bytes',
               'injected_file_path_bytes'}



def add_instance(cloud, cell='cell1', user_id='demo', vcpus=2,
                 memory_mb=1024, **values):
    """A server of project 'demo' as a cell database holds it."""
    row = dict(uuid=str(uuid.uuid4()), project_id='demo', user_id=user_id,
               vm_state='active', vcpus=vcpus, memory_mb=memory_mb)
    row.update(values)
    with engines.writer(cloud.cells[cell].database_connection) as session:
        session.add(main.Instance(**row))


def add_server_group(cloud, user_id='demo'):
    with engines.writer(cloud.api_url) as session:
        session.add(api.InstanceGroup(uuid=str(uuid.uuid4()), name='g',
                                      project_id='demo', user_id=user_id))


@pytest.fixture
def servers(cloud):
    """Three live servers of demo (one in cell0, one of user alt) and
    some that do not count."""
    add_instance(cloud)
    add_instance(cloud, cell='cell0', vcpus=1, memory_mb=512)
    add_instance(cloud, user_id='alt', vcpus=4, memory_mb=2048)
    add_instance(cloud, deleted=1)
    add_instance(cloud, vm_state='soft-delete')
    add_instance(cloud, hidden=True)
    add_instance(cloud, project_id='other')


def _put(cloud, body, path=QUOTAS, version=None, token='admin:admin'):
    return cloud.request(path, 'PUT', version=version, token=token,
                         body={'quota_set': body})


# --- os-quota-sets: show, defaults, detail ----------------------------------

@pytest.mark.parametrize('version, schema, shown', [
    ('2.1', v21.get_quota_set, ALL), ('2.35', v21.get_quota_set, ALL),
    ('2.36', v236.get_quota_set, V236), ('2.56', v236.get_quota_set, V236),
    ('2.57', v257.get_quota_set, V257), ('2.104', v257.get_quota_set, V257)])
@pytest.mark.parametrize('suffix', ['', '/defaults'])
def test_show_matches_tempest(cloud, version, schema, shown, suffix):
    response = cloud.request(QUOTAS + suffix, version=version, token=MEMBER)
    assert_schema(schema, response)
    quota_set = response.json['quota_set']
    assert set(quota_set) == shown | {'id'}
    assert quota_set['id'] == 'demo'


def test_defaults_from_options_then_default_class(cloud, conductor, config):
    config.config(instances=7, injected_file_path_length=99, group='quota')
    cloud.request(DEFAULT_CLASS, 'PUT',
                  body={'quota_class_set': {'cores': 3}})
    for path in (QUOTAS, QUOTAS + '/defaults'):
        quota_set = cloud.request(path, token=MEMBER).json['quota_set']
        assert (quota_set['instances'], quota_set['cores'],
                quota_set['injected_file_path_bytes'],
                quota_set['floating_ips']) == (7, 3, 99, -1)


def test_detail_counts_usage(cloud, servers):
    add_server_group(cloud)
    response = cloud.request(QUOTAS + '/detail', token=MEMBER)
    assert_schema(v21.get_quota_set_details, response)
    quota_set = response.json['quota_set']
    assert quota_set['instances'] == {'limit': 10, 'in_use': 3,
                                      'reserved': 0}
    assert quota_set['cores']['in_use'] == 7
    assert quota_set['ram']['in_use'] == 3584
    assert quota_set['server_groups']['in_use'] == 1
    # Counted per user or per group, never per project.
    assert quota_set['key_pairs']['in_use'] == 0
    user = cloud.request(QUOTAS + '/detail?user_id=alt', token=MEMBER)
    assert user.json['quota_set']['cores']['in_use'] == 4


@pytest.mark.parametrize('version, schema, shown', [
    ('2.36', v236.get_quota_set_details, V236),
    ('2.57', v257.get_quota_set_details, V257)])
def test_detail_by_version(cloud, version, schema, shown):
    response = cloud.request(QUOTAS + '/detail', version=version,
                             token=MEMBER)
    assert_schema(schema, response)
    assert set(response.json['quota_set']) == shown | {'id'}


def test_detail_skips_a_cell_down(cloud, servers, monkeypatch):
    broken = cloud.cells['cell1']
    broken.database_connection = 'sqlite:////nonexistent/dir/x.db'
    monkeypatch.setattr(quota.mappings, 'list_cells',
                        lambda url: [cloud.cells['cell0'], broken])
    quota_set = cloud.request(QUOTAS + '/detail').json['quota_set']
    assert quota_set['instances']['in_use'] == 1


@pytest.mark.parametrize('suffix', ['', '/detail'])
def test_other_projects_quotas_are_refused(cloud, suffix):
    response = cloud.request('/v2.1/os-quota-sets/other' + suffix,
                             token=MEMBER)
    assert_fault(response, 403, 'forbidden')
    assert cloud.request('/v2.1/os-quota-sets/other' + suffix,
                         ).status_int == 200


def test_defaults_are_anyones(cloud):
    response = cloud.request('/v2.1/os-quota-sets/other/defaults',
                             token=MEMBER)
    assert response.json['quota_set']['id'] == 'other'


@pytest.mark.parametrize('suffix', ['', '/detail'])
def test_unknown_query_parameters_from_275(cloud, suffix):
    path = QUOTAS + suffix + '?foo=1'
    assert cloud.request(path, version='2.74').status_int == 200
    assert 'Additional properties' in assert_fault(
        cloud.request(path, version='2.75'), 400, 'badRequest')


# --- os-quota-sets: update, delete ------------------------------------------

@pytest.mark.parametrize('version, schema, shown', [
    ('2.1', v21.update_quota_set, ALL),
    ('2.36', v236.update_quota_set, V236),
    ('2.57', v257.update_quota_set, V257)])
def test_update_matches_tempest(cloud, conductor, version, schema, shown):
    response = _put(cloud, {'instances': 5, 'cores': '6'}, version=version)
    assert_schema(schema, response)
    assert set(response.json['quota_set']) == shown
    quota_set = cloud.request(QUOTAS, token=MEMBER).json['quota_set']
    assert (quota_set['instances'], quota_set['cores']) == (5, 6)
    # Only this project's.
    other = cloud.request('/v2.1/os-quota-sets/other').json['quota_set']
    assert other['instances'] == 10


def test_update_is_for_admins(cloud, conductor):
    assert_fault(_put(cloud, {'instances': 5}, token=MEMBER), 403,
                 'forbidden', "Policy doesn't allow "
                 "os_compute_api:os-quota-sets:update to be performed.")


@pytest.mark.parametrize('version, body, message', [
    ('2.1', {'instances': -2}, 'Invalid input for field/attribute '
     'instances. Value: -2. -2 is less than the minimum of -1'),
    ('2.1', {'instances': '-2'}, 'Invalid input for field/attribute '
     'instances. Value: -2. -2 is less than the minimum of -1'),
    ('2.1', {'ram': 2 ** 31}, 'is greater than the maximum of 2147483647'),
    ('2.1', {'ram': '2147483648'}, 'is greater than the maximum of '
     '2147483647'),
    ('2.1', {'cores': 'x'}, "'x' does not match"),
    ('2.1', {'cores': 1.5}, "1.5 is not of type 'integer', 'string'"),
    ('2.1', {'bogus': 1}, 'Additional properties are not allowed'),
    ('2.1', {'networks': 1}, 'The networks quota has been removed'),
    ('2.1', {'force': 'maybe'}, "'maybe' is not one of"),
    ('2.36', {'floating_ips': 1}, 'Additional properties'),
    ('2.36', {'networks': 1}, 'Additional properties'),
    ('2.57', {'injected_files': 1}, 'Additional properties')])
def test_update_validation(cloud, conductor, version, body, message):
    response = _put(cloud, {'instances': 1, **body}, version=version)
    assert message in assert_fault(response, 400, 'badRequest')
    # Nothing stored, not even the valid part.
    assert cloud.request(QUOTAS).json['quota_set']['instances'] == 10


def test_update_not_below_usage_unless_forced(cloud, conductor, servers):
    assert_fault(_put(cloud, {'cores': 2, 'ram': 100}), 400, 'badRequest',
                 'Quota limit 2 for cores must be greater than or equal to '
                 'already used and reserved 7.')
    assert cloud.request(QUOTAS).json['quota_set']['ram'] == 51200
    response = _put(cloud, {'cores': 2, 'force': 'true'}, version='2.36')
    assert response.json['quota_set']['cores'] == 2
    assert _put(cloud, {'cores': -1}).json['quota_set']['cores'] == -1


def test_user_quotas_fit_in_the_projects(cloud, conductor, servers):
    _put(cloud, {'instances': 6})
    alt = QUOTAS + '?user_id=alt'
    assert _put(cloud, {'instances': 4},
                path=alt).json['quota_set']['instances'] == 4
    assert cloud.request(alt).json['quota_set']['instances'] == 4
    assert cloud.request(QUOTAS).json['quota_set']['instances'] == 6
    assert_fault(_put(cloud, {'instances': 3}, path=QUOTAS + '?user_id=x'),
                 400, 'badRequest', 'Quota limit 3 for instances must be '
                 'less than or equal to 2.')
    assert_fault(_put(cloud, {'instances': 0}, path=alt), 400, 'badRequest',
                 'Quota limit 0 for instances must be greater than or equal '
                 'to already used and reserved 1.')
    # The project may not shrink below what its users were given.
    assert_fault(_put(cloud, {'instances': 3}), 400, 'badRequest',
                 'Quota limit 3 for instances must be greater than or equal '
                 'to already used and reserved 4.')


def test_delete_reverts_to_defaults(cloud, conductor):
    _put(cloud, {'instances': 6})
    _put(cloud, {'instances': 2}, path=QUOTAS + '?user_id=alt')
    response = cloud.request(QUOTAS + '?user_id=alt', 'DELETE')
    assert (response.status_int, response.body) == (202, b'')
    assert cloud.request(
        QUOTAS + '?user_id=alt').json['quota_set']['instances'] == 6
    assert cloud.request(QUOTAS, 'DELETE').status_int == 202
    assert cloud.request(QUOTAS).json['quota_set']['instances'] == 10
    assert_fault(cloud.request(QUOTAS, 'DELETE', token=MEMBER), 403,
                 'forbidden')


def test_noop_driver_is_unlimited(cloud, conductor, servers, config):
    config.config(driver='nova_conductor.quota.NoopQuotaDriver',
                  group='quota')
    quota_set = cloud.request(QUOTAS + '/detail').json['quota_set']
    assert quota_set['instances'] == {'limit': -1, 'in_use': -1,
                                      'reserved': 0}
    assert set(cloud.request(
        QUOTAS + '/defaults').json['quota_set'].values()) == {'demo', -1}


# --- os-quota-class-sets ----------------------------------------------------

SERVER_GROUPS = {'server_groups', 'server_group_members'}


@pytest.mark.parametrize('version, get, put, shown', [
    ('2.1', classes_v21.get_quota_class_set,
     classes_v21.update_quota_class_set, ALL - SERVER_GROUPS),
    ('2.50', classes_v250.get_quota_class_set,
     classes_v250.update_quota_class_set, V236),
    ('2.57', classes_v257.get_quota_class_set,
     classes_v257.update_quota_class_set, V257)])
def test_quota_class_matches_tempest(cloud, conductor, version, get, put,
                                     shown):
    response = cloud.request(DEFAULT_CLASS, version=version)
    assert_schema(get, response)
    assert set(response.json['quota_class_set']) == shown | {'id'}
    assert response.json['quota_class_set']['id'] == 'default'
    response = cloud.request(DEFAULT_CLASS, 'PUT', version=version,
                             body={'quota_class_set': {'ram': 1024}})
    assert_schema(put, response)
    assert set(response.json['quota_class_set']) == shown
    assert response.json['quota_class_set']['ram'] == 1024


def test_quota_class_server_groups_accepted_before_shown(cloud, conductor):
    body = {'quota_class_set': {'server_groups': 3, 'networks': 2}}
    assert cloud.request(DEFAULT_CLASS, 'PUT', body=body).status_int == 200
    shown = cloud.request(DEFAULT_CLASS, version='2.50').json
    assert shown['quota_class_set']['server_groups'] == 3
    assert cloud.request(
        QUOTAS, token=MEMBER).json['quota_set']['server_groups'] == 3


@pytest.mark.parametrize('version, body', [
    ('2.50', {'floating_ips': 1}), ('2.50', {'networks': 1}),
    ('2.57', {'injected_files': 1}), ('2.1', {'ram': -5}),
    ('2.1', {'bogus': 1})])
def test_quota_class_validation(cloud, conductor, version, body):
    response = cloud.request(DEFAULT_CLASS, 'PUT', version=version,
                             body={'quota_class_set': body})
    assert_fault(response, 400, 'badRequest')


def test_quota_class_is_for_admins_and_named(cloud, conductor):
    assert_fault(cloud.request(DEFAULT_CLASS, token=MEMBER), 403,
                 'forbidden')
    response = cloud.request('/v2.1/os-quota-class-sets/' + 'x' * 256,
                             'PUT', body={'quota_class_set': {'ram': 1}})
    assert_fault(response, 400, 'badRequest',
                 'quota_class_name has 256 characters, more than 255.')


def test_other_quota_class_leaves_defaults_alone(cloud, conductor):
    cloud.request('/v2.1/os-quota-class-sets/gold', 'PUT',
                  body={'quota_class_set': {'ram': 1}})
    assert cloud.request('/v2.1/os-quota-class-sets/gold').json[
        'quota_class_set']['ram'] == 1
    assert cloud.request(DEFAULT_CLASS).json['quota_class_set'][
        'ram'] == 51200


# --- the engine's check -----------------------------------------------------

def test_check_deltas_project_and_user(cloud, conductor, servers):
    _put(cloud, {'instances': 4})
    _put(cloud, {'cores': 5}, path=QUOTAS + '?user_id=alt')
    quota.check_deltas(cloud.api_url, {'instances': 1}, 'demo', 'demo')
    with pytest.raises(exception.OverQuota) as error:
        quota.check_deltas(cloud.api_url, {'instances': 2}, 'demo')
    assert error.value.kwargs == {'overs': ['instances'],
                                  'quotas': {'instances': 4},
                                  'usages': {'instances': 3}}
    with pytest.raises(exception.OverQuota):
        quota.check_deltas(cloud.api_url, {'cores': 2}, 'demo', 'alt')
    quota.check_deltas(cloud.api_url, {'cores': 1}, 'demo', 'alt')


def test_check_deltas_server_groups(cloud, conductor, config):
    config.config(server_groups=1, group='quota')
    quota.check_deltas(cloud.api_url, {'server_groups': 1}, 'demo', 'demo')
    add_server_group(cloud, user_id='alt')
    with pytest.raises(exception.OverQuota):
        quota.check_deltas(cloud.api_url, {'server_groups': 1}, 'demo',
                           'demo')
