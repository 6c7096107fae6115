"""Every rule nova-api enforces, with its default, in one list.

``list_rules`` is the ``oslo.policy.policies`` entry point (namespace
``nova``) that ``oslopolicy-sample-generator`` reads, and what the
enforcer registers; a module per API area declares its own rules.
"""

import itertools

from nova_api.policies import aggregates
from nova_api.policies import availability_zone
from nova_api.policies import base
from nova_api.policies import console_auth_tokens
from nova_api.policies import console_output
from nova_api.policies import extended_server_attributes
from nova_api.policies import extensions
from nova_api.policies import flavor_access
from nova_api.policies import flavor_extra_specs
from nova_api.policies import flavor_manage
from nova_api.policies import hypervisors
from nova_api.policies import instance_actions
from nova_api.policies import keypairs
from nova_api.policies import limits
from nova_api.policies import lock_server
from nova_api.policies import networks
from nova_api.policies import pause_server
from nova_api.policies import quota_class_sets
from nova_api.policies import quota_sets
from nova_api.policies import remote_consoles
from nova_api.policies import rescue
from nova_api.policies import server_diagnostics
from nova_api.policies import server_external_events
from nova_api.policies import server_groups
from nova_api.policies import server_metadata
from nova_api.policies import server_tags
from nova_api.policies import servers
from nova_api.policies import services
from nova_api.policies import simple_tenant_usage
from nova_api.policies import suspend_server

# base first: the sample file then opens with the rules the others
# are written in; the areas follow alphabetically.
AREAS = (
    base, aggregates, availability_zone, console_auth_tokens,
    console_output, extended_server_attributes, extensions, flavor_access,
    flavor_extra_specs, flavor_manage, hypervisors, instance_actions,
    keypairs, limits, lock_server, networks, pause_server, quota_class_sets,
    quota_sets, remote_consoles, rescue, server_diagnostics,
    server_external_events, server_groups,
    server_metadata, server_tags, servers, services, simple_tenant_usage,
    suspend_server,
)


def list_rules():
    return list(itertools.chain.from_iterable(
        area.list_rules() for area in AREAS))
