"""LibvirtDriver against libvirt's test driver and real qemu-img.

``test:///default`` runs in this process without libvirtd: it keeps
domains, their states, managed save images and lifecycle events, but
starts no QEMU, so the guests' disks are made (by the image backend,
with qemu-img) and never read.  Booting real guests is in
tests/integration/test_libvirt_driver.py.  The test driver's state is
shared by the whole process: each test makes instances of its own.
"""

import json
import os
import shutil
import subprocess
import threading
import uuid

import pytest

from common import exception
from common import states
from tests.unit.virt import libvirt_fixtures as fx
from tests.unit.virt.libvirt_fixtures import instances_path  # noqa: F401

libvirt = pytest.importorskip(
    'libvirt', reason='libvirt-python is not installed: run '
                      '". tools/lib.sh; libvirt_env"')

from nova_compute.virt.libvirt import driver as libvirt_driver  # noqa: E402
from nova_compute.virt.libvirt import host  # noqa: E402

CONF = fx.CONF
TEST_URI = 'test:///default'
GiB = 1024 * fx.MiB
RESOURCE_KEYS = {
    'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
    'local_gb_used', 'hypervisor_type', 'hypervisor_version',
    'hypervisor_hostname', 'cpu_info', 'disk_available_least',
    'numa_topology', 'supported_instances'}


class LocalImages:
    """An image API serving files of this test; records downloads."""

    def __init__(self, files):
        self.files = files
        self.downloads = []

    def download(self, context, image_id, dst_path):
        self.downloads.append((context, image_id))
        shutil.copyfile(self.files[image_id], dst_path)


class VirtAPI:
    """The compute service's side of the lifecycle event contract."""

    def __init__(self):
        self.events = []
        self._cond = threading.Condition()

    def handle_lifecycle_event(self, instance_uuid, transition):
        with self._cond:
            self.events.append((instance_uuid, transition))
            self._cond.notify_all()

    def wait_for(self, event, timeout=5):
        with self._cond:
            return self._cond.wait_for(lambda: event in self.events,
                                       timeout)


@pytest.fixture
def images(tmp_path):
    """A raw root image holding data, a kernel and a ramdisk."""
    root = tmp_path / 'root.raw'
    root.write_bytes(b'root disk\n' * 1000 + b'\0' * (fx.MiB - 10000))
    kernel = tmp_path / 'vmlinuz'
    kernel.write_bytes(b'kernel')
    ramdisk = tmp_path / 'initrd'
    ramdisk.write_bytes(b'ramdisk')
    return LocalImages({fx.IMAGE_ID: root, fx.KERNEL_ID: kernel,
                        fx.RAMDISK_ID: ramdisk})


@pytest.fixture
def virtapi():
    return VirtAPI()


@pytest.fixture
def drv(instances_path, images, virtapi):  # noqa: F811
    """A LibvirtDriver on test:///default; its guests removed after."""
    CONF.set_override('connection_uri', TEST_URI, 'libvirt')
    d = libvirt_driver.LibvirtDriver(virtapi, image_api=images)
    d.init_host('compute1')
    yield d
    conn = libvirt.open(TEST_URI)
    try:
        for dom in conn.listAllDomains(0):
            if dom.name().startswith('instance-t'):
                if dom.isActive():
                    dom.destroy()
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    finally:
        conn.close()
        d.cleanup_host('compute1')


def new_instance(**kwargs):
    instance_uuid = str(uuid.uuid4())
    return fx.instance(uuid=instance_uuid,
                       name='instance-t%s' % instance_uuid[:8], **kwargs)


def spawn(drv, instance, image=None, power_on=True):
    drv.spawn('ctx', instance, image or fx.image_meta('raw'), [], 'pw', {},
              network_info=[], power_on=power_on)


def domain(instance):
    conn = libvirt.open(TEST_URI)
    try:
        return conn.lookupByUUIDString(instance.uuid)
    finally:
        conn.close()


def power_state(drv, instance):
    return drv.get_info(instance).state


# --- spawn and destroy ------------------------------------------------------

