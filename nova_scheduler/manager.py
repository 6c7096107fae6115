"""Server side of nova-scheduler: select_destinations lands here.

The scheduler only reads; periodic host discovery, which writes host
mappings, runs in nova-conductor although its interval is the
``[scheduler] discover_hosts_in_cells_interval`` option.
"""

import oslo_messaging as messaging
from oslo_service import periodic_task

from common import conf

CONF = conf.CONF


class SchedulerManager(periodic_task.PeriodicTasks):
    """Endpoint of topic 'scheduler'."""

    target = messaging.Target(version='1.0')

    def __init__(self):
        super().__init__(CONF)
