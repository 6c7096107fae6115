"""The libvirt domain XML, parsed back and checked element by element."""

import platform
import xml.etree.ElementTree as ET

import pytest

from common import exception
from nova_compute.virt.libvirt import config
from nova_compute.virt.libvirt import imagebackend
from tests.unit.virt import libvirt_fixtures as fx

CONF = fx.CONF
DIRECTORY = '/var/lib/nova/instances/' + fx.instance().uuid
VIF = {'type': 'bridge', 'mac_address': 'fa:16:3e:11:22:33',
       'source': 'br-int', 'target_dev': 'tap1234'}


@pytest.fixture(autouse=True)
def _conf():
    CONF.set_override('virt_type', 'qemu', 'libvirt')
    yield
    CONF.reset()


def _files(disks=('disk',), kernel=False, ramdisk=False):
    return imagebackend.GuestFiles(
        disks=[imagebackend.Disk(name, '%s/%s' % (DIRECTORY, name), 'qcow2')
               for name in disks],
        kernel=DIRECTORY + '/kernel' if kernel else None,
        ramdisk=DIRECTORY + '/ramdisk' if ramdisk else None,
        console_log=DIRECTORY + '/console.log')


def _domain(props=None, files=None, inst=None, **kwargs):
    xml = config.guest_xml(inst or fx.instance(), props or {},
                           files or _files(), 'none', **kwargs)
    return ET.fromstring(xml)


def test_domain_identity_and_size():
    dom = _domain()
    assert dom.get('type') == 'qemu'
    assert dom.findtext('name') == 'instance-0000000a'
    assert dom.findtext('uuid') == fx.instance().uuid
    assert dom.find('memory').get('unit') == 'KiB'
    assert dom.findtext('memory') == str(256 * 1024)
    assert dom.findtext('vcpu') == '2'


def test_virt_type_is_the_option_never_guessed():
    CONF.set_override('virt_type', 'kvm', 'libvirt')
    dom = _domain()
    assert dom.get('type') == 'kvm'
    # kvm guests get the host's CPU model unless told otherwise.
    assert dom.find('cpu').get('mode') == 'host-model'


def test_qemu_guests_have_the_default_cpu():
    assert _domain().find('cpu') is None


def test_custom_cpu_model_with_extra_flags():
    CONF.set_override('cpu_mode', 'custom', 'libvirt')
    CONF.set_override('cpu_models', ['Nehalem', 'Haswell'], 'libvirt')
    CONF.set_override('cpu_model_extra_flags', ['pcid', '-vmx'], 'libvirt')
    cpu = _domain().find('cpu')
    assert cpu.findtext('model') == 'Nehalem'
    assert [(f.get('name'), f.get('policy'))
            for f in cpu.findall('feature')] == [('pcid', 'require'),
                                                 ('vmx', 'disable')]


def test_custom_cpu_mode_needs_a_model():
    CONF.set_override('cpu_mode', 'custom', 'libvirt')
    with pytest.raises(exception.ConfigNotSet, match='cpu_models'):
        _domain()


def test_boots_from_the_root_disk_by_default():
    os_elem = _domain().find('os')
    os_type = os_elem.find('type')
    assert (os_type.text, os_type.get('arch'), os_type.get('machine')) == (
        'hvm', platform.machine(), 'pc')
    assert os_elem.find('boot').get('dev') == 'hd'
    assert os_elem.find('kernel') is None


def test_direct_kernel_boot():
    os_elem = _domain(files=_files(kernel=True, ramdisk=True)).find('os')
    assert os_elem.findtext('kernel') == DIRECTORY + '/kernel'
    assert os_elem.findtext('initrd') == DIRECTORY + '/ramdisk'
    assert os_elem.findtext('cmdline') == (
        'root=/dev/vda console=tty0 console=ttyS0')
    assert os_elem.find('boot') is None


