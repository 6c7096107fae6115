"""LibvirtDriver with the real libvirtd and QEMU (TCG) guests.

The guest is the test guest of guest_image.py, served as three images
(root disk, kernel, ramdisk) by an image API that copies its files: the
driver makes the instance's disks, writes the domain XML and boots it
exactly as it would from Glance.  Other tests may run guests on the
same libvirtd meanwhile, so nothing here counts all domains.
"""

import os
import pathlib
import queue
import shutil
import signal
import time
import types
import uuid

import pytest

from common import conf
from common import exception
from common import states

libvirt = pytest.importorskip('libvirt')

from nova_compute.virt.libvirt import driver as libvirt_driver  # noqa: E402
from nova_compute.virt.libvirt import host  # noqa: E402

CONF = conf.CONF
# A TCG boot takes ~10 s on an idle machine, up to ~35 s on a busy one.
BOOT_TIMEOUT = 90
EVENT_TIMEOUT = 60
ROOT_ID = str(uuid.uuid4())
KERNEL_ID = str(uuid.uuid4())
RAMDISK_ID = str(uuid.uuid4())
QEMU_PIDS = pathlib.Path('/run/libvirt/qemu')


class GuestImages:
    """An image API serving the test guest's files."""

    def __init__(self, guest):
        self.files = {ROOT_ID: guest['root_qcow2'],
                      KERNEL_ID: guest['kernel'],
                      RAMDISK_ID: guest['ramdisk']}

    def download(self, context, image_id, dst_path):
        shutil.copyfile(self.files[image_id], dst_path)


