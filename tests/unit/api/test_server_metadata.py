"""Server metadata: reads from the server's cell (or build request),
changes through a real conductor on the fake transport."""

import pytest
import sqlalchemy as sa
from tempest.lib.api_schema.response.compute.v2_1 import servers as v21

from common import context
from common import exception
from common.db import engines
from common.db import main_models as main
from nova_conductor import rpcapi as conductor_rpcapi
from tests.unit.api import server_rows
from tests.unit.api.conftest import ADMIN
from tests.unit.api.conftest import LATEST
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

OTHER = 'alt:alt'


def _url(server_id, key=None):
    url = '/v2.1/servers/%s/metadata' % server_id
    return url if key is None else '%s/%s' % (url, key)


@pytest.fixture
def server(cloud):
    return server_rows.add_server(cloud, metadata={'a': '1', 'b': '2'})


def _stored(cloud, server_id, cell='cell1'):
    """The live metadata rows of the server and how many were
    soft-deleted."""
    with engines.reader(cloud.cells[cell].database_connection) as session:
        rows = session.scalars(sa.select(main.InstanceMetadata).where(
            main.InstanceMetadata.instance_uuid == server_id)).all()
    return ({r.key: r.value for r in rows if not r.deleted},
            sum(1 for r in rows if r.deleted))


@pytest.mark.parametrize('version', ['2.1', LATEST])
def test_responses_match_tempest(cloud, conductor, server, version):
    def call(path, method='GET', body=None):
        return cloud.request(path, method, token=MEMBER, version=version,
                             body=body)

    assert_schema(v21.list_server_metadata, call(_url(server)))
    assert_schema(v21.set_server_metadata,
                  call(_url(server), 'PUT', {'metadata': {'x': 'y'}}))
    assert_schema(v21.update_server_metadata,
                  call(_url(server), 'POST', {'metadata': {'z': 'w'}}))
    assert_schema(v21.set_show_server_metadata_item, call(_url(server, 'x')))
    assert_schema(v21.set_show_server_metadata_item,
                  call(_url(server, 'x'), 'PUT', {'meta': {'x': 'v'}}))
    deleted = call(_url(server, 'x'), 'DELETE')
    assert deleted.status_int == 204 and not deleted.body


def test_reads(cloud, server):
    assert cloud.request(_url(server), token=MEMBER).json == {
        'metadata': {'a': '1', 'b': '2'}}
    assert cloud.request(_url(server, 'b'), token=MEMBER).json == {
        'meta': {'b': '2'}}
    assert_fault(cloud.request(_url(server, 'c'), token=MEMBER), 404,
                 'itemNotFound', 'Metadata item was not found')


def test_post_merges_put_replaces(cloud, conductor, server):
    merged = cloud.request(_url(server), 'POST', token=MEMBER,
                           body={'metadata': {'b': 'two', 'c': '3'}})
    assert merged.status_int == 200
    assert merged.json == {'metadata': {'a': '1', 'b': 'two', 'c': '3'}}
    replaced = cloud.request(_url(server), 'PUT', token=MEMBER,
                             body={'metadata': {'c': 'three', 'd': '4'}})
    assert replaced.json == {'metadata': {'c': 'three', 'd': '4'}}
    # Removed keys are soft-deleted, as Nova keeps them for archiving.
    assert _stored(cloud, server) == ({'c': 'three', 'd': '4'}, 2)
    cleared = cloud.request(_url(server), 'PUT', token=MEMBER,
                            body={'metadata': {}})
    assert cleared.json == {'metadata': {}}
    assert _stored(cloud, server)[0] == {}


def test_item_put_and_delete(cloud, conductor, server):
    put = cloud.request(_url(server, 'new key'), 'PUT', token=MEMBER,
                        body={'meta': {'new key': 'v'}})
    assert put.json == {'meta': {'new key': 'v'}}
    assert cloud.request(_url(server, 'a'), 'DELETE',
                         token=MEMBER).status_int == 204
    assert _stored(cloud, server)[0] == {'b': '2', 'new key': 'v'}
    assert_fault(cloud.request(_url(server, 'a'), 'DELETE', token=MEMBER),
                 404, 'itemNotFound', 'Metadata item was not found')


@pytest.mark.parametrize('path_key, body, message', [
    ('a', {'meta': {'b': '1'}}, 'Request body and URI mismatch'),
    ('a', {'meta': {}}, 'Invalid input for field/attribute meta.'),
    ('a', {'meta': {'a': '1', 'b': '2'}},
     'Invalid input for field/attribute meta.'),
    ('a/b', {'meta': {'a/b': '1'}}, None),
])
def test_item_put_refused(cloud, conductor, server, path_key, body,
                          message):
    response = cloud.request(_url(server, path_key), 'PUT', token=MEMBER,
                             body=body)
    if message is None:
        # A key with '/' cannot be named in the URL at all.
        assert response.status_int == 404
        return
    assert message in assert_fault(response, 400, 'badRequest')


@pytest.mark.parametrize('metadata', [
    {'a/b': '1'}, {'': '1'}, {'k' * 256: '1'}, {'k': 'v' * 256}, {'k': 1},
])
def test_invalid_metadata_is_refused(cloud, conductor, server, metadata):
    response = cloud.request(_url(server), 'POST', token=MEMBER,
                             body={'metadata': metadata})
    assert 'Invalid input for field/attribute ' in assert_fault(
        response, 400, 'badRequest')