def test_kernel_command_line_follows_the_image_and_the_disk_bus():
    os_elem = _domain({'os_command_line': 'root=/dev/vda1 quiet'},
                      files=_files(kernel=True)).find('os')
    assert os_elem.findtext('cmdline') == 'root=/dev/vda1 quiet'
    assert os_elem.find('initrd') is None
    os_elem = _domain({'hw_disk_bus': 'scsi'},
                      files=_files(kernel=True)).find('os')
    assert os_elem.findtext('cmdline').startswith('root=/dev/sda ')


def test_machine_type_from_image_then_option():
    CONF.set_override('hw_machine_type',
                      ['aarch64=virt', '%s=q35' % platform.machine()],
                      'libvirt')
    assert _domain().find('os/type').get('machine') == 'q35'
    dom = _domain({'hw_machine_type': 'pc-i440fx-7.2'})
    assert dom.find('os/type').get('machine') == 'pc-i440fx-7.2'


def test_disks_in_order_with_bus_format_and_cache():
    files = _files(disks=('disk', 'disk.local', 'disk.swap'))
    disks = _domain(files=files).findall('devices/disk')
    assert [(d.find('source').get('file'), d.find('target').get('dev'),
             d.find('target').get('bus')) for d in disks] == [
        (DIRECTORY + '/disk', 'vda', 'virtio'),
        (DIRECTORY + '/disk.local', 'vdb', 'virtio'),
        (DIRECTORY + '/disk.swap', 'vdc', 'virtio')]
    for disk in disks:
        assert (disk.get('type'), disk.get('device')) == ('file', 'disk')
        assert disk.find('driver').attrib == {
            'name': 'qemu', 'type': 'qcow2', 'cache': 'none'}


@pytest.mark.parametrize('bus,devs', [('ide', ['hda', 'hdb']),
                                      ('sata', ['sda', 'sdb'])])
def test_disk_bus_from_the_image(bus, devs):
    dom = _domain({'hw_disk_bus': bus},
                  files=_files(disks=('disk', 'disk.local')))
    targets = [d.find('target') for d in dom.findall('devices/disk')]
    assert [(t.get('dev'), t.get('bus')) for t in targets] == [
        (dev, bus) for dev in devs]


@pytest.mark.parametrize('name,value', [('hw_disk_bus', 'foo'),
                                        ('hw_video_model', 'xen')])
def test_unsupported_property_is_refused_by_name(name, value):
    with pytest.raises(config.UnsupportedImageProperty) as e:
        _domain({name: value})
    assert '%s=%s' % (name, value) in str(e.value)
    assert 'virtio' in str(e.value)


def test_no_interface_unless_given():
    assert _domain().findall('devices/interface') == []
    # The model is only checked for a guest that has an interface.
    assert _domain({'hw_vif_model': 'bogus'}) is not None


def test_interface_with_the_image_model():
    (vif,) = _domain({'hw_vif_model': 'e1000'},
                     interfaces=[VIF]).findall('devices/interface')
    assert vif.get('type') == 'bridge'
    assert vif.find('mac').get('address') == 'fa:16:3e:11:22:33'
    assert vif.find('source').get('bridge') == 'br-int'
    assert vif.find('target').get('dev') == 'tap1234'
    assert vif.find('model').get('type') == 'e1000'
    default = _domain(interfaces=[VIF]).find('devices/interface/model')
    assert default.get('type') == 'virtio'
    with pytest.raises(config.UnsupportedImageProperty, match='hw_vif_model'):
        _domain({'hw_vif_model': 'bogus'}, interfaces=[VIF])


def test_serial_console_is_logged_to_the_instance_directory():
    devices = _domain().find('devices')
    serial = devices.find('serial')
    assert serial.get('type') == 'pty'
    assert serial.find('log').attrib == {
        'file': DIRECTORY + '/console.log', 'append': 'off'}
    console = devices.find('console')
    assert console.get('type') == 'pty'
    assert console.find('target').get('type') == 'serial'


