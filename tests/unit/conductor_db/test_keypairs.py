"""nova_conductor.db.keypairs: a user's key pairs."""

import pytest

from common import exception
from common.db import api_models as api
from nova_conductor.db import keypairs


def _create(db, user_id='u1', name='key', key_type='ssh'):
    return db.write(keypairs.create, user_id, name, 'aa:bb', 'ssh-rsa AAA',
                    key_type)


def test_create_stores_what_the_api_computed(api_db):
    keypair = _create(api_db, key_type='x509')
    assert api_db.rows(api.KeyPair, 'user_id', 'name', 'fingerprint',
                       'public_key', 'type') == [
        ('u1', 'key', 'aa:bb', 'ssh-rsa AAA', 'x509')]
    assert keypair['type'] == 'x509'
    assert keypair['id'] is not None


def test_the_same_name_for_another_user_is_fine(api_db):
    _create(api_db, 'u1')
    _create(api_db, 'u2')
    assert api_db.rows(api.KeyPair, 'user_id') == [('u1',), ('u2',)]


def test_duplicate_name_is_key_pair_exists(api_db):
    _create(api_db)
    before = api_db.snapshot()
    with pytest.raises(exception.KeyPairExists) as error:
        _create(api_db)
    assert error.value.format_message() == "Key pair 'key' already exists."
    assert error.value.code == 409
    assert api_db.snapshot() == before


def test_unknown_type_is_refused(api_db):
    with pytest.raises(exception.InvalidKeypair) as error:
        _create(api_db, key_type='rsa')
    assert error.value.format_message() == \
        'Keypair data is invalid: type must be one of ssh, x509'
    assert error.value.code == 400
    assert api_db.count(api.KeyPair) == 0


def test_destroy_deletes_only_that_users_key(api_db):
    _create(api_db, 'u1')
    _create(api_db, 'u2')
    api_db.write(keypairs.destroy, 'u1', 'key')
    assert api_db.rows(api.KeyPair, 'user_id') == [('u2',)]


def test_destroy_missing_key_is_keypair_not_found(api_db):
    _create(api_db, 'u2')
    with pytest.raises(exception.KeypairNotFound) as error:
        api_db.write(keypairs.destroy, 'u1', 'key')
    assert error.value.format_message() == \
        'Keypair key not found for user u1'
    assert error.value.code == 404
    assert api_db.count(api.KeyPair) == 1