def test_servers_hidden_from_other_projects(cloud, conductor, server):
    missing = 'Instance %s could not be found.' % server
    assert_fault(cloud.request(_url(server), token=OTHER), 404,
                 'itemNotFound', missing)
    assert_fault(cloud.request(_url(server), 'POST', token=OTHER,
                               body={'metadata': {'x': 'y'}}),
                 404, 'itemNotFound', missing)
    # An administrator sees and changes any project's servers.
    assert cloud.request(_url(server), token=ADMIN).json['metadata']
    assert cloud.request(_url(server), 'POST', token=ADMIN,
                         body={'metadata': {'x': 'y'}}).status_int == 200


@pytest.mark.parametrize('server_id', ['not-a-uuid',
                                       '2a3b5a1e-4e67-4a4f-8c8a-1f2d7f3e9c01'])
def test_unknown_server(cloud, server_id):
    assert_fault(cloud.request(_url(server_id), token=MEMBER), 404,
                 'itemNotFound',
                 'Instance %s could not be found.' % server_id)


def test_deleted_server_is_not_found(cloud):
    server = server_rows.add_server(cloud, deleted=True)
    assert_fault(cloud.request(_url(server), token=MEMBER), 404,
                 'itemNotFound')


def test_locked_server_only_changes_for_admins(cloud, conductor):
    server = server_rows.add_server(cloud, locked=True, locked_by='admin',
                                    metadata={'a': '1'})
    for method, path, body in (
            ('POST', _url(server), {'metadata': {'b': '2'}}),
            ('PUT', _url(server), {'metadata': {}}),
            ('PUT', _url(server, 'a'), {'meta': {'a': '2'}}),
            ('DELETE', _url(server, 'a'), None)):
        assert_fault(cloud.request(path, method, token=MEMBER, body=body),
                     409, 'conflictingRequest',
                     'Instance %s is locked' % server)
    assert cloud.request(_url(server, 'a'), 'DELETE',
                         token=ADMIN).status_int == 204


@pytest.mark.parametrize('vm_state, task_state, allowed', [
    ('active', 'rebooting', True), ('paused', None, True),
    ('suspended', None, True), ('stopped', None, True),
    ('error', None, False), ('shelved', None, False),
    ('rescued', None, False), ('resized', None, False),
])
def test_states_allowing_changes(cloud, conductor, vm_state, task_state,
                                 allowed):
    server = server_rows.add_server(cloud, vm_state=vm_state,
                                    task_state=task_state,
                                    metadata={'a': '1'})
    update = cloud.request(_url(server), 'POST', token=MEMBER,
                           body={'metadata': {'b': '2'}})
    delete = cloud.request(_url(server, 'a'), 'DELETE', token=MEMBER)
    if allowed:
        assert (update.status_int, delete.status_int) == (200, 204)
        return
    assert_fault(update, 409, 'conflictingRequest',
                 "Cannot 'update metadata' instance %s while it is in "
                 "vm_state %s" % (server, vm_state))
    assert_fault(delete, 409, 'conflictingRequest',
                 "Cannot 'delete metadata' instance %s while it is in "
                 "vm_state %s" % (server, vm_state))


def test_never_launched_server_is_refused(cloud, conductor):
    server = server_rows.add_server(cloud, launched_at=None)
    assert_fault(cloud.request(_url(server), 'POST', token=MEMBER,
                               body={'metadata': {'b': '2'}}),
                 409, 'conflictingRequest',
                 "Instance %s is in an invalid state for 'update metadata'"
                 % server)


def test_server_not_yet_placed(cloud, conductor):
    server = server_rows.add_build_request(cloud, metadata={'a': '1'})
    assert cloud.request(_url(server), token=MEMBER).json == {
        'metadata': {'a': '1'}}
    assert_fault(cloud.request(_url(server), 'POST', token=MEMBER,
                               body={'metadata': {'b': '2'}}),
                 409, 'conflictingRequest',
                 "Cannot 'update metadata' instance %s while it is in "
                 "vm_state building" % server)


def test_metadata_items_quota(cloud, conductor, config, server):
    config.config(metadata_items=3, group='quota')
    over = cloud.request(_url(server), 'POST', token=MEMBER,
                         body={'metadata': {'c': '3', 'd': '4'}})
    assert_fault(over, 403, 'forbidden',
                 'Maximum number of metadata items exceeds 3')
    # Replacing counts the new set only; merging counts the union.
    assert cloud.request(_url(server), 'PUT', token=MEMBER, body={
        'metadata': {'x': '1', 'y': '2', 'z': '3'}}).status_int == 200
    assert cloud.request(_url(server, 'x'), 'PUT', token=MEMBER, body={
        'meta': {'x': 'changed'}}).status_int == 200
    assert_fault(cloud.request(_url(server, 'w'), 'PUT', token=MEMBER,
                               body={'meta': {'w': '4'}}),
                 403, 'forbidden')
    assert _stored(cloud, server)[0] == {'x': 'changed', 'y': '2',
                                         'z': '3'}


def test_conductor_writes_need_a_live_server(cloud, conductor):
    """What a server deleted between the API's check and the write
    gets: InstanceNotFound from the conductor, a 404 for the client."""
    server = server_rows.add_server(cloud, deleted=True)
    writer = conductor_rpcapi.ConductorAPI()
    ctxt = context.get_admin_context()
    with pytest.raises(exception.InstanceNotFound):
        writer.instance_metadata_update(ctxt, server, {'a': '1'})
    with pytest.raises(exception.InstanceNotFound):
        writer.instance_metadata_delete(ctxt, server, 'a')
