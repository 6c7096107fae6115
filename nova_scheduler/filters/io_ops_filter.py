"""IoOpsFilter: hosts not already busy with too many disk-heavy tasks."""

from common import conf
from nova_scheduler import filters

CONF = conf.CONF


class IoOpsFilter(filters.BaseHostFilter):
    """``num_io_ops`` counts the host's instances building, resizing,
    rebuilding, snapshotting, rescuing or unshelving; at
    ``[filter_scheduler] max_io_ops_per_host`` the host is left out."""

    def __init__(self):
        self.max_io_ops = CONF.filter_scheduler.max_io_ops_per_host

    def host_passes(self, host_state, spec):
        return host_state.num_io_ops < self.max_io_ops
