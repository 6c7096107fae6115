"""The VCPU, MEMORY_MB and DISK_GB checks, which always run.

They stand in for Placement: a host passes when what the flavor asks
for fits under the node's allocation ratios, counted as nova-conductor's
claims count it (the ``*_used`` columns already include the host's
reserved amounts).  They are not configurable filters: explanations and
logs name them after the resource class.
"""

from nova_scheduler import filters


def usable_vcpus(host_state):
    return (host_state.vcpus_total * host_state.cpu_allocation_ratio -
            host_state.vcpus_used)


def usable_ram_mb(host_state):
    total = host_state.total_usable_ram_mb
    return (total * host_state.ram_allocation_ratio -
            (total - host_state.free_ram_mb))


def usable_disk_gb(host_state):
    return (host_state.total_usable_disk_gb *
            host_state.disk_allocation_ratio -
            host_state.disk_mb_used / 1024)


class ResourceCheck(filters.BaseHostFilter):
    """Whether ``usable(host)`` covers the request's ``resource_class``."""

    def __init__(self, resource_class, usable):
        self.resource_class = resource_class
        self.usable = usable

    @property
    def name(self):
        return self.resource_class

    def applies_to(self, spec):
        # Placement is not asked for a resource the flavor does not use.
        return spec.resources[self.resource_class] > 0

    def host_passes(self, host_state, spec):
        return (self.usable(host_state) >=
                spec.resources[self.resource_class])

    def filter_all(self, host_states, spec):
        """host_passes over many hosts, without a method call for each:
        these checks run on every host of every request."""
        if not self.applies_to(spec):
            return host_states
        usable = self.usable
        wanted = spec.resources[self.resource_class]
        return [host for host in host_states if usable(host) >= wanted]


def resource_checks():
    """The three checks, in the order explanations list them."""
    return [ResourceCheck('VCPU', usable_vcpus),
            ResourceCheck('MEMORY_MB', usable_ram_mb),
            ResourceCheck('DISK_GB', usable_disk_gb)]
