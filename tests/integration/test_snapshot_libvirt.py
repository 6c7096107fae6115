"""createImage of a real QEMU guest, a server booted from the snapshot,
and a guest whose QEMU dies, driven through the REST API.

The cloud is rest_cloud's: the five daemons as processes, a real
Glance, nova-compute on the host's libvirtd (TCG).  The snapshot is
cold: the running guest is saved to disk while its root disk is
flattened, then runs again; the image keeps the guest image's kernel
and ramdisk, so a server booted from it reaches the same marker.
"""

import os
import pathlib
import signal
import time

import pytest

from tests.integration import rest_cloud as rc

libvirt = pytest.importorskip('libvirt')
pytestmark = pytest.mark.usefixtures('clouds_service_down_time')

QEMU_PID_FILE = '/run/libvirt/qemu/instance-%s.pid'
# One power-state sync, and the conductor's write it makes.
KILLED_DEADLINE = rc.SYNC_POWER_STATE_INTERVAL + 5
SNAPSHOTS_DIR = 'snapshots'


def _boot_from(cloud, image_id, name):
    """POST /servers from ``image_id``; the server's id."""
    body = {'server': {'name': name, 'imageRef': image_id,
                       'flavorRef': rc.FLAVOR['id'], 'networks': 'none'}}
    created = cloud.api('POST', '/servers', version='2.37', json=body)
    assert created.status_code == 202, created.text
    server_id = created.json()['server']['id']
    cloud.server_ids.append(server_id)
    return server_id


def _remove(cloud, find_domain, server_ids):
    """Delete the servers; nothing of them may stay behind (the
    snapshots' scratch directory stays, empty)."""
    for server_id in server_ids:
        rc.delete(cloud, server_id)
    for server_id in server_ids:
        rc.wait_gone(cloud, server_id)
        assert find_domain(server_id) is None
    left = rc.instance_dirs(cloud)
    if SNAPSHOTS_DIR in left:
        left.remove(SNAPSHOTS_DIR)
        assert not any((cloud.instances_path / SNAPSHOTS_DIR).iterdir())
    assert left == []


def test_snapshot_of_a_running_guest_boots(cloud, glance, find_domain,
                                           guest):
    marker = guest['marker']
    source, _shown, _to_active, _to_marker = rc.boot_active(
        cloud, 'snap-source', marker)
    taken = time.monotonic()
    resp = cloud.api('POST', '/servers/%s/action' % source, version='2.45',
                     json={'createImage': {'name': 'snap-it',
                                           'metadata': {'purpose': 'it'}}})
    assert resp.status_code == 202, resp.text
    image_id = resp.json()['image_id']
    shown = rc.wait_settled(cloud, source)
    rc.report('createImage -> task done', time.monotonic() - taken)
    assert (shown['status'], shown['OS-EXT-STS:power_state']) == (
        'ACTIVE', 1)
    assert rc.state(find_domain, source) == libvirt.VIR_DOMAIN_RUNNING
    try:
        image = glance.image(image_id)
        assert (image['status'], image['disk_format'],
                image['container_format']) == ('active', 'qcow2', 'bare')
        assert (image['kernel_id'], image['ramdisk_id']) == (
            cloud.image['kernel_id'], cloud.image['ramdisk_id'])
        assert (image['image_type'], image['instance_uuid'],
                image['base_image_ref'], image['purpose']) == (
            'snapshot', source, cloud.image['id'], 'it')

        copy = _boot_from(cloud, image_id, 'snap-copy')
        shown = rc.wait_settled(cloud, copy, timeout=rc.BOOT_TIMEOUT)
        assert shown['status'] == 'ACTIVE', (shown, cloud.logs())
        assert shown['image']['id'] == image_id
        rc.wait_marker(cloud, copy, marker)
        _remove(cloud, find_domain, [source, copy])
        assert rc.compute_errors(cloud) == []
    finally:
        glance.delete_image(image_id)


def test_killed_guest_is_shutoff_within_one_sync_interval(
        cloud, find_domain, guest):
    server_id, _shown, _to_active, _to_marker = rc.boot_active(
        cloud, 'killed', guest['marker'])
    pid = int(pathlib.Path(QEMU_PID_FILE % server_id).read_text())
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)

    def shutoff():
        """the server to show SHUTOFF"""
        shown = rc.server(cloud, server_id)
        return shown if shown['status'] == 'SHUTOFF' else None
    shown = cloud.wait_for(shutoff, timeout=KILLED_DEADLINE, interval=0.2)
    elapsed = time.monotonic() - killed
    rc.report('QEMU killed -> SHUTOFF', elapsed)
    assert elapsed <= KILLED_DEADLINE
    assert shown['OS-EXT-STS:vm_state'] == 'stopped'
    assert shown['OS-EXT-STS:task_state'] is None
    assert shown['OS-EXT-STS:power_state'] in (4, 6)
    assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_SHUTOFF
    _remove(cloud, find_domain, [server_id])
