"""A whole throwaway cloud for the API benchmarks: a real Glance with
one image, the five daemons on ``hosts`` simulated compute hosts
(benchmarks/_deploy.py), discovered hosts and an m1.tiny flavor.

With ``guests=True``, nova-compute runs the libvirt driver instead (one
host, QEMU TCG on the machine's libvirtd), the image is the test guest
of tests/integration/guest_image.py (kernel, ramdisk, qcow2 root) and
the flavor is sized for it.

Glance is the tests' (tests/glance_fixture.py: its own virtualenv made
by ``tools/lib.sh glance_env``, SQLite, noauth tokens like ours).
"""

import contextlib
import json
import os
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
GUEST_FLAVOR = {'name': 'guest.tiny', 'ram': 256, 'vcpus': 1, 'disk': 1,
                'id': 'guest-tiny'}


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


def _fake_hosts(work_dir, glance, hosts):
    """(driver options, image, flavor) of ``hosts`` simulated hosts."""
    image = glance.create_image('bench', disk_format='qcow2')
    return ({'DEFAULT': {'compute_driver': 'fake.FakeDriver'},
             'fake': {'host_count': hosts}}, image, FLAVOR)


def _guest_host(work_dir, glance, _hosts):
    """(driver options, image, flavor) of one libvirt host: instances
    under ``work_dir``, which QEMU (user libvirt-qemu) must reach."""
    from tests.integration import guest_image  # noqa: PLC0415
    from tests.integration import rest_cloud  # noqa: PLC0415
    os.chmod(work_dir, 0o755)
    image = rest_cloud.upload_guest(glance, guest_image.paths())
    return ({'DEFAULT': {'compute_driver': 'libvirt.LibvirtDriver',
                         'instances_path': os.path.join(work_dir,
                                                        'instances'),
                         'instance_name_template': 'instance-%(uuid)s'},
             # Not instance-%08x: other clouds may share the libvirtd.
             'libvirt': {'virt_type': 'qemu'},
             'vnc': {'server_listen': '127.0.0.1'}}, image, GUEST_FLAVOR)


@contextlib.contextmanager
def cloud(hosts, guests=False, workers=None):
    """Yield (endpoint, work_dir, image_id, flavor_id, daemons: {pid:
    binary}); remove everything after.

    ``workers`` sets nova-api's and nova-conductor's worker processes
    (unset: one per CPU, Nova's default)."""
    work_dir = tempfile.mkdtemp(prefix='nova-bench-')
    glance = glance_fixture.Glance(work_dir)
    try:
        glance.start()
        driver_options, image, flavor = (_guest_host if guests else
                                         _fake_hosts)(work_dir, glance,
                                                      hosts)
        hosts = 1 if guests else hosts
        port = _free_port()
        options = {
            'DEFAULT': {'osapi_compute_listen': '127.0.0.1',
                        'osapi_compute_listen_port': port},
            'api': {'auth_strategy': 'noauth2'},
            'glance': {'api_servers': glance.url},
            'quota': {'instances': -1, 'cores': -1, 'ram': -1},
            'vnc': {'novncproxy_host': '127.0.0.1',
                    'novncproxy_port': _free_port()}}
        if workers:
            options['DEFAULT']['osapi_compute_workers'] = workers
            options['conductor'] = {'workers': workers}
        for section, values in driver_options.items():
            options.setdefault(section, {}).update(values)
        with _deploy.Deployment(work_dir, options=options) as deployment:
            deployment.setup()
            for binary in ('nova-conductor', 'nova-scheduler', 'nova-compute',
                           'nova-api', 'nova-novncproxy'):
                deployment.start(binary)
            endpoint = 'http://127.0.0.1:%d/v2.1' % port
            _wait('nova-api answering', lambda: _call(endpoint + '/'),
                  deployment)

            def all_mapped():
                deployment.manage('cell_v2', 'discover_hosts')
                return len(_call(endpoint + '/os-hypervisors')[
                    'hypervisors']) == hosts

            _wait('%d hypervisors mapped' % hosts, all_mapped, deployment)
            _call(endpoint + '/flavors', 'POST', {'flavor': flavor})
            yield types.SimpleNamespace(endpoint=endpoint,
                                        work_dir=work_dir,
                                        image_id=image['id'],
                                        flavor_id=flavor['id'],
                                        daemons={d.pid: d.binary for d in
                                                 deployment.daemons})
    finally:
        glance.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
