"""select_destinations latency with thousands of simulated hosts.

Makes a throwaway deployment (see benchmarks/_deploy.py: MariaDB
databases, nova.conf, the real ``nova-manage`` for the schemas), seeds
the rows N nova-computes and nova-conductor would have written (a
services row, a compute node and a host mapping per host, and a few
instances on each), then calls nova-scheduler's manager in this process
and measures:

- cold: a fresh SchedulerManager's first select_destinations, which
  reads every host, service and instance;
- warm: the following requests, each reading only what changed since
  the previous one.  Between two requests the benchmark writes what a
  second of a live cloud would (outside the timing): heartbeats of a
  tenth of the services, and the claim and instance row of the host
  just chosen, as nova-conductor writes them;
- a multi-instance request of ``--multi`` instances.

The host counts are measured in increasing order on the same
databases, which grow between them.  Run from the top of the
repository:

    .venv/bin/python -m benchmarks.scheduler --hosts 1000 10000

It prints figures; it does not judge them.
"""

import argparse
import datetime
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid

from oslo_utils import timeutils
import sqlalchemy as sa

from benchmarks import _deploy
from common import config
from common import context
from common import states
from common.db import api_models as api
from common.db import engines
from common.db import main_models as cell

# Resources of each simulated host and of the flavor requested.
HOST = {'vcpus': 32, 'memory_mb': 131072, 'local_gb': 2000}
FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'memory_mb': 2048,
          'vcpus': 1, 'root_gb': 20, 'ephemeral_gb': 0, 'swap': 0,
          'rxtx_factor': 1.0, 'vcpu_weight': None, 'is_public': True,
          'description': None, 'extra_specs': {}}
