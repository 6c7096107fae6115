"""RAMWeigher: free RAM; the default multiplier spreads instances."""

from nova_scheduler import weights


class RAMWeigher(weights.BaseHostWeigher):
    multiplier_name = 'ram_weight_multiplier'
    attribute = 'free_ram_mb'
