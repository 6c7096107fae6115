"""``GET /os-console-auth-tokens/{token}``: where a console token leads.

For administrators (and console proxies of other vendors): the server,
compute host, port and internal access path the token grants, while it
is valid.  Tokens live in the cell of their server and only the token
is known, so every cell is asked (not cell0: its servers never ran).
Before 2.31 only RDP tokens could be shown; since RDP does not exist
here, those versions answer Nova's 401 for any valid token.  2.99 adds
``tls_port``.
"""

import webob.exc

from common import exception
from common.db import console_auth_tokens
from nova_api import base
from nova_api import policy

POLICY = 'os_compute_api:os-console-auth-tokens'
ANY_CONSOLE_TYPE = '2.31'
TLS_PORT = '2.99'
RDP = 'rdp-html5'


class ConsoleAuthTokensController(base.APIBase):

    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY)
        info = self._find(id)
        version = req.api_version_request
        if version < ANY_CONSOLE_TYPE and info['console_type'] != RDP:
            raise webob.exc.HTTPUnauthorized(
                explanation='The requested console type details are not '
                            'accessible')
        console = {name: info[name] for name in (
            'instance_uuid', 'host', 'port', 'internal_access_path')}
        if version >= TLS_PORT:
            console['tls_port'] = info['tls_port']
        return {'console': console}

    def _find(self, token):
        """The token's connection info from the cell that knows it; 404
        when none does."""
        try:
            return console_auth_tokens.find_valid(self.api_url, token)
        except exception.InvalidToken:
            raise webob.exc.HTTPNotFound(
                explanation='Token not found') from None
