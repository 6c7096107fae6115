"""Server tags (2.26+): reads from the server's cell (or build
request), changes through a real conductor on the fake transport."""

import pytest
import sqlalchemy as sa
from tempest.lib.api_schema.response.compute.v2_26 import servers as v226

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
V = '2.26'


def _url(server_id, tag=None):
    url = '/v2.1/servers/%s/tags' % server_id
    return url if tag is None else '%s/%s' % (url, tag)


def _call(cloud, path, method='GET', body=None, version=V, token=MEMBER):
    return cloud.request(path, method, token=token, version=version,
                         body=body)


@pytest.fixture
def server(cloud):
    return server_rows.add_server(cloud, tags=['b', 'a'])


def _stored(cloud, server_id):
    with engines.reader(cloud.cells['cell1'].database_connection) as s:
        return sorted(s.scalars(sa.select(main.Tag.tag).where(
            main.Tag.resource_id == server_id)))


def _assert_status(schema, response):
    """Tempest's check of a response without a body."""
    assert response.status_int in schema['status_code'], response.text
    assert not response.body


@pytest.mark.parametrize('version', [V, LATEST])
def test_responses_match_tempest(cloud, conductor, server, version):
    assert_schema(v226.list_tags, _call(cloud, _url(server),
                                        version=version))
    assert_schema(v226.update_all_tags,
                  _call(cloud, _url(server), 'PUT', {'tags': ['x', 'y']},
                        version=version))
    added = _call(cloud, _url(server, 'z'), 'PUT', version=version)
    _assert_status(v226.update_tag, added)
    assert added.status_int == 201
    assert added.headers['Location'] == (
        'http://localhost/v2.1/servers/%s/tags/z' % server)
    _assert_status(v226.check_tag_existence,
                   _call(cloud, _url(server, 'z'), version=version))
    _assert_status(v226.delete_tag,
                   _call(cloud, _url(server, 'z'), 'DELETE', version=version))
    _assert_status(v226.delete_all_tags,
                   _call(cloud, _url(server), 'DELETE', version=version))
    assert _stored(cloud, server) == []


def test_not_before_2_26(cloud, server):
    for method, path in (('GET', _url(server)), ('GET', _url(server, 'a')),
                         ('PUT', _url(server, 'a')),
                         ('DELETE', _url(server))):
        assert_fault(_call(cloud, path, method, version='2.25'), 404,
                     'itemNotFound')


def test_reads(cloud, server):
    assert _call(cloud, _url(server)).json == {'tags': ['a', 'b']}
    assert _call(cloud, _url(server, 'a')).status_int == 204
    assert_fault(_call(cloud, _url(server, 'c')), 404, 'itemNotFound',
                 "Server %s has no tag 'c'" % server)


def test_add_existing_tag_is_204_without_location(cloud, conductor, server):
    again = _call(cloud, _url(server, 'a'), 'PUT')
    assert again.status_int == 204
    assert 'Location' not in again.headers
    assert _stored(cloud, server) == ['a', 'b']


def test_replace_all(cloud, conductor, server):
    replaced = _call(cloud, _url(server), 'PUT',
                     {'tags': ['c', 'a', 'c', 'tag with spaces']})
    assert replaced.json == {'tags': ['a', 'c', 'tag with spaces']}
    assert _stored(cloud, server) == ['a', 'c', 'tag with spaces']
    assert _call(cloud, _url(server), 'PUT', {'tags': []}).json == {
        'tags': []}


@pytest.mark.parametrize('body', [
    {'tags': ['a,b']}, {'tags': ['a/b']}, {'tags': ['']},
    {'tags': ['x' * 61]}, {'tags': ['t%d' % i for i in range(51)]},
    {'tags': 'a'}, {}, {'tags': [], 'other': 1},
])
def test_replace_all_refused(cloud, conductor, server, body):
    assert_fault(_call(cloud, _url(server), 'PUT', body), 400,
                 'badRequest')
    assert _stored(cloud, server) == ['a', 'b']


@pytest.mark.parametrize('tag, error', [
    ('a,b', "'a,b' does not match '^[^,/]*$'"),
    ('x' * 61, "'%s' is too long" % ('x' * 61)),
])
def test_add_refuses_invalid_tag(cloud, conductor, server, tag, error):
    assert_fault(_call(cloud, _url(server, tag), 'PUT'), 400, 'badRequest',
                 "Tag '%s' is invalid. It must be a non empty string "
                 "without characters '/' and ','. Validation error "
                 "message: %s" % (tag, error))


