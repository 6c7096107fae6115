"""IoOpsWeigher: disk-heavy tasks running on the host; the default
negative multiplier prefers idle hosts."""

from nova_scheduler import weights


class IoOpsWeigher(weights.BaseHostWeigher):
    multiplier_name = 'io_ops_weight_multiplier'
    attribute = 'num_io_ops'
