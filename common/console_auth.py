"""Console access tokens: what a console URL carries, as Nova makes them.

A token is a random uuid handed to the user once, inside the console
URL; only its SHA-256 hash is stored (``console_auth_tokens`` of the
server's cell), so a read of the database does not yield usable
tokens.  nova-compute makes the token and the URL, the conductor
stores the hash and looks it up for nova-novncproxy, nova-api looks it
up itself (common/db/console_auth_tokens.py).  No database access here: the
compute imports this module.
"""

import hashlib
from urllib import parse

from oslo_utils import uuidutils

NOVNC = 'novnc'


def new_token():
    return uuidutils.generate_uuid()


def token_hash(token):
    """The stored form of ``token``: its SHA-256 as hex."""
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def access_url(access_url_base, console_type, token):
    """The URL the API hands out.

    noVNC (1.1 on) takes the websocket path, with the token in it, from
    its ``path`` query parameter: the URL is ``<base>?path=%3Ftoken%3D
    <token>``; other console pages read ``token`` directly.
    """
    if console_type == NOVNC:
        query = parse.urlencode({'path': '?token=%s' % token})
    else:
        query = parse.urlencode({'token': token})
    return '%s?%s' % (access_url_base, query)
