"""The compute API's routes: method, path, controller, action.

Paths are relative to the version root (``/v2.1`` or the legacy
``/v2``).  A path may appear once per microversion range of its actions
(``@api_version.versioned``); the first action serving the request's
version wins.  Fixed segments come before ``{id}`` on the same level.
"""

from nova_api.controllers import hypervisors
from nova_api.controllers import services
from nova_api.controllers import versions

Hypervisors = hypervisors.HypervisorsController
Services = services.ServicesController

# The root, outside any version: no token, no microversion.
ROOT_ROUTES = (
    ('GET', '/', versions.VersionsController, 'index'),
)
ROOT_FALLBACK = (versions.VersionsController, 'multi')

ROUTES = (
    ('GET', '/', versions.VersionController, 'show'),

    ('GET', '/os-hypervisors', Hypervisors, 'index'),
    ('GET', '/os-hypervisors/detail', Hypervisors, 'detail'),
    ('GET', '/os-hypervisors/statistics', Hypervisors, 'statistics'),
    ('GET', '/os-hypervisors/{id}', Hypervisors, 'show'),
    ('GET', '/os-hypervisors/{id}/uptime', Hypervisors, 'uptime'),
    ('GET', '/os-hypervisors/{id}/search', Hypervisors, 'search'),
    ('GET', '/os-hypervisors/{id}/servers', Hypervisors, 'servers'),

    ('GET', '/os-services', Services, 'index'),
    ('PUT', '/os-services/{id}', Services, 'update_v21'),
    ('PUT', '/os-services/{id}', Services, 'update'),
    ('DELETE', '/os-services/{id}', Services, 'delete'),
)
