"""Flavors: list and show them (anyone), create, describe and delete
them (administrators).

Microversions:

* 2.55  - ``description``: in every view, on create, and the only thing
          ``PUT /flavors/{id}`` may change
* 2.61  - ``extra_specs`` in the detailed views, when the caller may
          list extra specs (``os-flavor-extra-specs:index``)
* 2.75  - ``swap`` is 0 rather than "" when there is none; unknown query
          parameters of the lists are refused
* 2.102 - ``rxtx_factor`` (request and views) and
          ``OS-FLV-DISABLED:disabled`` are gone
"""

from oslo_utils import strutils
import webob.exc

from common import exception
from nova_api import api_version
from nova_api import base
from nova_api import flavor_api
from nova_api import links
from nova_api import paging
from nova_api import policy
from nova_api import router
from nova_api import validation

POLICY = 'os_compute_api:os-flavor-manage:%s'
EXTRA_SPECS_INDEX = 'os_compute_api:os-flavor-extra-specs:index'
DESCRIPTION = '2.55'
EXTRA_SPECS = '2.61'
SWAP_AS_INTEGER = '2.75'
NO_RXTX_FACTOR = '2.102'

_list_params = {
    'limit': validation.multi_params(validation.non_negative_integer),
    'marker': validation.multi_params({'type': 'string'}),
    'is_public': validation.multi_params({'type': 'string'}),
    'minRam': validation.multi_params({'type': 'string'}),
    'minDisk': validation.multi_params({'type': 'string'}),
    'sort_key': validation.multi_params(
        {'type': 'string', 'enum': list(flavor_api.SORT_KEYS)}),
    'sort_dir': validation.multi_params(
        {'type': 'string', 'enum': ['asc', 'desc']}),
}
list_query = {
    'type': 'object', 'properties': _list_params,
    'additionalProperties': True,
}
list_query_v275 = {**list_query, 'additionalProperties': False}

# Sizes: whole numbers, as JSON numbers or digit strings, within a
# signed 32-bit column.
_MAX_INT = 0x7FFFFFFF
_positive = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$',
             'minimum': 1, 'maximum': _MAX_INT}
