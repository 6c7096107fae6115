"""How one nova-compute simulating N hosts loads nova-conductor.

Starts a throwaway deployment (see benchmarks/_deploy.py), then
nova-conductor and one nova-compute with ``compute_driver =
fake.FakeDriver`` and ``[fake] host_count = N``, and measures, reading
the cell database only:

- how long until all N services are registered and all N compute nodes
  reported, counted from the start of nova-compute;
- how long ``nova-manage cell_v2 discover_hosts`` takes to map them;
- over a steady-state window, the conductor's write rate (heartbeats
  and compute node updates per second), whether every service stays
  up as the API judges it, the CPU and memory of both daemons and
  their AMQP connections.

Run from the top of the repository:

    .venv/bin/python -m benchmarks.compute_hosts --hosts 1000

It prints figures; it does not judge them.  It fails (exit 1, with the
end of the daemons' logs) only when the hosts never all report.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

from oslo_utils import timeutils
import sqlalchemy as sa

from benchmarks import _deploy
from common import conf
from common import service
from common.db import api_models as api
from common.db import engines
from common.db import main_models as cell

COMPUTE = 'nova-compute'
POLL = 0.5
PROGRESS_EVERY = 10
CONDUCTOR_TIMEOUT = 120


class BenchmarkFailed(Exception):
    """The deployment did not get where the benchmark measures."""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, default=1000,
                        help='simulated compute hosts ([fake] host_count)')
    parser.add_argument('--report-interval', type=int, default=10,
                        help='seconds between heartbeats')
    parser.add_argument('--service-down-time', type=int, default=60,
                        help='seconds without a beat before a service '
                             'counts as down')
    parser.add_argument('--update-resources-interval', type=int,
                        help="seconds between resource audits (Nova's "
                             'default, 60 s, when not given)')
    parser.add_argument('--window', type=float, default=60,
                        help='seconds of steady state to measure')
    parser.add_argument('--timeout', type=float, default=600,
                        help='seconds allowed for all hosts to report')
    parser.add_argument('--mysql-url', default=_deploy.DEFAULT_MYSQL_URL,
                        help='MariaDB server, without a database name')
    parser.add_argument('--keep', action='store_true',
                        help='keep the temporary directory (nova.conf, '
                             'logs); it is always kept on failure')
    parser.add_argument('--json', action='store_true',
                        help='print the figures as JSON')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        _deploy.check_socket_limit(args.hosts)
    except _deploy.BrokerNotReady as e:
        print('refusing to start: %s' % e, file=sys.stderr)
        return 2
    conf.CONF.set_override('service_down_time', args.service_down_time)
    signal.signal(signal.SIGTERM, _interrupt)
    work_dir = tempfile.mkdtemp(prefix='nt_bench_')
    figures = None
    interrupted = False
    try:
        with _deploy.Deployment(work_dir, args.mysql_url,
                                _options(args)) as deployment:
            figures = _run_or_explain(deployment, args)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        failed = figures is None and not interrupted
        _clean_up(work_dir, keep=args.keep or failed)
    if interrupted:
        print('interrupted; daemons stopped, databases dropped',
              file=sys.stderr)
        return 130
    if figures is None:
        return 1
    print(json.dumps(figures, indent=2) if args.json else _table(figures))
    return 0


def _interrupt(_signum, _frame):
    """SIGTERM cleans up as Ctrl-C does."""
    raise KeyboardInterrupt


def _options(args):
    """nova.conf sections of this run."""
    default = {'compute_driver': 'fake.FakeDriver',
               'report_interval': args.report_interval,
               'service_down_time': args.service_down_time}
    if args.update_resources_interval is not None:
        default['update_resources_interval'] = (
            args.update_resources_interval)
    return {'DEFAULT': default}


def _clean_up(work_dir, keep):
    if keep:
        print('nova.conf and logs kept in %s' % work_dir, file=sys.stderr)
    else:
        shutil.rmtree(work_dir, ignore_errors=True)


def _run_or_explain(deployment, args):
    """The figures, or None after printing why and the logs' ends."""
    try:
        return run(deployment, args)
    except BenchmarkFailed as e:
        print('FAILED: %s\n' % e, file=sys.stderr)
        for daemon in deployment.daemons:
            print(daemon.tail(), file=sys.stderr)
        return None


