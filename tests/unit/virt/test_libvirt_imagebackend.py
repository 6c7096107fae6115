"""The libvirt image backend, with the real qemu-img on small files."""

import errno
import hashlib
import multiprocessing
import os
import shutil
import stat
import threading
import time

import pytest

from common import exception
from nova_compute.virt.libvirt import imagebackend
from tests.unit.virt import libvirt_fixtures as fx
from tests.unit.virt.libvirt_fixtures import instances_path  # noqa: F401

CONF = fx.CONF
GiB = 1024 * fx.MiB


class Downloader:
    """A download(image_id, dst) serving prepared files; records calls."""

    def __init__(self, sources, delay=0.0):
        self.sources = sources
        self.delay = delay
        self.calls = []

    def __call__(self, image_id, dst_path):
        self.calls.append(image_id)
        time.sleep(self.delay)
        shutil.copyfile(self.sources[image_id], dst_path)


@pytest.fixture
def raw_image(tmp_path):
    path = tmp_path / 'image.raw'
    path.write_bytes(b'\x01' * fx.MiB)
    return path


def _base(instances_path, image_id=fx.IMAGE_ID):  # noqa: F811
    return instances_path / '_base' / hashlib.sha1(
        image_id.encode()).hexdigest()


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_root_disk_is_a_qcow2_overlay_on_the_cached_image(
        instances_path, raw_image):  # noqa: F811
    inst = fx.instance(root_gb=1)
    files = imagebackend.create_image(inst, fx.image_meta('raw'),
                                      Downloader({fx.IMAGE_ID: raw_image}))

    directory = instances_path / inst.uuid
    assert files == imagebackend.GuestFiles(
        disks=[imagebackend.Disk('disk', str(directory / 'disk'), 'qcow2')],
        kernel=None, ramdisk=None,
        console_log=str(directory / 'console.log'))
    base = _base(instances_path)
    assert base.read_bytes() == raw_image.read_bytes()
    root = fx.qemu_img_info(directory / 'disk')
    assert root['format'] == 'qcow2'
    assert root['backing-filename'] == str(base)
    assert root['backing-filename-format'] == 'raw'
    assert root['virtual-size'] == GiB
    # qemu (libvirt-qemu) opens the base file itself.
    assert _mode(base) == 0o644
    assert _mode(base.parent) == 0o755
    assert _mode(directory) == 0o755
    assert os.listdir(base.parent) == [base.name]


def test_ephemeral_and_swap_disks_are_blank_qcow2(
        instances_path, raw_image):  # noqa: F811
    inst = fx.instance(ephemeral_gb=2, swap=64)
    files = imagebackend.create_image(inst, fx.image_meta('raw'),
                                      Downloader({fx.IMAGE_ID: raw_image}))

    assert [d.name for d in files.disks] == ['disk', 'disk.local',
                                             'disk.swap']
    sizes = {}
    for disk in files.disks[1:]:
        info = fx.qemu_img_info(disk.path)
        assert info['format'] == 'qcow2'
        assert 'backing-filename' not in info
        sizes[disk.name] = info['virtual-size']
    assert sizes == {'disk.local': 2 * GiB, 'disk.swap': 64 * fx.MiB}
    assert imagebackend.guest_files(inst) == files


def test_qcow2_image_is_cached_as_raw_by_default(
        instances_path, tmp_path):  # noqa: F811
    source = tmp_path / 'image.qcow2'
    fx.make_image(source, 'qcow2', '16M')
    inst = fx.instance(root_gb=1)
    imagebackend.create_image(inst, fx.image_meta('qcow2'),
                              Downloader({fx.IMAGE_ID: source}))

    base = fx.qemu_img_info(_base(instances_path))
    assert (base['format'], base['virtual-size']) == ('raw', 16 * fx.MiB)
    root = fx.qemu_img_info(instances_path / inst.uuid / 'disk')
    assert root['backing-filename-format'] == 'raw'
    assert os.listdir(instances_path / '_base') == [
        _base(instances_path).name]


def test_qcow2_image_is_kept_as_qcow2_without_force_raw_images(
        instances_path, tmp_path):  # noqa: F811
    CONF.set_override('force_raw_images', False)
    source = tmp_path / 'image.qcow2'
    fx.make_image(source, 'qcow2', '16M')
    inst = fx.instance(root_gb=1)
    imagebackend.create_image(inst, fx.image_meta('qcow2'),
                              Downloader({fx.IMAGE_ID: source}))

    assert fx.qemu_img_info(_base(instances_path))['format'] == 'qcow2'
    root = fx.qemu_img_info(instances_path / inst.uuid / 'disk')
    assert root['backing-filename-format'] == 'qcow2'


