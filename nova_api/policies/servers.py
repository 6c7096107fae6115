"""Servers: who may list, see, create, change and act on them.

Reading and changing a project's servers is for its readers and
members; what reveals the cloud behind them (other projects' servers,
every list filter, the host's status) or bypasses the scheduler is for
administrators.  Two rules keep the names Nova gave them outside the
``os_compute_api:servers:`` namespace (``compute:servers:...``), and
``network:attach_external_network`` guards what Neutron would refuse.
"""

from nova_api.policies import base

POLICY = 'os_compute_api:servers:%s'
REQUESTED_DESTINATION = 'compute:servers:create:requested_destination'
CROSS_CELL_RESIZE = 'compute:servers:resize:cross_cell'
NETWORK_ATTACH_EXTERNAL = 'network:attach_external_network'
RULE_NOBODY = '!'

LIST = ('GET', '/servers')
DETAIL = ('GET', '/servers/detail')
SHOW = ('GET', '/servers/{server_id}')
CREATE = ('POST', '/servers')
UPDATE = ('PUT', '/servers/{server_id}')
REBUILD = ('POST', '/servers/{server_id}/action (rebuild)')
# The answers that show a whole server, and so its optional parts.
SHOWN_IN = (SHOW, DETAIL, UPDATE, REBUILD)


def _action(name):
    return ('POST', '/servers/{server_id}/action (%s)' % name)


rules = [
    base.api_rule(POLICY % 'index', base.PROJECT_READER_OR_ADMIN,
                  'List all servers.', LIST),
    base.api_rule(POLICY % 'detail', base.PROJECT_READER_OR_ADMIN,
                  'List all servers with detailed information.', DETAIL),
    base.api_rule(POLICY % 'index:get_all_tenants', base.ADMIN,
                  'List all servers for all projects.', LIST),
    base.api_rule(POLICY % 'detail:get_all_tenants', base.ADMIN,
                  'List all servers with detailed information for all '
                  'projects.', DETAIL),
    base.api_rule(POLICY % 'allow_all_filters', base.ADMIN,
                  'Allow all filters when listing servers (others see '
                  'theirs silently dropped).', LIST, DETAIL),
    base.api_rule(POLICY % 'show', base.PROJECT_READER_OR_ADMIN,
                  'Show a server.', SHOW),
    base.api_rule(POLICY % 'show:flavor-extra-specs',
                  base.PROJECT_READER_OR_ADMIN,
                  "From microversion 2.47, include the extra specs of the "
                  "server's flavor in the servers shown.", *SHOWN_IN),
    base.api_rule(POLICY % 'show:host_status', base.ADMIN,
                  "Show a server's host_status (2.16), whatever its value.",
                  *SHOWN_IN),
    base.api_rule(POLICY % 'show:host_status:unknown-only', base.ADMIN,
                  "Show a server's host_status only when it is UNKNOWN; "
                  "checked only when os_compute_api:servers:show:"
                  "host_status refuses.", *SHOWN_IN),
    base.api_rule(POLICY % 'create', base.PROJECT_MEMBER_OR_ADMIN,
                  'Create a server.', CREATE),
    base.api_rule(POLICY % 'create:forced_host', base.ADMIN,
                  'Create a server on the given host and/or node, '
                  'bypassing the scheduler filters.', CREATE),
    base.api_rule(REQUESTED_DESTINATION, base.ADMIN,
                  'Create a server on the requested compute host and/or '
                  'hypervisor_hostname, which the scheduler filters still '
                  'validate.', CREATE),
    base.api_rule(POLICY % 'create:attach_volume',
                  base.PROJECT_MEMBER_OR_ADMIN,
                  'Create a server with the requested volume attached.',
                  CREATE),
    base.api_rule(POLICY % 'create:attach_network',
                  base.PROJECT_MEMBER_OR_ADMIN,
                  'Create a server with the requested network attached.',
                  CREATE),
    base.api_rule(POLICY % 'create:trusted_certs',
                  base.PROJECT_MEMBER_OR_ADMIN,
                  'Create a server with trusted image certificate IDs.',
                  CREATE),
    base.api_rule(POLICY % 'create:zero_disk_flavor', base.ADMIN,
                  'Create an image-backed server with a flavor of 0 GiB '
                  'root disk: its disk is then as large as the image, '
                  'which the scheduler cannot account for.', CREATE),
    base.api_rule(NETWORK_ATTACH_EXTERNAL, base.ADMIN,
                  'Attach an unshared external network to a server.',
                  CREATE, ('POST', '/servers/{server_id}/os-interface')),
    base.api_rule(POLICY % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
                  'Delete a server.', ('DELETE', '/servers/{server_id}')),
    base.api_rule(POLICY % 'update', base.PROJECT_MEMBER_OR_ADMIN,
                  'Update a server.', UPDATE),
    base.api_rule(POLICY % 'confirm_resize', base.PROJECT_MEMBER_OR_ADMIN,
                  'Confirm a server resize.', _action('confirmResize')),
    base.api_rule(POLICY % 'revert_resize', base.PROJECT_MEMBER_OR_ADMIN,
                  'Revert a server resize.', _action('revertResize')),
    base.api_rule(POLICY % 'reboot', base.PROJECT_MEMBER_OR_ADMIN,
                  'Reboot a server.', _action('reboot')),
    base.api_rule(POLICY % 'resize', base.PROJECT_MEMBER_OR_ADMIN,
                  'Resize a server.', _action('resize')),
    base.api_rule(CROSS_CELL_RESIZE, RULE_NOBODY,
                  'Resize a server across cells; disabled for everyone '
                  'by default (a resize stays in its cell when it can).',
                  _action('resize')),
    base.api_rule(POLICY % 'rebuild', base.PROJECT_MEMBER_OR_ADMIN,
                  'Rebuild a server.', REBUILD),
    base.api_rule(POLICY % 'rebuild:trusted_certs',
                  base.PROJECT_MEMBER_OR_ADMIN,
                  'Rebuild a server with trusted image certificate IDs.',
                  REBUILD),
    base.api_rule(POLICY % 'create_image', base.PROJECT_MEMBER_OR_ADMIN,
                  'Create an image from a server.', _action('createImage')),
    base.api_rule(POLICY % 'create_image:allow_volume_backed',
                  base.PROJECT_MEMBER_OR_ADMIN,
                  'Create an image from a volume-backed server.',
                  _action('createImage')),
    base.api_rule(POLICY % 'start', base.PROJECT_MEMBER_OR_ADMIN,
                  'Start a server.', _action('os-start')),
    base.api_rule(POLICY % 'stop', base.PROJECT_MEMBER_OR_ADMIN,
                  'Stop a server.', _action('os-stop')),
    base.api_rule(POLICY % 'trigger_crash_dump',
                  base.PROJECT_MEMBER_OR_ADMIN,
                  'Trigger a crash dump in a server.',
                  _action('trigger_crash_dump')),
]


def list_rules():
    return rules
