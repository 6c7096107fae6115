"""nova_conductor.db.flavors: flavors, extra specs, project access."""

import pytest
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import api_models as api
from nova_conductor.db import flavors


def _create(db, name='m1.small', **kwargs):
    values = {'memory_mb': 2048, 'vcpus': 1, 'root_gb': 20}
    values.update(kwargs)
    return db.write(flavors.create, name, **values)


def test_create_stores_the_flavor_with_nova_defaults(api_db):
    flavor = _create(api_db, '  m1.small ', flavorid=2)
    assert api_db.rows(api.Flavor, 'name', 'flavorid', 'memory_mb',
                       'vcpus', 'root_gb', 'ephemeral_gb', 'swap',
                       'rxtx_factor', 'is_public', 'description') == [
        ('m1.small', '2', 2048, 1, 20, 0, 0, 1.0, True, None)]
    assert flavor['flavorid'] == '2'
    assert flavor['extra_specs'] == {}
    assert flavor['projects'] == []
    assert flavor['created_at'] is not None


@pytest.mark.parametrize('flavorid', [None, ''])
def test_create_without_flavorid_makes_a_uuid(api_db, flavorid):
    flavor = _create(api_db, flavorid=flavorid)
    assert len(flavor['flavorid']) == 36
    assert api_db.rows(api.Flavor, 'flavorid') == [(flavor['flavorid'],)]


def test_create_stores_every_given_attribute(api_db):
    _create(api_db, ephemeral_gb=5, swap=512, rxtx_factor='2.5',
            is_public='false', description='small')
    assert api_db.rows(api.Flavor, 'ephemeral_gb', 'swap', 'rxtx_factor',
                       'is_public', 'description') == [
        (5, 512, 2.5, False, 'small')]


@pytest.mark.parametrize('kwargs, message', [
    ({'name': ' '}, 'name has a minimum character requirement of 1.'),
    ({'name': 'x' * 256}, 'name has more than 255 characters.'),
    ({'name': 'bad\x01name'}, 'Flavor names can only contain printable '
                               'characters and horizontal spaces.'),
    ({'memory_mb': 0}, 'ram must be >= 1'),
    ({'vcpus': 0}, 'vcpus must be >= 1'),
    ({'vcpus': 'two'}, 'vcpus must be an integer'),
    ({'root_gb': -1}, 'disk must be >= 0'),
    ({'ephemeral_gb': -1}, 'ephemeral must be >= 0'),
    ({'swap': -1}, 'swap must be >= 0'),
    ({'memory_mb': 2 ** 31}, 'ram must be <= 2147483647'),
    ({'rxtx_factor': 0}, "'rxtx_factor' argument must be a float between "
                         "0 and 3.40282e+38"),
    ({'rxtx_factor': 'fast'}, "'rxtx_factor' argument must be a float "
                              "between 0 and 3.40282e+38"),
    ({'is_public': 'maybe'}, 'is_public must be a boolean'),
])
def test_create_refuses_what_nova_refuses(api_db, kwargs, message):
    with pytest.raises(exception.InvalidInput) as error:
        _create(api_db, **kwargs)
    assert error.value.format_message() == \
        'Invalid input received: ' + message
    assert api_db.count(api.Flavor) == 0


def test_a_name_with_unicode_horizontal_spaces_is_accepted(api_db):
    assert _create(api_db, 'caf\u00e9\u00a0large')['name'] == \
        'caf\u00e9\u00a0large'


def test_duplicate_name_is_flavor_exists_and_stores_nothing(api_db):
    _create(api_db, flavorid='1')
    before = api_db.snapshot()
    with pytest.raises(exception.FlavorExists) as error:
        _create(api_db, flavorid='2')
    assert error.value.format_message() == \
        'Flavor with name m1.small already exists.'
    assert error.value.code == 409
    assert api_db.snapshot() == before


def test_duplicate_flavorid_is_flavor_id_exists(api_db):
    _create(api_db, flavorid='1')
    before = api_db.snapshot()
    with pytest.raises(exception.FlavorIdExists) as error:
        _create(api_db, 'm1.large', flavorid=1)
    assert error.value.format_message() == \
        'Flavor with ID 1 already exists.'
    assert error.value.code == 409
    assert api_db.snapshot() == before


@pytest.mark.parametrize('message, is_flavorid', [
    ('UNIQUE constraint failed: flavors.flavorid', True),
    ('UNIQUE constraint failed: flavors.name', False),
    ("(1062, \"Duplicate entry 'a' for key "
     "'flavors.uniq_flavors0flavorid'\")", True),
    # MySQL quotes the value too: a name spelled like the column must
    # not be taken for a flavorid clash.
    ("(1062, \"Duplicate entry 'flavorid' for key "
     "'flavors.uniq_flavors0name'\")", False),
])
def test_which_unique_key_a_driver_names(message, is_flavorid):
    error = sa_exc.IntegrityError('INSERT', {}, Exception(message))
    assert flavors._names_flavorid(error) is is_flavorid


def test_update_description(api_db):
    _create(api_db, flavorid='1')
    assert api_db.write(flavors.update_description, '1', 'new')[
        'description'] == 'new'
    assert api_db.rows(api.Flavor, 'description') == [('new',)]


