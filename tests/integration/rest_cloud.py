"""A cloud whose nova-compute runs real QEMU guests, for REST tests.

The five daemons run as processes on MariaDB and RabbitMQ with a real
Glance, and nova-compute runs ``libvirt.LibvirtDriver`` on the host's
libvirtd (qemu:///system, TCG).  The test guest of guest_image.py is
uploaded to Glance as Nova's direct-boot trio: a kernel (aki), a
ramdisk (ari) and a qcow2 root disk whose ``kernel_id`` and
``ramdisk_id`` properties name the other two.

conftest.py offers ``cloud`` as a fixture: each test module that asks
for it gets its own cloud.  The functions here are a client's view (status,
console output) and libvirt's (domain state, instance files).
"""

import pathlib
import time
import uuid

import pytest

from tests.functional import daemons

try:
    import libvirt
except ImportError:  # the libvirtd fixture skips the tier
    libvirt = None

FLAVOR = {'name': 'guest.tiny', 'ram': 256, 'vcpus': 1, 'disk': 1,
          'id': 'guest-tiny'}
RESERVED_HOST_MEMORY_MB = 128
# The guest powers off on the ACPI button within a second or two;
# stop pulls the plug after this if it does not.
SHUTDOWN_TIMEOUT = 30
# A TCG boot takes ~10 s on an idle machine, up to ~35 s on a busy one.
BOOT_TIMEOUT = 120
ACTION_TIMEOUT = 90
# A guest that dies (its QEMU killed) shows as SHUTOFF within this.
SYNC_POWER_STATE_INTERVAL = 10
POWER_BUTTON_PRESSED = 'power button pressed'
PARALLEL_GUESTS = 3
LIBVIRTD_LOST = 'Connection to the hypervisor'
# The image cache and its locks stay; instances leave nothing else.
SHARED_FILES = {'_base', 'locks'}


pytestmark = pytest.mark.usefixtures('clouds_service_down_time')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, module_mysql_db, glance, guest, guest_dir,
          find_domain):
    """All daemons on one host of its own name (``cloud.host``, so its
    domains are told apart from other tests'), the guest in Glance,
    FLAVOR ready.

    Instances live under ``guest_dir``, which QEMU (libvirt-qemu) can
    reach.  Whatever domain of the cloud a failed test left is removed
    after nova-compute has stopped.
    """
    host = 'libvirt-it-%s' % uuid.uuid4().hex[:8]
    instances = guest_dir / ('instances-' + host)
    server_ids = []
    try:
        with daemons.cloud(
                tmp_path_factory.mktemp('libvirt'), module_mysql_db,
                host=host, compute_driver='libvirt.LibvirtDriver',
                instances_path=instances,
                instance_name_template='instance-%(uuid)s',
                shutdown_timeout=SHUTDOWN_TIMEOUT,
                sync_power_state_interval=SYNC_POWER_STATE_INTERVAL,
                reserved_host_memory_mb=RESERVED_HOST_MEMORY_MB,
                reserved_host_disk_mb=0) as c:
            c.instances_path = instances
            c.server_ids = server_ids
            _start(c, glance, guest)
            yield c
    finally:
        # The daemons are stopped by now: nova-compute cannot race this.
        _remove_domains(find_domain, server_ids)


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
    c.wait_for(lambda: c.up().get(('nova-scheduler', c.host)))
    assert c.manage('cell_v2', 'discover_hosts') == 0
    created = c.api('POST', '/flavors', json={'flavor': FLAVOR})
    assert created.status_code == 200, created.text
    c.image = upload_guest(glance, guest)


def upload_guest(glance, guest):
    """The guest as a bootable image, its kernel and ramdisk apart (the
    boot benchmark's real-guest mode uploads it too)."""
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

