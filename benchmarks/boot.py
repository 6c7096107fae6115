"""Boot and delete N servers at concurrency C; print how fast it went.

Against a running cloud (only the Python standard library talks to it):

    .venv/bin/python -m benchmarks.boot \\
        --endpoint http://127.0.0.1:8774/v2.1 --token admin:admin \\
        --image <image uuid> --flavor 1 -n 100 -c 10

or, with ``--deploy``, against a throwaway deployment this script starts
(MariaDB databases, RabbitMQ vhost, a real Glance, the five daemons,
``--hosts`` simulated compute hosts), removed at the end.

Printed: POST /servers latency p50/p95, time until all are ACTIVE,
servers/s, time until all deletes are gone from the list, GET
/servers/detail latency with 0 and N servers, and the peak RSS and PSS
of each nova daemon on this machine while it ran.

With ``--guests``, the servers are real QEMU guests: ``--deploy`` then
runs nova-compute on the libvirt driver with the integration tests'
guest image, and ``--marker`` (its boot marker by default) is the text
the guest's console shows once it is up.  One server boots first, alone,
its image not cached yet; another alone; then N at concurrency C.
Printed for each phase: POST -> ACTIVE and POST -> marker (seconds,
each server from its own POST), as a user waiting for a server would
see them.
"""

import argparse
import concurrent.futures
import contextlib
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

# How often the client looks again, and what it looks at: the plain list
# filtered by status is what a client waiting for builds would poll; it
# costs the API less than the detailed list, which is measured apart.
POLL = 0.1
DETAIL_SAMPLES = 20
DAEMONS = ('nova-api', 'nova-conductor', 'nova-scheduler', 'nova-compute',
           'nova-novncproxy')


class Client:
    """The compute API over urllib, one token, JSON in and out."""

    def __init__(self, endpoint, token):
        self.endpoint = endpoint.rstrip('/')
        self.headers = {'X-Auth-Token': token,
                        'Content-Type': 'application/json',
                        'Accept': 'application/json',
                        'OpenStack-API-Version': 'compute 2.37'}

    def request(self, method, path, body=None):
        """(status, decoded body, seconds)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.endpoint + path, data=data,
                                     method=method, headers=self.headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        elapsed = time.perf_counter() - started
        return status, json.loads(raw) if raw else None, elapsed


class RssSampler(threading.Thread):
    """Peak memory (MiB) per nova daemon, summed over its processes:
    RSS, which counts the pages forked workers share once per worker,
    and PSS, which splits shared pages between their processes (what
    the daemons together really hold)."""

    def __init__(self, interval=0.2, roots=None):
        super().__init__(daemon=True)
        self.interval = interval
        # {pid: daemon} of a deployment's daemons: only they and their
        # children count, not another cloud on the machine.
        self.roots = roots
        self.peak = {kind: dict.fromkeys(DAEMONS, 0.0)
                     for kind in ('Rss', 'Pss')}
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            for kind, totals in _memory_by_daemon(self.roots).items():
                for daemon, mib in totals.items():
                    self.peak[kind][daemon] = max(self.peak[kind][daemon],
                                                  mib)
            self._done.wait(self.interval)

    def stop(self):
        self._done.set()
        self.join()


def _memory_by_daemon(roots=None):
    """{'Rss', 'Pss'}: {daemon: MiB}, each daemon's processes summed.

    A daemon's processes are the ones started as it and their children:
    workers may retitle themselves (gunicorn's ``gunicorn: worker
    [nova-api]``), so a child is known by its parent.
    """
    totals = {kind: dict.fromkeys(DAEMONS, 0.0) for kind in ('Rss', 'Pss')}
    processes = _processes()
    for pid, daemon in _daemon_processes(processes, roots).items():
        with contextlib.suppress(OSError):
            for kind, mib in _memory_mib(pid).items():
                totals[kind][daemon] += mib
    return totals


def _processes():
    """{pid: (parent pid, argv)} of the processes running now."""
    found = {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        with contextlib.suppress(OSError):
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                argv = f.read().split(b'\0')
            with open('/proc/%s/stat' % pid) as f:
                parent = f.read().rsplit(')', 1)[1].split()[1]
            found[pid] = (parent, argv)
    return found


def _daemon_processes(processes, roots):
    """{pid: daemon}: ``roots`` (else every process running a daemon)
    and their descendants."""
    if roots is not None:
        owner = {str(pid): daemon for pid, daemon in roots.items()}
    else:
        owner = {pid: _daemon_of(argv)
                 for pid, (_parent, argv) in processes.items()
                 if _daemon_of(argv)}
    found = True
    while found:
        found = False
        for pid, (parent, _argv) in processes.items():
            if pid not in owner and parent in owner:
                owner[pid] = owner[parent]
                found = True
    return owner


def _daemon_of(argv):
    """The daemon a command line runs, also once retitled: gunicorn's
    ``gunicorn: master [nova-api]``, or setproctitle's joining the
    arguments into one string."""
    words = b' '.join(argv).decode(errors='replace').split()
    if words[:1] == ['gunicorn:']:
        title = words[-1].strip('[]')
        return title if title in DAEMONS else None
    for word in words[:2]:
        if os.path.basename(word) in DAEMONS:
            return os.path.basename(word)
    return None


def _memory_mib(pid):
    """{'Rss', 'Pss'} of a process from /proc/<pid>/smaps_rollup."""
    found = {}
    with open('/proc/%s/smaps_rollup' % pid) as f:
        for line in f:
            key = line.split(':')[0]
            if key in ('Rss', 'Pss'):
                found[key] = int(line.split()[1]) / 1024
    return found


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _detail_latency(client):
    """Median seconds of GET /servers/detail."""
    samples = []
    for _ in range(DETAIL_SAMPLES):
        status, _body, elapsed = client.request('GET', '/servers/detail')
        if status != 200:
            raise SystemExit('GET /servers/detail answered %d' % status)
        samples.append(elapsed)
    return statistics.median(samples)


def _wait(client, path, done, timeout):
    """Poll GET ``path`` until done(its servers) holds; seconds."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        _status, body, _elapsed = client.request('GET', path)
        if done(body['servers']):
            return time.perf_counter() - started
        time.sleep(POLL)
    raise SystemExit('timed out after %ds waiting on %s' % (timeout, path))


