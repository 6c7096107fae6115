"""Which projects may use a private flavor: the list reveals other
projects' ids, so all of it is for administrators."""

from nova_api.policies import base

ACCESS = 'os_compute_api:os-flavor-access'
ACTION = '/flavors/{flavor_id}/action (%s)'

rules = [
    base.api_rule(
        ACCESS + ':add_tenant_access', base.ADMIN,
        'Let a project use a private flavor.',
        ('POST', ACTION % 'addTenantAccess')),
    base.api_rule(
        ACCESS + ':remove_tenant_access', base.ADMIN,
        'Stop a project from using a private flavor.',
        ('POST', ACTION % 'removeTenantAccess')),
    base.api_rule(
        ACCESS, base.ADMIN,
        'List the projects that may use a private flavor.',
        ('GET', '/flavors/{flavor_id}/os-flavor-access')),
]


def list_rules():
    return rules