def run(deployment, args):
    """Set up, start, measure, stop; the figures as a dict."""
    figures = {'hosts': args.hosts, 'report_interval_s': args.report_interval,
               'service_down_time_s': args.service_down_time}
    started = time.monotonic()
    deployment.setup()
    figures['setup_s'] = _since(started)
    watch = CellWatch(deployment.cell_url)
    conductor = deployment.start('nova-conductor')
    _wait_for_conductor(watch, conductor)
    compute = deployment.start(
        COMPUTE, {'fake': {'host_count': args.hosts}})
    figures.update(_ramp_up(watch, conductor, compute, args))
    figures.update(_discover(deployment, args.hosts))
    figures.update(_steady_state(watch, conductor, compute, args))
    figures.update(_connections(deployment))
    figures.update(_log_counts(deployment))
    stops = deployment.stop_daemons(timeout=90)
    figures['compute_stop_s'] = round(stops[COMPUTE], 1)
    return figures


class CellWatch:
    """Read-only queries on the cell database."""

    def __init__(self, cell_url):
        self.url = cell_url

    def _scalar(self, query):
        with engines.reader(self.url) as session:
            return session.execute(query).one()

    def conductor_registered(self):
        return self._scalar(sa.select(sa.func.count()).where(
            cell.Service.binary == 'nova-conductor',
            cell.Service.deleted == 0))[0]

    def progress(self):
        """(compute services registered, compute nodes reported)."""
        services = self._scalar(sa.select(sa.func.count()).where(
            cell.Service.binary == COMPUTE, cell.Service.deleted == 0))[0]
        nodes = self._scalar(sa.select(sa.func.count()).where(
            cell.ComputeNode.deleted == 0))[0]
        return services, nodes

    def heartbeats(self):
        """Beats recorded so far: the sum of the report counts."""
        total = self._scalar(sa.select(
            sa.func.coalesce(sa.func.sum(cell.Service.report_count), 0))
            .where(cell.Service.binary == COMPUTE,
                   cell.Service.deleted == 0))[0]
        return int(total)

    def services(self):
        columns = ('last_seen_up', 'updated_at', 'created_at', 'forced_down')
        with engines.reader(self.url) as session:
            rows = session.execute(sa.select(
                *(getattr(cell.Service, c) for c in columns)).where(
                    cell.Service.binary == COMPUTE,
                    cell.Service.deleted == 0)).all()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def node_stamps(self):
        """{compute node id: updated_at}."""
        with engines.reader(self.url) as session:
            return dict(session.execute(sa.select(
                cell.ComputeNode.id, cell.ComputeNode.updated_at).where(
                    cell.ComputeNode.deleted == 0)).all())


def _since(started):
    return round(time.monotonic() - started, 1)


def _check_alive(*daemons):
    for daemon in daemons:
        if not daemon.alive():
            raise BenchmarkFailed('%s exited with status %s' % (
                daemon.binary, daemon.proc.returncode))


def _wait_for_conductor(watch, conductor):
    """Until the conductor wrote its own row: it then serves RPC."""
    deadline = time.monotonic() + CONDUCTOR_TIMEOUT
    while not watch.conductor_registered():
        _check_alive(conductor)
        if time.monotonic() > deadline:
            raise BenchmarkFailed('nova-conductor not registered after '
                                  '%ds' % CONDUCTOR_TIMEOUT)
        time.sleep(POLL)


