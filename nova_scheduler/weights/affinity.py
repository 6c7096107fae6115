"""Soft server group policies: weighers rather than filters, so a
'soft-affinity' or 'soft-anti-affinity' group never fails a request
for want of a host; it only prefers (or avoids) its members' hosts."""

from nova_scheduler import weights


class _SoftAffinityWeigherBase(weights.BaseHostWeigher):
    policy_name = None

    def applies_to(self, spec):
        return spec.group_policy == self.policy_name

    def _members_on_host(self, host_state, spec):
        members = spec.instance_group['members']
        return sum(1 for uuid in host_state.instances if uuid in members)


class ServerGroupSoftAffinityWeigher(_SoftAffinityWeigherBase):
    policy_name = 'soft-affinity'
    multiplier_name = 'soft_affinity_weight_multiplier'

    def _weigh_object(self, host_state, spec):
        return self._members_on_host(host_state, spec)


class ServerGroupSoftAntiAffinityWeigher(_SoftAffinityWeigherBase):
    policy_name = 'soft-anti-affinity'
    multiplier_name = 'soft_anti_affinity_weight_multiplier'

    def _weigh_object(self, host_state, spec):
        return -self._members_on_host(host_state, spec)