def _ours(ids):
    return lambda servers: [s for s in servers if s['id'] in ids]


def run(client, image, flavor, count, concurrency, timeout):
    """Boot ``count`` servers, then delete them; figures as a dict."""
    figures = {'detail_0': _detail_latency(client)}
    body = {'server': {'name': 'bench', 'imageRef': image,
                       'flavorRef': flavor, 'networks': 'none'}}

    def create(_index):
        return client.request('POST', '/servers', body)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(create, range(count)))
    refused = [r for r in results if r[0] != 202]
    if refused:
        raise SystemExit('%d creates refused, e.g. %s' % (
            len(refused), refused[0][1]))
    ids = {r[1]['server']['id'] for r in results}
    latencies = [r[2] for r in results]
    figures.update(post_p50=_percentile(latencies, 0.5),
                   post_p95=_percentile(latencies, 0.95))
    ours = _ours(ids)
    _wait(client, '/servers?status=BUILD', lambda s: not ours(s), timeout)
    figures['all_active'] = time.perf_counter() - started
    _status, body, _elapsed = client.request('GET', '/servers/detail')
    statuses = [s['status'] for s in ours(body['servers'])]
    if len(statuses) != count:
        raise SystemExit('%d servers listed, %d created' % (
            len(statuses), count))
    figures['errors'] = statuses.count('ERROR')
    figures['servers_per_s'] = count / figures['all_active']
    figures['detail_n'] = _detail_latency(client)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda i: client.request('DELETE', '/servers/%s' % i),
                      ids))
    _wait(client, '/servers', lambda s: not ours(s), timeout)
    figures['all_deleted'] = time.perf_counter() - started
    return figures


def run_guests(client, image, flavor, count, concurrency, marker,
               timeout):
    """Boot one guest alone (the image not cached yet), another, then
    ``count`` at ``concurrency``; per phase (title, results), the
    seconds from each POST to ACTIVE and to ``marker`` on the console.
    Every server is deleted after."""
    body = {'server': {'name': 'bench-guest', 'imageRef': image,
                       'flavorRef': flavor, 'networks': 'none'}}
    ids = []

    def boot(_index):
        posted = time.perf_counter()
        status, created, _elapsed = client.request('POST', '/servers', body)
        if status != 202:
            raise SystemExit('create refused (%d): %s' % (status, created))
        server_id = created['server']['id']
        ids.append(server_id)
        active = _wait_server(client, server_id, posted, timeout)
        shown = _wait_console(client, server_id, marker, posted, timeout)
        return active, shown

    try:
        phases = [('1 guest, image not cached', [boot(0)]),
                  ('1 guest, image cached', [boot(0)])]
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            phases.append(('%d guests, %d at a time' % (count, concurrency),
                           list(pool.map(boot, range(count)))))
    finally:
        for server_id in ids:
            client.request('DELETE', '/servers/%s' % server_id)
        _wait(client, '/servers', lambda s: not _ours(set(ids))(s),
              timeout)
    return phases


