"""Affinity filters: server groups and the same_host/different_host
scheduler hints.

The conductor fills the group's ``members`` and the ``hosts`` they run
on before each request; within a multi-instance request the scheduler
adds each placed instance to both (``RequestSpec.record_placement``,
and a placeholder in the chosen host's ``instances``).
"""

from nova_scheduler import filters
from nova_scheduler.filters import utils


class ServerGroupAntiAffinityFilter(filters.BaseHostFilter):
    """'anti-affinity' groups: fewer than ``max_server_per_host`` (rule,
    default 1) members already on the host."""

    def applies_to(self, spec):
        return spec.group_policy == 'anti-affinity'

    def host_passes(self, host_state, spec):
        instances = host_state.instances
        if spec.instance_uuid in instances:
            # A move may come back to the instance's own host.
            return True
        group = spec.instance_group
        limit = int(group['rules'].get('max_server_per_host', 1))
        members = group['members']
        on_host = sum(1 for uuid in instances if uuid in members)
        return on_host < limit


class ServerGroupAffinityFilter(filters.BaseHostFilter):
    """'affinity' groups: once a member runs somewhere, only its host."""

    def applies_to(self, spec):
        return spec.group_policy == 'affinity'

    def host_passes(self, host_state, spec):
        hosts = spec.instance_group['hosts']
        return not hosts or host_state.host in hosts


class SameHostFilter(filters.BaseHostFilter):
    """Hint ``same_host``: only hosts running one of those instances."""

    def applies_to(self, spec):
        return bool(spec.hint_set('same_host'))

    def host_passes(self, host_state, spec):
        return utils.instance_uuids_overlap(host_state,
                                            spec.hint_set('same_host'))


class DifferentHostFilter(filters.BaseHostFilter):
    """Hint ``different_host``: only hosts running none of them."""

    def applies_to(self, spec):
        return bool(spec.hint_set('different_host'))

    def host_passes(self, host_state, spec):
        return not utils.instance_uuids_overlap(
            host_state, spec.hint_set('different_host'))