class VirtAPI:
    def __init__(self):
        self.events = queue.Queue()

    def handle_lifecycle_event(self, instance_uuid, transition):
        self.events.put((instance_uuid, transition))

    def wait_for(self, instance_uuid, transitions, timeout=EVENT_TIMEOUT):
        """The first of ``transitions`` the instance goes through."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                got_uuid, transition = self.events.get(timeout=1)
            except queue.Empty:
                continue
            if got_uuid == instance_uuid:
                if transition in transitions:
                    return transition
                seen.append(transition)
        raise AssertionError('no %s event of %s in %ss (got %s)'
                             % (transitions, instance_uuid, timeout, seen))


def image_meta(disk_format='qcow2'):
    return {'id': ROOT_ID, 'status': 'active', 'disk_format': disk_format,
            'container_format': 'bare', 'min_ram': 0, 'min_disk': 0,
            'properties': {}}


def new_instance():
    instance_uuid = str(uuid.uuid4())
    return types.SimpleNamespace(
        uuid=instance_uuid, name='instance-i%s' % instance_uuid[:8],
        vcpus=1, memory_mb=128, root_gb=0, ephemeral_gb=0,
        flavor={'name': 'tiny', 'swap': 0, 'ephemeral_gb': 0},
        image_ref=ROOT_ID, kernel_id=KERNEL_ID, ramdisk_id=RAMDISK_ID,
        os_type=None, system_metadata={})


@pytest.fixture
def virtapi():
    return VirtAPI()


@pytest.fixture
def drv(libvirtd, guest, guest_dir, virtapi):
    """A LibvirtDriver on qemu:///system (TCG) whose instances live
    under the guests' directory, which QEMU can reach; what a test
    leaves is removed after it."""
    instances_path = guest_dir / ('instances-' + uuid.uuid4().hex[:8])
    CONF.set_override('instances_path', str(instances_path))
    CONF.set_override('virt_type', 'qemu', 'libvirt')
    d = libvirt_driver.LibvirtDriver(virtapi, image_api=GuestImages(guest))
    d.init_host('compute1')
    d.spawned = []
    yield d
    try:
        for instance in d.spawned:
            d.destroy(None, instance, [])
    finally:
        d.cleanup_host('compute1')
        CONF.reset()
        shutil.rmtree(instances_path, ignore_errors=True)


def spawn(drv, instance, image=None):
    drv.spawned.append(instance)
    drv.spawn(None, instance, image or image_meta(), [], None, {},
              network_info=[])


def wait_for_marker(drv, instance, marker):
    deadline = time.monotonic() + BOOT_TIMEOUT
    while marker not in drv.get_console_output(None, instance):
        if time.monotonic() > deadline:
            raise AssertionError(
                '%s not ready after %ss; console ends with:\n%s'
                % (instance.name, BOOT_TIMEOUT,
                   drv.get_console_output(None, instance)[-2000:]))
        time.sleep(0.5)


def power_state(drv, instance):
    return drv.get_info(instance).state


def test_guest_lifecycle(drv, guest, caplog):
    inst = new_instance()
    directory = pathlib.Path(CONF.instances_path) / inst.uuid
    spawn(drv, inst)
    assert power_state(drv, inst) == states.RUNNING
    wait_for_marker(drv, inst, guest['marker'])

    # The guest powers itself off on the ACPI power button.
    drv.power_off(inst, timeout=60, retry_interval=10)
    assert power_state(drv, inst) == states.SHUTDOWN
    assert 'power button pressed' in drv.get_console_output(None, inst)

    drv.power_on(None, inst, [])
    assert power_state(drv, inst) == states.RUNNING
    wait_for_marker(drv, inst, guest['marker'])

    caplog.set_level('INFO', logger=libvirt_driver.__name__)
    drv.reboot(None, inst, [], 'SOFT')
    assert power_state(drv, inst) == states.RUNNING
    assert 'rebooted (soft)' in caplog.text

    before = drv.get_info(inst).internal_id
    drv.reboot(None, inst, [], 'HARD')
    assert power_state(drv, inst) == states.RUNNING
    assert drv.get_info(inst).internal_id != before
    wait_for_marker(drv, inst, guest['marker'])

    drv.pause(inst)
    assert power_state(drv, inst) == states.PAUSED_POWER
    # A snapshot suspends the guest to disk meanwhile; it comes back
    # paused.
    uploads = []
    drv.snapshot(None, inst, 'snap', lambda image_id, meta, data: (
        uploads.append((image_id, meta, len(data.read())))))
    assert [(i, m['disk_format']) for i, m, _ in uploads] == [
        ('snap', 'qcow2')]
    assert uploads[0][2] > 0
    assert power_state(drv, inst) == states.PAUSED_POWER
    drv.unpause(inst)
    assert power_state(drv, inst) == states.RUNNING

    drv.suspend(None, inst)
    assert power_state(drv, inst) == states.SHUTDOWN
    drv.resume(None, inst, [])
    assert power_state(drv, inst) == states.RUNNING
    diags = drv.get_instance_diagnostics(inst)
    assert diags['state'] == 'running' and diags['hypervisor'] == 'qemu'
    assert diags['memory_details']['maximum'] == inst.memory_mb
    assert len(diags['disk_details']) == 1

    drv.destroy(None, inst, [])
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)
    assert inst.name not in drv.list_instances()
    assert not directory.exists()


def test_failed_spawn_leaves_nothing(drv):
    inst = new_instance()
    with pytest.raises(exception.ImageUnacceptable,
                       match='disk_format iso is not supported'):
        spawn(drv, inst, image_meta('iso'))
    assert inst.uuid not in drv.list_instance_uuids()
    assert not (pathlib.Path(CONF.instances_path) / inst.uuid).exists()


def test_failed_start_leaves_nothing(drv):
    # Defined, then QEMU refuses to start it: far more memory than the
    # host has.
    inst = new_instance()
    inst.memory_mb = 64 * 1024 * 1024
    with pytest.raises(libvirt.libvirtError):
        spawn(drv, inst)
    assert inst.uuid not in drv.list_instance_uuids()
    assert not (pathlib.Path(CONF.instances_path) / inst.uuid).exists()


def test_killed_qemu_is_reported_to_the_virtapi(drv, virtapi):
    inst = new_instance()
    spawn(drv, inst)
    assert virtapi.wait_for(inst.uuid, {host.EVENT_STARTED}) == \
        host.EVENT_STARTED
    pid = int((QEMU_PIDS / (inst.name + '.pid')).read_text())
    os.kill(pid, signal.SIGKILL)
    assert virtapi.wait_for(
        inst.uuid, {host.EVENT_STOPPED, host.EVENT_CRASHED}) in (
        host.EVENT_STOPPED, host.EVENT_CRASHED)
    assert power_state(drv, inst) in (states.SHUTDOWN, states.CRASHED)


def test_resources_of_this_host(drv):
    res = drv.get_available_resource('compute1')
    assert res['hypervisor_type'] == 'QEMU'
    assert res['vcpus'] == os.cpu_count()
    assert ['x86_64', 'qemu', 'hvm'] in res['supported_instances']
    usage = shutil.disk_usage(CONF.instances_path)
    assert res['local_gb'] == usage.total // 1024 ** 3
    assert res['disk_available_least'] <= usage.free // 1024 ** 3 + 1