BATCH = 1000
# Heartbeats written between two requests: a second's worth with the
# default report_interval of 10 s.
BEATING_SHARE = 10


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, nargs='+',
                        default=[1000, 10000],
                        help='simulated compute hosts, one figure each')
    parser.add_argument('--instances-per-host', type=int, default=2,
                        help='instances seeded on each host')
    parser.add_argument('--requests', type=int, default=50,
                        help='warm single-instance requests measured')
    parser.add_argument('--multi', type=int, default=10,
                        help='instances of the multi-instance request')
    parser.add_argument('--mysql-url', default=_deploy.DEFAULT_MYSQL_URL,
                        help='MariaDB server, without a database name')
    parser.add_argument('--keep', action='store_true',
                        help='keep the temporary directory (nova.conf)')
    parser.add_argument('--json', action='store_true',
                        help='print the figures as JSON')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    work_dir = tempfile.mkdtemp(prefix='nt_bench_')
    results = []
    try:
        with _deploy.Deployment(work_dir, args.mysql_url) as deployment:
            deployment.setup()
            config.parse_args(['bench', '--config-file',
                               deployment.conf_file],
                              default_config_files=[],
                              configure_logging=False)
            # This process plays the computes and the conductor too.
            engines.allow_writes()
            cloud = SimulatedCloud(deployment)
            for hosts in sorted(args.hosts):
                cloud.grow_to(hosts, args.instances_per_host)
                results.append(measure(cloud, hosts, args))
    except KeyboardInterrupt:
        print('interrupted; databases dropped', file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print('nova.conf kept in %s' % work_dir, file=sys.stderr)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    print(json.dumps(results, indent=2) if args.json else _table(results))
    return 0


class SimulatedCloud:
    """The rows of N hosts, written as their daemons would."""

    def __init__(self, deployment):
        self.api_url = deployment.api_url
        self.cell_url = deployment.cell_url
        with engines.reader(self.api_url) as session:
            self.cell_id = session.scalar(sa.select(api.CellMapping.id).where(
                api.CellMapping.name == 'cell1'))
        self.hosts = 0
        self.beat_from = 0

    def grow_to(self, count, instances_per_host):
        """Add hosts bench-<n> up to ``count``."""
        for start in range(self.hosts, count, BATCH):
            names = ['bench-%05d' % i
                     for i in range(start, min(start + BATCH, count))]
            self._add_hosts(names, instances_per_host)
        self.hosts = max(self.hosts, count)

    def _add_hosts(self, names, instances_per_host):
        """Rows as a cloud running for a while has them: written an
        hour ago, except the services' last heartbeat."""
        now = timeutils.utcnow()
        then = now - datetime.timedelta(hours=1)
        with engines.writer(self.cell_url) as session:
            session.execute(sa.insert(cell.Service), [dict(
                uuid=str(uuid.uuid4()), host=name, binary='nova-compute',
                topic='compute', report_count=1, disabled=False,
                forced_down=False, last_seen_up=now, created_at=then,
                updated_at=now, version=1, deleted=0) for name in names])
            ids = dict(session.execute(sa.select(
                cell.Service.host, cell.Service.id).where(
                    cell.Service.host.in_(names))).all())
            session.execute(sa.insert(cell.ComputeNode), [
                _node(name, ids[name], instances_per_host, then)
                for name in names])
            session.execute(sa.insert(cell.Instance), [
                _instance(name, then) for name in names
                for _ in range(instances_per_host)])
        with engines.writer(self.api_url) as session:
            session.execute(sa.insert(api.HostMapping), [
                dict(host=name, cell_id=self.cell_id, created_at=then)
                for name in names])

    def live_a_second(self, selections):
        """Heartbeats of a tenth of the services; the claim and the
        instance row of each selected host, as nova-conductor makes
        them."""
        now = timeutils.utcnow()
        share = max(self.hosts // BEATING_SHARE, 1)
        beating = ['bench-%05d' % ((self.beat_from + i) % self.hosts)
                   for i in range(share)]
        self.beat_from = (self.beat_from + share) % self.hosts
        with engines.writer(self.cell_url) as session:
            session.execute(sa.update(cell.Service).where(
                cell.Service.host.in_(beating)).values(
                    report_count=cell.Service.report_count + 1,
                    last_seen_up=now, updated_at=now))
            for alternatives in selections:
                chosen = alternatives[0]
                session.execute(sa.update(cell.ComputeNode).where(
                    cell.ComputeNode.uuid == chosen['compute_node_uuid'])
                    .values(vcpus_used=cell.ComputeNode.vcpus_used + 1,
                            memory_mb_used=cell.ComputeNode.memory_mb_used +
                            FLAVOR['memory_mb'],
                            free_ram_mb=cell.ComputeNode.free_ram_mb -
                            FLAVOR['memory_mb'],
                            local_gb_used=cell.ComputeNode.local_gb_used +
                            FLAVOR['root_gb'],
                            free_disk_gb=cell.ComputeNode.free_disk_gb -
                            FLAVOR['root_gb'],
                            running_vms=cell.ComputeNode.running_vms + 1,
                            updated_at=now))
                session.execute(sa.insert(cell.Instance), [
                    _instance(chosen['service_host'], now,
                              vm_state=states.BUILDING)])


def _node(name, service_id, instances, now):
    used = {'vcpus': instances * FLAVOR['vcpus'],
            'memory_mb': instances * FLAVOR['memory_mb'],
            'local_gb': instances * FLAVOR['root_gb']}
    return dict(
        uuid=str(uuid.uuid4()), service_id=service_id, host=name,
        hypervisor_hostname=name, vcpus=HOST['vcpus'],
        memory_mb=HOST['memory_mb'], local_gb=HOST['local_gb'],
        vcpus_used=used['vcpus'], memory_mb_used=used['memory_mb'],
        local_gb_used=used['local_gb'],
        free_ram_mb=HOST['memory_mb'] - used['memory_mb'],
        free_disk_gb=HOST['local_gb'] - used['local_gb'],
        running_vms=instances, current_workload=0,
        disk_available_least=HOST['local_gb'] - used['local_gb'],
        hypervisor_type='fake', hypervisor_version=1000,
        cpu_info='{"arch": "x86_64", "model": "fake"}',
        supported_instances='[["x86_64", "fake", "hvm"]]', stats='{}',
        host_ip='192.0.2.1', cpu_allocation_ratio=16.0,
        ram_allocation_ratio=1.5, disk_allocation_ratio=1.0, mapped=1,
        created_at=now, updated_at=now, deleted=0)


def _instance(host, now, vm_state=states.ACTIVE):
    return dict(uuid=str(uuid.uuid4()), host=host, node=host,
                project_id='bench', user_id='bench', vm_state=vm_state,
                power_state=1, memory_mb=FLAVOR['memory_mb'],
                vcpus=FLAVOR['vcpus'], root_gb=FLAVOR['root_gb'],
                ephemeral_gb=0, display_name='vm', created_at=now,
                updated_at=now, deleted=0)


def _spec(count):
    uuids = [str(uuid.uuid4()) for _ in range(count)]
    return uuids, {
        'instance_uuid': uuids[0], 'project_id': 'bench',
        'user_id': 'bench', 'num_instances': count, 'flavor': FLAVOR,
        'image': {'id': str(uuid.uuid4()), 'properties': {}},
        'availability_zone': None, 'force_hosts': [], 'force_nodes': [],
        'requested_destination': None, 'scheduler_hints': {},
        'instance_group': None, 'ignore_hosts': [], 'is_bfv': False}


def _select(manager, count):
    """(seconds, selections) of one request."""
    uuids, spec = _spec(count)
    started = time.perf_counter()
    selections = manager.select_destinations(
        context.get_admin_context(), spec, uuids)
    return time.perf_counter() - started, selections


def measure(cloud, hosts, args):
    """Cold, warm and multi-instance latencies at ``hosts`` hosts."""
    # Imported once nova.conf is parsed, as nova-scheduler does.
    from nova_scheduler import manager as scheduler_manager
    manager = scheduler_manager.SchedulerManager()
    refresh = _time_refreshes(manager)
    cold, selections = _select(manager, 1)
    figures = {'hosts': hosts,
               'instances': hosts * args.instances_per_host,
               'cold_first_call_ms': _ms(cold),
               'cold_refresh_ms': _ms(refresh.pop())}
    warm = []
    for _ in range(args.requests):
        cloud.live_a_second(selections)
        took, selections = _select(manager, 1)
        warm.append(took)
    figures.update(_spread('warm', warm))
    figures.update(_spread('warm_refresh', refresh))
    refresh.clear()
    cloud.live_a_second(selections)
    took, _selections = _select(manager, args.multi)
    figures['multi_instances'] = args.multi
    figures['multi_ms'] = _ms(took)
    figures['multi_refresh_ms'] = _ms(refresh.pop())
    return figures


def _time_refreshes(manager):
    """Record how long each host state refresh takes, in seconds."""
    times = []
    real = manager.host_manager.get_host_states

    def timed():
        started = time.perf_counter()
        try:
            return real()
        finally:
            times.append(time.perf_counter() - started)
    manager.host_manager.get_host_states = timed
    return times


def _ms(seconds):
    return round(seconds * 1000, 1)


def _spread(name, samples):
    ordered = sorted(samples)
    return {'%s_median_ms' % name: _ms(statistics.median(ordered)),
            '%s_p90_ms' % name: _ms(ordered[int(len(ordered) * 0.9) - 1]),
            '%s_max_ms' % name: _ms(ordered[-1])}


_LABELS = (
    ('hosts', 'simulated hosts'),
    ('instances', 'instances seeded'),
    ('cold_first_call_ms', 'cold: first select_destinations (ms)'),
    ('cold_refresh_ms', '  of which reading every host (ms)'),
    ('warm_median_ms', 'warm: select_destinations median (ms)'),
    ('warm_p90_ms', 'warm: p90 (ms)'),
    ('warm_max_ms', 'warm: max (ms)'),
    ('warm_refresh_median_ms', '  of which refresh, median (ms)'),
    ('multi_instances', 'multi-instance request: instances'),
    ('multi_ms', 'multi-instance request (ms)'),
    ('multi_refresh_ms', '  of which refresh (ms)'),
)


def _table(results):
    width = max(len(label) for _, label in _LABELS)
    lines = []
    for key, label in _LABELS:
        lines.append('%-*s  %s' % (width, label, '  '.join(
            '%10s' % figures.get(key, '') for figures in results)))
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(main())