def test_root_gb_0_gives_the_image_its_own_size(
        instances_path, tmp_path):  # noqa: F811
    source = tmp_path / 'image.qcow2'
    fx.make_image(source, 'qcow2', '48M')
    inst = fx.instance(root_gb=0)
    imagebackend.create_image(inst, fx.image_meta('qcow2'),
                              Downloader({fx.IMAGE_ID: source}))

    root = fx.qemu_img_info(instances_path / inst.uuid / 'disk')
    assert root['virtual-size'] == 48 * fx.MiB


def test_flavor_disk_smaller_than_image_is_refused(
        instances_path, tmp_path):  # noqa: F811
    source = tmp_path / 'image.qcow2'
    fx.make_image(source, 'qcow2', '2G')
    inst = fx.instance(root_gb=1)
    with pytest.raises(exception.FlavorDiskSmallerThanImage) as e:
        imagebackend.create_image(inst, fx.image_meta('qcow2'),
                                  Downloader({fx.IMAGE_ID: source}))
    assert '%d bytes' % (2 * GiB) in str(e.value)
    assert not (instances_path / inst.uuid / 'disk').exists()


@pytest.mark.parametrize('disk_format', ['vmdk', 'iso', None])
def test_unsupported_disk_format_is_refused_before_download(
        instances_path, raw_image, disk_format):  # noqa: F811
    download = Downloader({fx.IMAGE_ID: raw_image})
    with pytest.raises(exception.ImageUnacceptable) as e:
        imagebackend.create_image(fx.instance(),
                                  fx.image_meta(disk_format), download)
    assert 'disk_format %s is not supported' % disk_format in str(e.value)
    assert download.calls == []


def test_data_that_is_not_its_disk_format_is_refused_and_removed(
        instances_path, tmp_path):  # noqa: F811
    source = tmp_path / 'image.qcow2'
    fx.make_image(source, 'qcow2', '16M')
    with pytest.raises(exception.ImageUnacceptable) as e:
        imagebackend.create_image(fx.instance(), fx.image_meta('raw'),
                                  Downloader({fx.IMAGE_ID: source}))
    assert 'its data is qcow2, its disk_format raw' in str(e.value)
    assert os.listdir(instances_path / '_base') == []


def test_image_with_a_backing_file_is_refused(
        instances_path, tmp_path):  # noqa: F811
    backing = tmp_path / 'secret.raw'
    backing.write_bytes(b'secret')
    source = tmp_path / 'image.qcow2'
    fx.subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F',
                       'raw', '-b', str(backing), str(source), '1M'],
                      check=True)
    with pytest.raises(exception.ImageUnacceptable) as e:
        imagebackend.create_image(fx.instance(), fx.image_meta('qcow2'),
                                  Downloader({fx.IMAGE_ID: source}))
    assert 'backing file' in str(e.value)
    assert os.listdir(instances_path / '_base') == []


def test_failed_download_leaves_no_file_and_is_retried(
        instances_path, raw_image):  # noqa: F811
    def broken(image_id, dst_path):
        with open(dst_path, 'wb') as f:
            f.write(b'partial')
        raise exception.GlanceConnectionFailed(server='glance',
                                               reason='reset')

    with pytest.raises(exception.GlanceConnectionFailed):
        imagebackend.create_image(fx.instance(), fx.image_meta(), broken)
    assert os.listdir(instances_path / '_base') == []

    download = Downloader({fx.IMAGE_ID: raw_image})
    imagebackend.create_image(fx.instance(), fx.image_meta(), download)
    assert download.calls == [fx.IMAGE_ID]


def test_concurrent_spawns_of_one_image_download_it_once(
        instances_path, raw_image):  # noqa: F811
    download = Downloader({fx.IMAGE_ID: raw_image}, delay=0.3)
    instances = [fx.instance(uuid='00000000-0000-4000-8000-00000000000%d'
                             % i) for i in range(4)]
    errors = []

    def spawn(inst):
        try:
            imagebackend.create_image(inst, fx.image_meta(), download)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=spawn, args=(inst,))
               for inst in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert download.calls == [fx.IMAGE_ID]
    backings = {fx.qemu_img_info(instances_path / inst.uuid / 'disk')
                ['backing-filename'] for inst in instances}
    assert backings == {str(_base(instances_path))}


