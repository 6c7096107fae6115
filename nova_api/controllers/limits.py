"""GET /limits: a project's absolute limits and usage, in the names the
v2 API gave them (``maxTotalCores``, ``totalCoresUsed``...).

Rate limits are long gone (``rate`` is always empty).  2.36 drops
nova-network's limits, 2.39 ``maxImageMeta``, 2.57 the personality
(injected files) ones, and 2.75 refuses unknown query parameters.
"""

from common import quota
from common.db import engines
from nova_api import policy
from nova_api import validation

POLICY = 'os_compute_api:limits'
WITHOUT_NETWORK = '2.36'
WITHOUT_IMAGE_META = '2.39'
WITHOUT_PERSONALITY = '2.57'
STRICT_QUERY = '2.75'

# resource -> the names of its limit.
LIMIT_NAMES = {
    'ram': ('maxTotalRAMSize',),
    'instances': ('maxTotalInstances',),
    'cores': ('maxTotalCores',),
    'key_pairs': ('maxTotalKeypairs',),
    'floating_ips': ('maxTotalFloatingIps',),
    'metadata_items': ('maxServerMeta', 'maxImageMeta'),
    'injected_files': ('maxPersonality',),
    'injected_file_content_bytes': ('maxPersonalitySize',),
    'security_groups': ('maxSecurityGroups',),
    'security_group_rules': ('maxSecurityGroupRules',),
    'server_groups': ('maxServerGroups',),
    'server_group_members': ('maxServerGroupMembers',),
}
# resource -> the name of its usage.
USED_NAMES = {
    'ram': 'totalRAMUsed',
    'cores': 'totalCoresUsed',
    'instances': 'totalInstancesUsed',
    'floating_ips': 'totalFloatingIpsUsed',
    'security_groups': 'totalSecurityGroupsUsed',
    'server_groups': 'totalServerGroupsUsed',
}
NETWORK = ('floating_ips', 'security_groups', 'security_group_rules')
PERSONALITY = ('injected_files', 'injected_file_content_bytes')


query = {
    'type': 'object',
    'properties': {
        'tenant_id': validation.multi_params({'type': 'string'})},
}


def _filtered(req):
    """The resources and limit names a request's version leaves out."""
    version = req.api_version_request
    resources = ((NETWORK if version >= WITHOUT_NETWORK else ()) +
                 (PERSONALITY if version >= WITHOUT_PERSONALITY else ()))
    names = ('maxImageMeta',) if version >= WITHOUT_IMAGE_META else ()
    return resources, names


class LimitsController:

    def __init__(self):
        self.api_url = engines.configured_url('api_database')

    @validation.query_schema(query, strict_from=STRICT_QUERY)
    def index(self, req):
        """The caller's project, or with ``tenant_id`` another one (if
        ``os_compute_api:limits:other_project`` allows)."""
        ctxt = req.nova_context
        policy.authorize(ctxt, POLICY, {})
        project_id = ctxt.project_id
        if 'tenant_id' in req.GET:
            project_id = req.GET.getall('tenant_id')[0]
            policy.authorize(ctxt, POLICY + ':other_project',
                             {'project_id': project_id})
        limits = quota.limits(self.api_url, project_id)
        in_use = quota.usages(self.api_url, project_id)
        excluded, excluded_names = _filtered(req)
        absolute = {
            name: limits[resource]
            for resource, names in LIMIT_NAMES.items()
            if resource not in excluded
            for name in names if name not in excluded_names}
        absolute.update(
            (name, in_use[resource]) for resource, name in USED_NAMES.items()
            if resource not in excluded)
        return {'limits': {'rate': [], 'absolute': absolute}}
