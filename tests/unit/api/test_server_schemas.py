"""The servers API's request schemas: what each microversion accepts and
refuses, checked through the decorators a controller uses."""

import uuid

import pytest
import webob

from common import exception
from nova_api import api_version
from nova_api import validation
from nova_api.schemas import servers

IMAGE = str(uuid.uuid4())
NET = str(uuid.uuid4())


class Controller:
    """A handler per table, returning the body it was let through."""

    @servers.validated(servers.CREATE)
    def create(self, req, body):
        return body

    @servers.validated(servers.UPDATE)
    def update(self, req, id, body):
        return body

    @validation.schema(servers.force_delete)
    def force_delete(self, req, id, body):
        return body


def _request(version):
    req = webob.Request.blank('/')
    req.api_version_request = api_version.APIVersionRequest(version)
    return req


def _server(version, **fields):
    """A create body the version accepts, plus ``fields``."""
    server = {'name': 'vm', 'imageRef': IMAGE, 'flavorRef': '1'}
    if api_version.APIVersionRequest(version) >= servers.NETWORKS_REQUIRED:
        server['networks'] = 'none'
    server.update(fields)
    return {'server': server}


def create(version, body):
    return Controller().create(_request(version), body=body)


def update(version, body):
    return Controller().update(_request(version), 'id', body=body)


def refused(call, version, body):
    """The 400 message a refused body gets."""
    with pytest.raises(exception.ValidationError) as e:
        call(version, body)
    assert e.value.code == 400
    return e.value.format_message()


def unexpected(field):
    return "Additional properties are not allowed ('%s' was unexpected)" % (
        field)


@pytest.mark.parametrize('table', [servers.CREATE, servers.UPDATE])
def test_every_version_has_exactly_one_schema(table):
    for minor in range(1, int(api_version.MAX_VERSION.split('.')[1]) + 1):
        req = _request('2.%d' % minor)
        rows = [row for row in table
                if req.api_version_request.matches(row[1], row[2])]
        assert len(rows) == 1, '2.%d' % minor


def test_create_table_ranges():
    assert [(first, last) for _schema, first, last in servers.CREATE] == [
        ('2.1', '2.18'), ('2.19', '2.31'), ('2.32', '2.32'),
        ('2.33', '2.36'), ('2.37', '2.41'), ('2.42', '2.51'),
        ('2.52', '2.56'), ('2.57', '2.62'), ('2.63', '2.66'),
        ('2.67', '2.73'), ('2.74', '2.89'), ('2.90', '2.93'),
        ('2.94', None)]
    assert [(first, last) for _schema, first, last in servers.UPDATE] == [
        ('2.1', '2.18'), ('2.19', '2.89'), ('2.90', '2.93'),
        ('2.94', '2.103'), ('2.104', None)]


FULL_V21 = {
    'name': 'vm', 'imageRef': IMAGE, 'flavorRef': 1, 'adminPass': 'x' * 300,
    'metadata': {'a-b_c:d. e': 'v' * 255},
    'networks': [{'uuid': 'any-string-before-2.37', 'fixed_ip': '10.0.0.5'},
                 {'port': None}, {'port': str(uuid.uuid4())},
                 {'uuid': NET, 'fixed_ip': '2001:db8::1'}],
    'OS-DCF:diskConfig': 'MANUAL', 'accessIPv4': '192.0.2.1',
    'accessIPv6': '2001:db8::2',
    'personality': [{'path': '/etc/motd', 'contents': 'aGVsbG8='}],
    'availability_zone': 'nova:host1', 'key_name': 'key',
    'block_device_mapping': [{'device_name': '/dev/vdb',
                              'volume_id': str(uuid.uuid4()),
                              'volume_size': '10',
                              'delete_on_termination': 'true'}],
    'block_device_mapping_v2': [{'boot_index': '0', 'uuid': IMAGE,
                                 'source_type': 'image',
                                 'destination_type': 'local'},
                                {'boot_index': None, 'source_type': 'blank',
                                 'destination_type': 'volume',
                                 'volume_size': 1, 'guest_format': 'swap'}],
    'config_drive': True, 'min_count': '1', 'max_count': 3,
    'return_reservation_id': 'False',
    'security_groups': [{'name': 'default'}, {'name': str(uuid.uuid4())}],
    'user_data': 'IyEvYmluL3NoCmVjaG8gaGk=',
}


def test_every_21_field_is_accepted():
    body = {'server': FULL_V21,
            'os:scheduler_hints': {'group': str(uuid.uuid4())}}
    assert create('2.1', body) == body