def test_vnc_listens_where_the_option_says_on_a_port_libvirt_picks():
    CONF.set_override('server_listen', '192.0.2.10', 'vnc')
    devices = _domain().find('devices')
    graphics = devices.find('graphics')
    assert (graphics.get('type'), graphics.get('autoport'),
            graphics.get('listen')) == ('vnc', 'yes', '192.0.2.10')
    assert graphics.find('listen').get('address') == '192.0.2.10'
    assert devices.find('input').attrib == {'type': 'tablet', 'bus': 'usb'}
    assert devices.find('video/model').get('type') == 'virtio'


def test_video_model_from_the_image():
    dom = _domain({'hw_video_model': 'vga'})
    assert dom.find('devices/video/model').get('type') == 'vga'


def test_no_graphics_when_vnc_is_off():
    CONF.set_override('enabled', False, 'vnc')
    devices = _domain({'hw_video_model': 'bogus'}).find('devices')
    assert devices.find('graphics') is None
    assert devices.find('video') is None


def test_lifecycle_actions_and_features():
    dom = _domain()
    assert [dom.findtext(event) for event in
            ('on_poweroff', 'on_reboot', 'on_crash')] == [
        'destroy', 'restart', 'destroy']
    assert dom.find('features/acpi') is not None
    if platform.machine() == 'x86_64':
        assert dom.find('features/apic') is not None


def test_clock_is_utc_except_for_windows():
    assert _domain().find('clock').get('offset') == 'utc'
    windows = _domain({'os_type': 'windows'})
    assert windows.find('clock').get('offset') == 'localtime'
    record = _domain(inst=fx.instance(os_type='windows'))
    assert record.find('clock').get('offset') == 'localtime'


def test_sysinfo_says_openstack_and_the_instance():
    dom = _domain()
    entries = {e.get('name'): e.text
               for e in dom.findall('sysinfo/system/entry')}
    assert entries['manufacturer'] == 'OpenStack Foundation'
    assert entries['product'] == 'OpenStack Nova'
    assert entries['serial'] == entries['uuid'] == fx.instance().uuid
    assert dom.find('os/smbios').get('mode') == 'sysinfo'


def test_sysinfo_serial_modes():
    CONF.set_override('sysinfo_serial', 'none', 'libvirt')
    names = [e.get('name') for e in _domain().findall(
        'sysinfo/system/entry')]
    assert 'serial' not in names
    CONF.set_override('sysinfo_serial', 'hardware', 'libvirt')
    with pytest.raises(config.HostSerialUnknown):
        _domain()
    dom = _domain(host_uuid='4c4c4544-0000-1000-8000-000000000001')
    assert dom.find("sysinfo/system/entry[@name='serial']").text == (
        '4c4c4544-0000-1000-8000-000000000001')


def test_memory_statistics_period():
    CONF.set_override('mem_stats_period_seconds', 0, 'libvirt')
    balloon = _domain().find('devices/memballoon')
    assert balloon.get('model') == 'virtio'
    assert balloon.find('stats') is None


def test_image_properties_from_the_image_or_the_instance():
    image = fx.image_meta(hw_disk_bus='scsi')
    assert config.image_properties(fx.instance(), image) == {
        'hw_disk_bus': 'scsi'}
    inst = fx.instance(system_metadata={
        'image_hw_disk_bus': 'ide', 'image_base_image_ref': fx.IMAGE_ID,
        'owner_user_name': 'alice'})
    assert config.image_properties(inst) == {
        'hw_disk_bus': 'ide', 'base_image_ref': fx.IMAGE_ID}


def test_libvirt_accepts_the_domain():
    libvirt = pytest.importorskip('libvirt')
    xml = config.guest_xml(
        fx.instance(), {}, _files(disks=('disk', 'disk.local', 'disk.swap'),
                                  kernel=True, ramdisk=True), 'none',
        interfaces=[dict(VIF, type='network', source='default')])
    conn = libvirt.open('test:///default')
    try:
        dom = conn.defineXML(xml)
        assert dom.name() == 'instance-0000000a'
        defined = ET.fromstring(dom.XMLDesc())
        assert defined.find('devices/serial/log').get('file') == (
            DIRECTORY + '/console.log')
        dom.undefine()
    finally:
        conn.close()
