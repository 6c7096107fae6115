"""Key pairs' cryptography: fingerprints, and keys made for the user.

A key pair is stored with the fingerprint clients compare against what
``ssh-keygen -l -E md5`` prints (MD5 of the key blob) for an ssh key,
or against the SHA-1 thumbprint Windows shows for an x509 certificate
(WinRM logins).  Before 2.92 the API also generates the pair itself and
hands the private key out once, in the response; only the public half
is kept.
"""

import base64
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import oid

from common import exception

KEY_BITS = 2048
# The comment of generated ssh public keys, as Nova writes it.
GENERATED_COMMENT = 'Generated-by-Nova'
# The user principal name in a WinRM client certificate.
_UPN = x509.ObjectIdentifier('1.3.6.1.4.1.311.20.2.3')
_CERT_DAYS = 3650


def _colon_hex(digest):
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def ssh_fingerprint(public_key):
    """The MD5 fingerprint of an OpenSSH public key line.

    The key must parse (rsa, ed25519, ecdsa...): a line that merely
    looks like one is refused.
    """
    try:
        serialization.load_ssh_public_key(public_key.encode('utf-8'))
        blob = base64.b64decode(public_key.split()[1])
    except Exception:
        raise exception.InvalidKeypair(reason='failed to generate '
                                       'fingerprint')
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).hexdigest())


def x509_fingerprint(pem):
    """The SHA-1 fingerprint of a PEM certificate."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode('utf-8'))
    except ValueError as e:
        raise exception.InvalidKeypair(
            reason='failed to generate X509 fingerprint. Error message: '
            '%s' % e)
    return _colon_hex(cert.fingerprint(hashes.SHA1()).hex())


def fingerprint(public_key, key_type):
    if key_type == 'x509':
        return x509_fingerprint(public_key)
    return ssh_fingerprint(public_key)


def _private_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode('ascii')


def _ssh_public_key(key):
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode('ascii')
    return '%s %s' % (public, GENERATED_COMMENT)


def _der_utf8(text):
    """``text`` as a DER UTF8String: an otherName's value is DER."""
    data = text.encode('utf-8')
    length = len(data)
    if length < 0x80:
        encoded_length = bytes([length])
    else:
        size = (length.bit_length() + 7) // 8
        encoded_length = bytes([0x80 | size]) + length.to_bytes(size, 'big')
    return b'\x0c' + encoded_length + data


def _winrm_certificate(key, user_id):
    """A self-signed client certificate naming ``user_id``, as WinRM
    certificate authentication maps it to a local user."""
    name = x509.Name([x509.NameAttribute(oid.NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=_CERT_DAYS))
        .add_extension(x509.ExtendedKeyUsage(
            [oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(
            _UPN, _der_utf8('%s@localhost' % user_id))]), critical=False)
        .sign(key, hashes.SHA256()))


def generate_key_pair(user_id, key_type):
    """(private key PEM, public key, fingerprint) of a new RSA key: an
    ssh public key, or for 'x509' a client certificate of the key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    if key_type == 'x509':
        public = _winrm_certificate(key, user_id).public_bytes(
            serialization.Encoding.PEM).decode('ascii')
    else:
        public = _ssh_public_key(key)
    return _private_pem(key), public, fingerprint(public, key_type)
