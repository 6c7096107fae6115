"""The compute API's routes: method, path, controller, action.

Paths are relative to the version root (``/v2.1`` or the legacy
``/v2``).  A path may appear once per microversion range of its actions
(``@api_version.versioned``); the first action serving the request's
version wins.  Fixed segments come before ``{id}`` on the same level:
the first path matching with the request's method decides, and when
none of its actions serves the version the answer is 404, not a later
``{id}`` route.
"""

from nova_api.controllers import aggregates
from nova_api.controllers import availability_zones
from nova_api.controllers import console_auth_tokens
from nova_api.controllers import extensions
from nova_api.controllers import flavor_access
from nova_api.controllers import flavor_extra_specs
from nova_api.controllers import flavors
from nova_api.controllers import hypervisors
from nova_api.controllers import instance_actions
from nova_api.controllers import keypairs
from nova_api.controllers import limits
from nova_api.controllers import networks
from nova_api.controllers import quota_classes
from nova_api.controllers import quota_sets
from nova_api.controllers import remote_consoles
from nova_api.controllers import server_diagnostics
from nova_api.controllers import server_external_events
from nova_api.controllers import server_groups
from nova_api.controllers import server_metadata
from nova_api.controllers import server_tags
from nova_api.controllers import servers
from nova_api.controllers import services
from nova_api.controllers import simple_tenant_usage
from nova_api.controllers import versions

Aggregates = aggregates.AggregatesController
AvailabilityZones = availability_zones.AvailabilityZoneController
ConsoleAuthTokens = console_auth_tokens.ConsoleAuthTokensController
Extensions = extensions.ExtensionsController
FlavorAccess = flavor_access.FlavorAccessController
FlavorExtraSpecs = flavor_extra_specs.FlavorExtraSpecsController
Flavors = flavors.FlavorsController
Hypervisors = hypervisors.HypervisorsController
InstanceActions = instance_actions.InstanceActionsController
Keypairs = keypairs.KeypairController
Limits = limits.LimitsController
Networks = networks.NetworksController
QuotaClassSets = quota_classes.QuotaClassSetsController
QuotaSets = quota_sets.QuotaSetsController
RemoteConsoles = remote_consoles.RemoteConsolesController
ServerDiagnostics = server_diagnostics.ServerDiagnosticsController
ServerExternalEvents = server_external_events.ServerExternalEventsController
ServerGroups = server_groups.ServerGroupsController
ServerMetadata = server_metadata.ServerMetadataController
ServerTags = server_tags.ServerTagsController
Servers = servers.ServersController
Services = services.ServicesController
SimpleTenantUsage = simple_tenant_usage.SimpleTenantUsageController

# The root, outside any version: no token, no microversion.
ROOT_ROUTES = (
    ('GET', '/', versions.VersionsController, 'index'),
)
ROOT_FALLBACK = (versions.VersionsController, 'multi')

