"""os-instance-actions over the microversions that changed it, on
actions and events seeded in the server's cell."""

import datetime
import hashlib
from urllib import parse

import pytest
from tempest.lib.api_schema.response.compute.v2_1 import servers as v21
from tempest.lib.api_schema.response.compute.v2_51 import servers as v251
from tempest.lib.api_schema.response.compute.v2_58 import servers as v258
from tempest.lib.api_schema.response.compute.v2_62 import servers as v262
from tempest.lib.api_schema.response.compute.v2_84 import servers as v284

from tests.unit.api import server_rows
from tests.unit.api.conftest import ADMIN
from tests.unit.api.conftest import LATEST
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

OTHER = 'alt:alt'
T0 = datetime.datetime(2024, 5, 1, 12, 0, 0)
EVENT = {'event': 'compute_stop_instance', 'traceback': 'Traceback...',
         'details': 'Disk full', 'result': 'Error', 'host': 'cmp1'}


def _url(server_id, request_id=None):
    url = '/v2.1/servers/%s/os-instance-actions' % server_id
    return url if request_id is None else '%s/%s' % (url, request_id)


def _minutes(n):
    return T0 + datetime.timedelta(minutes=n)


@pytest.fixture
def server(cloud):
    """A server with three actions, a minute apart; the stop has an
    event that failed."""
    server_id = server_rows.add_server(cloud)
    server_rows.add_action(cloud, server_id, 'create', request_id='req-1',
                           created_at=_minutes(0), updated_at=_minutes(1))
    server_rows.add_action(cloud, server_id, 'stop', request_id='req-2',
                           created_at=_minutes(10), updated_at=_minutes(11),
                           events=[EVENT])
    server_rows.add_action(cloud, server_id, 'start', request_id='req-3',
                           created_at=_minutes(20), updated_at=_minutes(21))
    return server_id


@pytest.mark.parametrize('version, schema', [
    ('2.1', v21), ('2.57', v21), ('2.58', v258), (LATEST, v258)])
def test_list_matches_tempest(cloud, server, version, schema):
    response = cloud.request(_url(server), token=MEMBER, version=version)
    assert_schema(schema.list_instance_actions, response)
    actions = response.json['instanceActions']
    assert [a['request_id'] for a in actions] == ['req-3', 'req-2', 'req-1']
    assert actions[2] == {
        'action': 'create', 'instance_uuid': server, 'request_id': 'req-1',
        'user_id': 'demo', 'project_id': 'demo',
        'start_time': '2024-05-01T12:00:00.000000', 'message': None,
        **({'updated_at': '2024-05-01T12:01:00.000000'}
           if version != '2.1' and version != '2.57' else {})}


@pytest.mark.parametrize('version, schema, token', [
    ('2.1', v21, ADMIN), ('2.1', v21, MEMBER), ('2.51', v251, MEMBER),
    ('2.58', v258, MEMBER), ('2.62', v262, ADMIN), ('2.62', v262, MEMBER),
    ('2.84', v284, ADMIN), (LATEST, v284, MEMBER)])
def test_show_matches_tempest(cloud, server, version, schema, token):
    assert_schema(schema.show_instance_action,
                  cloud.request(_url(server, 'req-2'), token=token,
                                version=version))


def _event(cloud, server, version, token):
    action = cloud.request(_url(server, 'req-2'), token=token,
                           version=version).json['instanceAction']
    return action.get('events', [None])[0]


def test_events_by_version_and_role(cloud, server):
    base = {'event': 'compute_stop_instance', 'result': 'Error',
            'start_time': '2024-05-01T12:10:00.000000',
            'finish_time': '2024-05-01T12:10:00.000000'}
    host_id = hashlib.sha224(b'democmp1').hexdigest()
    # Before 2.51 only those passing the 'events' rule see events.
    assert _event(cloud, server, '2.50', MEMBER) is None
    assert _event(cloud, server, '2.50', ADMIN) == {
        **base, 'traceback': 'Traceback...'}
    assert _event(cloud, server, '2.51', MEMBER) == base
    assert _event(cloud, server, '2.62', MEMBER) == {**base,
                                                     'hostId': host_id}
    assert _event(cloud, server, '2.62', ADMIN) == {
        **base, 'traceback': 'Traceback...', 'host': 'cmp1',
        'hostId': host_id}
    assert _event(cloud, server, '2.84', MEMBER) == {**base,
                                                     'hostId': host_id}
    assert _event(cloud, server, '2.84', ADMIN) == {
        **base, 'traceback': 'Traceback...', 'host': 'cmp1',
        'hostId': host_id, 'details': 'Disk full'}