def _wait_server(client, server_id, posted, timeout):
    """Seconds from ``posted`` until the server is ACTIVE."""
    while time.perf_counter() - posted < timeout:
        _status, body, _elapsed = client.request(
            'GET', '/servers/%s' % server_id)
        status = body['server']['status']
        if status == 'ACTIVE':
            return time.perf_counter() - posted
        if status == 'ERROR':
            raise SystemExit('server %s: ERROR %s' % (
                server_id, body['server'].get('fault')))
        time.sleep(POLL / 2)
    raise SystemExit('server %s not ACTIVE after %ds' % (server_id, timeout))


def _wait_console(client, server_id, marker, posted, timeout):
    """Seconds from ``posted`` until ``marker`` is on the console."""
    action = {'os-getConsoleOutput': {'length': 50}}
    while time.perf_counter() - posted < timeout:
        _status, body, _elapsed = client.request(
            'POST', '/servers/%s/action' % server_id, action)
        if marker in body['output']:
            return time.perf_counter() - posted
        time.sleep(POLL)
    raise SystemExit('server %s: no %r on its console after %ds' % (
        server_id, marker, timeout))


def report_guests(phases, peak):
    for title, results in phases:
        print(title)
        for index, what in enumerate(('POST -> ACTIVE', 'POST -> marker')):
            seconds = [figures[index] for figures in results]
            print('  %-16s p50 %6.2f s   max %6.2f s' % (
                what, statistics.median(seconds), max(seconds)))
    _report_memory(peak)


def report(figures, count, peak):
    print('POST /servers latency      p50 %6.1f ms   p95 %6.1f ms' % (
        figures['post_p50'] * 1000, figures['post_p95'] * 1000))
    print('all %d ACTIVE after        %6.2f s  (%.1f servers/s, %d ERROR)'
          % (count, figures['all_active'], figures['servers_per_s'],
             figures['errors']))
    print('all deleted after          %6.2f s' % figures['all_deleted'])
    print('GET /servers/detail        %6.1f ms with 0, %6.1f ms with %d'
          % (figures['detail_0'] * 1000, figures['detail_n'] * 1000, count))
    _report_memory(peak)


def _report_memory(peak):
    print('peak memory (MiB)             RSS      PSS')
    for daemon in DAEMONS:
        print('  %-22s %8.0f %8.0f' % (daemon, peak['Rss'][daemon],
                                       peak['Pss'][daemon]))
    print('  %-22s %8.0f %8.0f' % ('all daemons', sum(peak['Rss'].values()),
                                   sum(peak['Pss'].values())))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--endpoint', default='http://127.0.0.1:8774/v2.1')
    parser.add_argument('--token', default='admin:admin')
    parser.add_argument('--image', help='image uuid (required without '
                        '--deploy)')
    parser.add_argument('--flavor', default='1')
    parser.add_argument('-n', '--count', type=int, default=100)
    parser.add_argument('-c', '--concurrency', type=int, default=10)
    parser.add_argument('--timeout', type=int, default=300)
    parser.add_argument('--deploy', action='store_true',
                        help='start a throwaway deployment to measure')
    parser.add_argument('--hosts', type=int, default=10,
                        help='simulated compute hosts with --deploy')
    parser.add_argument('--guests', action='store_true',
                        help='real QEMU guests (with --deploy: the '
                        'libvirt driver and the test guest image)')
    parser.add_argument('--workers', type=int,
                        help='with --deploy: nova-api and nova-conductor '
                        'worker processes (default: one per CPU)')
    parser.add_argument('--marker', default='NOVA-TEST-GUEST-READY',
                        help='console text of a guest that is up')
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        if args.deploy:
            from benchmarks import _cloud  # noqa: PLC0415 - only here
            cloud = stack.enter_context(_cloud.cloud(
                args.hosts, guests=args.guests, workers=args.workers))
            args.endpoint, args.image = cloud.endpoint, cloud.image_id
            args.token, args.flavor = 'admin:admin', cloud.flavor_id
        if not args.image:
            parser.error('--image is required without --deploy')
        client = Client(args.endpoint, args.token)
        sampler = RssSampler(roots=cloud.daemons if args.deploy else None)
        sampler.start()
        try:
            if args.guests:
                figures = run_guests(client, args.image, args.flavor,
                                     args.count, args.concurrency,
                                     args.marker, args.timeout)
            else:
                figures = run(client, args.image, args.flavor, args.count,
                              args.concurrency, args.timeout)
        finally:
            sampler.stop()
        if args.guests:
            report_guests(figures, sampler.peak)
        else:
            report(figures, args.count, sampler.peak)
    return 0


if __name__ == '__main__':
    sys.exit(main())