_non_negative = {**_positive, 'minimum': 0}
_flavor_properties = {
    'name': validation.name,
    # No leading or trailing space: the id is part of URLs.
    'id': {'type': ['string', 'number', 'null'],
           'minLength': 1, 'maxLength': 255,
           'pattern': '^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
    'ram': _positive,
    'vcpus': _positive,
    'disk': _non_negative,
    'OS-FLV-EXT-DATA:ephemeral': _non_negative,
    'swap': _non_negative,
    'rxtx_factor': {'type': ['number', 'string'],
                    'pattern': r'^[0-9]+(\.[0-9]+)?$',
                    'minimum': 0, 'exclusiveMinimum': True,
                    # The largest single-precision FLOAT.
                    'maximum': 3.40282e+38},
    'os-flavor-access:is_public': validation.boolean,
}


def _create_schema(properties):
    return {
        'type': 'object',
        'properties': {'flavor': {
            'type': 'object',
            'properties': properties,
            'required': ['name', 'ram', 'vcpus', 'disk'],
            'additionalProperties': False,
        }},
        'required': ['flavor'],
        'additionalProperties': False,
    }


# A TEXT column: at most 64 KiB.
_description = {'type': ['string', 'null'], 'minLength': 0,
                'maxLength': 65535}
create = _create_schema(_flavor_properties)
create_v255 = _create_schema({**_flavor_properties,
                              'description': _description})
create_v2102 = _create_schema({
    name: schema for name, schema in create_v255['properties']['flavor'][
        'properties'].items() if name != 'rxtx_factor'})
update_v255 = {
    'type': 'object',
    'properties': {'flavor': {
        'type': 'object',
        'properties': {'description': _description},
        'required': ['description'],
        'additionalProperties': False,
    }},
    'required': ['flavor'],
    'additionalProperties': False,
}


def _bad_request(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def may_see_extra_specs(req):
    """Whether detailed views embed extra specs (2.61): a caller the
    policy refuses gets the flavor without them, not a 403."""
    if req.api_version_request < EXTRA_SPECS:
        return False
    try:
        return policy.authorize(req.nova_context, EXTRA_SPECS_INDEX)
    except exception.PolicyNotAuthorized:
        return False


def basic_view(req, flavor):
    view = {'id': flavor['flavorid'], 'name': flavor['name'],
            'links': links.resource_links(req, 'flavors',
                                          flavor['flavorid'])}
    if req.api_version_request >= DESCRIPTION:
        view['description'] = flavor['description']
    return view


def detail_view(req, flavor, with_extra_specs):
    version = req.api_version_request
    view = basic_view(req, flavor)
    view.update({
        'ram': flavor['memory_mb'],
        'disk': flavor['root_gb'],
        'vcpus': flavor['vcpus'],
        'swap': (flavor['swap'] if version >= SWAP_AS_INTEGER
                 else flavor['swap'] or ''),
        'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
        'os-flavor-access:is_public': flavor['is_public'],
    })
    if version < NO_RXTX_FACTOR:
        view['OS-FLV-DISABLED:disabled'] = flavor['disabled']
        view['rxtx_factor'] = flavor['rxtx_factor']
    if with_extra_specs:
        view['extra_specs'] = flavor['extra_specs']
    return view


def _visibility(req):
    """(is_public, disabled) filters.

    Administrators choose public (the default), private, or 'none' for
    both, disabled flavors included; everyone else sees the enabled
    public flavors and the private ones shared with their project.
    """
    if not req.nova_context.is_admin:
        return True, False
    value = req.GET.get('is_public')
    if value is None:
        return True, None
    if value.lower() == 'none':
        return None, None
    try:
        return strutils.bool_from_string(value, strict=True), None
    except ValueError:
        raise _bad_request('Invalid is_public filter [%s]' % value)


def _minimum(req, param):
    value = req.GET.get(param)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise _bad_request('Invalid %s filter [%s]' % (param, value))


class FlavorsController(base.APIBase):

    def _list(self, req):
        limit, marker = paging.limit_and_marker(req)
        is_public, disabled = _visibility(req)
        try:
            return flavor_api.get_all(
                req.nova_context, limit, marker,
                sort_key=req.GET.get('sort_key') or 'flavorid',
                sort_dir=req.GET.get('sort_dir') or 'asc',
                min_memory_mb=_minimum(req, 'minRam'),
                min_root_gb=_minimum(req, 'minDisk'),
                is_public=is_public, disabled=disabled)
        except exception.MarkerNotFound:
            raise _bad_request('marker [%s] not found' % marker)

    @staticmethod
    def _page(req, views, collection_name):
        body = {'flavors': views}
        next_links = links.collection_links(req, views, collection_name)
        if next_links:
            body['flavors_links'] = next_links
        return body

    @validation.query_schema(list_query, '2.1', '2.74')
    @validation.query_schema(list_query_v275, SWAP_AS_INTEGER)
    def index(self, req):
        views = [basic_view(req, f) for f in self._list(req)]
        return self._page(req, views, 'flavors')

    @validation.query_schema(list_query, '2.1', '2.74')
    @validation.query_schema(list_query_v275, SWAP_AS_INTEGER)
    def detail(self, req):
        with_specs = may_see_extra_specs(req)
        views = [detail_view(req, f, with_specs) for f in self._list(req)]
        return self._page(req, views, 'flavors/detail')

    def show(self, req, id):
        flavor = flavor_api.get(req.nova_context, id)
        return {'flavor': detail_view(req, flavor, may_see_extra_specs(req))}

    @validation.schema(create, '2.1', '2.54')
    @validation.schema(create_v255, DESCRIPTION, '2.101')
    @validation.schema(create_v2102, NO_RXTX_FACTOR)
    def create(self, req, body):
        policy.authorize(req.nova_context, POLICY % 'create')
        flavor = self.conductor.flavor_create(
            req.nova_context, _create_values(req, body['flavor']))
        # A new flavor has no extra specs yet, but 2.61 shows them.
        return {'flavor': detail_view(req, flavor, may_see_extra_specs(req))}

    @api_version.versioned(DESCRIPTION)
    @validation.schema(update_v255, DESCRIPTION)
    def update(self, req, id, body):
        policy.authorize(req.nova_context, POLICY % 'update')
        flavor = self.conductor.flavor_update_description(
            req.nova_context, id, body['flavor']['description'])
        return {'flavor': detail_view(req, flavor, may_see_extra_specs(req))}

    @router.response(202)
    def delete(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'delete')
        self.conductor.flavor_destroy(req.nova_context, id)


def _create_values(req, flavor):
    """The conductor's flavor_create values from a create body.

    The private flavor is not shared with the creator's project:
    Nova never did, and clients add access themselves.
    """
    values = {
        'name': flavor['name'],
        'memory_mb': flavor['ram'],
        'vcpus': flavor['vcpus'],
        'root_gb': flavor['disk'],
        'ephemeral_gb': flavor.get('OS-FLV-EXT-DATA:ephemeral', 0),
        'flavorid': flavor.get('id'),
        'swap': flavor.get('swap', 0),
        'rxtx_factor': flavor.get('rxtx_factor', 1.0),
        'is_public': flavor.get('os-flavor-access:is_public', True),
    }
    if req.api_version_request >= DESCRIPTION:
        values['description'] = flavor.get('description')
    return values
