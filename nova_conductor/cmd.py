"""nova-conductor: the daemon that writes the databases."""

import importlib
import sys

from oslo_concurrency import processutils

from common import config
from common import service
from common.db import engines
from nova_conductor import rpcapi

BINARY = 'nova-conductor'


def main():
    conf = config.parse_args(sys.argv)
    engines.allow_writes()

    def services(index):
        # Imported in the worker, not before the fork: the parent only
        # watches its workers and stays small.  The manager reads
        # periodic spacings from nova.conf at import time.
        manager = importlib.import_module('nova_conductor.manager')
        conductor = manager.ConductorManager()
        return [service.Service(conf.host, BINARY, rpcapi.TOPIC, conductor,
                                reporter=conductor, primary=index == 0)]

    service.serve_workers(services, conf.conductor.workers or
                          processutils.get_worker_count())
    return 0
