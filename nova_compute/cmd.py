"""nova-compute: runs the guests of one host, or simulates many hosts.

With ``compute_driver = fake.FakeDriver`` and ``[fake] host_count`` N
above 1, this one process runs N services ``<host>-0001`` …, each with
its own fake hypervisor, RPC server, heartbeat and periodic tasks, as N
real compute hosts would.  Each RPC server holds its own AMQP
connection: the broker needs more than N file descriptors (RabbitMQ's
default limit of 1,024 allows some 800 connections).
"""

import sys
import threading

from oslo_log import log as logging

from common import config
from common import exception
from common import service
from nova_compute import manager
from nova_compute import rpcapi
from nova_compute.virt import driver as virt_driver
from nova_compute.virt import fake
from nova_conductor import rpcapi as conductor_rpcapi

BINARY = 'nova-compute'
LOG = logging.getLogger(__name__)


def main():
    conf = config.parse_args(sys.argv)
    try:
        drivers = host_drivers(conf)
    except exception.NovaException as e:
        error = e
    else:
        reporter = conductor_rpcapi.ConductorAPI()
        starting = threading.Lock()
        service.serve([ComputeService(host, driver, reporter, starting)
                       for host, driver in drivers])
        return 0
    # Logged outside the except clause, where oslo.log would repeat it.
    LOG.error('%s', error)
    return 1


def host_drivers(conf):
    """(host, driver) of every host this process runs."""
    count = conf.fake.host_count
    if conf.compute_driver != 'fake.FakeDriver' or count == 1:
        return [(conf.host,
                 virt_driver.load_compute_driver(conf.compute_driver))]
    hosts = simulated_names(conf.host, count)
    nodes = hosts
    if conf.fake.hypervisor_hostname:
        # As [fake] hypervisor_hostname's help says: the first node has
        # that name, the others a numeric suffix.
        nodes = simulated_names(conf.fake.hypervisor_hostname, count)
        nodes[0] = conf.fake.hypervisor_hostname
    LOG.info('Simulating %d compute hosts, %s to %s', count, hosts[0],
             hosts[-1])
    return [(host, fake.FakeDriver(nodename=node))
            for host, node in zip(hosts, nodes, strict=True)]


def simulated_names(name, count):
    """``<name>-0001`` … ``<name>-<count>``, the names of ``count`` hosts.

    Four digits at least, so that the names sort in creation order in
    the API's lists; more when ``count`` needs them.
    """
    width = max(4, len(str(count)))
    return ['%s-%0*d' % (name, width, i) for i in range(1, count + 1)]


class ComputeService(service.Service):
    """nova-compute on ``host``; it starts holding ``starting``.

    ``starting`` is a lock shared by the hosts of this process: they
    start (register, first report, RPC server) one at a time.  Started
    all together, 1,000 hosts made oslo.messaging open a connection
    beyond its pool (rpc_conn_pool_size) for each call that found the
    pool busy, which ran RabbitMQ out of file descriptors; even 10 at a
    time deadlocked some of the conductor's inserts, and a host whose
    registration fails that way never starts.  One at a time, 200 hosts
    start in 7 s, no slower than 10 at a time.
    """

    def __init__(self, host, driver, reporter, starting):
        compute = manager.ComputeManager(host, driver, reporter)
        super().__init__(host, BINARY, rpcapi.TOPIC, compute, reporter)
        compute.service = self
        self._starting = starting

    def start(self):
        with self._starting:
            super().start()
