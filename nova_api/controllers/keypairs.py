"""os-keypairs: a user's public keys, injected into the servers they boot.

2.2 adds the ``type`` (ssh or x509) and answers create with 201 and
delete with 204; 2.10 lets an administrator name another user
(``user_id``); 2.35 pages the list by name; 2.75 refuses unknown query
parameters; 2.92 stops generating key pairs (``public_key`` becomes
required) and allows ``@`` and ``.`` in names.
"""

import string

import sqlalchemy as sa
import webob.exc

from common import conf
from common import exception
from common import quota
from common.db import api_models as api
from common.db import engines
from nova_api import api_version
from nova_api import base
from nova_api import links
from nova_api import paging
from nova_api import policy
from nova_api import router
from nova_api import validation

CONF = conf.CONF
POLICY = 'os_compute_api:os-keypairs:%s'
KEY_TYPE = '2.2'
USER_ID = '2.10'
PAGING = '2.35'
STRICT_QUERY = '2.75'
IMPORT_ONLY = '2.92'

INDEX_FIELDS = ('name', 'public_key', 'fingerprint')
CREATE_FIELDS = INDEX_FIELDS + ('user_id',)
SHOW_FIELDS = CREATE_FIELDS + ('created_at', 'deleted', 'deleted_at', 'id',
                               'updated_at')


def _name_format(format_name, safe_chars):
    """Register a key pair name format: only ``safe_chars`` allowed."""
    def check(instance):
        if not isinstance(instance, str) or all(
                char in safe_chars for char in instance):
            return True
        raise exception.InvalidName(
            reason='Only expected characters: [%s]' % safe_chars)
    validation.FORMAT_CHECKER.checks(
        format_name, raises=exception.InvalidName)(check)


_name_format('keypair_name_20', '_- ' + string.digits + string.ascii_letters)
_name_format('keypair_name_292',
             '@._- ' + string.digits + string.ascii_letters)


def _create_schema(name_format, required=('name',), **properties):
    return {
        'type': 'object',
        'properties': {
            'keypair': {
                'type': 'object',
                'properties': {
                    'name': {'type': 'string', 'minLength': 1,
                             'maxLength': 255, 'format': name_format},
                    'public_key': {'type': 'string'},
                    **properties,
                },
                'required': list(required),
                'additionalProperties': False,
            },
        },
        'required': ['keypair'],
        'additionalProperties': False,
    }


_type = {'type': 'string', 'enum': ['ssh', 'x509']}
_user_id = {'type': 'string'}
create = _create_schema('keypair_name_20')
create_v22 = _create_schema('keypair_name_20', type=_type)
create_v210 = _create_schema('keypair_name_20', type=_type,
                             user_id=_user_id)
create_v292 = _create_schema('keypair_name_292', ('name', 'public_key'),
                             type=_type, user_id=_user_id)


_paging = {
    'limit': validation.multi_params(validation.non_negative_integer),
    'marker': validation.multi_params({'type': 'string'}),
}
query = {
    'type': 'object',
    'properties': {'user_id': validation.multi_params(_user_id)},
}
index_query_v235 = {**query, 'properties': {**query['properties'],
                                            **_paging}}


def _view(keypair, fields):
    return {field: keypair[field] for field in fields}


def _fields(req, fields):
    """The fields of a view; ``type`` from 2.2."""
    if req.api_version_request >= KEY_TYPE:
        return fields + ('type',)
    return fields


def _user_id_param(req):
    """Whose key pairs: ``?user_id=`` (2.10, administrators by default),
    else the caller's."""
    if req.api_version_request >= USER_ID and 'user_id' in req.GET:
        return req.GET.getall('user_id')[0]
    return req.nova_context.user_id


