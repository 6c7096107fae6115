"""Servers on real QEMU guests, driven through the REST API.

The five daemons run as processes on MariaDB and RabbitMQ with a real
Glance, and nova-compute runs ``libvirt.LibvirtDriver`` on the host's
libvirtd (qemu:///system, TCG).  The test guest of guest_image.py is
uploaded to Glance as Nova's direct-boot trio: a kernel (aki), a
ramdisk (ari) and a qcow2 root disk whose ``kernel_id`` and
``ramdisk_id`` properties name the other two.

A client's view (status, power state, console output) is checked
against libvirt's own after each step: the domain is looked up by the
server's uuid on a connection of the test's.  Other tests may run
guests on the same libvirtd meanwhile, so nothing here counts all
domains.  Boot times are printed (``-s`` shows them).
"""

import concurrent.futures
import pathlib
import time
import uuid

import pytest

from tests.functional import daemons
from tests.functional import rabbit

libvirt = pytest.importorskip('libvirt')

# The cloud's one host: its own name, so its domains are told apart
# from other tests' ('instance-<uuid>' names them, too).
HOST = 'libvirt-it-%s' % uuid.uuid4().hex[:8]
FLAVOR = {'name': 'guest.tiny', 'ram': 256, 'vcpus': 1, 'disk': 1,
          'id': 'guest-tiny'}
RESERVED_HOST_MEMORY_MB = 128
# The guest powers off on the ACPI button within a second or two;
# stop pulls the plug after this if it does not.
SHUTDOWN_TIMEOUT = 30
# A TCG boot takes ~10 s on an idle machine, up to ~35 s on a busy one.
BOOT_TIMEOUT = 120
ACTION_TIMEOUT = 90
POWER_BUTTON_PRESSED = 'power button pressed'
PARALLEL_GUESTS = 3
LIBVIRTD_LOST = 'Connection to the hypervisor'
# The image cache and its locks stay; instances leave nothing else.
SHARED_FILES = {'_base', 'locks'}


pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, module_mysql_db, glance, guest, guest_dir,
          find_domain):
    """All daemons on HOST, the guest in Glance, FLAVOR ready.

    Instances live under ``guest_dir``, which QEMU (libvirt-qemu) can
    reach.  Whatever domain of the cloud a failed test left is removed
    after nova-compute has stopped.
    """
    instances = guest_dir / ('instances-' + HOST)
    with rabbit.vhost() as transport_url:
        c = daemons.Cloud(
            tmp_path_factory.mktemp('libvirt'), module_mysql_db,
            transport_url, host=HOST,
            compute_driver='libvirt.LibvirtDriver',
            instances_path=instances,
            instance_name_template='instance-%(uuid)s',
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            reserved_host_memory_mb=RESERVED_HOST_MEMORY_MB,
            reserved_host_disk_mb=0)
        c.instances_path = instances
        c.server_ids = []
        try:
            _start(c, glance, guest)
            yield c
        finally:
            c.stop_all()
            _remove_domains(find_domain, c.server_ids)


def _start(c, glance, guest):
    shared_conf = c.conf_file('libvirt.conf', (
        '[glance]\napi_servers = %s\n'
        '[libvirt]\nvirt_type = qemu\n'
        '[vnc]\nserver_listen = 127.0.0.1\n') % glance.url)
    for binary in ('nova-conductor', 'nova-scheduler', 'nova-compute',
                   'nova-api'):
        c.start(binary, shared_conf)
    c.wait_for_api()
    c.wait_for(c.compute_nodes, timeout=120)
    # A call sent before the scheduler's queue exists is lost.
    c.wait_for(lambda: c.up().get(('nova-scheduler', HOST)))
    assert c.manage('cell_v2', 'discover_hosts') == 0
    created = c.api('POST', '/flavors', json={'flavor': FLAVOR})
    assert created.status_code == 200, created.text
    c.image = _upload_guest(glance, guest)


def _upload_guest(glance, guest):
    """The guest as a bootable image, its kernel and ramdisk apart."""
    kernel = glance.create_image(
        'guest-kernel', data=pathlib.Path(guest['kernel']).read_bytes(),
        disk_format='aki', container_format='aki')
    ramdisk = glance.create_image(
        'guest-ramdisk', data=pathlib.Path(guest['ramdisk']).read_bytes(),
        disk_format='ari', container_format='ari')
    return glance.create_image(
        'guest', data=pathlib.Path(guest['root_qcow2']).read_bytes(),
        disk_format='qcow2', container_format='bare',
        properties={'kernel_id': kernel['id'], 'ramdisk_id': ramdisk['id']})


