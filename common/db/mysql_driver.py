"""PyMySQL, loaded without the cryptography package until it is needed.

PyMySQL imports cryptography (and through it bcrypt and OpenSSL's
libcrypto) as it loads, for one purpose: encrypting a password with the
server's RSA key, which only MySQL's ``sha256_password`` and
``caching_sha2_password`` ask for, and only over a connection without
TLS.  That import costs every database process ~10 MiB, while MariaDB's
``mysql_native_password`` and TLS connections never use it.

``load()`` imports PyMySQL with cryptography hidden, then puts back the
RSA step so that its first use re-imports PyMySQL's auth module with
cryptography present.  In a process that already holds cryptography
(nova-api: key pairs) PyMySQL is imported as it is.
"""

import importlib
import sys
import threading

_LOCK = threading.Lock()


def load():
    """Import PyMySQL; safe to call more than once."""
    with _LOCK:
        if 'pymysql' in sys.modules:
            return
        if 'cryptography' in sys.modules:
            importlib.import_module('pymysql')
            return
        sys.modules['cryptography'] = None
        try:
            importlib.import_module('pymysql')
        finally:
            del sys.modules['cryptography']
        auth = importlib.import_module('pymysql._auth')
        auth.sha2_rsa_encrypt = _rsa_encrypt_on_first_use


def _rsa_encrypt_on_first_use(password, salt, public_key):
    """PyMySQL's RSA step, after loading its auth module with
    cryptography (the reload replaces this function)."""
    with _LOCK:
        auth = importlib.reload(sys.modules['pymysql._auth'])
    return auth.sha2_rsa_encrypt(password, salt, public_key)
