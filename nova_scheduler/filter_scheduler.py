"""The filter scheduler: filter, weigh, take the best (Nova's default).

The filters are ``[filter_scheduler] enabled_filters`` after the
resource checks; the weighers ``weight_classes``.  The host is picked at
random among the ``host_subset_size`` best, and hosts sharing the best
weight are shuffled first when ``shuffle_best_same_weighed_hosts``, so
concurrent requests collide less.
"""

import random

from oslo_log import log as logging

from common import conf
from nova_scheduler import driver
from nova_scheduler import filters
from nova_scheduler import weights

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class FilterScheduler(driver.Scheduler):

    def __init__(self, host_manager):
        super().__init__(host_manager)
        options = CONF.filter_scheduler
        self.filter_classes = filters.enabled_filter_classes(
            options.available_filters, options.enabled_filters)
        self.weigher_classes = weights.weigher_classes(
            options.weight_classes)

    def ranker(self):
        weighers = [cls() for cls in self.weigher_classes]
        options = CONF.filter_scheduler
        subset_size = options.host_subset_size
        shuffle_best = options.shuffle_best_same_weighed_hosts

        def rank(hosts, spec, chosen):
            ordered, weighed = weights.weigh_hosts(weighers, hosts, spec)
            LOG.debug('Weighed %d hosts, best: %s', len(ordered),
                      list(zip(weighed[:3], ordered[:3], strict=True)))
            if shuffle_best:
                best = weighed.count(weighed[0])
                head = ordered[:best]
                random.shuffle(head)
                ordered[:best] = head
            pick = random.randrange(min(subset_size, len(ordered)))
            return [ordered.pop(pick)] + ordered
        return rank
