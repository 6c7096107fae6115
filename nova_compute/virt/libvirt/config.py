"""The libvirt domain XML of a guest.

Built from the instance (its flavor's sizes), its image's properties,
the files the image backend made and the [libvirt] and [vnc] options.
It opens no libvirt connection and none of the instance's files, so
the driver can build it again at each hard reboot (from the image
properties kept in the instance's system metadata) and tests can parse
it.

Image properties are checked here, where their meaning lives: a value
the guest cannot have (``hw_disk_bus=floppy``) fails the build with
UnsupportedImageProperty naming the property, rather than an obscure
libvirt error at define time.
"""

import importlib.metadata
import os
import platform
import xml.etree.ElementTree as ET

from common import conf
from common import exception

CONF = conf.CONF

# Instance system_metadata keeps the image's properties under this prefix.
SYSTEM_METADATA_IMAGE_PREFIX = 'image_'
# Bus -> guest device name prefix, for the buses a qemu/kvm guest's
# disks can sit on.
DISK_BUS_PREFIXES = {'virtio': 'vd', 'scsi': 'sd', 'sata': 'sd',
                     'usb': 'sd', 'ide': 'hd'}
DEFAULT_DISK_BUS = 'virtio'
VIF_MODELS = ('virtio', 'e1000', 'e1000e', 'ne2k_pci', 'pcnet', 'rtl8139')
DEFAULT_VIF_MODEL = 'virtio'
VIDEO_MODELS = ('virtio', 'vga', 'cirrus', 'vmvga', 'qxl', 'bochs', 'none')
# Nova's default on x86 since Yoga: virtio-gpu where the guest has a
# driver for it, VGA compatibility otherwise, both better than cirrus.
DEFAULT_VIDEO_MODEL = 'virtio'
# Machine types when neither the image nor [libvirt] hw_machine_type
# names one; libvirt expands them to the newest versioned type.
DEFAULT_MACHINE_TYPES = {'x86_64': 'pc', 'i686': 'pc', 'aarch64': 'virt'}
X86_ARCHES = ('x86_64', 'i686')
CONSOLE_ARGS = 'console=tty0 console=ttyS0'
# What guests see in their SMBIOS tables; cloud-init recognises an
# OpenStack guest by this product name.
SYSINFO_MANUFACTURER = 'OpenStack Foundation'
SYSINFO_PRODUCT = 'OpenStack Nova'
SYSINFO_FAMILY = 'Virtual Machine'
MACHINE_ID_FILE = '/etc/machine-id'


class UnsupportedImageProperty(exception.Invalid):
    msg_fmt = ('Image property %(name)s=%(value)s is not supported by the '
               'libvirt driver; valid values: %(valid)s')


class HostSerialUnknown(exception.NovaException):
    msg_fmt = ('[libvirt] sysinfo_serial = %(mode)s needs the host UUID, '
               'which was not given')


def image_properties(instance, image_meta=None):
    """The image properties the guest is built from.

    At spawn they are the image's (``image_meta`` as common.glance
    returns it); later (hard reboot, power on) the image may be gone or
    changed, so they come from the copy kept in the instance's system
    metadata, as Nova does.
    """
    if image_meta is not None:
        return dict(image_meta.get('properties') or {})
    prefix = SYSTEM_METADATA_IMAGE_PREFIX
    return {key[len(prefix):]: value
            for key, value in (instance.system_metadata or {}).items()
            if key.startswith(prefix)}


def _choice(props, name, valid, default):
    """The property ``name`` if it is one of ``valid``, else refused."""
    value = props.get(name) or default
    if value not in valid:
        raise UnsupportedImageProperty(name=name, value=value,
                                       valid=', '.join(sorted(valid)))
    return value


def machine_type(props, arch):
    """The guest's machine type: the image's ``hw_machine_type``, else
    ``[libvirt] hw_machine_type`` for ``arch``, else a default.

    The driver should record it in the instance's system metadata so a
    later change of the option does not change existing guests.
    """
    if props.get('hw_machine_type'):
        return props['hw_machine_type']
    for item in CONF.libvirt.hw_machine_type or ():
        item_arch, _, mtype = item.partition('=')
        if item_arch.strip() == arch and mtype.strip():
            return mtype.strip()
    return DEFAULT_MACHINE_TYPES.get(arch)


