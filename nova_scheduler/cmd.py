"""nova-scheduler: chooses hosts for instances (reads, never writes)."""

import sys

from common import config
from common import service
from nova_conductor import rpcapi as conductor_rpcapi
from nova_scheduler import manager

BINARY = 'nova-scheduler'
TOPIC = 'scheduler'


def main():
    conf = config.parse_args(sys.argv)
    service.serve([service.Service(conf.host, BINARY, TOPIC,
                                   manager.SchedulerManager(),
                                   reporter=conductor_rpcapi.ConductorAPI())])
    return 0