def test_spawn_defines_and_starts_the_guest(drv, images, instances_path):  # noqa: F811,E501
    inst = new_instance(kernel_id=fx.KERNEL_ID, ramdisk_id=fx.RAMDISK_ID)
    spawn(drv, inst)

    assert power_state(drv, inst) == states.RUNNING
    assert drv.get_info(inst).internal_id > 0
    assert inst.name in drv.list_instances()
    assert inst.uuid in drv.list_instance_uuids()
    # The image came through the image API with the request's context.
    assert sorted(images.downloads) == sorted(
        [('ctx', fx.IMAGE_ID), ('ctx', fx.KERNEL_ID),
         ('ctx', fx.RAMDISK_ID)])
    directory = instances_path / inst.uuid
    xml = domain(inst).XMLDesc(0)
    assert str(directory / 'disk') in xml
    assert '<kernel>%s</kernel>' % (directory / 'kernel') in xml
    assert '<initrd>%s</initrd>' % (directory / 'ramdisk') in xml
    # Kept so a hard reboot after a change of [libvirt] hw_machine_type
    # gives the guest the same hardware.
    assert inst.system_metadata['image_hw_machine_type'] == 'pc'


def test_spawn_without_power_on_leaves_the_guest_shut_down(drv):
    inst = new_instance()
    spawn(drv, inst, power_on=False)
    assert power_state(drv, inst) == states.SHUTDOWN


def test_spawn_of_an_existing_guest_fails_and_keeps_it(drv, instances_path):  # noqa: F811,E501
    inst = new_instance()
    spawn(drv, inst)
    with pytest.raises(exception.InstanceExists):
        spawn(drv, inst)
    assert power_state(drv, inst) == states.RUNNING
    assert (instances_path / inst.uuid / 'disk').exists()


def test_unsupported_disk_format_leaves_nothing(drv, instances_path):  # noqa: F811,E501
    inst = new_instance()
    with pytest.raises(exception.ImageUnacceptable) as e:
        spawn(drv, inst, fx.image_meta('iso'))
    assert 'disk_format iso is not supported' in str(e.value)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)
    assert not (instances_path / inst.uuid).exists()


def test_failed_define_removes_the_files_it_made(drv, instances_path):  # noqa: F811,E501
    inst = new_instance()
    # Another domain holds the instance's name: libvirt refuses to
    # define ours once the disks are made.
    conn = libvirt.open(TEST_URI)
    other = conn.defineXML(
        "<domain type='test'><name>%s</name><uuid>%s</uuid>"
        "<memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>"
        % (inst.name, uuid.uuid4()))
    try:
        with pytest.raises(libvirt.libvirtError, match='already exists'):
            spawn(drv, inst)
        assert not (instances_path / inst.uuid).exists()
        assert conn.lookupByName(inst.name).UUIDString() == \
            other.UUIDString()
    finally:
        other.undefine()
        conn.close()


def test_destroy_removes_domain_and_files_and_may_be_repeated(
        drv, instances_path):  # noqa: F811
    inst = new_instance()
    spawn(drv, inst)
    drv.destroy('ctx', inst, [])
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)
    assert inst.name not in drv.list_instances()
    assert not (instances_path / inst.uuid).exists()
    drv.destroy('ctx', inst, [])


def test_destroy_keeps_disks_when_asked(drv, instances_path):  # noqa: F811
    inst = new_instance()
    spawn(drv, inst)
    drv.destroy('ctx', inst, [], destroy_disks=False)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)
    assert (instances_path / inst.uuid / 'disk').exists()


def test_destroy_of_a_suspended_guest_drops_its_saved_memory(drv):
    inst = new_instance()
    spawn(drv, inst)
    drv.suspend('ctx', inst)
    assert domain(inst).hasManagedSaveImage(0)
    drv.destroy('ctx', inst, [])
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)


# --- power ------------------------------------------------------------------