ROUTES = (
    ('GET', '/', versions.VersionController, 'show'),

    ('GET', '/extensions', Extensions, 'index'),
    ('GET', '/extensions/{id}', Extensions, 'show'),

    ('GET', '/flavors', Flavors, 'index'),
    ('POST', '/flavors', Flavors, 'create'),
    ('GET', '/flavors/detail', Flavors, 'detail'),
    ('GET', '/flavors/{id}', Flavors, 'show'),
    ('PUT', '/flavors/{id}', Flavors, 'update'),
    ('DELETE', '/flavors/{id}', Flavors, 'delete'),
    ('POST', '/flavors/{id}/action', FlavorAccess, 'action'),
    ('GET', '/flavors/{flavor_id}/os-flavor-access', FlavorAccess, 'index'),
    ('GET', '/flavors/{flavor_id}/os-extra_specs', FlavorExtraSpecs,
     'index'),
    ('POST', '/flavors/{flavor_id}/os-extra_specs', FlavorExtraSpecs,
     'create'),
    ('GET', '/flavors/{flavor_id}/os-extra_specs/{id}', FlavorExtraSpecs,
     'show'),
    ('PUT', '/flavors/{flavor_id}/os-extra_specs/{id}', FlavorExtraSpecs,
     'update'),
    ('DELETE', '/flavors/{flavor_id}/os-extra_specs/{id}', FlavorExtraSpecs,
     'delete'),

    ('GET', '/limits', Limits, 'index'),

    ('GET', '/os-aggregates', Aggregates, 'index'),
    ('POST', '/os-aggregates', Aggregates, 'create'),
    ('GET', '/os-aggregates/{id}', Aggregates, 'show'),
    ('PUT', '/os-aggregates/{id}', Aggregates, 'update'),
    ('DELETE', '/os-aggregates/{id}', Aggregates, 'delete'),
    ('POST', '/os-aggregates/{id}/action', Aggregates, 'action'),
    ('POST', '/os-aggregates/{id}/images', Aggregates, 'images'),

    ('GET', '/os-availability-zone', AvailabilityZones, 'index'),
    ('GET', '/os-availability-zone/detail', AvailabilityZones, 'detail'),

    ('GET', '/os-console-auth-tokens/{id}', ConsoleAuthTokens, 'show'),

    ('GET', '/os-networks', Networks, 'index'),
    ('GET', '/os-networks/{id}', Networks, 'show'),

    ('GET', '/os-hypervisors', Hypervisors, 'index'),
    ('GET', '/os-hypervisors/detail', Hypervisors, 'detail'),
    ('GET', '/os-hypervisors/statistics', Hypervisors, 'statistics'),
    ('GET', '/os-hypervisors/{id}', Hypervisors, 'show'),
    ('GET', '/os-hypervisors/{id}/uptime', Hypervisors, 'uptime'),
    ('GET', '/os-hypervisors/{id}/search', Hypervisors, 'search'),
    ('GET', '/os-hypervisors/{id}/servers', Hypervisors, 'servers'),

    ('GET', '/os-keypairs', Keypairs, 'index'),
    ('POST', '/os-keypairs', Keypairs, 'create_v21'),
    ('POST', '/os-keypairs', Keypairs, 'create'),
    ('GET', '/os-keypairs/{id}', Keypairs, 'show'),
    ('DELETE', '/os-keypairs/{id}', Keypairs, 'delete_v21'),
    ('DELETE', '/os-keypairs/{id}', Keypairs, 'delete'),

    ('GET', '/os-quota-class-sets/{id}', QuotaClassSets, 'show'),
    ('PUT', '/os-quota-class-sets/{id}', QuotaClassSets, 'update'),

    ('GET', '/os-quota-sets/{id}', QuotaSets, 'show'),
    ('PUT', '/os-quota-sets/{id}', QuotaSets, 'update'),
    ('DELETE', '/os-quota-sets/{id}', QuotaSets, 'delete'),
    ('GET', '/os-quota-sets/{id}/defaults', QuotaSets, 'defaults'),
    ('GET', '/os-quota-sets/{id}/detail', QuotaSets, 'detail'),

    ('POST', '/os-server-external-events', ServerExternalEvents, 'create'),

    ('GET', '/os-server-groups', ServerGroups, 'index'),
    ('POST', '/os-server-groups', ServerGroups, 'create'),
    ('GET', '/os-server-groups/{id}', ServerGroups, 'show'),
    ('DELETE', '/os-server-groups/{id}', ServerGroups, 'delete'),

    ('GET', '/os-services', Services, 'index'),
    ('PUT', '/os-services/{id}', Services, 'update_v21'),
    ('PUT', '/os-services/{id}', Services, 'update'),
    ('DELETE', '/os-services/{id}', Services, 'delete'),

    ('GET', '/os-simple-tenant-usage', SimpleTenantUsage, 'index'),
    ('GET', '/os-simple-tenant-usage/{id}', SimpleTenantUsage, 'show'),

    ('GET', '/servers', Servers, 'index'),
    ('POST', '/servers', Servers, 'create'),
    ('GET', '/servers/detail', Servers, 'detail'),
    ('GET', '/servers/{id}', Servers, 'show'),
    ('PUT', '/servers/{id}', Servers, 'update'),
    ('DELETE', '/servers/{id}', Servers, 'delete'),
    ('POST', '/servers/{id}/action', Servers, 'action'),
    ('GET', '/servers/{server_id}/diagnostics', ServerDiagnostics, 'index'),
    ('GET', '/servers/{server_id}/metadata', ServerMetadata, 'index'),
    ('POST', '/servers/{server_id}/metadata', ServerMetadata, 'create'),
    ('PUT', '/servers/{server_id}/metadata', ServerMetadata, 'update_all'),
    ('GET', '/servers/{server_id}/metadata/{id}', ServerMetadata, 'show'),
    ('PUT', '/servers/{server_id}/metadata/{id}', ServerMetadata, 'update'),
    ('DELETE', '/servers/{server_id}/metadata/{id}', ServerMetadata,
     'delete'),
    ('GET', '/servers/{server_id}/os-instance-actions', InstanceActions,
     'index'),
    ('GET', '/servers/{server_id}/os-instance-actions/{id}', InstanceActions,
     'show'),
    ('POST', '/servers/{server_id}/remote-consoles', RemoteConsoles,
     'create'),
    ('GET', '/servers/{server_id}/tags', ServerTags, 'index'),
    ('PUT', '/servers/{server_id}/tags', ServerTags, 'update_all'),
    ('DELETE', '/servers/{server_id}/tags', ServerTags, 'delete_all'),
    ('GET', '/servers/{server_id}/tags/{id}', ServerTags, 'show'),
    ('PUT', '/servers/{server_id}/tags/{id}', ServerTags, 'update'),
    ('DELETE', '/servers/{server_id}/tags/{id}', ServerTags, 'delete'),
)
