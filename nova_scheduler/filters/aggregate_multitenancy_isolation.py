"""AggregateMultiTenancyIsolation: hosts of aggregates reserved for
some projects take only those projects' instances.

An aggregate reserves its hosts with metadata keys starting with
``filter_tenant_id`` (``filter_tenant_id``, ``filter_tenant_id2``...),
whose values are project ids (comma-separated lists allowed).  Other
projects' instances may still go anywhere else.
"""

from nova_scheduler import filters
from nova_scheduler.filters import utils

_PREFIX = 'filter_tenant_id'


class AggregateMultiTenancyIsolation(filters.BaseHostFilter):

    def host_passes(self, host_state, spec):
        if not host_state.aggregates:
            return True
        allowed = set()
        for key, values in utils.aggregate_metadata_get_by_host(
                host_state).items():
            if key.startswith(_PREFIX):
                allowed |= values
        return not allowed or spec.project_id in allowed
