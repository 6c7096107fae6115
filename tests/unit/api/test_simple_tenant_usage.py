"""os-simple-tenant-usage: hours and sizes of the servers of every cell
over a period in the past, paging from 2.40."""

import datetime
from urllib import parse

from oslo_utils import timeutils
import pytest
from tempest.lib.api_schema.response.compute.v2_1 import tenant_usages

from tests.unit.api import server_rows
from tests.unit.api.conftest import ADMIN
from tests.unit.api.conftest import LATEST
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

URL = '/v2.1/os-simple-tenant-usage'
PERIOD = 'start=2024-01-01T00:00:00&end=2024-01-02T00:00:00'
TINY = {**server_rows.FLAVOR, 'id': 2, 'name': 'm1.tiny', 'memory_mb': 512,
        'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0}


def _at(day, hour=0):
    return datetime.datetime(2024, 1, day, hour)


@pytest.fixture
def servers(cloud):
    """demo: one server all day (24 h, m1.small), one from 12:00 to
    18:00 deleted since (6 h, m1.tiny); alt: one in cell2 from 22:00
    (2 h, m1.small).  Servers outside the period, or never launched,
    do not count."""
    cloud.add_cell2()
    add = server_rows.add_server
    ids = {
        'all_day': add(cloud, launched_at=_at(1) - datetime.timedelta(
            days=3), display_name='all-day'),
        'six_hours': add(cloud, launched_at=_at(1, 12),
                         terminated_at=_at(1, 18), deleted=True,
                         flavor=TINY, display_name='six-hours'),
        'alt': add(cloud, cell='cell2', project_id='alt',
                   launched_at=_at(1, 22), display_name='late'),
    }
    add(cloud, launched_at=_at(2, 1))
    add(cloud, launched_at=_at(1) - datetime.timedelta(days=2),
        terminated_at=_at(1) - datetime.timedelta(hours=1))
    add(cloud, cell='cell0', launched_at=None, vm_state='error', host=None)
    return ids


def _get(cloud, path=URL, query=PERIOD, token=ADMIN, version=None):
    return cloud.request('%s?%s' % (path, query), token=token,
                         version=version)


@pytest.mark.parametrize('version', ['2.1', LATEST])
def test_responses_match_tempest(cloud, servers, version):
    for query in (PERIOD, PERIOD + '&detailed=1'):
        assert_schema(tenant_usages.list_tenant_usage,
                      _get(cloud, query=query, version=version))
    assert_schema(tenant_usages.get_tenant_usage,
                  _get(cloud, URL + '/demo', token=MEMBER, version=version))


def test_usage_of_every_project(cloud, servers):
    # Cell by cell (in the order they were created), as Nova walks them.
    usages = _get(cloud).json['tenant_usages']
    assert usages == [
        {'tenant_id': 'demo', 'total_hours': 30.0,
         'total_vcpus_usage': 24 * 2 + 6 * 1.0,
         'total_memory_mb_usage': 24 * 2048 + 6 * 512.0,
         'total_local_gb_usage': 24 * 25 + 6 * 1.0,
         'start': '2024-01-01T00:00:00.000000',
         'stop': '2024-01-02T00:00:00.000000'},
        {'tenant_id': 'alt', 'total_hours': 2.0,
         'total_vcpus_usage': 4.0, 'total_memory_mb_usage': 4096.0,
         'total_local_gb_usage': 50.0,
         'start': '2024-01-01T00:00:00.000000',
         'stop': '2024-01-02T00:00:00.000000'}]


def test_server_usages(cloud, servers):
    usage = _get(cloud, URL + '/demo', token=MEMBER).json['tenant_usage']
    by_name = {s['name']: s for s in usage['server_usages']}
    assert by_name['six-hours'] == {
        'instance_id': servers['six_hours'], 'name': 'six-hours',
        'tenant_id': 'demo', 'flavor': 'm1.tiny', 'hours': 6.0,
        'memory_mb': 512, 'local_gb': 1, 'vcpus': 1,
        'started_at': '2024-01-01T12:00:00.000000',
        'ended_at': '2024-01-01T18:00:00.000000', 'state': 'terminated',
        'uptime': 6 * 3600}
    all_day = by_name['all-day']
    assert (all_day['hours'], all_day['state'], all_day['ended_at'],
            all_day['local_gb']) == (24.0, 'active', None, 25)
    running_for = timeutils.utcnow() - (_at(1) - datetime.timedelta(days=3))
    assert abs(all_day['uptime'] - running_for.total_seconds()) < 60
    detailed = _get(cloud, query=PERIOD + '&detailed=1').json
    assert {len(u['server_usages']) for u in detailed['tenant_usages']} == {
        1, 2}


def test_period_defaults_and_future_end(cloud, servers):
    now = timeutils.utcnow()
    usage = _get(cloud, URL + '/demo',
                 query='start=2024-01-01T00:00:00&end=2999-01-01T00:00:00',
                 token=MEMBER).json['tenant_usage']
    stop = timeutils.parse_isotime(usage['stop']).replace(tzinfo=None)
    assert now <= stop <= timeutils.utcnow()
    assert _get(cloud, URL + '/nobody', query='').json == {
        'tenant_usage': {}}


@pytest.mark.parametrize('query, message', [
    ('start=yesterday',
     'Invalid datetime string: Datetime is in invalid format'),
    ('start=2024-01-01T00:00:00Z',
     'Invalid datetime string: Datetime is in invalid format'),
    ('start=2024-01-02T00:00:00&end=2024-01-01T00:00:00',
     'Invalid start time. The start time cannot occur after the end '
     'time.'),
    ('start=2999-01-01T00:00:00',
     'Invalid start time. The start time cannot occur after the end '
     'time.'),
])
def test_invalid_period(cloud, query, message):
    assert_fault(_get(cloud, query=query), 400, 'badRequest', message)


def test_time_formats(cloud, servers):
    for start in ('2024-01-01T00:00:00.000000', '2024-01-01 00:00:00.000'):
        query = 'start=%s&end=2024-01-02T00:00:00' % parse.quote(start)
        assert len(_get(cloud, query=query).json['tenant_usages']) == 2


def test_policy(cloud, servers):
    assert_fault(_get(cloud, token=MEMBER), 403, 'forbidden')
    assert_fault(_get(cloud, URL + '/alt', token=MEMBER), 403, 'forbidden')
    assert _get(cloud, URL + '/alt').json['tenant_usage']['tenant_id'] == (
        'alt')


def test_paging_from_2_40(cloud, servers):
    # Servers come cell by cell, by project then uuid within a cell:
    # demo's two of cell1, then alt's of cell2.
    demo = sorted([servers['all_day'], servers['six_hours']])
    first = _get(cloud, query=PERIOD + '&detailed=1&limit=2',
                 version='2.40').json
    [link] = first['tenant_usages_links']
    href = parse.urlsplit(link['href'])
    assert href.path == '/v2.1/os-simple-tenant-usage'
    params = parse.parse_qs(href.query)
    assert params['marker'] == [demo[1]]
    ids = [s['instance_id'] for u in first['tenant_usages']
           for s in u['server_usages']]
    assert ids == demo
    rest = _get(cloud, query=href.query, version='2.40').json
    assert [s['instance_id'] for u in rest['tenant_usages']
            for s in u['server_usages']] == [servers['alt']]
    assert 'tenant_usages_links' not in rest
    show = _get(cloud, URL + '/demo', query=PERIOD + '&limit=1',
                version='2.40').json
    [link] = show['tenant_usage_links']
    assert parse.urlsplit(link['href']).path == (
        '/v2.1/os-simple-tenant-usage/demo')


def test_marker_unknown(cloud, servers):
    assert_fault(_get(cloud, query=PERIOD + '&marker=nope', version='2.40'),
                 400, 'badRequest', 'Marker nope could not be found.')


def test_limit_ignored_before_2_40(cloud, servers):
    body = _get(cloud, query=PERIOD + '&detailed=1&limit=1',
                version='2.39').json
    assert sum(len(u['server_usages']) for u in body['tenant_usages']) == 3
    assert 'tenant_usages_links' not in body


@pytest.mark.parametrize('version, status', [('2.74', 200), ('2.75', 400)])
def test_unknown_parameters(cloud, version, status):
    assert _get(cloud, query=PERIOD + '&foo=1',
                version=version).status_int == status
