"""The chance scheduler: any host that is up and has room, at random.

Only ComputeFilter and the resource checks run; each instance of a
request goes to a host no other instance took when there is one.  For
tests and benchmarks that must not depend on weighing.
"""

import random

from nova_scheduler import driver
from nova_scheduler.filters import compute_filter


class ChanceScheduler(driver.Scheduler):
    filter_classes = (compute_filter.ComputeFilter,)

    def ranker(self):
        def rank(hosts, spec, chosen):
            taken = {id(host) for host in chosen}
            ordered = list(hosts)
            random.shuffle(ordered)
            # Stable: hosts nobody took first, each group still shuffled.
            ordered.sort(key=lambda host: id(host) in taken)
            return ordered
        return rank