def _cache_in_child(raw_image, log):
    def download(image_id, dst_path):
        with open(log, 'a') as f:
            f.write('%d\n' % os.getpid())
        time.sleep(0.3)
        shutil.copyfile(raw_image, dst_path)

    imagebackend.cache_image(fx.image_meta(), download)


def test_processes_sharing_instances_path_download_once(
        instances_path, raw_image, tmp_path):  # noqa: F811
    log = tmp_path / 'downloads'
    ctx = multiprocessing.get_context('fork')
    children = [ctx.Process(target=_cache_in_child, args=(raw_image, log))
                for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(30)

    assert [child.exitcode for child in children] == [0, 0]
    assert len(log.read_text().splitlines()) == 1
    assert _base(instances_path).read_bytes() == raw_image.read_bytes()


def test_cached_image_is_reused_and_touched(
        instances_path, raw_image):  # noqa: F811
    base = _base(instances_path)
    base.parent.mkdir(parents=True)
    shutil.copyfile(raw_image, base)
    day_ago = time.time() - 86400
    os.utime(base, (day_ago, day_ago))
    download = Downloader({fx.IMAGE_ID: raw_image})

    imagebackend.create_image(fx.instance(), fx.image_meta(), download)

    assert download.calls == []
    assert os.path.getmtime(base) > time.time() - 60


def test_kernel_and_ramdisk_are_cached_and_copied_to_the_instance(
        instances_path, raw_image, tmp_path):  # noqa: F811
    kernel = tmp_path / 'vmlinuz'
    kernel.write_bytes(b'kernel')
    ramdisk = tmp_path / 'initrd'
    ramdisk.write_bytes(b'ramdisk')
    inst = fx.instance(kernel_id=fx.KERNEL_ID, ramdisk_id=fx.RAMDISK_ID)
    download = Downloader({fx.IMAGE_ID: raw_image, fx.KERNEL_ID: kernel,
                           fx.RAMDISK_ID: ramdisk})

    files = imagebackend.create_image(inst, fx.image_meta(), download)

    directory = instances_path / inst.uuid
    assert files.kernel == str(directory / 'kernel')
    assert files.ramdisk == str(directory / 'ramdisk')
    assert (directory / 'kernel').read_bytes() == b'kernel'
    assert (directory / 'ramdisk').read_bytes() == b'ramdisk'
    assert _mode(directory / 'kernel') == 0o644
    assert _base(instances_path, fx.KERNEL_ID).read_bytes() == b'kernel'
    assert _base(instances_path, fx.RAMDISK_ID).read_bytes() == b'ramdisk'
    assert sorted(download.calls) == sorted(
        [fx.IMAGE_ID, fx.KERNEL_ID, fx.RAMDISK_ID])


def test_existing_disks_are_kept(instances_path, raw_image):  # noqa: F811
    inst = fx.instance(ephemeral_gb=1)
    download = Downloader({fx.IMAGE_ID: raw_image})
    files = imagebackend.create_image(inst, fx.image_meta(), download)
    before = [os.stat(d.path).st_ino for d in files.disks]

    imagebackend.create_image(inst, fx.image_meta(), download)

    assert [os.stat(d.path).st_ino for d in files.disks] == before


def test_delete_instance_files(instances_path, raw_image):  # noqa: F811
    inst = fx.instance()
    imagebackend.create_image(inst, fx.image_meta(),
                              Downloader({fx.IMAGE_ID: raw_image}))

    assert imagebackend.delete_instance_files(inst) is True
    assert not (instances_path / inst.uuid).exists()
    assert _base(instances_path).exists()
    assert imagebackend.delete_instance_files(inst) is True


def test_file_cache_mode_is_none_where_direct_io_works(
        instances_path):  # noqa: F811
    assert imagebackend.file_cache_mode() == 'none'
    assert os.listdir(instances_path) == []


def test_file_cache_mode_falls_back_to_writethrough(
        instances_path, monkeypatch):  # noqa: F811
    real_open = os.open

    def no_direct_io(path, flags, *args):
        if flags & os.O_DIRECT:
            raise OSError(errno.EINVAL, 'Invalid argument')
        return real_open(path, flags, *args)

    monkeypatch.setattr(imagebackend.os, 'open', no_direct_io)
    assert imagebackend.file_cache_mode() == 'writethrough'


def test_disk_cachemodes_overrides_file_cache_mode(
        instances_path):  # noqa: F811
    CONF.set_override('disk_cachemodes', ['block=none', 'file=unsafe'],
                      'libvirt')
    assert imagebackend.file_cache_mode() == 'unsafe'
