"""os-quota-class-sets: the limits of a quota class.

Only the class 'default' is used: it overrides the ``[quota]`` options
for every project without limits of its own.  Before 2.50 the server
group limits are left out of the responses (they are still accepted);
2.50 shows them and drops nova-network's resources, 2.57 drops the
injected files ones.
"""

from oslo_utils import strutils
import webob.exc

from common import quota
from nova_api import base
from nova_api import policy
from nova_api import validation
from nova_api.controllers import quota_sets

POLICY = 'os_compute_api:os-quota-class-sets:%s'
WITH_SERVER_GROUPS = '2.50'
SERVER_GROUPS = ('server_groups', 'server_group_members')

_update_v21 = quota.RESOURCES + ('networks',)
_update_v250 = quota_sets.without(quota.NETWORK_RESOURCES)
_update_v257 = quota_sets.without(quota.NETWORK_RESOURCES +
                                  quota_sets.INJECTED_FILES)
update = quota_sets.body_schema('quota_class_set', _update_v21)
update_v250 = quota_sets.body_schema('quota_class_set', _update_v250)
update_v257 = quota_sets.body_schema('quota_class_set', _update_v257)


def _shown(req):
    if req.api_version_request >= quota_sets.WITHOUT_INJECTED_FILES:
        return _update_v257
    if req.api_version_request >= WITH_SERVER_GROUPS:
        return _update_v250
    return quota_sets.without(SERVER_GROUPS)


class QuotaClassSetsController(base.APIBase):

    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'show',
                         {'quota_class': id})
        return quota_sets.view('quota_class_set',
                               quota.class_limits(self.api_url, id),
                               _shown(req), id)

    @validation.schema(update, '2.1', '2.49')
    @validation.schema(update_v250, WITH_SERVER_GROUPS, '2.56')
    @validation.schema(update_v257, quota_sets.WITHOUT_INJECTED_FILES)
    def update(self, req, id, body):
        """Set some of the class's limits; 'networks' (before 2.50) is
        accepted and ignored, there being no such resource."""
        policy.authorize(req.nova_context, POLICY % 'update',
                         {'quota_class': id})
        try:
            strutils.check_string_length(id, 'quota_class_name',
                                         min_length=1, max_length=255)
        except ValueError as e:
            raise webob.exc.HTTPBadRequest(explanation=str(e))
        values = dict(body['quota_class_set'])
        values.pop('networks', None)
        limits = quota_sets.requested_limits(values)
        if limits:
            self.conductor.quota_class_update(req.nova_context, id, limits)
        return quota_sets.view('quota_class_set',
                               quota.class_limits(self.api_url, id),
                               _shown(req))