def boot(cloud, name):
    """POST /servers; the new server's id and when the POST was sent."""
    body = {'server': {'name': name, 'imageRef': cloud.image['id'],
                       'flavorRef': FLAVOR['id'], 'networks': 'none'}}
    posted = time.monotonic()
    created = cloud.api('POST', '/servers', version='2.37', json=body)
    assert created.status_code == 202, created.text
    server_id = created.json()['server']['id']
    cloud.server_ids.append(server_id)
    return server_id, posted


def server(cloud, server_id):
    return cloud.api('GET', '/servers/%s' % server_id).json()['server']


def wait_settled(cloud, server_id, timeout=ACTION_TIMEOUT):
    """The server once no task is on and it is not building."""
    def settled():
        """the server to settle"""
        shown = server(cloud, server_id)
        if (shown['OS-EXT-STS:task_state'] is None and
                shown['status'] != 'BUILD'):
            return shown
        return None
    return cloud.wait_for(settled, timeout=timeout, interval=0.1)


def console(cloud, server_id):
    resp = cloud.api('POST', '/servers/%s/action' % server_id,
                     json={'os-getConsoleOutput': {}})
    assert resp.status_code == 200, resp.text
    return resp.json()['output']


def wait_marker(cloud, server_id, marker):
    """When the marker showed in os-getConsoleOutput; on a timeout the
    console's end tells where the guest stopped."""
    def ready():
        """the guest's marker in os-getConsoleOutput"""
        return marker in console(cloud, server_id)
    try:
        daemons.wait_for(ready, timeout=BOOT_TIMEOUT, interval=0.5)
    except AssertionError as e:
        raise AssertionError('%s: %s; its console ends with:\n%s' % (
            server_id, e, console(cloud, server_id)[-3000:])) from None
    return time.monotonic()


def boot_active(cloud, name, marker):
    """Boot a server and wait for its guest's marker; its id, its view
    once ACTIVE, and the seconds from the POST to ACTIVE and to the
    marker."""
    server_id, posted = boot(cloud, name)
    shown = wait_settled(cloud, server_id, timeout=BOOT_TIMEOUT)
    active_at = time.monotonic()
    assert shown['status'] == 'ACTIVE', (shown, cloud.logs())
    marker_at = wait_marker(cloud, server_id, marker)
    return server_id, shown, active_at - posted, marker_at - posted


def act(cloud, server_id, body, status):
    """Run a server action; the server's view once it has settled."""
    resp = cloud.api('POST', '/servers/%s/action' % server_id, json=body)
    assert resp.status_code == 202, resp.text
    shown = wait_settled(cloud, server_id)
    assert shown['status'] == status, (body, shown, cloud.logs())
    return shown


def delete(cloud, server_id):
    resp = cloud.api('DELETE', '/servers/%s' % server_id)
    assert resp.status_code == 204, resp.text


def wait_gone(cloud, server_id):
    def gone():
        """the server to be deleted"""
        return cloud.api('GET', '/servers/%s' % server_id).status_code == 404
    cloud.wait_for(gone, timeout=ACTION_TIMEOUT, interval=0.2)


def hypervisor(cloud):
    hypervisors = cloud.api('GET', '/os-hypervisors/detail').json()
    hypervisor, = hypervisors['hypervisors']
    assert hypervisor['service']['host'] == cloud.host
    return hypervisor


def compute_errors(cloud):
    """nova-compute's ERROR lines: none is expected on these paths (a
    lifecycle event it failed to handle shows only there), except that
    other tests on this machine restart libvirtd, which nova-compute
    rightly logs as an error."""
    log = (cloud.log_dir / 'nova-compute.log').read_text(errors='replace')
    return [line for line in log.splitlines()
            if ' ERROR ' in line and LIBVIRTD_LOST not in line]


def report(what, seconds):
    print('\n[timing] %s: %.2f s' % (what, seconds))


# --- what libvirt says ----------------------------------------------------

def state(find_domain, server_id):
    return find_domain(server_id).state()[0]


def instance_dirs(cloud):
    """What the instances left in instances_path besides the cache."""
    return sorted(p.name for p in cloud.instances_path.iterdir()
                  if p.name not in SHARED_FILES)