def test_show_unknown_action(cloud, server):
    assert_fault(cloud.request(_url(server, 'req-9'), token=MEMBER), 404,
                 'itemNotFound', 'Action req-9 not found')


def test_other_projects_servers_are_not_found(cloud, server):
    for path in (_url(server), _url(server, 'req-1')):
        assert_fault(cloud.request(path, token=OTHER), 404, 'itemNotFound',
                     'Instance %s could not be found.' % server)
    assert cloud.request(_url(server), token=ADMIN).status_int == 200


def test_deleted_servers_from_2_21(cloud):
    server = server_rows.add_server(cloud, deleted=True)
    server_rows.add_action(cloud, server, 'delete', request_id='req-d')
    for path in (_url(server), _url(server, 'req-d')):
        assert_fault(cloud.request(path, token=MEMBER, version='2.20'), 404,
                     'itemNotFound')
    listed = cloud.request(_url(server), token=MEMBER, version='2.21')
    assert [a['action'] for a in listed.json['instanceActions']] == [
        'delete']
    assert cloud.request(_url(server, 'req-d'), token=MEMBER,
                         version='2.21').status_int == 200


def test_server_not_yet_placed_has_no_actions(cloud):
    server = server_rows.add_build_request(cloud)
    assert cloud.request(_url(server), token=MEMBER).json == {
        'instanceActions': []}
    assert_fault(cloud.request(_url(server, 'req-1'), token=MEMBER), 404,
                 'itemNotFound')


def _page(cloud, server, query, version='2.58'):
    return cloud.request('%s?%s' % (_url(server), query), token=MEMBER,
                         version=version)


def test_paging_from_2_58(cloud, server):
    first = _page(cloud, server, 'limit=2')
    assert [a['request_id'] for a in first.json['instanceActions']] == [
        'req-3', 'req-2']
    [link] = first.json['links']
    assert link['rel'] == 'next'
    href = parse.urlsplit(link['href'])
    assert href.path == '/v2.1/servers/%s/os-instance-actions' % server
    assert parse.parse_qs(href.query) == {'limit': ['2'],
                                          'marker': ['req-2']}
    second = _page(cloud, server, href.query)
    assert [a['request_id'] for a in second.json['instanceActions']] == [
        'req-1']
    assert 'links' not in second.json
    assert _page(cloud, server, 'limit=0').json == {'instanceActions': []}
    assert_fault(_page(cloud, server, 'marker=req-9'), 400, 'badRequest',
                 'Marker req-9 could not be found.')


def test_changes_window(cloud, server):
    def ids(query, version='2.66'):
        response = _page(cloud, server, query, version)
        return [a['request_id'] for a in response.json['instanceActions']]

    assert ids('changes-since=2024-05-01T12:11:00Z') == ['req-3', 'req-2']
    assert ids('changes-before=2024-05-01T12:11:00') == ['req-2', 'req-1']
    assert ids('changes-since=2024-05-01T12:05:00&'
               'changes-before=2024-05-01T12:15:00') == ['req-2']
    assert_fault(_page(cloud, server, 'changes-since=2024-05-01T12:15:00&'
                       'changes-before=2024-05-01T12:05:00', '2.66'),
                 400, 'badRequest',
                 'The value of changes-since must be less than or equal to '
                 'changes-before.')


@pytest.mark.parametrize('version, query', [
    ('2.58', 'changes-since=yesterday'), ('2.58', 'limit=-1'),
    ('2.58', 'limit=1&limit=2'), ('2.58', 'foo=bar'),
    ('2.65', 'changes-before=2024-05-01T12:11:00'),
])
def test_query_refused(cloud, server, version, query):
    assert_fault(_page(cloud, server, query, version), 400, 'badRequest')


def test_parameters_ignored_before_2_58(cloud, server):
    response = _page(cloud, server, 'limit=1&foo=bar', '2.57')
    assert len(response.json['instanceActions']) == 3
    assert 'links' not in response.json
