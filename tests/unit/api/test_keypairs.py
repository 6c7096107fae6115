"""os-keypairs over every microversion that changed them, writes through
a real conductor on the fake transport."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import oid
import pytest
from tempest.lib.api_schema.response.compute.v2_1 import keypairs as v21
from tempest.lib.api_schema.response.compute.v2_2 import keypairs as v22

from common import quota
from nova_api import api_version
from tests.unit.api.conftest import MEMBER
from tests.unit.api.conftest import assert_fault
from tests.unit.api.conftest import assert_schema

LATEST = api_version.MAX_VERSION
ALT_MEMBER = 'alt:demo'
# Public keys with the fingerprints `ssh-keygen -l -E md5` gives them.
SSH_KEYS = {
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCMOQvuHKLd1DbPArtd9URGxVaFmXODz'
    'Bj+X8dVnynXMyIMMSXTySbhiKf5uETLE3RjNuWCOsZBr/LVZY9NQHbfsv464PAvm/zOPs'
    'NOfXhCacrGaywlcgOS9VTUV3ahlNyyUn3iK8UaAxAh097WOCgtFTBV4EGjzbQ+amAAk7W'
    'Ug1LKoZs82k0iJ2xCAvUzpkdAyWVLuji+6vzFUfYOjWY4STKdiOsTkszsuneWvRTzQOh5'
    'Iq0e8g662BjMFrqXWmenXGH2p4FJUA0fWldPD5P5IiYlcxuhdd4lJ8mGFdlOHDxeMJpxS'
    'rJlCtkHmvIM/WKFag/nW5xq/N4ViU6CxfA9 test@example':
    '9c:62:19:8b:77:48:e3:bd:91:a3:5f:49:c5:d8:eb:11',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAA'
    'BBBBHPZH/fNfCQH7Yh955HwLIslR0BEmW0kHPx/6NERlfffFao5815iPP4c1r4B0G6xfu'
    's+DZSSHNg4FKaT5mVP4c= e':
    '42:79:eb:0b:83:77:04:db:57:ec:21:28:ca:7c:0f:49',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIckkrCpGZermJbmiWUBF/jAMgFWoG0JSq2'
    'hKAof/prv root@vm':
    'de:69:f2:e5:db:1c:5f:5d:04:b5:ad:36:bd:2f:f0:66',
}
ED25519 = list(SSH_KEYS)[2]



def _create(cloud, version=None, token=MEMBER, **keypair):
    body = {'name': 'key1', **keypair}
    return cloud.request('/v2.1/os-keypairs', 'POST', version=version,
                         token=token, body={'keypair': body})


def _list(cloud, version=None, token=MEMBER, query=''):
    return cloud.request('/v2.1/os-keypairs' + query, version=version,
                         token=token)


def _certificate():
    """A self-signed PEM certificate and its SHA-1 fingerprint."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(oid.NameOID.COMMON_NAME, 'demo')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    fingerprint = cert.fingerprint(hashes.SHA1()).hex()
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            ':'.join(fingerprint[i:i + 2] for i in range(0, 40, 2)))


# --- create ------------------------------------------------------------------

@pytest.mark.parametrize('version, schema, extra', [
    ('2.1', v21.create_keypair, set()),
    ('2.2', v22.create_keypair, {'type'}),
    ('2.91', v22.create_keypair, {'type'})])
def test_generate_matches_tempest(cloud, conductor, version, schema, extra):
    response = _create(cloud, version)
    assert_schema(schema, response)
    keypair = response.json['keypair']
    assert set(keypair) == {'name', 'public_key', 'fingerprint', 'user_id',
                            'private_key'} | extra
    assert keypair['user_id'] == 'demo'
    assert keypair['public_key'].startswith('ssh-rsa ')
    private = serialization.load_pem_private_key(
        keypair['private_key'].encode(), password=None)
    assert private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode() in keypair['public_key']


@pytest.mark.parametrize('public_key', list(SSH_KEYS))
def test_import_fingerprint_as_ssh_keygen(cloud, conductor, public_key):
    response = _create(cloud, '2.92', public_key=public_key)
    assert_schema(v22.create_keypair, response)
    keypair = response.json['keypair']
    assert 'private_key' not in keypair
    assert keypair['fingerprint'] == SSH_KEYS[public_key]
    assert (keypair['public_key'], keypair['type']) == (public_key, 'ssh')


def test_import_x509(cloud, conductor):
    pem, fingerprint = _certificate()
    response = _create(cloud, '2.2', public_key=pem, type='x509')
    assert response.status_int == 201, response.text
    assert response.json['keypair']['fingerprint'] == fingerprint
    shown = cloud.request('/v2.1/os-keypairs/key1', version='2.2',
                          token=MEMBER).json['keypair']
    assert (shown['type'], shown['public_key']) == ('x509', pem)


