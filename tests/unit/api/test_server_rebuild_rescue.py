"""The rebuild and rescue bodies by microversion, the record changes a
rebuild makes, and the pre-2.48 diagnostics body."""

import jsonschema
import pytest

from nova_api import compute_api
from nova_api import server_images
from nova_api.controllers import server_diagnostics
from nova_api.schemas import server_rebuild as schemas

IMAGE = '6f1a1c5e-0000-4000-8000-000000000000'


def _rebuild_schema(version):
    major, minor = (int(p) for p in version.split('.'))
    for schema, first, last in schemas.REBUILD:
        low = int(first.split('.')[1])
        high = int(last.split('.')[1]) if last else 10 ** 6
        if low <= minor <= high:
            return schema
    raise AssertionError(version)


@pytest.mark.parametrize('version, extra, valid', [
    ('2.1', {}, True),
    ('2.1', {'description': 'd'}, False),
    ('2.19', {'description': 'd'}, True),
    ('2.53', {'key_name': 'k'}, False),
    ('2.54', {'key_name': None}, True),
    ('2.56', {'personality': []}, True),
    ('2.57', {'personality': []}, False),
    ('2.57', {'user_data': None}, True),
    ('2.89', {'hostname': 'h1'}, False),
    ('2.90', {'hostname': 'h1'}, True),
    ('2.90', {'hostname': 'a.b'}, False),
    ('2.94', {'hostname': 'a.b'}, True),
    ('2.1', {'preserve_ephemeral': 'maybe'}, False),
])
def test_rebuild_body_by_version(version, extra, valid):
    body = {'rebuild': dict(extra, imageRef=IMAGE)}
    validator = jsonschema.Draft4Validator(
        _rebuild_schema(version),
        format_checker=jsonschema.FormatChecker())
    assert validator.is_valid(body) is valid


def test_rebuild_needs_an_image():
    assert not jsonschema.Draft4Validator(
        _rebuild_schema('2.1')).is_valid({'rebuild': {}})


@pytest.mark.parametrize('body, valid', [
    ({'rescue': None}, True), ({'rescue': {}}, True),
    ({'rescue': {'adminPass': 'x', 'rescue_image_ref': IMAGE}}, True),
    ({'rescue': {'other': 1}}, False), ({}, False),
])
def test_rescue_body(body, valid):
    assert jsonschema.Draft4Validator(schemas.rescue).is_valid(body) is valid


def test_rebuild_replaces_the_image_system_metadata_but_the_machine():
    record = {'system_metadata': {
        'image_os_type': 'linux', 'image_hw_machine_type': 'pc',
        'image_base_image_ref': 'old', 'other': 'kept'}}
    image = {'id': 'new', 'min_ram': 0, 'disk_format': 'qcow2',
             'properties': {'hw_disk_bus': 'scsi'}}
    values = server_images.rebuilt_system_metadata(record, image)
    assert values == {'image_os_type': None, 'image_base_image_ref': 'new',
                      'image_min_ram': '0', 'image_disk_format': 'qcow2',
                      'image_hw_disk_bus': 'scsi'}


def test_rebuild_changes_map_to_columns():
    assert compute_api._rebuild_changes({
        'imageRef': IMAGE, 'name': 'n', 'description': None,
        'OS-DCF:diskConfig': 'AUTO', 'accessIPv4': '1.2.3.4'}) == {
        'display_name': 'n', 'display_description': None,
        'auto_disk_config': True, 'access_ip_v4': '1.2.3.4'}


def test_legacy_diagnostics():
    legacy = server_diagnostics._legacy({
        'cpu_details': [{'id': 0, 'time': 5, 'utilisation': None}],
        'disk_details': [{'read_bytes': 1, 'read_requests': 2,
                          'write_bytes': 3, 'write_requests': 4,
                          'errors_count': None}],
        'nic_details': [],
        'memory_details': {'maximum': 256, 'used': 100}})
    assert legacy == {'cpu0_time': 5, 'vda_read': 1, 'vda_read_req': 2,
                      'vda_write': 3, 'vda_write_req': 4,
                      'vda_errors': None, 'memory': 262144,
                      'memory-rss': 102400}