def guest_xml(instance, props, files, cache_mode, interfaces=(),
              host_uuid=None):
    """The domain XML (a string) of ``instance``.

    ``props``: image_properties(); ``files``: the image backend's
    GuestFiles (disks, kernel, ramdisk, console log); ``cache_mode``:
    the disks' cache mode, imagebackend.file_cache_mode();
    ``interfaces``: dicts with ``type`` (bridge, network, ethernet,
    user), ``mac_address`` and optionally ``source`` (bridge or network
    name) and ``target_dev``; ``host_uuid``: only read when [libvirt]
    sysinfo_serial asks for the host's hardware UUID.
    """
    arch = platform.machine()
    domain = ET.Element('domain', type=CONF.libvirt.virt_type)
    ET.SubElement(domain, 'name').text = instance.name
    ET.SubElement(domain, 'uuid').text = instance.uuid
    ET.SubElement(domain, 'memory', unit='KiB').text = str(
        instance.memory_mb * 1024)
    ET.SubElement(domain, 'vcpu').text = str(instance.vcpus)
    disk_bus = _choice(props, 'hw_disk_bus', DISK_BUS_PREFIXES,
                       DEFAULT_DISK_BUS)
    root_dev = DISK_BUS_PREFIXES[disk_bus] + 'a'
    domain.append(_sysinfo(instance, host_uuid))
    domain.append(_os(props, arch, files, root_dev))
    domain.append(_features(arch))
    cpu = _cpu()
    if cpu is not None:
        domain.append(cpu)
    domain.append(_clock(instance, props, arch))
    for event, action in (('on_poweroff', 'destroy'),
                          ('on_reboot', 'restart'),
                          ('on_crash', 'destroy')):
        ET.SubElement(domain, event).text = action
    devices = ET.SubElement(domain, 'devices')
    devices.extend(_disks(files.disks, disk_bus, cache_mode))
    vif_model = (_choice(props, 'hw_vif_model', VIF_MODELS,
                         DEFAULT_VIF_MODEL) if interfaces else None)
    devices.extend(_interface(vif, vif_model) for vif in interfaces)
    devices.extend(_serial_console(files.console_log))
    if CONF.vnc.enabled:
        devices.extend(_vnc(props))
    devices.append(_memballoon())
    ET.indent(domain)
    return ET.tostring(domain, encoding='unicode')


def _sysinfo(instance, host_uuid):
    """SMBIOS system information, which guests read to learn they run
    on OpenStack and which instance they are."""
    sysinfo = ET.Element('sysinfo', type='smbios')
    system = ET.SubElement(sysinfo, 'system')
    entries = [('manufacturer', SYSINFO_MANUFACTURER),
               ('product', SYSINFO_PRODUCT),
               ('version', importlib.metadata.version('novaclone')),
               ('serial', _serial(instance, host_uuid)),
               ('uuid', instance.uuid),
               ('family', SYSINFO_FAMILY)]
    for name, value in entries:
        if value:
            ET.SubElement(system, 'entry', name=name).text = value
    return sysinfo


def _serial(instance, host_uuid):
    """The SMBIOS serial number [libvirt] sysinfo_serial asks for."""
    mode = CONF.libvirt.sysinfo_serial
    if mode == 'auto':
        mode = 'os' if os.path.exists(MACHINE_ID_FILE) else 'hardware'
    if mode == 'none':
        return None
    if mode == 'unique':
        return instance.uuid
    if mode == 'os':
        with open(MACHINE_ID_FILE) as f:
            return f.read().strip()
    if not host_uuid:
        raise HostSerialUnknown(mode=CONF.libvirt.sysinfo_serial)
    return host_uuid


def _os(props, arch, files, root_dev):
    """Firmware boot from the root disk, or direct kernel boot when the
    instance has a kernel (and maybe a ramdisk) image."""
    os_elem = ET.Element('os')
    ET.SubElement(os_elem, 'type', arch=arch,
                  machine=machine_type(props, arch)).text = 'hvm'
    if files.kernel:
        ET.SubElement(os_elem, 'kernel').text = files.kernel
        if files.ramdisk:
            ET.SubElement(os_elem, 'initrd').text = files.ramdisk
        ET.SubElement(os_elem, 'cmdline').text = (
            props.get('os_command_line')
            or 'root=/dev/%s %s' % (root_dev, CONSOLE_ARGS))
    else:
        ET.SubElement(os_elem, 'boot', dev='hd')
    ET.SubElement(os_elem, 'smbios', mode='sysinfo')
    return os_elem


