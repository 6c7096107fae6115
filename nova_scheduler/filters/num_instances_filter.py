"""NumInstancesFilter: hosts holding fewer instances than the limit."""

from common import conf
from nova_scheduler import filters

CONF = conf.CONF


class NumInstancesFilter(filters.BaseHostFilter):
    """``[filter_scheduler] max_instances_per_host`` caps the instances
    (building ones included) of a host."""

    def __init__(self):
        self.max_instances = CONF.filter_scheduler.max_instances_per_host

    def host_passes(self, host_state, spec):
        return host_state.num_instances < self.max_instances