def _ramp_up(watch, conductor, compute, args):
    """Seconds from nova-compute's start until all hosts registered and
    all nodes reported, and the daemons' CPU use meanwhile."""
    cpu = _CpuMeter(conductor, compute)
    figures = {}
    next_progress = PROGRESS_EVERY
    while True:
        services, nodes = watch.progress()
        elapsed = time.monotonic() - compute.started
        if services >= args.hosts and 'all_registered_s' not in figures:
            figures['all_registered_s'] = round(elapsed, 1)
        if nodes >= args.hosts:
            figures['all_reported_s'] = round(elapsed, 1)
            break
        _check_alive(conductor, compute)
        if elapsed > args.timeout:
            raise BenchmarkFailed(
                'after %ds only %d of %d services registered and %d '
                'compute nodes reported' % (args.timeout, services,
                                            args.hosts, nodes))
        if elapsed >= next_progress:
            print('%4ds: %d services, %d nodes of %d' % (
                elapsed, services, nodes, args.hosts), file=sys.stderr)
            next_progress += PROGRESS_EVERY
        time.sleep(POLL)
    figures['hosts_per_s'] = round(args.hosts / figures['all_reported_s'],
                                   1)
    figures.update(cpu.percent('ramp'))
    return figures


def _discover(deployment, hosts):
    """Time `nova-manage cell_v2 discover_hosts`, a process start
    included, as an operator runs it."""
    started = time.monotonic()
    deployment.manage('cell_v2', 'discover_hosts')
    took = _since(started)
    with engines.reader(deployment.api_url) as session:
        mapped = session.scalar(
            sa.select(sa.func.count()).select_from(api.HostMapping))
    if mapped != hosts:
        print('discover_hosts mapped %d hosts, not %d' % (mapped, hosts),
              file=sys.stderr)
    return {'discover_hosts_s': took, 'host_mappings': mapped}


def _steady_state(watch, conductor, compute, args):
    """Write rates, liveness and resource use over ``args.window``."""
    cpu = _CpuMeter(conductor, compute)
    started = time.monotonic()
    beats = watch.heartbeats()
    stamps = watch.node_stamps()
    node_updates = 0
    fewest_up = args.hosts
    oldest_beat = 0.0
    while time.monotonic() - started < args.window:
        time.sleep(POLL)
        _check_alive(conductor, compute)
        up, age = _liveness(watch.services())
        fewest_up = min(fewest_up, up)
        oldest_beat = max(oldest_beat, age)
        new_stamps = watch.node_stamps()
        node_updates += sum(1 for node, stamp in new_stamps.items()
                            if stamps.get(node) != stamp)
        stamps = new_stamps
    beats = watch.heartbeats() - beats
    elapsed = time.monotonic() - started
    figures = {
        'window_s': round(elapsed, 1),
        'heartbeats_per_s': round(beats / elapsed, 1),
        'heartbeats_expected_per_s': round(
            args.hosts / args.report_interval, 1),
        'node_updates_per_s': round(node_updates / elapsed, 2),
        'fewest_up': fewest_up,
        'up_at_end': _liveness(watch.services())[0],
        'oldest_beat_s': round(oldest_beat, 1)}
    figures.update(cpu.percent('steady'))
    figures.update(_memory(conductor, compute))
    return figures


def _liveness(services):
    """(services judged up, age in seconds of the oldest last beat)."""
    now = timeutils.utcnow()
    up = sum(1 for s in services if service.is_up(s, now))
    ages = [timeutils.delta_seconds(s['last_seen_up'], now)
            for s in services if s['last_seen_up']]
    return up, max(ages, default=0.0)


class _CpuMeter:
    """CPU use of the daemons from now on, in % of one core."""

    def __init__(self, *daemons):
        self.daemons = daemons
        self.started = time.monotonic()
        self.cpu = [d.cpu_seconds() for d in daemons]

    def percent(self, phase):
        elapsed = time.monotonic() - self.started
        return {
            '%s_cpu_%s_pct' % (phase, _short(d.binary)):
                round(100 * (d.cpu_seconds() - cpu) / elapsed, 1)
            for d, cpu in zip(self.daemons, self.cpu, strict=True)}


