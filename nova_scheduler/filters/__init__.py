"""Host filters: which hosts could take the instance at all.

A filter is instantiated for each request, so the options it reads in
``__init__`` are read once per request rather than once per host (an
option lookup costs microseconds, and a cloud has thousands of hosts).
Filters are named by class in ``[filter_scheduler] enabled_filters``
and must be among the classes ``available_filters`` lists.
"""

from common import exception
from nova_scheduler import loadables


class BaseHostFilter:
    """``host_passes`` says whether one host can take the instance."""

    @property
    def name(self):
        """How explanations and logs call the filter."""
        return type(self).__name__

    def applies_to(self, spec):
        """False when the request gives the filter nothing to check (no
        hint, no group...): the hosts then all pass without a look."""
        return True

    def host_passes(self, host_state, spec):
        raise NotImplementedError()

    def filter_all(self, host_states, spec):
        """The hosts of ``host_states`` that pass, in their order."""
        if not self.applies_to(spec):
            return host_states
        passes = self.host_passes
        return [host for host in host_states if passes(host, spec)]


def run_filters(filters, host_states, spec):
    """(hosts passing every filter, [(name, hosts before, after)]).

    Stops at the first filter that leaves no host, as Nova does: the
    steps then end with the one to blame.
    """
    steps = []
    for host_filter in filters:
        before = len(host_states)
        host_states = host_filter.filter_all(host_states, spec)
        steps.append((host_filter.name, before, len(host_states)))
        if not host_states:
            break
    return host_states, steps


def all_filters():
    """Every filter class of this package: the default of
    ``[filter_scheduler] available_filters``."""
    # Imported here: those modules import this one for BaseHostFilter.
    from nova_scheduler.filters import affinity_filter
    from nova_scheduler.filters import aggregate_instance_extra_specs
    from nova_scheduler.filters import aggregate_multitenancy_isolation
    from nova_scheduler.filters import availability_zone_filter
    from nova_scheduler.filters import compute_capabilities_filter
    from nova_scheduler.filters import compute_filter
    from nova_scheduler.filters import image_props_filter
    from nova_scheduler.filters import io_ops_filter
    from nova_scheduler.filters import json_filter
    from nova_scheduler.filters import num_instances_filter
    return [
        availability_zone_filter.AvailabilityZoneFilter,
        compute_filter.ComputeFilter,
        compute_capabilities_filter.ComputeCapabilitiesFilter,
        image_props_filter.ImagePropertiesFilter,
        affinity_filter.ServerGroupAffinityFilter,
        affinity_filter.ServerGroupAntiAffinityFilter,
        affinity_filter.SameHostFilter,
        affinity_filter.DifferentHostFilter,
        aggregate_instance_extra_specs.AggregateInstanceExtraSpecsFilter,
        aggregate_multitenancy_isolation.AggregateMultiTenancyIsolation,
        num_instances_filter.NumInstancesFilter,
        io_ops_filter.IoOpsFilter,
        json_filter.JsonFilter,
    ]


def enabled_filter_classes(available, enabled):
    """The classes named by ``enabled``, in its order; a name that no
    available class has stops the scheduler from starting."""
    classes = loadables.load_classes(available)
    missing = [name for name in enabled if name not in classes]
    if missing:
        raise exception.SchedulerHostFilterNotFound(
            filter_name=', '.join(missing))
    return [classes[name] for name in enabled]
