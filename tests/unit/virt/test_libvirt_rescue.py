"""The libvirt rescue layout: the rescue image's disk first (it boots),
the server's root disk second, the rescue image's kernel and ramdisk
copied as kernel.rescue/ramdisk.rescue; all of it goes on unrescue.
Real qemu-img on small files; the domain XML from config.guest_xml."""

from xml.etree import ElementTree as ET

from nova_compute.virt.libvirt import config
from nova_compute.virt.libvirt import imagebackend
from tests.unit.virt import libvirt_fixtures as fx
from tests.unit.virt.libvirt_fixtures import instances_path  # noqa: F401
from tests.unit.virt.test_libvirt_imagebackend import Downloader


def _sources(tmp_path):
    raw = tmp_path / 'image.raw'
    raw.write_bytes(b'\x01' * fx.MiB)
    kernel = tmp_path / 'vmlinuz'
    kernel.write_bytes(b'kernel')
    ramdisk = tmp_path / 'initrd'
    ramdisk.write_bytes(b'ramdisk')
    return {fx.IMAGE_ID: raw, fx.KERNEL_ID: kernel, fx.RAMDISK_ID: ramdisk}


def test_rescue_domain_boots_the_rescue_disk_then_the_root_disk(
        instances_path, tmp_path):  # noqa: F811
    fx.CONF.set_override('virt_type', 'qemu', 'libvirt')
    inst = fx.instance()
    download = Downloader(_sources(tmp_path))
    imagebackend.create_image(inst, fx.image_meta('raw'), download)
    meta = fx.image_meta('raw', kernel_id=fx.KERNEL_ID,
                         ramdisk_id=fx.RAMDISK_ID)
    files = imagebackend.create_rescue_files(inst, meta, download)

    directory = instances_path / inst.uuid
    assert [d.name for d in files.disks] == ['disk.rescue', 'disk']
    assert (directory / 'kernel.rescue').read_bytes() == b'kernel'
    assert fx.qemu_img_info(directory / 'disk.rescue')['format'] == 'qcow2'
    domain = ET.fromstring(config.guest_xml(inst, {}, files, 'none'))
    assert [(d.find('source').get('file'), d.find('target').get('dev'))
            for d in domain.findall('devices/disk')] == [
        (str(directory / 'disk.rescue'), 'vda'),
        (str(directory / 'disk'), 'vdb')]
    assert domain.findtext('os/kernel') == str(directory / 'kernel.rescue')
    assert domain.findtext('os/initrd') == str(directory / 'ramdisk.rescue')

    imagebackend.delete_rescue_files(inst)
    assert sorted(p.name for p in directory.iterdir()) == ['disk']


def test_rescue_image_without_kernel_boots_its_disk(
        instances_path, tmp_path):  # noqa: F811
    inst = fx.instance()
    download = Downloader(_sources(tmp_path))
    imagebackend.create_image(inst, fx.image_meta('raw'), download)
    files = imagebackend.create_rescue_files(inst, fx.image_meta('raw'),
                                             download)
    assert (files.kernel, files.ramdisk) == (None, None)


def test_rebuild_keeps_only_what_it_is_told(
        instances_path, tmp_path):  # noqa: F811
    inst = fx.instance(ephemeral_gb=1)
    imagebackend.create_image(inst, fx.image_meta('raw'),
                              Downloader(_sources(tmp_path)))
    imagebackend.delete_guest_files(inst, keep=('disk.local',))
    directory = instances_path / inst.uuid
    assert sorted(p.name for p in directory.iterdir()) == ['disk.local']
    imagebackend.delete_guest_files(inst)
    assert not directory.exists()
