"""rebuild, rescue/unrescue and diagnostics of a real QEMU guest,
driven through the REST API.

The cloud is rest_cloud's: the five daemons as processes, a real
Glance, nova-compute on the host's libvirtd (TCG).  A rebuild replaces
the domain and its disks and the new guest boots to the marker; a
rescued server runs a domain booting a fresh copy of the image with the
server's own disk attached second, and unrescue brings the original
domain back with nothing of the rescue left.
"""

from xml.etree import ElementTree

import pytest

from tests.integration import rest_cloud as rc

libvirt = pytest.importorskip('libvirt')
pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


def _disks(find_domain, server_id):
    """The domain's disk files, in order."""
    xml = ElementTree.fromstring(find_domain(server_id).XMLDesc(0))
    return [disk.find('source').get('file')
            for disk in xml.findall("devices/disk[@type='file']")]


def _instance_files(cloud, server_id):
    return sorted(p.name for p in (cloud.instances_path / server_id).iterdir())


def test_rebuild_rescue_unrescue_diagnostics(cloud, find_domain, guest):
    marker = guest['marker']
    server_id, _shown, _to_active, _to_marker = rc.boot_active(
        cloud, 'rebuilt', marker)
    domain_id = find_domain(server_id).ID()

    shown = rc.act(cloud, server_id, {'rebuild': {
        'imageRef': cloud.image['id'], 'name': 'rebuilt-again'}}, 'ACTIVE')
    assert shown['name'] == 'rebuilt-again'
    assert find_domain(server_id).ID() != domain_id
    assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING
    rc.wait_marker(cloud, server_id, marker)

    resp = cloud.api('POST', '/servers/%s/action' % server_id,
                     json={'rescue': None})
    assert resp.status_code == 200, resp.text
    shown = rc.wait_settled(cloud, server_id)
    assert shown['status'] == 'RESCUE', (shown, cloud.logs())
    root = str(cloud.instances_path / server_id / 'disk')
    rescue_disk = str(cloud.instances_path / server_id / 'disk.rescue')
    assert _disks(find_domain, server_id) == [rescue_disk, root]
    assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING
    rc.wait_marker(cloud, server_id, marker)

    shown = rc.act(cloud, server_id, {'unrescue': None}, 'ACTIVE')
    assert _disks(find_domain, server_id) == [root]
    assert not any('rescue' in name
                   for name in _instance_files(cloud, server_id))
    rc.wait_marker(cloud, server_id, marker)

    resp = cloud.api('GET', '/servers/%s/diagnostics' % server_id,
                     version='2.48')
    assert resp.status_code == 200, resp.text
    diagnostics = resp.json()
    assert (diagnostics['state'], diagnostics['driver'],
            diagnostics['num_cpus'], diagnostics['num_disks']) == (
        'running', 'libvirt', rc.FLAVOR['vcpus'], 1)
    assert diagnostics['memory_details']['maximum'] == rc.FLAVOR['ram']
    assert diagnostics['memory_details']['used'] > 0
    assert diagnostics['disk_details'][0]['read_bytes'] > 0
    assert diagnostics['cpu_details'][0]['time'] > 0

    rc.delete(cloud, server_id)
    rc.wait_gone(cloud, server_id)
    assert find_domain(server_id) is None
    assert rc.instance_dirs(cloud) == []
    assert rc.compute_errors(cloud) == []
