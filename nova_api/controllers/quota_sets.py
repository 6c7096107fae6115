"""os-quota-sets: a project's (or one of its users') limits.

Limits resolve user -> project -> quota class 'default' -> ``[quota]``
(``common.quota``); PUT stores the project's or user's own, DELETE
drops them.  2.36 removes nova-network's resources (fixed_ips,
floating_ips, security_groups, security_group_rules, networks) from
bodies and responses, 2.57 the injected files ones, and 2.75 refuses
unknown query parameters.
"""

from oslo_utils import strutils
import webob.exc

from common import exception
from common import quota
from nova_api import base
from nova_api import policy
from nova_api import router
from nova_api import validation

POLICY = 'os_compute_api:os-quota-sets:%s'
WITHOUT_NETWORK = '2.36'
WITHOUT_INJECTED_FILES = '2.57'
STRICT_QUERY = '2.75'
INJECTED_FILES = ('injected_files', 'injected_file_content_bytes',
                  'injected_file_path_bytes')
# The databases' integer columns hold no more.
MAX_LIMIT = 0x7FFFFFFF

_limit = {
    'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$',
    # -1 is unlimited.
    'minimum': -1, 'maximum': MAX_LIMIT,
}


def body_schema(key, resources, **extra):
    """``{key: {resource: limit, ...}}`` accepting only ``resources``
    (and ``extra`` fields)."""
    return {
        'type': 'object',
        'properties': {
            key: {
                'type': 'object',
                'properties': {**dict.fromkeys(resources, _limit), **extra},
                'additionalProperties': False,
            },
        },
        'required': [key],
        'additionalProperties': False,
    }


def without(excluded):
    """The resources a response shows when ``excluded`` are filtered."""
    return tuple(r for r in quota.RESOURCES if r not in excluded)


# 'networks' was nova-network's and is refused once validated.
_update_v21 = without(()) + ('networks',)
_update_v236 = without(quota.NETWORK_RESOURCES)
_update_v257 = without(quota.NETWORK_RESOURCES + INJECTED_FILES)
_force = {'force': validation.boolean}
update = body_schema('quota_set', _update_v21, **_force)
update_v236 = body_schema('quota_set', _update_v236, **_force)
update_v257 = body_schema('quota_set', _update_v257, **_force)


query = {
    'type': 'object',
    'properties': {
        'user_id': validation.multi_params({'type': 'string'})},
}


def requested_limits(values):
    """{resource: int} of a validated body; a string limit is held to
    the range an integer one is (jsonschema only bounds numbers)."""
    limits = {}
    for resource, value in values.items():
        limit = int(value)
        for bad, reason in ((limit < -1, 'less than the minimum of -1'),
                            (limit > MAX_LIMIT, 'greater than the maximum '
                             'of %d' % MAX_LIMIT)):
            if bad:
                raise exception.ValidationError(
                    detail='Invalid input for field/attribute %s. Value: '
                    '%s. %s is %s' % (resource, value, limit, reason))
        limits[resource] = limit
    return limits


def _shown(req):
    if req.api_version_request >= WITHOUT_INJECTED_FILES:
        return _update_v257
    if req.api_version_request >= WITHOUT_NETWORK:
        return _update_v236
    return without(())


def view(key, values, shown, identifier=None):
    """``{key: {'id': identifier, resource: value...}}`` of the
    ``shown`` resources; updates answer without the id."""
    body = {'id': identifier} if identifier is not None else {}
    body.update((resource, values[resource]) for resource in shown)
    return {key: body}


def _user_id(req):
    return req.GET.getall('user_id')[0] if 'user_id' in req.GET else None


def _check_settable(resource, limit, minimum, maximum):
    """A limit below usage (or, for a user, above what the project
    leaves) is refused unless forced."""
    def unlimited_last(value):
        return float('inf') if value == quota.UNLIMITED else value

    if unlimited_last(limit) < unlimited_last(minimum):
        raise webob.exc.HTTPBadRequest(
            explanation='Quota limit %s for %s must be greater than or '
            'equal to already used and reserved %s.'
            % (limit, resource, minimum))
    if unlimited_last(limit) > unlimited_last(maximum):
        raise webob.exc.HTTPBadRequest(
            explanation='Quota limit %s for %s must be less than or equal '
            'to %s.' % (limit, resource, maximum))


class QuotaSetsController(base.APIBase):

    @validation.query_schema(query, strict_from=STRICT_QUERY)
    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'show',
                         {'project_id': id})
        limits = quota.limits(self.api_url, id, _user_id(req))
        return view('quota_set', limits, _shown(req), id)

    @validation.query_schema(query, strict_from=STRICT_QUERY)
    def detail(self, req, id):
        """Limits with usage; nothing is reserved any more, so
        ``reserved`` is always 0."""
        policy.authorize(req.nova_context, POLICY % 'detail',
                         {'project_id': id})
        user_id = _user_id(req)
        limits = quota.limits(self.api_url, id, user_id)
        in_use = quota.usages(self.api_url, id, user_id)
        return view('quota_set',
                    {r: {'limit': limits[r], 'in_use': in_use[r],
                         'reserved': 0} for r in quota.RESOURCES},
                    _shown(req), id)

    def defaults(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'defaults',
                         {'project_id': id})
        return view('quota_set', quota.class_limits(self.api_url),
                    _shown(req), id)

    @validation.schema(update, '2.1', '2.35')
    @validation.schema(update_v236, WITHOUT_NETWORK, '2.56')
    @validation.schema(update_v257, WITHOUT_INJECTED_FILES)
    @validation.query_schema(query, strict_from=STRICT_QUERY)
    def update(self, req, id, body):
        """Set some limits; unless ``force``, each must lie between the
        usage and what the project leaves (for a user)."""
        ctxt = req.nova_context
        policy.authorize(ctxt, POLICY % 'update', {'project_id': id})
        user_id = _user_id(req)
        values = dict(body['quota_set'])
        if 'networks' in values:
            raise webob.exc.HTTPBadRequest(
                explanation='The networks quota has been removed')
        force = strutils.bool_from_string(values.pop('force', False))
        limits = requested_limits(values)
        if not force and limits:
            ranges = quota.settable_ranges(self.api_url, id, user_id)
            for resource, limit in limits.items():
                _check_settable(resource, limit, *ranges[resource])
        if limits:
            self.conductor.quota_update(ctxt, id, limits, user_id=user_id)
        return view('quota_set', quota.limits(self.api_url, id, user_id),
                    _shown(req))

    @router.response(202)
    @validation.query_schema(query, strict_from=STRICT_QUERY)
    def delete(self, req, id):
        """Back to the defaults: the project's and its users' own limits
        go (only the user's with ``user_id``)."""
        policy.authorize(req.nova_context, POLICY % 'delete',
                         {'project_id': id})
        self.conductor.quota_destroy(req.nova_context, id,
                                     user_id=_user_id(req))
