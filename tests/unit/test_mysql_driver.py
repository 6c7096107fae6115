"""PyMySQL without cryptography (~10 MiB a database process) until a
server asks for its RSA password exchange.  The connection to MariaDB
without it is in tests/functional/test_engines_mysql.py."""

import subprocess
import sys

RSA_ON_FIRST_USE = """
import sys
from common.db import mysql_driver
mysql_driver.load()
from pymysql import _auth
assert 'cryptography' not in sys.modules and not _auth._have_cryptography

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.public_key().public_bytes(
    serialization.Encoding.PEM,
    serialization.PublicFormat.SubjectPublicKeyInfo)
salt = bytes(range(1, 21))
sealed = _auth.sha2_rsa_encrypt(b'secret', salt, pem)
opened = key.decrypt(sealed, padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(),
    label=None))
print(bytes(a ^ b for a, b in zip(opened, salt)), _auth._have_cryptography)
"""


def test_rsa_password_exchange_loads_cryptography_when_asked():
    proc = subprocess.run([sys.executable, '-c', RSA_ON_FIRST_USE],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["b'secret\\x00'", 'True']