def test_power_states_follow_the_guest(drv):
    inst = new_instance()
    spawn(drv, inst)
    drv.pause(inst)
    assert power_state(drv, inst) == states.PAUSED_POWER
    drv.unpause(inst)
    assert power_state(drv, inst) == states.RUNNING
    # Suspended to disk: no QEMU runs, as Nova reports it.
    drv.suspend('ctx', inst)
    assert power_state(drv, inst) == states.SHUTDOWN
    drv.resume('ctx', inst, [])
    assert power_state(drv, inst) == states.RUNNING
    assert not domain(inst).hasManagedSaveImage(0)


@pytest.mark.parametrize('timeout', [0, 30])
def test_power_off_and_on(drv, timeout):
    inst = new_instance()
    spawn(drv, inst)
    drv.power_off(inst, timeout=timeout, retry_interval=5)
    assert power_state(drv, inst) == states.SHUTDOWN
    drv.power_off(inst, timeout=timeout)
    assert power_state(drv, inst) == states.SHUTDOWN
    drv.power_on('ctx', inst, [])
    assert power_state(drv, inst) == states.RUNNING


def test_power_on_writes_the_domain_again(drv):
    inst = new_instance()
    spawn(drv, inst, power_on=False)
    # What a newer release would change in the XML of old guests.
    inst.memory_mb = 512
    drv.power_on('ctx', inst, [])
    assert domain(inst).maxMemory() == 512 * 1024


@pytest.mark.parametrize('reboot_type', ['SOFT', 'HARD'])
def test_reboot_starts_the_guest_again(drv, virtapi, reboot_type):
    inst = new_instance()
    spawn(drv, inst)
    first_id = drv.get_info(inst).internal_id
    drv.reboot('ctx', inst, [], reboot_type)
    info = drv.get_info(inst)
    assert info.state == states.RUNNING
    assert info.internal_id != first_id
    assert virtapi.wait_for((inst.uuid, host.EVENT_STOPPED))


def test_soft_reboot_of_a_paused_guest_is_hard(drv):
    # A paused guest cannot hear the power button.
    inst = new_instance()
    spawn(drv, inst)
    drv.pause(inst)
    drv.reboot('ctx', inst, [], 'SOFT')
    assert power_state(drv, inst) == states.RUNNING


def test_operations_on_a_missing_guest_raise_instance_not_found(drv):
    inst = new_instance()
    for call in (lambda: drv.get_info(inst),
                 lambda: drv.power_off(inst, 10),
                 lambda: drv.pause(inst),
                 lambda: drv.get_console_output('ctx', inst)):
        with pytest.raises(exception.InstanceNotFound):
            call()


def test_guest_undefined_after_its_lookup_is_not_found(drv, monkeypatch):
    """A delete may undefine the domain between get_info's lookup and
    its question to libvirt: still InstanceNotFound, not a libvirt
    error."""
    inst = new_instance()
    spawn(drv, inst)
    stale = domain(inst)
    drv.destroy('ctx', inst, [])
    monkeypatch.setattr(drv._host, 'get_domain', lambda uuid: stale)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)


def test_lifecycle_events_reach_the_virtapi(drv, virtapi):
    inst = new_instance()
    spawn(drv, inst)
    assert virtapi.wait_for((inst.uuid, host.EVENT_STARTED))
    drv.pause(inst)
    assert virtapi.wait_for((inst.uuid, host.EVENT_SUSPENDED))


def test_a_virtapi_without_the_handler_hears_nothing(
        instances_path, images):  # noqa: F811
    CONF.set_override('connection_uri', TEST_URI, 'libvirt')
    d = libvirt_driver.LibvirtDriver(object(), image_api=images)
    d.init_host('compute1')
    inst = new_instance()
    try:
        spawn(d, inst)
        d.destroy('ctx', inst, [])
    finally:
        d.cleanup_host('compute1')


# --- what the guest and the host look like -----------------------------------

def test_console_output_is_the_end_of_the_serial_log(drv, instances_path):  # noqa: F811,E501
    inst = new_instance()
    spawn(drv, inst)
    assert drv.get_console_output('ctx', inst) == ''
    log = instances_path / inst.uuid / 'console.log'
    log.write_bytes(b'early boot\n' + b'x' * (200 * 1024) + b'\nlogin: ')
    output = drv.get_console_output('ctx', inst)
    assert len(output) == libvirt_driver.MAX_CONSOLE_BYTES
    assert output.endswith('x\nlogin: ')