def test_latest_fields_are_accepted():
    body = _server(
        '2.104', description=None, tags=['a', 'b c'],
        networks=[{'uuid': NET, 'tag': 'nic1'}],
        block_device_mapping_v2=[{'boot_index': 0, 'uuid': IMAGE,
                                  'source_type': 'image',
                                  'destination_type': 'volume',
                                  'volume_size': 1, 'tag': 'root',
                                  'volume_type': 'ssd'}],
        trusted_image_certificates=['cert-1', 'cert-2'],
        host='compute-1', hypervisor_hostname='compute-1.example.org',
        hostname='vm-1.example.org')
    assert create('2.104', body) == body


@pytest.mark.parametrize('image', ['', IMAGE, IMAGE.upper(),
                                   IMAGE.replace('-', '')])
def test_image_ref_is_a_uuid_or_empty_for_a_volume_boot(image):
    create('2.1', _server('2.1', imageRef=image))


def test_image_ref_must_be_a_uuid():
    assert refused(create, '2.1', _server('2.1', imageRef='http://x/y')) == (
        "Invalid input for field/attribute imageRef. Value: http://x/y. "
        "'http://x/y' is not valid under any of the given schemas")


def test_name_and_flavor_are_required():
    assert refused(create, '2.1', {'server': {'flavorRef': 1}}).endswith(
        "'name' is a required property")
    assert refused(create, '2.1', {'server': {'name': 'vm'}}).endswith(
        "'flavorRef' is a required property")
    assert refused(create, '2.1', {}) == "'server' is a required property"


@pytest.mark.parametrize('name, message', [
    ('x' * 256, "Invalid input for field/attribute name. Value: %s. '%s' is "
                "too long" % ('x' * 256, 'x' * 256)),
    ('', "Invalid input for field/attribute name. Value: . '' should be "
         "non-empty"),
    (' vm', 'An invalid \'name\' value was provided. The name must be: '
            'printable characters. Can not start or end with whitespace.'),
])
def test_bad_names(name, message):
    assert refused(create, '2.1', _server('2.1', name=name)) == message


def test_flavor_ref_may_not_be_empty():
    assert refused(create, '2.1', _server('2.1', flavorRef='')) == (
        "Invalid input for field/attribute flavorRef. Value: . '' should be "
        "non-empty")


def test_unknown_keys_are_refused():
    assert refused(create, '2.104', _server('2.104', foo=1)) == (
        "Invalid input for field/attribute server. Value: %s. %s" % (
            _server('2.104', foo=1)['server'], unexpected('foo')))
    assert refused(create, '2.1', {**_server('2.1'), 'foo': {}}) == (
        unexpected('foo'))


@pytest.mark.parametrize('user_data', ['not base64!', 'abc', 'é' * 4])
def test_user_data_must_be_base64(user_data):
    assert refused(create, '2.1', _server('2.1', user_data=user_data)) == (
        "Invalid input for field/attribute user_data. Value: %s. %r is not "
        "a 'base64'" % (user_data, user_data))


def test_user_data_is_at_most_65535_characters():
    create('2.1', _server('2.1', user_data='A' * 65532))
    assert 'is too long' in refused(create, '2.1',
                                    _server('2.1', user_data='A' * 65536))


def test_metadata_keys_and_values():
    assert refused(create, '2.1', _server('2.1', metadata={'a/b': 'v'})) == (
        "Invalid input for field/attribute metadata. Value: {'a/b': 'v'}. "
        "'a/b' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'")
    assert 'is too long' in refused(
        create, '2.1', _server('2.1', metadata={'k': 'v' * 256}))
    assert 'is not of type' in refused(
        create, '2.1', _server('2.1', metadata={'k': 1}))


@pytest.mark.parametrize('field, value', [
    ('min_count', 0), ('min_count', '0'), ('max_count', 'x'),
    ('max_count', '-1'), ('min_count', ''),
])
def test_counts_are_positive_integers(field, value):
    message = refused(create, '2.1', _server('2.1', **{field: value}))
    assert message.startswith('Invalid input for field/attribute %s.' % field)


def test_a_count_as_a_string_is_held_to_the_minimum():
    assert refused(create, '2.1', _server('2.1', min_count='0')) == (
        'Invalid input for field/attribute min_count. Value: 0. 0 is less '
        'than the minimum of 1')


@pytest.mark.parametrize('field, value, named', [
    ('OS-DCF:diskConfig', 'auto', 'OS-DCF:diskConfig'),
    ('accessIPv4', '2001:db8::1', 'accessIPv4'),
    ('accessIPv6', '192.0.2.1', 'accessIPv6'),
    ('config_drive', 'maybe', 'config_drive'),
    ('return_reservation_id', 2, 'return_reservation_id'),
    ('security_groups', [{'name': ''}], 'name'),
    ('security_groups', [{'id': 'x'}], '0'),
    ('availability_zone', '', 'availability_zone'),
    ('key_name', 'k' * 256, 'key_name'),
    ('adminPass', 1, 'adminPass'),
])
def test_bad_field_values(field, value, named):
    message = refused(create, '2.1', _server('2.1', **{field: value}))
    assert message.startswith('Invalid input for field/attribute %s. '
                              % named)


