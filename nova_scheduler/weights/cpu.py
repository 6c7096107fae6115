"""CPUWeigher: VCPUs still free under the allocation ratio."""

from nova_scheduler import weights


class CPUWeigher(weights.BaseHostWeigher):
    multiplier_name = 'cpu_weight_multiplier'

    def _weigh_object(self, host_state, spec):
        return (host_state.vcpus_total * host_state.cpu_allocation_ratio -
                host_state.vcpus_used)
