"""HypervisorVersionWeigher: newer hypervisors first by default."""

from nova_scheduler import weights


class HypervisorVersionWeigher(weights.BaseHostWeigher):
    multiplier_name = 'hypervisor_version_weight_multiplier'
    attribute = 'hypervisor_version'