def test_add_takes_no_body(cloud, conductor, server):
    assert_fault(_call(cloud, _url(server, 'c'), 'PUT', {}), 400,
                 'badRequest')


def test_fifty_tags_at_most(cloud, conductor, server):
    tags = ['t%02d' % i for i in range(50)]
    assert _call(cloud, _url(server), 'PUT', {'tags': tags}).status_int == 200
    # Counted before looking whether the tag is there already, as Nova.
    for tag in ('new', 't00'):
        assert_fault(_call(cloud, _url(server, tag), 'PUT'), 400,
                     'badRequest',
                     'The number of tags exceeded the per-server limit 50')


def test_delete(cloud, conductor, server):
    assert _call(cloud, _url(server, 'a'), 'DELETE').status_int == 204
    assert _stored(cloud, server) == ['b']
    assert_fault(_call(cloud, _url(server, 'a'), 'DELETE'), 404,
                 'itemNotFound',
                 "Instance %s has no tag 'a'" % server)


def test_unknown_server(cloud):
    server_id = '2a3b5a1e-4e67-4a4f-8c8a-1f2d7f3e9c01'
    for method, path in (('GET', _url(server_id)),
                         ('PUT', _url(server_id, 'a'))):
        assert_fault(_call(cloud, path, method), 404, 'itemNotFound',
                     'Instance %s has no mapping to a cell.' % server_id)


def test_other_projects_servers_are_forbidden(cloud, conductor, server):
    # The policy is checked on the mapping's project before the server
    # is read: a 403 here, where metadata answers 404.
    assert_fault(_call(cloud, _url(server), token=OTHER), 403, 'forbidden')
    assert_fault(_call(cloud, _url(server, 'c'), 'PUT', token=OTHER), 403,
                 'forbidden')
    assert _call(cloud, _url(server, 'c'), 'PUT',
                 token=ADMIN).status_int == 201


@pytest.mark.parametrize('vm_state', ['error', 'building', 'shelved',
                                      'rescued'])
def test_changes_need_a_resting_server(cloud, conductor, vm_state):
    server = server_rows.add_server(cloud, vm_state=vm_state, tags=['a'])
    for method, path, body, action in (
            ('PUT', _url(server, 'c'), None, 'update tag'),
            ('PUT', _url(server), {'tags': ['c']}, 'update tags'),
            ('DELETE', _url(server, 'a'), None, 'delete tag'),
            ('DELETE', _url(server), None, 'delete tags')):
        assert_fault(_call(cloud, path, method, body), 409,
                     'conflictingRequest',
                     "Cannot '%s' instance %s while it is in vm_state %s"
                     % (action, server, vm_state))
    assert _call(cloud, _url(server)).json == {'tags': ['a']}


@pytest.mark.parametrize('vm_state', ['paused', 'suspended', 'stopped'])
def test_resting_states_allow_changes(cloud, conductor, vm_state):
    server = server_rows.add_server(cloud, vm_state=vm_state,
                                    task_state='powering-on')
    assert _call(cloud, _url(server, 'c'), 'PUT').status_int == 201


def test_deleted_server(cloud, conductor):
    server = server_rows.add_server(cloud, deleted=True)
    assert _call(cloud, _url(server)).json == {'tags': []}
    assert_fault(_call(cloud, _url(server, 'c'), 'PUT'), 404, 'itemNotFound',
                 'Instance %s could not be found.' % server)


def test_server_not_yet_placed(cloud, conductor):
    server = server_rows.add_build_request(cloud, tags=['b', 'a'])
    assert _call(cloud, _url(server)).json == {'tags': ['a', 'b']}
    assert _call(cloud, _url(server, 'b')).status_int == 204
    assert_fault(_call(cloud, _url(server, 'c'), 'PUT'), 409,
                 'conflictingRequest',
                 "Cannot 'update tag' instance %s while it is in vm_state "
                 "building" % server)


def test_conductor_writes_need_a_live_server(cloud, conductor):
    """What a server deleted between the API's check and the write
    gets: InstanceNotFound from the conductor, a 404 for the client."""
    server = server_rows.add_server(cloud, deleted=True)
    writer = conductor_rpcapi.ConductorAPI()
    ctxt = context.get_admin_context()
    for write, args in ((writer.instance_tag_add, ('a',)),
                        (writer.instance_tags_set, (['a'],)),
                        (writer.instance_tag_delete, ('a',)),
                        (writer.instance_tags_delete_all, ())):
        with pytest.raises(exception.InstanceNotFound):
            write(ctxt, server, *args)
