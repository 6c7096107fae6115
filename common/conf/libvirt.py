"""[libvirt] options of the libvirt virt driver.

Read by nova-compute when ``compute_driver = libvirt.LibvirtDriver``;
they decide the guest XML (CPU model, devices, disks) and where the
instance disks come from.
"""

from oslo_config import cfg

libvirt_group = cfg.OptGroup(
    'libvirt',
    title='Libvirt driver options',
    help='Options of the libvirt virt driver.')

connection_opts = [
    cfg.StrOpt(
        'virt_type',
        default='kvm',
        choices=('kvm', 'lxc', 'qemu', 'parallels'),
        help="""
Kind of guest libvirt runs. ``kvm`` needs hardware virtualization;
``qemu`` emulates the CPU in software and works anywhere, including
inside another VM, only much slower. It also picks the default
``connection_uri``.
"""),
    cfg.StrOpt(
        'connection_uri',
        default='',
        help="""
libvirt URI to connect to, overriding the one derived from
``virt_type`` (e.g. ``qemu:///system``). Set it to reach a libvirtd
listening somewhere unusual.
"""),
]

injection_opts = [
    cfg.BoolOpt(
        'inject_password',
        default=False,
        help="""
Write the admin password into the guest's file system at boot. Needs
``inject_partition`` to be usable; prefer the metadata service or a
config drive.
"""),
    cfg.BoolOpt(
        'inject_key',
        default=False,
        help="""
Write the SSH public key into the guest's file system at boot. Prefer
letting cloud-init fetch it from the metadata service.
"""),
    cfg.IntOpt(
        'inject_partition',
        default=-2,
        min=-2,
        help="""
Partition of the root disk that data is injected into: -2 disables
injection, -1 inspects the image to find the root partition, 0 means
the disk has no partition table, N the Nth partition.
"""),
]

image_opts = [
    cfg.StrOpt(
        'images_type',
        default='default',
        choices=('raw', 'flat', 'qcow2', 'lvm', 'rbd', 'ploop', 'default'),
        help="""
Storage backing instance disks. ``default`` means qcow2 when
``use_cow_images`` is on and flat files otherwise; ``lvm`` needs
``images_volume_group``, ``rbd`` a Ceph cluster.
"""),
    cfg.StrOpt(
        'images_volume_group',
        help='LVM volume group holding instance disks when images_type '
             'is lvm.'),
    cfg.StrOpt(
        'images_rbd_pool',
        default='rbd',
        help='Ceph pool holding instance disks when images_type is rbd.'),
    cfg.StrOpt(
        'images_rbd_ceph_conf',
        default='',
        help='Ceph configuration file used when images_type is rbd.'),
    cfg.ListOpt(
        'disk_cachemodes',
        default=[],
        help="""
Cache mode per disk source type, as ``type=mode`` items, e.g.
``file=directsync,block=none``. Unlisted types use the driver's safe
choice; ``unsafe`` or ``writeback`` trade durability for speed.
"""),
    cfg.StrOpt(
        'snapshot_image_format',
        choices=('raw', 'qcow2', 'vmdk', 'vdi'),
        help="""
Disk format of the images snapshots upload. When unset the format of
the instance's disk is kept.
"""),
    cfg.StrOpt(
        'snapshots_directory',
        default='$instances_path/snapshots',
        help="""
Scratch directory where snapshots are assembled before upload. Needs
room for a full copy of the largest disk.
"""),
]

guest_opts = [
    cfg.ListOpt(
        'hw_machine_type',
        help="""
Machine type per guest architecture, as ``arch=type`` items, e.g.
``x86_64=q35``. An image's ``hw_machine_type`` property takes
precedence. Pin it so libvirt upgrades do not change existing guests.
"""),
    cfg.StrOpt(
        'cpu_mode',
        choices=('host-model', 'host-passthrough', 'custom', 'none'),
        help="""
How the guest CPU is modelled. ``host-passthrough`` gives guests the
host's exact CPU (fastest, but live migration needs identical hosts);
``host-model`` a close copy; ``custom`` one of ``cpu_models``. When
unset, kvm guests get ``host-model`` and qemu guests ``none``.
"""),
    cfg.ListOpt(
        'cpu_models',
        default=[],
        deprecated_name='cpu_model',
        help="""
Named CPU models, oldest first, offered when ``cpu_mode`` is
``custom``. A common older model lets guests live-migrate between
hosts of different CPU generations.
"""),
    cfg.ListOpt(
        'cpu_model_extra_flags',
        default=[],
        help="""
CPU flags added to (``+flag`` or plain ``flag``) or removed from
(``-flag``) the guest CPU model, e.g. ``pcid`` to soften the cost of
Meltdown mitigations.
"""),
    cfg.StrOpt(
        'sysinfo_serial',
        default='unique',
        choices=(
            ('none', 'leave the serial number out'),
            ('os', 'the host\'s /etc/machine-id'),
            ('hardware', 'the host\'s hardware UUID from libvirt'),
            ('auto', '``os`` if /etc/machine-id exists, else '
                     '``hardware``'),
            ('unique', 'the instance UUID'),
        ),
        help="""
Serial number guests see in their SMBIOS system information; licensed
software sometimes keys on it.
"""),
    cfg.IntOpt(
        'mem_stats_period_seconds',
        default=10,
        help="""
Seconds between memory statistics collected from the guest balloon
driver. Zero or less disables collection.
"""),
    cfg.IntOpt(
        'wait_soft_reboot_seconds',
        default=120,
        help="""
Seconds to wait for a guest to restart after a soft reboot request
before falling back to a hard reboot.
"""),
    cfg.IntOpt(
        'rx_queue_size',
        choices=(256, 512, 1024),
        help="""
Receive queue length of virtio network interfaces. Larger queues drop
fewer packets under bursts. When unset the hypervisor's default is used.
"""),
    cfg.IntOpt(
        'tx_queue_size',
        choices=(256, 512, 1024),
        help="""
Transmit queue length of virtio network interfaces (vhost-user only).
When unset the hypervisor's default is used.
"""),
    cfg.IntOpt(
        'num_pcie_ports',
        default=0,
        min=0,
        max=28,
        help="""
PCIe root ports given to q35/aarch64 guests, which bounds how many
devices can be hot-plugged. Zero keeps libvirt's default.
"""),
    cfg.IntOpt(
        'file_backed_memory',
        default=0,
        min=0,
        help="""
MiB of file-backed memory this host offers instead of RAM; guest
memory then lives in files under the memory backing directory of
libvirt. Zero disables it.
"""),
    cfg.BoolOpt(
        'swtpm_enabled',
        default=False,
        help="""
Offer emulated TPM devices (swtpm) to guests whose flavor or image asks
for one. Needs swtpm installed on the host.
"""),
    cfg.StrOpt(
        'swtpm_user',
        default='tss',
        help='User the swtpm processes run as.'),
    cfg.StrOpt(
        'swtpm_group',
        default='tss',
        help='Group the swtpm processes run as.'),
]

LIBVIRT_OPTS = connection_opts + injection_opts + image_opts + guest_opts


def register_opts(conf):
    conf.register_group(libvirt_group)
    conf.register_opts(LIBVIRT_OPTS, group=libvirt_group)


def list_opts():
    return {libvirt_group: LIBVIRT_OPTS}
