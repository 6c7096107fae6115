"""A flavor's extra specs: ``/flavors/{flavor_id}/os-extra_specs``.

Values may be sent as strings or numbers and are stored as strings;
the create and update responses echo the body as sent, as Nova's do.
From 2.86 keys and values are validated (``nova_api.extra_specs``).
"""

import webob.exc

from common import exception
from nova_api import extra_specs
from nova_api import flavor_api
from nova_api import policy
from nova_api import validation
from nova_conductor import rpcapi as conductor_rpcapi

POLICY = 'os_compute_api:os-flavor-extra-specs:%s'
VALIDATED = '2.86'
MAX_VALUE_LENGTH = 255

_specs = {
    'type': 'object',
    'patternProperties': {
        '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': ['string', 'number'],
                                      'maxLength': MAX_VALUE_LENGTH},
    },
    'additionalProperties': False,
}
create = {
    'type': 'object',
    'properties': {'extra_specs': _specs},
    'required': ['extra_specs'],
    'additionalProperties': False,
}
# PUT .../os-extra_specs/{key}: {key: value}, the key of the URL.
update = {**_specs, 'minProperties': 1, 'maxProperties': 1}


def _stored(req, specs):
    """The specs as stored: string values, checked from 2.86.

    A number's length cannot be bounded by the schema, so its string
    is checked here.
    """
    stored = {}
    for key, value in specs.items():
        value = str(value)
        if len(value) > MAX_VALUE_LENGTH:
            raise exception.InvalidInput(
                reason='extra_specs value has more than %d characters.'
                % MAX_VALUE_LENGTH)
        if req.api_version_request >= VALIDATED:
            extra_specs.validate(key, value)
        stored[key] = value
    return stored


class FlavorExtraSpecsController:

    def __init__(self):
        self.conductor = conductor_rpcapi.ConductorAPI()

    def index(self, req, flavor_id):
        policy.authorize(req.nova_context, POLICY % 'index')
        flavor = flavor_api.get(req.nova_context, flavor_id)
        return {'extra_specs': flavor['extra_specs']}

    @validation.schema(create)
    def create(self, req, flavor_id, body):
        """Add or overwrite the given keys; the others stay."""
        policy.authorize(req.nova_context, POLICY % 'create')
        self.conductor.flavor_extra_specs_update(
            req.nova_context, flavor_id, _stored(req, body['extra_specs']))
        return body

    def show(self, req, flavor_id, id):
        policy.authorize(req.nova_context, POLICY % 'show')
        specs = flavor_api.get(req.nova_context, flavor_id)['extra_specs']
        if id not in specs:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavor_id,
                                                     extra_specs_key=id)
        return {id: specs[id]}

    @validation.schema(update)
    def update(self, req, flavor_id, id, body):
        policy.authorize(req.nova_context, POLICY % 'update')
        specs = _stored(req, body)
        if id not in body:
            raise webob.exc.HTTPBadRequest(
                explanation='Request body and URI mismatch')
        self.conductor.flavor_extra_specs_update(req.nova_context,
                                                 flavor_id, specs)
        return body

    def delete(self, req, flavor_id, id):
        """200 with no body, as in Nova."""
        policy.authorize(req.nova_context, POLICY % 'delete')
        self.conductor.flavor_extra_spec_delete(req.nova_context,
                                                flavor_id, id)
