"""Writes to the ``key_pairs`` table of the API database.

The API does the cryptography (generating a key, importing one,
computing the fingerprint) and the checks that depend on the
microversion (allowed name characters, quota); what is stored here is
what it computed.
"""

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import api_models as api

TYPES = ('ssh', 'x509')


def create(session, user_id, name, fingerprint, public_key, key_type='ssh'):
    """Store a user's key pair; names are unique per user.

    The unique constraint decides, so two concurrent imports of the
    same name cannot both succeed.
    """
    if key_type not in TYPES:
        raise exception.InvalidKeypair(
            reason='type must be one of %s' % ', '.join(TYPES))
    keypair = api.KeyPair(user_id=user_id, name=name, fingerprint=fingerprint,
                          public_key=public_key, type=key_type)
    session.add(keypair)
    try:
        session.flush()
    except sa_exc.IntegrityError:
        raise exception.KeyPairExists(key_name=name)
    return keypair.to_dict()


def destroy(session, user_id, name):
    """Delete a user's key pair; servers booted with it keep a copy."""
    result = session.execute(sa.delete(api.KeyPair).where(
        api.KeyPair.user_id == user_id, api.KeyPair.name == name))
    if not result.rowcount:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
