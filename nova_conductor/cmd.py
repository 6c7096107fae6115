"""nova-conductor: the daemon that writes the databases."""

import importlib
import sys

from common import config
from common import service
from common.db import engines
from nova_conductor import rpcapi

BINARY = 'nova-conductor'


def main():
    conf = config.parse_args(sys.argv)
    engines.allow_writes()
    # The manager reads periodic spacings from nova.conf at import time.
    manager = importlib.import_module('nova_conductor.manager')
    conductor = manager.ConductorManager()
    service.serve([service.Service(conf.host, BINARY, rpcapi.TOPIC,
                                   conductor, reporter=conductor)])
    return 0