def _short(binary):
    return binary.replace('nova-', '')


def _memory(*daemons):
    figures = {}
    for daemon in daemons:
        name = _short(daemon.binary)
        figures['%s_rss_mb' % name] = round(daemon.status('VmRSS') / 1024)
        figures['%s_threads' % name] = daemon.status('Threads')
    return figures


def _connections(deployment):
    """AMQP connections per daemon; none when rabbitmqctl fails."""
    try:
        counts = deployment.connections()
    except Exception as e:  # optional figure: never fail the run for it
        print('could not list AMQP connections: %s' % e, file=sys.stderr)
        return {}
    return {'%s_amqp_connections' % _short(program): count
            for program, count in sorted(counts.items())}


def _log_counts(deployment):
    """WARNING and ERROR lines each daemon logged: missed beats and
    failed reports show up there first."""
    figures = {}
    for daemon in deployment.daemons:
        counts = {'WARNING': 0, 'ERROR': 0}
        if not os.path.exists(daemon.log_path):
            continue
        with open(daemon.log_path, errors='replace') as f:
            for line in f:
                for level in counts:
                    if ' %s ' % level in line:
                        counts[level] += 1
        name = _short(daemon.binary)
        figures['%s_log_warnings' % name] = counts['WARNING']
        figures['%s_log_errors' % name] = counts['ERROR']
    return figures


# Labels of the plain table, in order; figures not listed are JSON only.
_LABELS = (
    ('hosts', 'simulated hosts'),
    ('report_interval_s', 'report_interval (s)'),
    ('setup_s', 'deployment set-up (s)'),
    ('all_registered_s', 'compute start -> all services registered (s)'),
    ('all_reported_s', 'compute start -> all nodes reported (s)'),
    ('hosts_per_s', 'hosts brought up per second'),
    ('ramp_cpu_conductor_pct', 'conductor CPU during start-up (%)'),
    ('ramp_cpu_compute_pct', 'compute CPU during start-up (%)'),
    ('discover_hosts_s', 'nova-manage cell_v2 discover_hosts (s)'),
    ('host_mappings', 'host mappings after discovery'),
    ('window_s', 'steady-state window (s)'),
    ('heartbeats_per_s', 'heartbeats written per second'),
    ('heartbeats_expected_per_s', '  expected (hosts / report_interval)'),
    ('node_updates_per_s', 'compute node updates per second'),
    ('fewest_up', 'fewest services up during window'),
    ('up_at_end', 'services up at end of window'),
    ('oldest_beat_s', 'oldest last beat seen (s)'),
    ('steady_cpu_conductor_pct', 'conductor CPU (%)'),
    ('steady_cpu_compute_pct', 'compute CPU (%)'),
    ('conductor_rss_mb', 'conductor RSS (MiB)'),
    ('compute_rss_mb', 'compute RSS (MiB)'),
    ('conductor_threads', 'conductor threads'),
    ('compute_threads', 'compute threads'),
    ('conductor_amqp_connections', 'conductor AMQP connections'),
    ('compute_amqp_connections', 'compute AMQP connections'),
    ('conductor_log_warnings', 'conductor log warnings'),
    ('conductor_log_errors', 'conductor log errors'),
    ('compute_log_warnings', 'compute log warnings'),
    ('compute_log_errors', 'compute log errors'),
    ('compute_stop_s', 'compute SIGTERM -> exit (s)'),
)


def _table(figures):
    rows = [(label, figures[key]) for key, label in _LABELS
            if key in figures]
    width = max(len(label) for label, _ in rows)
    return '\n'.join('%-*s  %s' % (width, label, value)
                     for label, value in rows)


if __name__ == '__main__':
    sys.exit(main())
