"""NumInstancesWeigher: instances on the host (ignored by default,
multiplier 0.0; negative spreads, positive packs)."""

from nova_scheduler import weights


class NumInstancesWeigher(weights.BaseHostWeigher):
    multiplier_name = 'num_instances_weight_multiplier'
    attribute = 'num_instances'