def test_generate_x509_gives_a_client_certificate(cloud, conductor):
    keypair = _create(cloud, '2.2', type='x509').json['keypair']
    cert = x509.load_pem_x509_certificate(keypair['public_key'].encode())
    assert cert.subject.rfc4514_string() == 'CN=demo'
    assert keypair['fingerprint'] == ':'.join(
        '%02x' % b for b in cert.fingerprint(hashes.SHA1()))
    assert keypair['private_key'].startswith('-----BEGIN RSA PRIVATE KEY')


@pytest.mark.parametrize('public_key, key_type', [
    ('ssh-rsa not-base64', 'ssh'), ('ssh-rsa', 'ssh'),
    ('-----BEGIN CERTIFICATE-----\nnope', 'x509')])
def test_bad_public_key(cloud, conductor, public_key, key_type):
    response = _create(cloud, '2.2', public_key=public_key, type=key_type)
    message = assert_fault(response, 400, 'badRequest')
    assert message.startswith('Keypair data is invalid: failed to generate')
    assert _list(cloud).json['keypairs'] == []


def test_duplicate_name_conflicts(cloud, conductor):
    _create(cloud, public_key=ED25519)
    assert_fault(_create(cloud, public_key=ED25519), 409,
                 'conflictingRequest', "Key pair 'key1' already exists.")
    # Names are per user: another user may have the same.
    assert _create(cloud, token=ALT_MEMBER,
                   public_key=ED25519).status_int == 200


@pytest.mark.parametrize('version, name, status', [
    ('2.1', 'a@b.c', 400), ('2.91', 'a@b.c', 400), ('2.92', 'a@b.c', 201),
    ('2.92', 'x' * 256, 400), ('2.92', '', 400), ('2.92', 'é', 400),
    ('2.1', 'my key_1-2', 200)])
def test_name_rules(cloud, conductor, version, name, status):
    response = _create(cloud, version, name=name, public_key=ED25519)
    assert response.status_int == status, response.text


def test_name_error_says_which_characters(cloud, conductor):
    response = _create(cloud, '2.91', name='a@b', public_key=ED25519)
    assert_fault(response, 400, 'badRequest',
                 "An invalid 'name' value was provided. The name must be: "
                 "Only expected characters: [_- 0123456789abcdefghijklmnop"
                 "qrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]")


def test_name_is_stripped_and_blank_refused(cloud, conductor):
    created = _create(cloud, name='  key  ', public_key=ED25519)
    assert created.json['keypair']['name'] == 'key'
    assert_fault(_create(cloud, name='   ', public_key=ED25519), 400,
                 'badRequest', 'Keypair data is invalid: Keypair name must '
                 'be string and between 1 and 255 characters long')


@pytest.mark.parametrize('version, body, field', [
    ('2.92', {'name': 'k'}, "'public_key' is a required property"),
    ('2.1', {'name': 'k', 'type': 'ssh'}, 'Additional properties'),
    ('2.2', {'name': 'k', 'type': 'rsa'}, "'rsa' is not one of"),
    ('2.9', {'name': 'k', 'user_id': 'u'}, 'Additional properties'),
    ('2.10', {'name': 'k', 'user_id': 1}, "1 is not of type 'string'")])
def test_create_body_validation(cloud, conductor, version, body, field):
    response = cloud.request('/v2.1/os-keypairs', 'POST', version=version,
                             token=MEMBER, body={'keypair': body})
    assert field in assert_fault(response, 400, 'badRequest')


def test_admin_creates_for_another_user(cloud, conductor):
    response = _create(cloud, '2.10', token='admin:admin', user_id='demo',
                       public_key=ED25519)
    assert response.json['keypair']['user_id'] == 'demo'
    assert [k['keypair']['name'] for k in _list(cloud).json['keypairs']] == [
        'key1']
    assert_fault(_create(cloud, '2.10', user_id='alt', public_key=ED25519),
                 403, 'forbidden', "Policy doesn't allow "
                 "os_compute_api:os-keypairs:create to be performed.")


def test_quota_per_user(cloud, conductor, config):
    config.config(key_pairs=1, group='quota')
    _create(cloud, public_key=ED25519)
    assert_fault(_create(cloud, name='key2', public_key=ED25519), 403,
                 'forbidden', 'Maximum number of key pairs exceeded')
    assert _create(cloud, token=ALT_MEMBER,
                   public_key=ED25519).status_int == 200


def test_recheck_undoes_a_racing_creation(cloud, conductor, config,
                                          monkeypatch):
    """A concurrent request passed the first check too: the second check
    finds the user over quota and the new key pair is gone."""
    config.config(key_pairs=1, group='quota')
    _create(cloud, public_key=ED25519)
    checks = []
    real = quota.check_deltas

    def first_check_passes(api_url, deltas, project_id, user_id=None):
        checks.append(deltas)
        if len(checks) > 1:
            real(api_url, deltas, project_id, user_id)
    monkeypatch.setattr(quota, 'check_deltas', first_check_passes)
    assert _create(cloud, name='key2',
                   public_key=ED25519).status_int == 403
    assert checks == [{'key_pairs': 1}, {'key_pairs': 0}]
    assert [k['keypair']['name'] for k in _list(cloud).json['keypairs']] == [
        'key1']