@pytest.mark.parametrize('device, message', [
    ({'volume_size': '0'}, '0 is less than the minimum of 1'),
    ({'volume_size': 2 ** 31}, 'is greater than the maximum of 2147483647'),
    ({'device_name': 'vd b'}, 'does not match'),
    ({'volume_id': 'nope'}, "'nope' is not a 'uuid'"),
    ({'source_type': 'url'}, 'is not one of'),
    ({'boot_index': 'first'}, 'does not match'),
    ({'tag': 'root'}, unexpected('tag')),
])
def test_bad_block_device_mappings(device, message):
    assert message in refused(create, '2.1', _server(
        '2.1', block_device_mapping_v2=[device]))


def test_legacy_block_device_mapping_has_no_v2_keys():
    assert unexpected('boot_index') in refused(create, '2.1', _server(
        '2.1', block_device_mapping=[{'boot_index': 0}]))


def test_description_from_219():
    assert unexpected('description') in refused(
        create, '2.18', _server('2.18', description='d'))
    for description in ('', None, ' lead and trail ', 'é' * 255):
        create('2.19', _server('2.19', description=description))
        update('2.19', {'server': {'description': description}})
    for description in ('d' * 256, 'line\nbreak\x00', '\U0001F600'):
        message = refused(create, '2.19', _server(
            '2.19', description=description))
        assert message.startswith(
            'Invalid input for field/attribute description.')


@pytest.mark.parametrize('version, refusal', [
    ('2.31', unexpected('tag')), ('2.32', None), ('2.36', None),
    # From 2.37 the list is one of two shapes: neither fits.
    ('2.37', 'is not valid under any of the given schemas'),
    ('2.41', 'is not valid under any of the given schemas'),
    ('2.42', None), ('2.104', None)])
def test_network_tags(version, refusal):
    body = _server(version, networks=[{'uuid': NET, 'tag': 'nic'}])
    if refusal is None:
        create(version, body)
    else:
        assert refusal in refused(create, version, body)


@pytest.mark.parametrize('version, accepted', [
    ('2.31', False), ('2.32', True), ('2.33', False), ('2.41', False),
    ('2.42', True), ('2.104', True)])
def test_block_device_tags(version, accepted):
    body = _server(version, block_device_mapping_v2=[
        {'boot_index': 0, 'uuid': IMAGE, 'source_type': 'image',
         'destination_type': 'local', 'tag': 'disk'}])
    if accepted:
        create(version, body)
    else:
        assert unexpected('tag') in refused(create, version, body)


def test_tags_must_be_short_and_without_slash_or_comma():
    for bad in ('a/b', 'a,b', '', 't' * 61):
        assert refused(create, '2.52', _server('2.52', tags=[bad])).startswith(
            'Invalid input for field/attribute 0.')


@pytest.mark.parametrize('networks', ['auto', 'none'])
def test_networks_keywords_from_237(networks):
    assert 'is not of type' in refused(create, '2.36', _server(
        '2.36', networks=networks))
    create('2.37', _server('2.37', networks=networks))


def test_networks_required_from_237():
    body = _server('2.36')
    create('2.36', body)
    body['server']['networks'] = []
    create('2.37', body)
    del body['server']['networks']
    assert refused(create, '2.37', body).endswith(
        "'networks' is a required property")


def test_network_uuid_is_a_uuid_from_237():
    body = _server('2.36', networks=[{'uuid': 'my-net'}])
    create('2.36', body)
    assert 'is not valid under any of the given schemas' in refused(
        create, '2.37', body)


def test_tags_from_252_at_most_50():
    assert unexpected('tags') in refused(create, '2.51', _server(
        '2.51', tags=['a']))
    create('2.52', _server('2.52', tags=['t%d' % i for i in range(50)]))
    tags = ['t%d' % i for i in range(51)]
    assert refused(create, '2.52', _server('2.52', tags=tags)) == (
        'Invalid input for field/attribute tags. Value: %s. %s is too long'
        % (tags, tags))


def test_personality_until_256():
    files = [{'path': '/f', 'contents': 'aGk='}]
    create('2.56', _server('2.56', personality=files))
    assert unexpected('personality') in refused(create, '2.57', _server(
        '2.57', personality=files))


def test_trusted_image_certificates_from_263():
    assert unexpected('trusted_image_certificates') in refused(
        create, '2.62', _server('2.62', trusted_image_certificates=['c']))
    create('2.63', _server('2.63', trusted_image_certificates=None))
    for bad in ([], ['c', 'c'], ['c%d' % i for i in range(51)], ['']):
        refused(create, '2.63', _server('2.63',
                                        trusted_image_certificates=bad))


