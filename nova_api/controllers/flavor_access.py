"""Which projects may use a private flavor: list them, add and remove
one (``POST /flavors/{id}/action``).

A public flavor has no access list (404).  Before 2.7 adding a project
to a public flavor was stored anyway; from 2.7 it is refused (409).
"""

import webob.exc

from nova_api import actions
from nova_api import base
from nova_api import flavor_api
from nova_api import policy
from nova_api import validation

POLICY = 'os_compute_api:os-flavor-access'
REFUSE_PUBLIC = '2.7'


def _tenant_action(name):
    """``{name: {"tenant": <project id>}}``."""
    return {
        'type': 'object',
        'properties': {name: {
            'type': 'object',
            'properties': {'tenant': {'type': 'string', 'minLength': 1,
                                      'maxLength': 255}},
            'required': ['tenant'],
            'additionalProperties': False,
        }},
        'required': [name],
        'additionalProperties': False,
    }


add_tenant_access = _tenant_action('addTenantAccess')
remove_tenant_access = _tenant_action('removeTenantAccess')


def _view(flavorid, projects):
    return {'flavor_access': [{'flavor_id': flavorid, 'tenant_id': project}
                              for project in projects]}


class FlavorAccessController(base.APIBase):

    def index(self, req, flavor_id):
        policy.authorize(req.nova_context, POLICY)
        flavor = flavor_api.get(req.nova_context, flavor_id)
        if flavor['is_public']:
            raise webob.exc.HTTPNotFound(
                explanation='Access list not available for public flavors.')
        return _view(flavor['flavorid'], flavor['projects'])

    def action(self, req, id, body):
        handler = actions.handler(
            {'addTenantAccess': self._add_tenant_access,
             'removeTenantAccess': self._remove_tenant_access}, body)
        return handler(req, id, body=body)

    @validation.schema(add_tenant_access)
    def _add_tenant_access(self, req, id, body):
        """The project is not checked against Keystone: the API has no
        Keystone client (see doc/api.md)."""
        policy.authorize(req.nova_context, POLICY + ':add_tenant_access')
        projects = self.conductor.flavor_access_add(
            req.nova_context, id, body['addTenantAccess']['tenant'],
            allow_public=req.api_version_request < REFUSE_PUBLIC)
        return _view(id, projects)

    @validation.schema(remove_tenant_access)
    def _remove_tenant_access(self, req, id, body):
        policy.authorize(req.nova_context, POLICY + ':remove_tenant_access')
        projects = self.conductor.flavor_access_remove(
            req.nova_context, id, body['removeTenantAccess']['tenant'])
        return _view(id, projects)
