"""os-server-external-events: per-event answers and the overall code,
for servers seeded in two cells."""

from oslo_policy import policy as oslo_policy
import pytest
from tempest.lib.api_schema.response.compute.v2_1 import (
    server_external_events as v21,
)

from nova_api import policy
from tests.unit.api import server_rows
from tests.unit.api.conftest import ADMIN
from tests.unit.api.conftest import LATEST
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

URL = '/v2.1/os-server-external-events'
UNKNOWN = '2a3b5a1e-4e67-4a4f-8c8a-1f2d7f3e9c01'


@pytest.fixture
def admin_is_a_service():
    """noauth2 has no 'service' role to hand out: let the admin token
    act as the service the default rule wants."""
    policy.init().set_rules(oslo_policy.Rules.from_dict({
        'service_api': 'role:admin'}), overwrite=False, use_conf=False)
    yield
    policy.reset()


def _send(cloud, *events, version=None, token=ADMIN):
    return cloud.request(URL, 'POST', token=token, version=version,
                         body={'events': list(events)})


def test_only_services_by_default(cloud):
    server = server_rows.add_server(cloud)
    event = {'name': 'network-changed', 'server_uuid': server}
    for token in (ADMIN, MEMBER):
        assert_fault(_send(cloud, event, token=token), 403, 'forbidden',
                     "Policy doesn't allow os_compute_api:"
                     "os-server-external-events:create to be performed.")


@pytest.mark.usefixtures('admin_is_a_service')
@pytest.mark.parametrize('version', ['2.1', LATEST])
def test_response_matches_tempest(cloud, version):
    server = server_rows.add_server(cloud)
    response = _send(cloud, {'name': 'network-vif-plugged',
                             'server_uuid': server, 'tag': 'port-1',
                             'status': 'failed'}, version=version)
    assert_schema(v21.create, response)
    # An accepted event is 'completed', whatever status it was sent
    # with, as Nova answers.
    assert response.json == {'events': [{
        'name': 'network-vif-plugged', 'server_uuid': server,
        'tag': 'port-1', 'status': 'completed', 'code': 200}]}


@pytest.mark.usefixtures('admin_is_a_service')
def test_each_event_answered(cloud):
    cloud.add_cell2()
    on_host = server_rows.add_server(cloud)
    in_cell2 = server_rows.add_server(cloud, cell='cell2', host='cmp9')
    no_host = server_rows.add_server(cloud, host=None, vm_state='error')
    deleted = server_rows.add_server(cloud, deleted=True)
    unplaced = server_rows.add_build_request(cloud)
    response = _send(
        cloud,
        {'name': 'network-changed', 'server_uuid': on_host},
        {'name': 'network-changed', 'server_uuid': in_cell2},
        {'name': 'volume-extended', 'server_uuid': on_host},
        {'name': 'network-changed', 'server_uuid': no_host},
        {'name': 'network-changed', 'server_uuid': deleted},
        {'name': 'network-changed', 'server_uuid': unplaced},
        {'name': 'network-changed', 'server_uuid': UNKNOWN},
        version='2.51')
    assert response.status_int == 207
    assert [(e['code'], e['status']) for e in response.json['events']] == [
        (200, 'completed'), (200, 'completed'), (400, 'failed'),
        (422, 'failed'), (404, 'failed'), (404, 'failed'), (404, 'failed')]


@pytest.mark.usefixtures('admin_is_a_service')
def test_none_accepted_is_404(cloud):
    no_host = server_rows.add_server(cloud, host=None)
    assert_fault(_send(cloud,
                       {'name': 'network-changed', 'server_uuid': UNKNOWN},
                       {'name': 'network-changed', 'server_uuid': no_host}),
                 404, 'itemNotFound', 'No instances found for any event')


@pytest.mark.usefixtures('admin_is_a_service')
@pytest.mark.parametrize('name, first_version, tag', [
    ('volume-extended', '2.51', 'volume-id'),
    ('power-update', '2.76', 'POWER_OFF'),
    ('accelerator-request-bound', '2.82', 'arq-uuid'),
    ('volume-reimaged', '2.93', None),
])
def test_event_names_by_microversion(cloud, name, first_version, tag):
    server = server_rows.add_server(cloud)
    event = {'name': name, 'server_uuid': server}
    if tag:
        event['tag'] = tag
    before = '2.%d' % (int(first_version.split('.')[1]) - 1)
    assert "is not one of" in assert_fault(
        _send(cloud, event, version=before), 400, 'badRequest')
    accepted = _send(cloud, dict(event), version=first_version)
    assert accepted.status_int == 200
    assert accepted.json['events'][0]['code'] == 200
    if tag:
        # Those events mean nothing without their tag.
        del event['tag']
        assert _send(cloud, event, version=LATEST).status_int == 404


@pytest.mark.usefixtures('admin_is_a_service')
@pytest.mark.parametrize('body', [
    {'events': []},
    {'events': [{'name': 'network-changed'}]},
    {'events': [{'name': 'network-changed', 'server_uuid': 'not-a-uuid'}]},
    {'events': [{'name': 'network-changed', 'server_uuid': UNKNOWN,
                 'status': 'done'}]},
    {'events': [{'name': 'network-changed', 'server_uuid': UNKNOWN,
                 'code': 200}]},
    {'events': [{'name': 'network-changed', 'server_uuid': UNKNOWN,
                 'tag': 'x' * 256}]},
    {'event': []},
])
def test_invalid_bodies(cloud, body):
    assert_fault(cloud.request(URL, 'POST', token=ADMIN, body=body), 400,
                 'badRequest')
