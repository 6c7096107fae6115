"""What the libvirt driver's unit tests share: an instance as the
driver receives it, images on disk, a private instances_path."""

import json
import subprocess
import types

import pytest

from common import conf

CONF = conf.CONF
IMAGE_ID = '0b7f3c6e-5d1a-4a8e-9f2b-6c4d2e1a9b10'
KERNEL_ID = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f'
RAMDISK_ID = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a'
MiB = 1024 * 1024


@pytest.fixture
def instances_path(tmp_path):
    """[DEFAULT] instances_path in the test's own directory."""
    path = tmp_path / 'instances'
    CONF.set_override('instances_path', str(path))
    yield path
    CONF.reset()


def instance(uuid='3f0e6b8a-9c1d-4e2f-8a7b-6c5d4e3f2a1b', root_gb=1,
             ephemeral_gb=0, swap=0, kernel_id='', ramdisk_id='', **extra):
    """An instance record with attribute access, as the manager hands
    it to a driver."""
    record = dict(
        uuid=uuid, name='instance-0000000a', vcpus=2, memory_mb=256,
        root_gb=root_gb, ephemeral_gb=ephemeral_gb,
        flavor={'name': 'm1.tiny', 'swap': swap,
                'ephemeral_gb': ephemeral_gb, 'extra_specs': {}},
        image_ref=IMAGE_ID, kernel_id=kernel_id, ramdisk_id=ramdisk_id,
        os_type=None, system_metadata={})
    record.update(extra)
    return types.SimpleNamespace(**record)


def image_meta(disk_format='raw', image_id=IMAGE_ID, **properties):
    """An image as common.glance returns it."""
    return {'id': image_id, 'status': 'active', 'disk_format': disk_format,
            'container_format': 'bare', 'size': MiB, 'min_ram': 0,
            'min_disk': 0, 'properties': properties}


def make_image(path, disk_format, size):
    """A blank image of ``size`` (qemu-img notation: 1M, 2G)."""
    subprocess.run(['qemu-img', 'create', '-q', '-f', disk_format,
                    str(path), size], check=True)


def qemu_img_info(path):
    out = subprocess.run(['qemu-img', 'info', '--output=json', '-U',
                          str(path)], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)
