"""AggregateInstanceExtraSpecsFilter: flavor extra specs against the
metadata of the host's aggregates.

Keys scoped ``aggregate_instance_extra_specs:`` and bare keys must be
matched (``extra_specs_ops``) by one value of that metadata key in one
of the host's aggregates; keys of other scopes are ignored.
"""

from nova_scheduler import filters
from nova_scheduler.filters import extra_specs_ops
from nova_scheduler.filters import utils

_SCOPE = 'aggregate_instance_extra_specs'


def _wanted(spec):
    """{metadata key: requirement} of the extra specs this filter reads."""
    wanted = {}
    for key, req in spec.extra_specs.items():
        scope, sep, name = key.partition(':')
        if not sep:
            wanted[key] = req
        elif scope == _SCOPE:
            wanted[name] = req
    return wanted


class AggregateInstanceExtraSpecsFilter(filters.BaseHostFilter):

    def applies_to(self, spec):
        return bool(spec.memo(_SCOPE, _wanted))

    def host_passes(self, host_state, spec):
        metadata = utils.aggregate_metadata_get_by_host(host_state)
        for key, req in spec.memo(_SCOPE, _wanted).items():
            values = metadata.get(key)
            if not values or not any(extra_specs_ops.match(value, req)
                                     for value in values):
                return False
        return True
