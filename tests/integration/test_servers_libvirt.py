"""Servers on real QEMU guests (the cloud of rest_cloud.py), driven
through the REST API.

A client's view (status, power state, console output) is checked
against libvirt's own after each step: the domain is looked up by the
server's uuid on a connection of the test's.  Other tests may run
guests on the same libvirtd meanwhile, so nothing here counts all
domains.  Boot times are printed (``-s`` shows them).
"""

import concurrent.futures

import pytest

from tests.integration import rest_cloud as rc

libvirt = pytest.importorskip('libvirt')
pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


# --- the tests ---------------------------------------------------------------

def test_guest_lifecycle(cloud, find_domain, guest):
    marker = guest['marker']
    server_id, shown, to_active, to_marker = rc.boot_active(
        cloud, 'lifecycle', marker)
    rc.report('POST -> ACTIVE (image not cached)', to_active)
    rc.report('POST -> marker (image not cached)', to_marker)
    assert shown['OS-EXT-STS:power_state'] == 1
    assert shown['OS-EXT-SRV-ATTR:host'] == cloud.host
    dom = find_domain(server_id)
    assert dom.name() == 'instance-%s' % server_id
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert rc.instance_dirs(cloud) == [server_id]

    # Stop presses the power button; the guest powers itself off.
    shown = rc.act(cloud, server_id, {'os-stop': None}, 'SHUTOFF')
    assert shown['OS-EXT-STS:power_state'] == 4
    assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_SHUTOFF
    assert rc.POWER_BUTTON_PRESSED in rc.console(cloud, server_id)

    rc.act(cloud, server_id, {'os-start': None}, 'ACTIVE')
    assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING
    rc.wait_marker(cloud, server_id, marker)

    # Each reboot starts a new QEMU (a new domain id), whose guest boots
    # to the marker again; SOFT goes through the guest's power button.
    for reboot_type in ('SOFT', 'HARD'):
        before = find_domain(server_id).ID()
        rc.act(cloud, server_id, {'reboot': {'type': reboot_type}}, 'ACTIVE')
        dom = find_domain(server_id)
        assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING, reboot_type
        assert dom.ID() != before, reboot_type
        rc.wait_marker(cloud, server_id, marker)

    shown = rc.act(cloud, server_id, {'pause': None}, 'PAUSED')
    assert shown['OS-EXT-STS:power_state'] == 3
    assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_PAUSED
    rc.act(cloud, server_id, {'unpause': None}, 'ACTIVE')
    assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING

    # Suspend is libvirt's managed save: QEMU ends, its memory on disk.
    rc.act(cloud, server_id, {'suspend': None}, 'SUSPENDED')
    dom = find_domain(server_id)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    assert dom.hasManagedSaveImage(0)
    rc.act(cloud, server_id, {'resume': None}, 'ACTIVE')
    dom = find_domain(server_id)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert not dom.hasManagedSaveImage(0)

    rc.delete(cloud, server_id)
    rc.wait_gone(cloud, server_id)
    assert find_domain(server_id) is None
    assert rc.instance_dirs(cloud) == []
    assert rc.compute_errors(cloud) == []


def test_parallel_guests(cloud, find_domain, guest):
    """Boot rc.PARALLEL_GUESTS servers at once; the node counts them."""
    with concurrent.futures.ThreadPoolExecutor(rc.PARALLEL_GUESTS) as pool:
        booted = list(pool.map(
            lambda i: rc.boot_active(cloud, 'parallel-%d' % i,
                                     guest['marker']),
            range(rc.PARALLEL_GUESTS)))
    server_ids = sorted(server_id for server_id, _, _, _ in booted)
    for _, _, to_active, to_marker in booted:
        rc.report('POST -> ACTIVE (%d in parallel, image cached)'
                % rc.PARALLEL_GUESTS, to_active)
        rc.report('POST -> marker (%d in parallel, image cached)'
                % rc.PARALLEL_GUESTS, to_marker)
    for server_id in server_ids:
        assert rc.state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING

    node = rc.hypervisor(cloud)
    assert node['hypervisor_type'] == 'QEMU'
    assert node['running_vms'] == rc.PARALLEL_GUESTS
    assert node['vcpus_used'] == rc.PARALLEL_GUESTS * rc.FLAVOR['vcpus']
    assert node['memory_mb_used'] == (rc.RESERVED_HOST_MEMORY_MB +
                                      rc.PARALLEL_GUESTS * rc.FLAVOR['ram'])
    assert node['local_gb_used'] == rc.PARALLEL_GUESTS * rc.FLAVOR['disk']
    assert rc.instance_dirs(cloud) == server_ids

    for server_id in server_ids:
        rc.delete(cloud, server_id)
    for server_id in server_ids:
        rc.wait_gone(cloud, server_id)
        assert find_domain(server_id) is None
    assert rc.instance_dirs(cloud) == []
    node = rc.hypervisor(cloud)
    assert (node['vcpus_used'], node['memory_mb_used'],
            node['local_gb_used'], node['running_vms']) == (
        0, rc.RESERVED_HOST_MEMORY_MB, 0, 0)
    assert rc.compute_errors(cloud) == []