def _remove_domains(find_domain, server_ids):
    for server_id in server_ids:
        dom = find_domain(server_id)
        if dom is None:
            continue
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)


# --- talking to the cloud ----------------------------------------------------

def _boot(cloud, name):
    """POST /servers; the new server's id and when the POST was sent."""
    body = {'server': {'name': name, 'imageRef': cloud.image['id'],
                       'flavorRef': FLAVOR['id'], 'networks': 'none'}}
    posted = time.monotonic()
    created = cloud.api('POST', '/servers', version='2.37', json=body)
    assert created.status_code == 202, created.text
    server_id = created.json()['server']['id']
    cloud.server_ids.append(server_id)
    return server_id, posted


def _server(cloud, server_id):
    return cloud.api('GET', '/servers/%s' % server_id).json()['server']


def _wait_settled(cloud, server_id, timeout=ACTION_TIMEOUT):
    """The server once no task is on and it is not building."""
    def settled():
        """the server to settle"""
        shown = _server(cloud, server_id)
        if (shown['OS-EXT-STS:task_state'] is None and
                shown['status'] != 'BUILD'):
            return shown
        return None
    return cloud.wait_for(settled, timeout=timeout, interval=0.1)


def _console(cloud, server_id):
    resp = cloud.api('POST', '/servers/%s/action' % server_id,
                     json={'os-getConsoleOutput': {}})
    assert resp.status_code == 200, resp.text
    return resp.json()['output']


def _wait_marker(cloud, server_id, marker):
    """When the marker showed in os-getConsoleOutput; on a timeout the
    console's end tells where the guest stopped."""
    def ready():
        """the guest's marker in os-getConsoleOutput"""
        return marker in _console(cloud, server_id)
    try:
        daemons.wait_for(ready, timeout=BOOT_TIMEOUT, interval=0.5)
    except AssertionError as e:
        raise AssertionError('%s: %s; its console ends with:\n%s' % (
            server_id, e, _console(cloud, server_id)[-3000:])) from None
    return time.monotonic()


def _boot_active(cloud, name, marker):
    """Boot a server and wait for its guest's marker; its id, its view
    once ACTIVE, and the seconds from the POST to ACTIVE and to the
    marker."""
    server_id, posted = _boot(cloud, name)
    shown = _wait_settled(cloud, server_id, timeout=BOOT_TIMEOUT)
    active_at = time.monotonic()
    assert shown['status'] == 'ACTIVE', (shown, cloud.logs())
    marker_at = _wait_marker(cloud, server_id, marker)
    return server_id, shown, active_at - posted, marker_at - posted


def _act(cloud, server_id, body, status):
    """Run a server action; the server's view once it has settled."""
    resp = cloud.api('POST', '/servers/%s/action' % server_id, json=body)
    assert resp.status_code == 202, resp.text
    shown = _wait_settled(cloud, server_id)
    assert shown['status'] == status, (body, shown, cloud.logs())
    return shown


def _delete(cloud, server_id):
    resp = cloud.api('DELETE', '/servers/%s' % server_id)
    assert resp.status_code == 204, resp.text


def _wait_gone(cloud, server_id):
    def gone():
        """the server to be deleted"""
        return cloud.api('GET', '/servers/%s' % server_id).status_code == 404
    cloud.wait_for(gone, timeout=ACTION_TIMEOUT, interval=0.2)


def _hypervisor(cloud):
    hypervisors = cloud.api('GET', '/os-hypervisors/detail').json()
    hypervisor, = hypervisors['hypervisors']
    assert hypervisor['service']['host'] == HOST
    return hypervisor


def _compute_errors(cloud):
    """nova-compute's ERROR lines: none is expected on these paths (a
    lifecycle event it failed to handle shows only there), except that
    other tests on this machine restart libvirtd, which nova-compute
    rightly logs as an error."""
    log = (cloud.log_dir / 'nova-compute.log').read_text(errors='replace')
    return [line for line in log.splitlines()
            if ' ERROR ' in line and LIBVIRTD_LOST not in line]


def _report(what, seconds):
    print('\n[timing] %s: %.2f s' % (what, seconds))


# --- what libvirt says ----------------------------------------------------

def _state(find_domain, server_id):
    return find_domain(server_id).state()[0]


def _instance_dirs(cloud):
    """What the instances left in instances_path besides the cache."""
    return sorted(p.name for p in cloud.instances_path.iterdir()
                  if p.name not in SHARED_FILES)


# --- the tests ---------------------------------------------------------------