class KeypairController(base.APIBase):

    # --- reads ------------------------------------------------------------

    @staticmethod
    def _find(session, user_id, name):
        return session.scalars(sa.select(api.KeyPair).where(
            api.KeyPair.user_id == user_id,
            api.KeyPair.name == name)).first()

    def _get(self, user_id, name):
        with engines.reader(self.api_url) as session:
            keypair = self._find(session, user_id, name)
        if keypair is None:
            raise exception.KeypairNotFound(user_id=user_id, name=name)
        # Key pairs are deleted for good; the fields stay for clients.
        return {**keypair.to_dict(), 'deleted': False, 'deleted_at': None}

    def _list(self, user_id, limit=None, marker=None):
        """A user's key pairs by name; from ``marker``, a name, on."""
        query = sa.select(api.KeyPair).where(
            api.KeyPair.user_id == user_id).order_by(api.KeyPair.name)
        with engines.reader(self.api_url) as session:
            if marker is not None:
                if self._find(session, user_id, marker) is None:
                    raise webob.exc.HTTPBadRequest(
                        explanation=exception.MarkerNotFound(
                            marker=marker).format_message())
                query = query.where(api.KeyPair.name > marker)
            if limit is not None:
                query = query.limit(limit)
            return [keypair.to_dict() for keypair in session.scalars(query)]

    @validation.query_schema(query, USER_ID, strict_from=STRICT_QUERY)
    def show(self, req, id):
        return self._show(req, id)

    def _show(self, req, name):
        user_id = _user_id_param(req)
        policy.authorize(req.nova_context, POLICY % 'show',
                         {'user_id': user_id})
        keypair = self._get(user_id, name)
        return {'keypair': _view(keypair, _fields(req, SHOW_FIELDS))}

    @validation.query_schema(query, USER_ID, '2.34')
    @validation.query_schema(index_query_v235, PAGING,
                             strict_from=STRICT_QUERY)
    def index(self, req):
        user_id = _user_id_param(req)
        policy.authorize(req.nova_context, POLICY % 'index',
                         {'user_id': user_id})
        paged = req.api_version_request >= PAGING
        keypairs = self._list(user_id, *(paging.limit_and_marker(req)
                                         if paged else ()))
        fields = _fields(req, INDEX_FIELDS)
        body = {'keypairs': [{'keypair': _view(keypair, fields)}
                             for keypair in keypairs]}
        keypair_links = (links.collection_links(req, keypairs, 'os-keypairs',
                                                id_key='name')
                         if paged else [])
        if keypair_links:
            body['keypairs_links'] = keypair_links
        return body

    # --- writes -----------------------------------------------------------

    @api_version.versioned('2.1', '2.1')
    @validation.schema(create)
    def create_v21(self, req, body):
        return self._create(req, body)

    @api_version.versioned(KEY_TYPE)
    @router.response(201)
    @validation.schema(create_v22, KEY_TYPE, '2.9')
    @validation.schema(create_v210, USER_ID, '2.91')
    @validation.schema(create_v292, IMPORT_ONLY)
    def create(self, req, body):
        return self._create(req, body)

    def _create(self, req, body):
        """Import ``public_key``, or (before 2.92) generate a pair and
        return its private key this once."""
        ctxt = req.nova_context
        params = body['keypair']
        user_id = params.get('user_id') or ctxt.user_id
        policy.authorize(ctxt, POLICY % 'create', {'user_id': user_id})
        name = params['name'].strip()
        if not name:
            raise exception.InvalidKeypair(
                reason='Keypair name must be string and between 1 and 255 '
                'characters long')
        key_type = params.get('type', 'ssh')
        self._check_quota(ctxt, user_id, 1)
        # cryptography costs ~10 MiB: loaded with the first key pair.
        from nova_api import crypto  # noqa: PLC0415
        if 'public_key' in params:
            private_key, public_key = None, params['public_key']
            fingerprint = crypto.fingerprint(public_key, key_type)
        else:
            private_key, public_key, fingerprint = crypto.generate_key_pair(
                user_id, key_type)
        keypair = self.conductor.keypair_create(
            ctxt, user_id, name, fingerprint, public_key, key_type)
        if CONF.quota.recheck_quota:
            self._recheck_quota(ctxt, user_id, name)
        view = _view(keypair, _fields(req, CREATE_FIELDS))
        if private_key is not None:
            view['private_key'] = private_key
        return {'keypair': view}

    def _check_quota(self, ctxt, user_id, delta):
        """403 unless the user's key pairs stay within ``key_pairs``."""
        try:
            quota.check_deltas(self.api_url, {'key_pairs': delta},
                               ctxt.project_id, user_id)
        except exception.OverQuota:
            raise webob.exc.HTTPForbidden(
                explanation=exception.KeypairLimitExceeded().format_message())

    def _recheck_quota(self, ctxt, user_id, name):
        """Undo the creation if concurrent ones went over quota too."""
        try:
            self._check_quota(ctxt, user_id, 0)
        except webob.exc.HTTPForbidden:
            self.conductor.keypair_destroy(ctxt, user_id, name)
            raise

    @api_version.versioned('2.1', '2.1')
    @router.response(202)
    def delete_v21(self, req, id):
        self._delete(req, id)

    @api_version.versioned(KEY_TYPE)
    @router.response(204)
    @validation.query_schema(query, USER_ID, strict_from=STRICT_QUERY)
    def delete(self, req, id):
        self._delete(req, id)

    def _delete(self, req, name):
        user_id = _user_id_param(req)
        policy.authorize(req.nova_context, POLICY % 'delete',
                         {'user_id': user_id})
        self.conductor.keypair_destroy(req.nova_context, user_id, name)
