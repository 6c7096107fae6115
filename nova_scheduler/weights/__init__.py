"""Weighers: which of the hosts that passed the filters is best.

Each weigher gives every host a raw weight; the raw weights are
normalised to 0..1 over the hosts weighed (all equal: all 0), multiplied
by the weigher's ``[filter_scheduler] *_weight_multiplier`` and summed.
An aggregate whose metadata has the multiplier's option name as a key
overrides it for its hosts (the smallest value when several do).

Weighers are instantiated for each request, so each reads its option
once per request rather than once per host.
"""

import operator

from oslo_log import log as logging

from common import conf
from nova_scheduler import loadables
from nova_scheduler.filters import utils

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class BaseHostWeigher:
    """``_weigh_object`` gives a host's raw weight, higher is better."""

    # The [filter_scheduler] option of the multiplier, which is also
    # the aggregate metadata key overriding it.
    multiplier_name = None
    # The host state attribute that is the raw weight, if one is.
    attribute = None
    # -1 for weighers whose raw weight counts against a host.
    sign = 1

    def __init__(self):
        self.multiplier = self.sign * CONF.filter_scheduler[
            self.multiplier_name]

    def applies_to(self, spec):
        """False when every host would weigh the same for this request."""
        return True

    def weight_multiplier(self, host_state):
        if not host_state.aggregates:
            return self.multiplier
        values = utils.aggregate_values_from_key(host_state,
                                                 self.multiplier_name)
        if not values:
            return self.multiplier
        try:
            return self.sign * min(float(value) for value in values)
        except ValueError:
            LOG.warning("Could not decode '%s' weight multiplier of host "
                        "%s: %s", self.multiplier_name, host_state.host,
                        sorted(values))
            return self.multiplier

    def _weigh_object(self, host_state, spec):
        return getattr(host_state, self.attribute)

    def weigh_all(self, host_states, spec):
        """The raw weight of each host; an attribute is read without a
        method call per host, as weighers see every host passing."""
        if self.attribute is not None:
            return list(map(operator.attrgetter(self.attribute),
                            host_states))
        weigh = self._weigh_object
        return [weigh(host, spec) for host in host_states]


def weigh_hosts(weighers, host_states, spec):
    """(hosts, their weights), best first; equal weights keep the hosts'
    order.  Two lists rather than (weight, host) pairs: allocating a
    pair per host makes the garbage collector walk every host state."""
    totals = [0.0] * len(host_states)
    if len(host_states) > 1:
        in_aggregates = any(map(operator.attrgetter('aggregates'),
                                host_states))
        for weigher in weighers:
            if weigher.applies_to(spec) and (weigher.multiplier or
                                             in_aggregates):
                totals = _add_weights(weigher, host_states, spec, totals,
                                      in_aggregates)
    order = sorted(range(len(host_states)), key=totals.__getitem__,
                   reverse=True)
    return [host_states[i] for i in order], [totals[i] for i in order]


def _add_weights(weigher, host_states, spec, totals, in_aggregates):
    """``totals`` plus the weigher's normalised, multiplied weights."""
    raw = weigher.weigh_all(host_states, spec)
    low, high = min(raw), max(raw)
    if low == high:
        return totals
    span = float(high - low)
    if not in_aggregates:
        scale = weigher.multiplier / span
        return [total + (weight - low) * scale
                for total, weight in zip(totals, raw, strict=True)]
    multiplier = weigher.weight_multiplier
    return [total + multiplier(host) * (weight - low) / span
            for total, weight, host in zip(totals, raw, host_states,
                                           strict=True)]


def all_weighers():
    """Every weigher class of this package: the default of
    ``[filter_scheduler] weight_classes``."""
    # Imported here: those modules import this one for BaseHostWeigher.
    from nova_scheduler.weights import affinity
    from nova_scheduler.weights import compute
    from nova_scheduler.weights import cpu
    from nova_scheduler.weights import disk
    from nova_scheduler.weights import hypervisor_version
    from nova_scheduler.weights import io_ops
    from nova_scheduler.weights import num_instances
    from nova_scheduler.weights import ram
    return [
        ram.RAMWeigher,
        cpu.CPUWeigher,
        disk.DiskWeigher,
        io_ops.IoOpsWeigher,
        num_instances.NumInstancesWeigher,
        compute.BuildFailureWeigher,
        affinity.ServerGroupSoftAffinityWeigher,
        affinity.ServerGroupSoftAntiAffinityWeigher,
        hypervisor_version.HypervisorVersionWeigher,
    ]


def weigher_classes(paths):
    """The classes ``[filter_scheduler] weight_classes`` names."""
    return list(loadables.load_classes(paths).values())
