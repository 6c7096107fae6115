"""PUT and DELETE /servers/{id} in-process: the changes reach the
conductor's database writes and come back in the server's view."""

from oslo_serialization import jsonutils
import sqlalchemy as sa

from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from tests.unit.api import server_rows
from tests.unit.api.conftest import LATEST
from tests.unit.api.conftest import MEMBER


def _with_spec(cloud, server_uuid, zone=None):
    with engines.writer(cloud.api_url) as session:
        session.add(api.RequestSpec(instance_uuid=server_uuid, spec=(
            jsonutils.dumps({'availability_zone': zone,
                             'scheduler_hints': {}}))))
    return server_uuid


def test_update_renames_and_describes(cloud, conductor):
    server = _with_spec(cloud, server_rows.add_server(cloud))
    response = cloud.request('/v2.1/servers/%s' % server, 'PUT',
                             token=MEMBER, version='2.19', body={
                                 'server': {'name': 'web-1',
                                            'description': 'front end'}})
    assert response.status_int == 200, response.text
    body = response.json['server']
    assert (body['name'], body['description']) == ('web-1', 'front end')
    with engines.reader(cloud.cells['cell1'].database_connection) as s:
        row = s.scalars(sa.select(main.Instance).where(
            main.Instance.uuid == server)).one()
    assert (row.display_name, row.display_description) == ('web-1',
                                                           'front end')


def test_update_pins_and_unpins_the_availability_zone(cloud, conductor):
    server = _with_spec(cloud, server_rows.add_server(cloud))
    path = '/v2.1/servers/%s' % server
    pinned = cloud.request(path, 'PUT', version=LATEST, body={
        'server': {'pinned_availability_zone': 'nova'}})
    assert pinned.status_int == 200, pinned.text
    assert pinned.json['server']['pinned_availability_zone'] == 'nova'
    unpinned = cloud.request(path, 'PUT', version=LATEST, body={
        'server': {'pinned_availability_zone': None}})
    assert unpinned.json['server']['pinned_availability_zone'] is None


def test_another_projects_server_cannot_be_updated(cloud, conductor):
    server = _with_spec(cloud, server_rows.add_server(
        cloud, project_id='other'))
    response = cloud.request('/v2.1/servers/%s' % server, 'PUT',
                             token=MEMBER, body={'server': {'name': 'x'}})
    assert response.status_int == 404


def test_delete_of_a_server_on_a_down_host_is_local(cloud, conductor):
    """No live nova-compute: the conductor deletes the server itself."""
    server = _with_spec(cloud, server_rows.add_server(cloud))
    response = cloud.request('/v2.1/servers/%s' % server, 'DELETE',
                             token=MEMBER)
    assert response.status_int == 204, response.text
    assert cloud.request('/v2.1/servers/%s' % server,
                         token=MEMBER).status_int == 404
    with engines.reader(cloud.api_url) as session:
        mapping = session.scalars(sa.select(api.InstanceMapping).where(
            api.InstanceMapping.instance_uuid == server)).one()
    assert mapping.queued_for_delete


def test_locked_server_cannot_be_deleted_by_its_owner(cloud, conductor):
    server = _with_spec(cloud, server_rows.add_server(cloud, locked=True))
    response = cloud.request('/v2.1/servers/%s' % server, 'DELETE',
                             token=MEMBER)
    assert response.status_int == 409
    assert 'is locked' in response.json['conflictingRequest']['message']


def test_force_delete_of_an_active_server_is_a_conflict(cloud, conductor):
    server = _with_spec(cloud, server_rows.add_server(cloud))
    response = cloud.request('/v2.1/servers/%s/action' % server, 'POST',
                             token=MEMBER, body={'forceDelete': None})
    assert response.status_int == 409
    assert response.json['conflictingRequest']['message'] == (
        "Cannot 'forceDelete' instance %s while it is in vm_state active"
        % server)