def _features(arch):
    """ACPI lets the guest see the power button (soft shutdown and
    reboot); APIC is what x86 guests expect of a modern PC."""
    features = ET.Element('features')
    ET.SubElement(features, 'acpi')
    if arch in X86_ARCHES:
        ET.SubElement(features, 'apic')
    return features


def _cpu():
    """The guest CPU [libvirt] cpu_mode asks for; None (the
    hypervisor's default model) when unset for qemu, as in Nova."""
    mode = CONF.libvirt.cpu_mode
    if mode is None:
        mode = 'host-model' if CONF.libvirt.virt_type == 'kvm' else 'none'
    if mode == 'none':
        return None
    if mode != 'custom':
        return ET.Element('cpu', mode=mode)
    if not CONF.libvirt.cpu_models:
        raise exception.ConfigNotSet(group='libvirt', option='cpu_models')
    cpu = ET.Element('cpu', mode='custom', match='exact')
    ET.SubElement(cpu, 'model').text = CONF.libvirt.cpu_models[0]
    for flag in CONF.libvirt.cpu_model_extra_flags:
        policy = 'disable' if flag.startswith('-') else 'require'
        ET.SubElement(cpu, 'feature', policy=policy, name=flag.lstrip('+-'))
    return cpu


def _clock(instance, props, arch):
    """UTC, except for Windows, whose clock runs on local time; x86
    timers set so a guest that was not scheduled for a while catches up
    instead of drifting."""
    os_type = props.get('os_type') or getattr(instance, 'os_type', None)
    clock = ET.Element(
        'clock', offset='localtime' if os_type == 'windows' else 'utc')
    if arch in X86_ARCHES:
        ET.SubElement(clock, 'timer', name='pit', tickpolicy='delay')
        ET.SubElement(clock, 'timer', name='rtc', tickpolicy='catchup')
        ET.SubElement(clock, 'timer', name='hpet', present='no')
    return clock


def _disks(disks, bus, cache_mode):
    """The instance's disks in order (root first, so it is the one the
    guest boots), named vda, vdb... (or sda, hda... per bus)."""
    prefix = DISK_BUS_PREFIXES[bus]
    elements = []
    for index, disk in enumerate(disks):
        elem = ET.Element('disk', type='file', device='disk')
        ET.SubElement(elem, 'driver', name='qemu', type=disk.format,
                      cache=cache_mode)
        ET.SubElement(elem, 'source', file=disk.path)
        ET.SubElement(elem, 'target', dev=prefix + chr(ord('a') + index),
                      bus=bus)
        elements.append(elem)
    return elements


def _interface(vif, model):
    interface = ET.Element('interface', type=vif['type'])
    ET.SubElement(interface, 'mac', address=vif['mac_address'])
    if vif.get('source'):
        ET.SubElement(interface, 'source', **{vif['type']: vif['source']})
    if vif.get('target_dev'):
        ET.SubElement(interface, 'target', dev=vif['target_dev'])
    ET.SubElement(interface, 'model', type=model)
    return interface


def _serial_console(log_path):
    """A serial port whose output libvirt (virtlogd) also writes to
    ``log_path``, which is what ``os-getConsoleOutput`` shows, and the
    console bound to it."""
    serial = ET.Element('serial', type='pty')
    ET.SubElement(serial, 'log', file=log_path, append='off')
    console = ET.Element('console', type='pty')
    ET.SubElement(console, 'target', type='serial', port='0')
    return [serial, console]


def _vnc(props):
    """The graphical console nova-novncproxy connects to, on a port
    libvirt picks, a tablet so the pointer follows the browser's, and
    the video card."""
    graphics = ET.Element('graphics', type='vnc', autoport='yes',
                          listen=CONF.vnc.server_listen)
    ET.SubElement(graphics, 'listen', type='address',
                  address=CONF.vnc.server_listen)
    tablet = ET.Element('input', type='tablet', bus='usb')
    video = ET.Element('video')
    ET.SubElement(video, 'model', type=_choice(
        props, 'hw_video_model', VIDEO_MODELS, DEFAULT_VIDEO_MODEL))
    return [graphics, tablet, video]


def _memballoon():
    """The balloon device, reporting the guest's memory statistics every
    [libvirt] mem_stats_period_seconds."""
    balloon = ET.Element('memballoon', model='virtio')
    period = CONF.libvirt.mem_stats_period_seconds
    if period > 0:
        ET.SubElement(balloon, 'stats', period=str(period))
    return balloon