def test_missing_flavor_is_flavor_not_found(api_db):
    with pytest.raises(exception.FlavorNotFound) as error:
        api_db.write(flavors.update_description, '42', 'new')
    assert error.value.format_message() == 'Flavor 42 could not be found.'
    assert error.value.code == 404


def _private_flavor_with_specs_and_access(db):
    _create(db, flavorid='1', is_public=False)
    db.write(flavors.update_extra_specs, '1', {'hw:cpu_policy': 'dedicated'})
    db.write(flavors.add_access, '1', 'p1')


def test_destroy_removes_the_flavor_its_specs_and_access(api_db):
    _private_flavor_with_specs_and_access(api_db)
    _create(api_db, 'other', flavorid='2')
    deleted = api_db.write(flavors.destroy, '1')
    assert deleted['extra_specs'] == {'hw:cpu_policy': 'dedicated'}
    assert deleted['projects'] == ['p1']
    assert api_db.rows(api.Flavor, 'flavorid') == [('2',)]
    assert api_db.count(api.FlavorExtraSpec) == 0
    assert api_db.count(api.FlavorProject) == 0


def test_destroy_missing_flavor(api_db):
    with pytest.raises(exception.FlavorNotFound):
        api_db.write(flavors.destroy, '1')


def test_update_extra_specs_merges_and_overwrites(api_db):
    _create(api_db, flavorid='1')
    api_db.write(flavors.update_extra_specs, '1', {'a': '1', 'b': '2'})
    specs = api_db.write(flavors.update_extra_specs, '1', {'b': '3',
                                                           'B': '4'})
    assert specs == {'a': '1', 'b': '3', 'B': '4'}
    assert api_db.rows(api.FlavorExtraSpec, 'key', 'value') == [
        ('B', '4'), ('a', '1'), ('b', '3')]


def test_extra_specs_of_a_missing_flavor(api_db):
    with pytest.raises(exception.FlavorNotFound):
        api_db.write(flavors.update_extra_specs, '1', {'a': '1'})


def test_delete_extra_spec(api_db):
    _create(api_db, flavorid='1')
    api_db.write(flavors.update_extra_specs, '1', {'a': '1', 'b': '2'})
    assert api_db.write(flavors.delete_extra_spec, '1', 'a') == {'b': '2'}
    assert api_db.rows(api.FlavorExtraSpec, 'key') == [('b',)]


def test_delete_missing_extra_spec(api_db):
    _create(api_db, flavorid='1')
    api_db.write(flavors.update_extra_specs, '1', {'a': '1'})
    with pytest.raises(exception.FlavorExtraSpecsNotFound) as error:
        api_db.write(flavors.delete_extra_spec, '1', 'A')
    assert error.value.format_message() == \
        'Flavor 1 has no extra specs with key A.'
    assert error.value.code == 404
    assert api_db.rows(api.FlavorExtraSpec, 'key') == [('a',)]


def test_add_and_remove_access(api_db):
    _create(api_db, flavorid='1', is_public=False)
    api_db.write(flavors.add_access, '1', 'p1')
    assert api_db.write(flavors.add_access, '1', 'p2') == ['p1', 'p2']
    assert api_db.write(flavors.remove_access, '1', 'p1') == ['p2']
    assert api_db.rows(api.FlavorProject, 'project_id') == [('p2',)]


def test_duplicate_access_is_flavor_access_exists(api_db):
    _create(api_db, flavorid='1', is_public=False)
    api_db.write(flavors.add_access, '1', 'p1')
    with pytest.raises(exception.FlavorAccessExists) as error:
        api_db.write(flavors.add_access, '1', 'p1')
    assert error.value.format_message() == (
        'Flavor access already exists for flavor 1 and project p1 '
        'combination.')
    assert error.value.code == 409
    assert api_db.count(api.FlavorProject) == 1


def test_access_to_a_public_flavor_is_refused(api_db):
    _create(api_db, flavorid='1')
    with pytest.raises(exception.FlavorIsPublic) as error:
        api_db.write(flavors.add_access, '1', 'p1')
    assert error.value.format_message() == \
        'Can not add access to a public flavor.'
    assert error.value.code == 409
    assert api_db.count(api.FlavorProject) == 0


def test_older_microversions_may_add_access_to_a_public_flavor(api_db):
    _create(api_db, flavorid='1')
    assert api_db.write(flavors.add_access, '1', 'p1',
                        allow_public=True) == ['p1']


def test_removing_missing_access_is_flavor_access_not_found(api_db):
    _create(api_db, flavorid='1', is_public=False)
    with pytest.raises(exception.FlavorAccessNotFound) as error:
        api_db.write(flavors.remove_access, '1', 'p1')
    assert error.value.format_message() == \
        'Flavor access not found for 1 / p1 combination.'
    assert error.value.code == 404


@pytest.mark.parametrize('call', [
    lambda db: db.write(flavors.add_access, '9', 'p1'),
    lambda db: db.write(flavors.remove_access, '9', 'p1'),
    lambda db: db.write(flavors.delete_extra_spec, '9', 'a'),
])
def test_sub_resources_of_a_missing_flavor(api_db, call):
    with pytest.raises(exception.FlavorNotFound):
        call(api_db)
