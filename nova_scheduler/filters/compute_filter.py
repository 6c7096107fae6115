"""ComputeFilter: only hosts whose nova-compute is enabled and up."""

from nova_scheduler import filters


class ComputeFilter(filters.BaseHostFilter):
    """A disabled or down compute would never build the instance.

    ``service['up']`` is ``common.service.is_up`` of the services row,
    worked out when the host states were refreshed.
    """

    def host_passes(self, host_state, spec):
        service = host_state.service
        return not service['disabled'] and service['up']
