"""DiskWeigher: free disk."""

from nova_scheduler import weights


class DiskWeigher(weights.BaseHostWeigher):
    multiplier_name = 'disk_weight_multiplier'
    attribute = 'free_disk_mb'