def test_volume_type_from_267():
    device = {'boot_index': 0, 'source_type': 'blank', 'volume_size': 1,
              'destination_type': 'volume', 'volume_type': 'ssd'}
    assert unexpected('volume_type') in refused(create, '2.66', _server(
        '2.66', block_device_mapping_v2=[device]))
    create('2.67', _server('2.67', block_device_mapping_v2=[device]))


@pytest.mark.parametrize('field', ['host', 'hypervisor_hostname'])
def test_host_and_node_from_274(field):
    assert unexpected(field) in refused(create, '2.73', _server(
        '2.73', **{field: 'compute1'}))
    create('2.74', _server('2.74', **{field: 'compute_1.example.org'}))
    assert 'does not match' in refused(create, '2.74', _server(
        '2.74', **{field: 'compute 1'}))


@pytest.mark.parametrize('call, body', [
    (create, lambda version, **f: _server(version, **f)),
    (update, lambda version, **f: {'server': f}),
])
def test_hostname(call, body):
    assert unexpected('hostname') in refused(call, '2.89', body(
        '2.89', hostname='vm1'))
    call('2.90', body('2.90', hostname='vm-1'))
    for bad in ('vm.example.org', 'x', 'v' * 64, '-vm', 'vm_1'):
        assert refused(call, '2.90', body('2.90', hostname=bad)).startswith(
            'Invalid input for field/attribute hostname.')
    call('2.94', body('2.94', hostname='vm.' + 'x' * 240))
    assert 'is too long' in refused(call, '2.94', body(
        '2.94', hostname='v' * 256))


@pytest.mark.parametrize('hints', [
    {'group': str(uuid.uuid4())}, {'group': [str(uuid.uuid4())]},
    {'same_host': [str(uuid.uuid4())], 'different_host': str(uuid.uuid4())},
    {'query': '["=", "$free_ram_mb", 1024]'}, {'query': {'x': 1}},
    {'target_cell': 'cell1', 'different_cell': ['cell2']},
    {'build_near_host_ip': '192.0.2.1', 'cidr': '/24'},
    {'my_filter_hint': [1, 2]},
])
@pytest.mark.parametrize('key', ['os:scheduler_hints',
                                 'OS-SCH-HNT:scheduler_hints'])
def test_scheduler_hints(key, hints):
    create('2.1', {**_server('2.1'), key: hints})


@pytest.mark.parametrize('hints, field', [
    ({'group': 'not-a-uuid'}, 'group'),
    ({'different_host': ['not-a-uuid']}, 'different_host'),
    ({'same_host': ['x']}, '0'),
    ({'build_near_host_ip': 'host'}, 'build_near_host_ip'),
    ({'cidr': '24'}, 'cidr'),
    ({'query': 1}, 'query'),
])
def test_bad_scheduler_hints(hints, field):
    body = {**_server('2.1'), 'os:scheduler_hints': hints}
    assert refused(create, '2.1', body).startswith(
        'Invalid input for field/attribute %s.' % field)


def test_update_fields():
    body = {'server': {'name': 'new', 'OS-DCF:diskConfig': 'AUTO',
                       'accessIPv4': '192.0.2.9', 'accessIPv6': '::1'}}
    assert update('2.1', body) == body
    assert update('2.1', {'server': {}}) == {'server': {}}
    assert unexpected('imageRef') in refused(update, '2.104', {
        'server': {'imageRef': IMAGE}})
    assert unexpected('description') in refused(update, '2.18', {
        'server': {'description': 'd'}})
    assert refused(update, '2.1', {'name': 'x'}) == (
        "'server' is a required property")


def test_pinned_availability_zone_from_2104():
    assert unexpected('pinned_availability_zone') in refused(
        update, '2.103', {'server': {'pinned_availability_zone': None}})
    for zone in (None, 'az1'):
        update('2.104', {'server': {'pinned_availability_zone': zone}})
    refused(update, '2.104', {'server': {'pinned_availability_zone': ''}})


@pytest.mark.parametrize('body', [{'forceDelete': None},
                                  {'forceDelete': {}}])
def test_force_delete_takes_any_value(body):
    assert Controller().force_delete(_request('2.1'), 'id', body=body) == body


@pytest.mark.parametrize('body, message', [
    ({}, "'forceDelete' is a required property"),
    ({'forceDelete': None, 'x': 1}, unexpected('x'))])
def test_force_delete_alone(body, message):
    with pytest.raises(exception.ValidationError) as e:
        Controller().force_delete(_request('2.1'), 'id', body=body)
    assert e.value.format_message() == message
