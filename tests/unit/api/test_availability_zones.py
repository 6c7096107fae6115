"""os-availability-zone: zones from aggregates, their state and, for
admins, their hosts and services."""

import datetime

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import (
    availability_zone as schemas,
)

from common.db import api_models as api
from common.db import engines
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

URL = '/v2.1/os-availability-zone'
OLD = datetime.datetime(2020, 1, 1, 8, 33, 10)


def _zone(cloud, name, *hosts):
    with engines.writer(cloud.api_url) as session:
        aggregate = api.Aggregate(uuid=name, name=name)
        aggregate.metadata_items.append(
            api.AggregateMetadata(key='availability_zone', value=name))
        for host in hosts:
            aggregate.hosts.append(api.AggregateHost(host=host))
        session.add(aggregate)


@pytest.fixture
def zones(cloud):
    cloud.add_service('ctl', binary='nova-scheduler', topic='scheduler')
    cloud.add_service('ctl', binary='nova-osapi_compute')
    cloud.add_compute('cmp1')
    cloud.add_compute('cmp2', disabled=True)
    cloud.add_compute('cmp3', updated_at=OLD, last_seen_up=OLD)
    cloud.add_compute('cmp4')
    _zone(cloud, 'z1', 'cmp1')
    _zone(cloud, 'z2', 'cmp2')
    _zone(cloud, 'z3', 'cmp3')


def _info(response):
    return [(z['zoneName'], z['zoneState']['available'], z['hosts'])
            for z in response.json['availabilityZoneInfo']]


def test_list(cloud, zones):
    response = cloud.request(URL, token=MEMBER)
    assert_schema(schemas.list_availability_zone_list, response)
    # A zone is available while a service in it is enabled, down or
    # not; the internal zone is hidden.
    assert _info(response) == [('nova', True, None), ('z1', True, None),
                               ('z3', True, None), ('z2', False, None)]


def test_detail(cloud, zones):
    response = cloud.request(URL + '/detail')
    assert_schema(schemas.list_availability_zone_list_detail, response)
    info = {name: (available, hosts)
            for name, available, hosts in _info(response)}
    assert info['internal'] == (True, {'ctl': {'nova-scheduler': {
        'available': True, 'active': True,
        'updated_at': info['internal'][1]['ctl']['nova-scheduler'][
            'updated_at']}}})
    assert info['z3'][1]['cmp3']['nova-compute'] == {
        'available': False, 'active': True,
        'updated_at': '2020-01-01T08:33:10.000000'}
    assert list(info['nova'][1]) == ['cmp4']
    assert info['z2'] == (False, None)


def test_detail_is_admin_only(cloud, zones):
    assert_fault(cloud.request(URL + '/detail', token=MEMBER), 403,
                 'forbidden')