# --- show, list, delete -----------------------------------------------------

@pytest.mark.parametrize('version, schema', [
    ('2.1', v21.get_keypair), ('2.2', v22.get_keypair),
    ('2.104', v22.get_keypair)])
def test_show_matches_tempest(cloud, conductor, version, schema):
    _create(cloud, public_key=ED25519)
    response = cloud.request('/v2.1/os-keypairs/key1', version=version,
                             token=MEMBER)
    assert_schema(schema, response)
    keypair = response.json['keypair']
    assert (keypair['deleted'], keypair['deleted_at']) == (False, None)
    assert keypair['fingerprint'] == SSH_KEYS[ED25519]


def test_show_name_with_space_and_unknown(cloud, conductor):
    _create(cloud, name='my key', public_key=ED25519)
    assert cloud.request('/v2.1/os-keypairs/my%20key',
                         token=MEMBER).status_int == 200
    assert_fault(cloud.request('/v2.1/os-keypairs/nope', token=MEMBER), 404,
                 'itemNotFound', 'Keypair nope not found for user demo')


def test_users_see_only_their_own(cloud, conductor):
    _create(cloud, public_key=ED25519)
    assert _list(cloud, token=ALT_MEMBER).json['keypairs'] == []
    assert cloud.request('/v2.1/os-keypairs/key1',
                         token=ALT_MEMBER).status_int == 404
    for version in ('2.9', '2.10'):
        # Before 2.10 user_id is ignored; from 2.10 it is for admins.
        response = _list(cloud, version, ALT_MEMBER, '?user_id=demo')
        assert response.status_int == (200 if version == '2.9' else 403)
        if version == '2.9':
            assert response.json['keypairs'] == []
    response = cloud.request('/v2.1/os-keypairs/key1?user_id=demo',
                             version='2.10')
    assert response.json['keypair']['user_id'] == 'demo'


@pytest.mark.parametrize('version, schema', [
    ('2.1', v21.list_keypairs), ('2.2', v22.list_keypairs),
    ('2.35', v22.list_keypairs)])
def test_list_matches_tempest(cloud, conductor, version, schema):
    _create(cloud, public_key=ED25519)
    response = _list(cloud, version)
    assert_schema(schema, response)
    assert len(response.json['keypairs']) == 1


def test_paging_by_name(cloud, conductor):
    for name in ('c', 'a', 'b'):
        _create(cloud, name=name, public_key=ED25519)
    page = _list(cloud, '2.35', query='?limit=2').json
    assert [k['keypair']['name'] for k in page['keypairs']] == ['a', 'b']
    assert page['keypairs_links'][0]['rel'] == 'next'
    assert 'marker=b' in page['keypairs_links'][0]['href']
    page = _list(cloud, '2.35', query='?limit=2&marker=b').json
    assert [k['keypair']['name'] for k in page['keypairs']] == ['c']
    assert 'keypairs_links' not in page
    # Before 2.35 the parameters mean nothing.
    page = _list(cloud, '2.34', query='?limit=1').json
    assert len(page['keypairs']) == 3
    assert_fault(_list(cloud, '2.35', query='?marker=zz'), 400, 'badRequest',
                 'Marker zz could not be found.')
    response = _list(cloud, '2.35', query='?limit=-1')
    assert 'limit' in assert_fault(response, 400, 'badRequest')


@pytest.mark.parametrize('path, method', [
    ('/v2.1/os-keypairs', 'GET'), ('/v2.1/os-keypairs/key1', 'GET'),
    ('/v2.1/os-keypairs/key1', 'DELETE')])
def test_unknown_query_parameters_from_275(cloud, conductor, path, method):
    _create(cloud, public_key=ED25519)
    response = cloud.request(path + '?foo=1', method, version='2.75',
                             token=MEMBER)
    assert 'Additional properties are not allowed' in assert_fault(
        response, 400, 'badRequest')
    assert cloud.request(path + '?foo=1', method, version='2.74',
                         token=MEMBER).status_int in (200, 204)


@pytest.mark.parametrize('version, status', [('2.1', 202), ('2.2', 204)])
def test_delete(cloud, conductor, version, status):
    _create(cloud, public_key=ED25519)
    response = cloud.request('/v2.1/os-keypairs/key1', 'DELETE',
                             version=version, token=MEMBER)
    assert response.status_int == status
    assert response.body == b''
    assert_fault(cloud.request('/v2.1/os-keypairs/key1', 'DELETE',
                               version=version, token=MEMBER),
                 404, 'itemNotFound', 'Keypair key1 not found for user demo')


def test_admin_deletes_another_users_key(cloud, conductor):
    _create(cloud, public_key=ED25519)
    assert cloud.request('/v2.1/os-keypairs/key1?user_id=demo', 'DELETE',
                         version='2.10').status_int == 204
    assert _list(cloud).json['keypairs'] == []
