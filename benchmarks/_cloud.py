"""A whole throwaway cloud for the API benchmarks: a real Glance with
one image, the five daemons on ``hosts`` simulated compute hosts
(benchmarks/_deploy.py), discovered hosts and an m1.tiny flavor.

Glance is the tests' (tests/glance_fixture.py: its own virtualenv made
by ``tools/lib.sh glance_env``, SQLite, noauth tokens like ours).
"""

import contextlib
import json
import shutil
import socket
import tempfile
import time
import types
import urllib.request

from benchmarks import _deploy
from tests import glance_fixture

READY_TIMEOUT = 180
FLAVOR = {'name': 'm1.tiny', 'ram': 512, 'vcpus': 1, 'disk': 1, 'id': '1'}


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _call(url, method='GET', body=None):
    req = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body else None,
        headers={'X-Auth-Token': 'admin:admin',
                 'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b'null')


def _wait(what, predicate, deployment):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if predicate():
                return
        time.sleep(0.5)
    raise SystemExit('%s did not happen in %ds\n%s' % (
        what, READY_TIMEOUT, '\n'.join(d.tail() for d in deployment.daemons)))


@contextlib.contextmanager
def cloud(hosts):
    """Yield (endpoint, work_dir, image_id, flavor_id): the daemons'
    command lines name a file under work_dir; remove everything after."""
    work_dir = tempfile.mkdtemp(prefix='nova-bench-')
    glance = glance_fixture.Glance(work_dir)
    try:
        glance.start()
        image = glance.create_image('bench', disk_format='qcow2')
        port = _free_port()
        options = {
            'DEFAULT': {'osapi_compute_listen': '127.0.0.1',
                        'osapi_compute_listen_port': port,
                        'compute_driver': 'fake.FakeDriver'},
            'api': {'auth_strategy': 'noauth2'},
            'glance': {'api_servers': glance.url},
            'quota': {'instances': -1, 'cores': -1, 'ram': -1},
            'fake': {'host_count': hosts}}
        with _deploy.Deployment(work_dir, options=options) as deployment:
            deployment.setup()
            for binary in ('nova-conductor', 'nova-scheduler', 'nova-compute',
                           'nova-api'):
                deployment.start(binary)
            endpoint = 'http://127.0.0.1:%d/v2.1' % port
            _wait('nova-api answering', lambda: _call(endpoint + '/'),
                  deployment)

            def all_mapped():
                deployment.manage('cell_v2', 'discover_hosts')
                return len(_call(endpoint + '/os-hypervisors')[
                    'hypervisors']) == hosts

            _wait('%d hypervisors mapped' % hosts, all_mapped, deployment)
            _call(endpoint + '/flavors', 'POST', {'flavor': FLAVOR})
            yield types.SimpleNamespace(endpoint=endpoint,
                                        work_dir=work_dir,
                                        image_id=image['id'],
                                        flavor_id=FLAVOR['id'])
    finally:
        glance.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