def test_diagnostics_of_a_running_guest(drv):
    schemas = pytest.importorskip(
        'tempest.lib.api_schema.response.compute.v2_48.servers')
    jsonschema = pytest.importorskip('jsonschema')
    body_schema = schemas.show_server_diagnostics['response_body']
    inst = new_instance()
    spawn(drv, inst)
    diags = drv.get_instance_diagnostics(inst)
    jsonschema.validate(diags, body_schema)
    assert diags['state'] == 'running'
    assert diags['driver'] == 'libvirt'
    assert (diags['num_cpus'], diags['num_disks'], diags['num_nics']) == \
        (inst.vcpus, 1, 0)
    assert [c['id'] for c in diags['cpu_details']] == list(
        range(inst.vcpus))
    assert diags['memory_details']['maximum'] == inst.memory_mb
    [disk] = diags['disk_details']
    assert set(disk) == {'read_bytes', 'read_requests', 'write_bytes',
                         'write_requests', 'errors_count'}
    drv.power_off(inst)
    diags = drv.get_instance_diagnostics(inst)
    jsonschema.validate(diags, body_schema)
    assert diags['state'] == 'shutdown'
    assert diags['cpu_details'] == diags['disk_details'] == []


def test_snapshot_uploads_the_flattened_root_disk(drv, tmp_path):
    inst = new_instance(root_gb=1)
    spawn(drv, inst)
    uploaded = tmp_path / 'uploaded'
    calls = []

    def upload(image_id, metadata, data):
        calls.append((image_id, metadata))
        with open(uploaded, 'wb') as f:
            shutil.copyfileobj(data, f)

    drv.snapshot('ctx', inst, 'snap-id', upload)

    assert calls == [('snap-id', {'disk_format': 'qcow2',
                                  'container_format': 'bare'})]
    info = fx.qemu_img_info(uploaded)
    assert info['format'] == 'qcow2'
    assert 'backing-filename' not in info
    assert info['virtual-size'] == GiB
    # The image's data, read through the snapshot alone.
    raw = tmp_path / 'raw'
    subprocess.run(['qemu-img', 'convert', '-O', 'raw', str(uploaded),
                    str(raw)], check=True)
    with open(raw, 'rb') as f:
        assert f.read(10000) == b'root disk\n' * 1000
    assert power_state(drv, inst) == states.RUNNING
    assert os.listdir(CONF.libvirt.snapshots_directory) == []


def test_resources_report(drv, instances_path):  # noqa: F811
    before = drv.get_available_resource('compute1')
    assert set(before) == RESOURCE_KEYS
    assert (before['vcpus'], before['memory_mb']) == (16, 3072)
    assert before['hypervisor_type'] == 'TEST'
    assert isinstance(before['hypervisor_version'], int)
    assert before['hypervisor_hostname'] == 'compute1'
    assert json.loads(before['cpu_info'])['arch'] == 'i686'
    assert before['supported_instances'] == [['i686', 'test', 'hvm']]
    usage = shutil.disk_usage(instances_path)
    assert before['local_gb'] == usage.total // GiB

    inst = new_instance(root_gb=5)
    spawn(drv, inst, power_on=False)
    after = drv.get_available_resource('compute1')
    # Defined guests count, running or not.
    assert after['vcpus_used'] == before['vcpus_used'] + inst.vcpus
    assert after['memory_mb_used'] == \
        before['memory_mb_used'] + inst.memory_mb
    # The thin root disk may still grow by almost 5 GiB.
    free_gb = shutil.disk_usage(instances_path).free // GiB
    assert after['disk_available_least'] <= free_gb - 4


def test_available_nodes_and_uptime(drv):
    conn = libvirt.open(TEST_URI)
    try:
        assert drv.get_available_nodes() == [conn.getHostname()]
    finally:
        conn.close()
    assert 'load average' in drv.get_host_uptime()
