"""BuildFailureWeigher: hosts where builds recently failed come last.

``failed_builds`` is the compute node's stat that nova-conductor bumps
on each failed build; the huge default multiplier keeps a host failing
every build (a broken hypervisor) from attracting every new one.
"""

from nova_scheduler import weights


class BuildFailureWeigher(weights.BaseHostWeigher):
    multiplier_name = 'build_failure_weight_multiplier'
    sign = -1
    attribute = 'failed_builds'