def test_guest_lifecycle(cloud, find_domain, guest):
    marker = guest['marker']
    server_id, shown, to_active, to_marker = _boot_active(
        cloud, 'lifecycle', marker)
    _report('POST -> ACTIVE (image not cached)', to_active)
    _report('POST -> marker (image not cached)', to_marker)
    assert shown['OS-EXT-STS:power_state'] == 1
    assert shown['OS-EXT-SRV-ATTR:host'] == HOST
    dom = find_domain(server_id)
    assert dom.name() == 'instance-%s' % server_id
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert _instance_dirs(cloud) == [server_id]

    # Stop presses the power button; the guest powers itself off.
    shown = _act(cloud, server_id, {'os-stop': None}, 'SHUTOFF')
    assert shown['OS-EXT-STS:power_state'] == 4
    assert _state(find_domain, server_id) == libvirt.VIR_DOMAIN_SHUTOFF
    assert POWER_BUTTON_PRESSED in _console(cloud, server_id)

    _act(cloud, server_id, {'os-start': None}, 'ACTIVE')
    assert _state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING
    _wait_marker(cloud, server_id, marker)

    # Each reboot starts a new QEMU (a new domain id), whose guest boots
    # to the marker again; SOFT goes through the guest's power button.
    for reboot_type in ('SOFT', 'HARD'):
        before = find_domain(server_id).ID()
        _act(cloud, server_id, {'reboot': {'type': reboot_type}}, 'ACTIVE')
        dom = find_domain(server_id)
        assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING, reboot_type
        assert dom.ID() != before, reboot_type
        _wait_marker(cloud, server_id, marker)

    shown = _act(cloud, server_id, {'pause': None}, 'PAUSED')
    assert shown['OS-EXT-STS:power_state'] == 3
    assert _state(find_domain, server_id) == libvirt.VIR_DOMAIN_PAUSED
    _act(cloud, server_id, {'unpause': None}, 'ACTIVE')
    assert _state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING

    # Suspend is libvirt's managed save: QEMU ends, its memory on disk.
    _act(cloud, server_id, {'suspend': None}, 'SUSPENDED')
    dom = find_domain(server_id)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    assert dom.hasManagedSaveImage(0)
    _act(cloud, server_id, {'resume': None}, 'ACTIVE')
    dom = find_domain(server_id)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert not dom.hasManagedSaveImage(0)

    _delete(cloud, server_id)
    _wait_gone(cloud, server_id)
    assert find_domain(server_id) is None
    assert _instance_dirs(cloud) == []
    assert _compute_errors(cloud) == []


def test_parallel_guests(cloud, find_domain, guest):
    """Boot PARALLEL_GUESTS servers at once; the node counts them."""
    with concurrent.futures.ThreadPoolExecutor(PARALLEL_GUESTS) as pool:
        booted = list(pool.map(
            lambda i: _boot_active(cloud, 'parallel-%d' % i, guest['marker']),
            range(PARALLEL_GUESTS)))
    server_ids = sorted(server_id for server_id, _, _, _ in booted)
    for _, _, to_active, to_marker in booted:
        _report('POST -> ACTIVE (%d in parallel, image cached)'
                % PARALLEL_GUESTS, to_active)
        _report('POST -> marker (%d in parallel, image cached)'
                % PARALLEL_GUESTS, to_marker)
    for server_id in server_ids:
        assert _state(find_domain, server_id) == libvirt.VIR_DOMAIN_RUNNING

    node = _hypervisor(cloud)
    assert node['hypervisor_type'] == 'QEMU'
    assert node['running_vms'] == PARALLEL_GUESTS
    assert node['vcpus_used'] == PARALLEL_GUESTS * FLAVOR['vcpus']
    assert node['memory_mb_used'] == (RESERVED_HOST_MEMORY_MB +
                                      PARALLEL_GUESTS * FLAVOR['ram'])
    assert node['local_gb_used'] == PARALLEL_GUESTS * FLAVOR['disk']
    assert _instance_dirs(cloud) == server_ids

    for server_id in server_ids:
        _delete(cloud, server_id)
    for server_id in server_ids:
        _wait_gone(cloud, server_id)
        assert find_domain(server_id) is None
    assert _instance_dirs(cloud) == []
    node = _hypervisor(cloud)
    assert (node['vcpus_used'], node['memory_mb_used'],
            node['local_gb_used'], node['running_vms']) == (
        0, RESERVED_HOST_MEMORY_MB, 0, 0)
    assert _compute_errors(cloud) == []
