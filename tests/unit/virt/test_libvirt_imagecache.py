"""The image cache manager on a real cache directory."""

import os
import shutil
import time

import pytest

from nova_compute.virt.libvirt import imagebackend
from nova_compute.virt.libvirt import imagecache
from tests.unit.virt import libvirt_fixtures as fx
from tests.unit.virt.libvirt_fixtures import instances_path  # noqa: F401

CONF = fx.CONF
DAY = 86400
OTHER_ID = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b'


@pytest.fixture
def base_dir(instances_path):  # noqa: F811
    path = instances_path / '_base'
    path.mkdir(parents=True)
    return path


def _base_file(base_dir, image_id, age):
    path = base_dir / imagebackend.base_name(image_id)
    path.write_bytes(b'image')
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def _age(path):
    return time.time() - os.path.getmtime(path)


def test_unused_base_files_go_once_old_enough(base_dir):
    old = _base_file(base_dir, OTHER_ID, DAY + 60)
    young = _base_file(base_dir, fx.KERNEL_ID, DAY - 600)

    imagecache.ImageCacheManager().update([])

    assert not old.exists()
    assert young.exists()


def test_minimum_age_is_an_option(base_dir):
    CONF.set_override('remove_unused_original_minimum_age_seconds', 60,
                      'image_cache')
    unused = _base_file(base_dir, OTHER_ID, 120)

    imagecache.ImageCacheManager().update([])

    assert not unused.exists()


def test_base_files_in_use_are_kept_and_touched(base_dir):
    inst = fx.instance(kernel_id=fx.KERNEL_ID, ramdisk_id=fx.RAMDISK_ID)
    used = [_base_file(base_dir, image_id, 3 * DAY)
            for image_id in (fx.IMAGE_ID, fx.KERNEL_ID, fx.RAMDISK_ID)]

    imagecache.ImageCacheManager().update([inst])

    assert all(path.exists() and _age(path) < 60 for path in used)


def test_nothing_is_removed_when_removal_is_off(base_dir):
    CONF.set_override('remove_unused_base_images', False, 'image_cache')
    unused = _base_file(base_dir, OTHER_ID, 3 * DAY)

    imagecache.ImageCacheManager().update([])

    assert unused.exists()


def test_files_it_did_not_make_are_left_alone(base_dir):
    foreign = base_dir / 'ephemeral_1_0706d66'
    foreign.write_bytes(b'x')
    partial = base_dir / (imagebackend.base_name(OTHER_ID) + '.part')
    partial.write_bytes(b'x')
    for path in (foreign, partial):
        os.utime(path, (0, 0))

    imagecache.ImageCacheManager().update([])

    assert foreign.exists() and partial.exists()


def test_a_missing_cache_is_no_error(instances_path):  # noqa: F811
    imagecache.ImageCacheManager().update([fx.instance()])
    assert not instances_path.exists()


def test_removed_image_is_downloaded_again(base_dir, tmp_path):
    source = tmp_path / 'image.raw'
    source.write_bytes(b'\0' * fx.MiB)
    calls = []

    def download(image_id, dst_path):
        calls.append(image_id)
        shutil.copyfile(source, dst_path)

    base = imagebackend.cache_image(fx.image_meta(), download)
    then = time.time() - 2 * DAY
    os.utime(base, (then, then))
    imagecache.ImageCacheManager().update([])
    assert not os.path.exists(base)

    assert imagebackend.cache_image(fx.image_meta(), download) == base
    assert calls == [fx.IMAGE_ID, fx.IMAGE_ID]
