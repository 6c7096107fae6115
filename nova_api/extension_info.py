"""The legacy v2 extension descriptors ``GET /extensions`` lists.

Extensions are gone since 2.1 (microversions replaced them), but old
clients still look for an alias before using a feature, so Nova answers
with a fixed list.  Every entry has the same placeholder namespace and
date Nova gives; only those for APIs served here are listed, sorted by
alias as Nova sorts them.
"""

NAMESPACE = 'http://docs.openstack.org/compute/ext/fake_xml'
UPDATED = '2014-12-03T00:00:00Z'

_DESCRIPTORS = (
    ('OS-FLV-DISABLED', 'FlavorDisabled',
     'Support to show the disabled status of a flavor.'),
    ('OS-FLV-EXT-DATA', 'FlavorExtraData',
     'Provide additional data for flavors.'),
    ('flavors', 'Flavors', 'Flavors Extension.'),
    ('limits', 'Limits', 'Limits support.'),
    ('os-aggregates', 'Aggregates', 'Admin-only aggregate administration.'),
    ('os-availability-zone', 'AvailabilityZone',
     '1. Add availability_zone to the Create Server API.\n'
     '       2. Add availability zones describing.\n    '),
    ('os-extended-hypervisors', 'ExtendedHypervisors',
     'Extended hypervisors support.'),
    ('os-extended-quotas', 'ExtendedQuotas',
     'Adds ability for admins to delete quota and optionally force the '
     'update Quota command.'),
    ('os-extended-services', 'ExtendedServices',
     'Extended services support.'),
    ('os-extended-services-delete', 'ExtendedServicesDelete',
     'Extended services deletion support.'),
    ('os-flavor-access', 'FlavorAccess', 'Flavor access support.'),
    ('os-flavor-extra-specs', 'FlavorExtraSpecs',
     'Flavors extra specs support.'),
    ('os-flavor-manage', 'FlavorManage',
     'Flavor create/delete API support.'),
    ('os-flavor-rxtx', 'FlavorRxtx',
     'Support to show the rxtx status of a flavor.'),
    ('os-flavor-swap', 'FlavorSwap',
     'Support to show the swap status of a flavor.'),
    ('os-hypervisor-status', 'HypervisorStatus', 'Show hypervisor status.'),
    ('os-hypervisors', 'Hypervisors',
     'Admin-only hypervisor administration.'),
    ('os-keypairs', 'Keypairs', 'Keypair Support.'),
    ('os-quota-class-sets', 'QuotaClasses',
     'Quota classes management support.'),
    ('os-quota-sets', 'Quotas', 'Quotas management support.'),
    ('os-server-group-quotas', 'ServerGroupQuotas',
     'Adds quota support to server groups.'),
    ('os-server-groups', 'ServerGroups', 'Server group support.'),
    ('os-services', 'Services', 'Services support.'),
    ('os-used-limits', 'UsedLimits',
     'Provide data on limited resources that are being used.'),
    ('os-user-quotas', 'UserQuotas', 'Project user quota support.'),
)

EXTENSIONS = tuple(
    {'alias': alias, 'description': description, 'links': [], 'name': name,
     'namespace': NAMESPACE, 'updated': UPDATED}
    for alias, name, description in _DESCRIPTORS)
BY_ALIAS = {extension['alias']: extension for extension in EXTENSIONS}
