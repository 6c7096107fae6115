"""Instance disks: qcow2 overlays on images cached once per host.

The idea of Nova's Qcow2 image backend.  An image is downloaded once
into ``<instances_path>/_base/<sha1 of its id>`` (converted to raw
when ``[DEFAULT] force_raw_images`` is set) and each instance's root
disk is a thin qcow2 file backed by it, so a second server from the
same image starts without a download or a copy.  Its files live in
``<instances_path>/<uuid>/``: ``disk``, ``disk.local`` (ephemeral),
``disk.swap``, ``kernel``, ``ramdisk`` and ``console.log``.

qemu runs as an unprivileged user (libvirt-qemu on Debian): libvirt
hands it the instance's own disks, but it opens the cached base files
itself, so those are world-readable and the directories on the way
traversable.  The parents of ``instances_path`` must be too (not
under /root).
"""

import collections
import hashlib
import os
import shutil
import threading

from oslo_concurrency import lockutils
from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import units

from common import conf
from common import exception

CONF = conf.CONF
LOG = logging.getLogger(__name__)

SUPPORTED_DISK_FORMATS = ('raw', 'qcow2')
ROOT_DISK = 'disk'
EPHEMERAL_DISK = 'disk.local'
SWAP_DISK = 'disk.swap'
KERNEL_FILE = 'kernel'
RAMDISK_FILE = 'ramdisk'
CONSOLE_LOG = 'console.log'
# The rescue image's disk, booted first while the server is rescued.
RESCUE_DISK = 'disk.rescue'
RESCUE_BOOT_FILES = {'kernel': 'kernel.rescue', 'ramdisk': 'ramdisk.rescue'}
LOCK_PREFIX = 'nova-'
# qemu-img reads image headers a user uploaded: bound what a crafted
# one can make it consume.
QEMU_IMG_LIMITS = processutils.ProcessLimits(cpu_time=30,
                                             address_space=units.Gi)
DIR_MODE = 0o755
FILE_MODE = 0o644

# One disk of a guest, in the order the guest sees them (root first).
Disk = collections.namedtuple('Disk', 'name path format')
# Everything the domain XML points at.  kernel and ramdisk are None
# when the instance boots from its root disk.
GuestFiles = collections.namedtuple('GuestFiles',
                                    'disks kernel ramdisk console_log')


def instance_dir(instance):
    return os.path.join(CONF.instances_path, instance.uuid)


def base_dir():
    return os.path.join(CONF.instances_path,
                        CONF.image_cache.subdirectory_name)


def base_name(image_id):
    """The cached file of an image: a name that is safe whatever the id
    holds, and the same on every host sharing ``instances_path``."""
    return hashlib.sha1(image_id.encode()).hexdigest()


def base_lock(name):
    """The lock held while a base file is made or removed.

    External (a file lock), so that two nova-compute processes sharing
    ``instances_path`` neither download the same image twice nor remove
    a file the other is taking; its files live under ``instances_path``
    for that reason.
    """
    return lockutils.lock(name, lock_file_prefix=LOCK_PREFIX, external=True,
                          lock_path=os.path.join(CONF.instances_path,
                                                 'locks'))


def image_info(path):
    """``qemu-img info`` of ``path`` as a dict (format, virtual-size,
    backing-filename...); the format is probed from the data."""
    out, _ = processutils.execute('qemu-img', 'info', '--output=json',
                                  '--force-share', path,
                                  prlimit=QEMU_IMG_LIMITS)
    return jsonutils.loads(out)


def file_cache_mode():
    """The cache mode of the instances' disks.

    ``none`` bypasses the host page cache (consistent, safe against a
    host crash) but needs O_DIRECT, which some file systems (tmpfs,
    FUSE) lack; those get ``writethrough``.  ``[libvirt]
    disk_cachemodes`` (``file=<mode>``) overrides either.
    """
    for item in CONF.libvirt.disk_cachemodes:
        source_type, _, mode = item.partition('=')
        if source_type.strip() == 'file' and mode.strip():
            return mode.strip()
    return _direct_io_mode()


def _direct_io_mode():
    """``none`` where O_DIRECT works on ``instances_path``, else
    ``writethrough``; both leave the data on disk when a write ends."""
    _reachable_dir(CONF.instances_path)
    # Named per thread: two spawns may probe at once.
    probe = os.path.join(CONF.instances_path, '.directio.test.%d.%d'
                         % (os.getpid(), threading.get_ident()))
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_DIRECT)
    except OSError:
        return 'writethrough'
    os.close(fd)
    os.unlink(probe)
    return 'none'


def _blank_disks(instance):
    """(name, size for qemu-img) of the disks that start empty."""
    swap_mb = (instance.flavor or {}).get('swap') or 0
    disks = []
    if instance.ephemeral_gb:
        disks.append((EPHEMERAL_DISK, '%dG' % instance.ephemeral_gb))
    if swap_mb:
        disks.append((SWAP_DISK, '%dM' % swap_mb))
    return disks


def guest_files(instance):
    """The paths of the instance's files, whether made yet or not (a
    hard reboot rebuilds the XML from them)."""
    path = instance_dir(instance)
    names = [ROOT_DISK] + [name for name, _ in _blank_disks(instance)]
    return GuestFiles(
        disks=[Disk(name, os.path.join(path, name), 'qcow2')
               for name in names],
        kernel=(os.path.join(path, KERNEL_FILE) if instance.kernel_id
                else None),
        ramdisk=(os.path.join(path, RAMDISK_FILE) if instance.ramdisk_id
                 else None),
        console_log=os.path.join(path, CONSOLE_LOG))


def create_image(instance, image_meta, download):
    """Make the instance's disks (and kernel, ramdisk) from its image.

    ``image_meta`` is the image as common.glance returns it;
    ``download(image_id, dst_path)`` writes an image's data to a file
    (the driver binds common.glance's download to its context).  Files
    that exist already are kept, so a retried spawn does not lose a
    disk.  The ephemeral and swap disks are blank qcow2 files: unlike
    Nova, no file system or swap signature is written on them.
    """
    files = guest_files(instance)
    _reachable_dir(CONF.instances_path)
    _reachable_dir(instance_dir(instance))
    base = cache_image(image_meta, download)
    path = instance_dir(instance)
    root = os.path.join(path, ROOT_DISK)
    if not os.path.exists(root):
        _create_overlay(base, root, instance.root_gb)
    for name, size in _blank_disks(instance):
        disk = os.path.join(path, name)
        if not os.path.exists(disk):
            processutils.execute('qemu-img', 'create', '-f', 'qcow2', disk,
                                 size)
    for image_id, path in ((instance.kernel_id, files.kernel),
                           (instance.ramdisk_id, files.ramdisk)):
        if image_id and not os.path.exists(path):
            _copy(cache_file(image_id, download), path)
    return files


def cache_image(image_meta, download):
    """The base file of a disk image, downloaded (and converted) unless
    cached; ImageUnacceptable for a format the guests cannot use."""
    image_id = image_meta['id']
    disk_format = image_meta.get('disk_format')
    if disk_format not in SUPPORTED_DISK_FORMATS:
        raise exception.ImageUnacceptable(
            image_id=image_id,
            reason='disk_format %s is not supported (only %s)'
                   % (disk_format, ', '.join(SUPPORTED_DISK_FORMATS)))
    return _cached(image_id, lambda path: _fetch_disk(
        image_id, disk_format, download, path))


def cache_file(image_id, download):
    """The base file of a kernel or ramdisk image, taken as it is."""
    return _cached(image_id, lambda path: download(image_id, path))


def _cached(image_id, fetch):
    """The base file of ``image_id``, made by ``fetch(path)`` if missing.

    Under the base file's lock, so concurrent spawns of one image
    download it once.  A file in use is touched: its age tells the
    image cache manager how long it has been unused.
    """
    _reachable_dir(base_dir())
    name = base_name(image_id)
    path = os.path.join(base_dir(), name)
    with base_lock(name):
        if os.path.exists(path):
            os.utime(path)
            return path
        part = path + '.part'
        try:
            LOG.info('Downloading image %s into the image cache', image_id)
            fetch(part)
            os.chmod(part, FILE_MODE)
            os.replace(part, path)
        finally:
            _remove(part)
    return path


def _fetch_disk(image_id, disk_format, download, path):
    """Download a disk image to ``path`` and check it is what Glance
    says; raw when ``[DEFAULT] force_raw_images`` is set."""
    download(image_id, path)
    _check_data(image_id, disk_format, image_info(path))
    if disk_format == 'raw' or not CONF.force_raw_images:
        return
    converted = path + '.converted'
    try:
        processutils.execute('qemu-img', 'convert', '-t', _direct_io_mode(),
                             '-f', disk_format, '-O', 'raw', path, converted)
        os.replace(converted, path)
    except processutils.ProcessExecutionError as e:
        raise exception.ImageUnacceptable(
            image_id=image_id, reason='conversion to raw failed: %s' % e)
    finally:
        _remove(converted)


def _check_data(image_id, disk_format, info):
    """Refuse data that is not the declared format, or that points at
    other files: a "raw" image holding a qcow2 header could make qemu
    read any file of the host as its backing file."""
    reason = None
    if info['format'] != disk_format:
        reason = ('its data is %s, its disk_format %s'
                  % (info['format'], disk_format))
    elif info.get('backing-filename'):
        reason = 'it has a backing file'
    elif info.get('format-specific', {}).get('data', {}).get('data-file'):
        reason = 'it has an external data file'
    if reason:
        raise exception.ImageUnacceptable(image_id=image_id, reason=reason)


def _create_overlay(base, path, root_gb):
    """A qcow2 disk backed by ``base``, of the flavor's root size, or of
    the image's when the flavor's is 0."""
    info = image_info(base)
    size = root_gb * units.Gi
    if size and size < info['virtual-size']:
        raise exception.FlavorDiskSmallerThanImage(
            flavor_size=size, image_size=info['virtual-size'])
    cmd = ['qemu-img', 'create', '-f', 'qcow2', '-F', info['format'],
           '-b', base, path]
    if size:
        cmd.append('%dG' % root_gb)
    processutils.execute(*cmd)


def _copy(src, dst):
    """The instance's own copy of a kernel or ramdisk, so it boots
    whatever happens to the cache."""
    shutil.copyfile(src, dst)
    os.chmod(dst, FILE_MODE)


def _reachable_dir(path):
    """Make ``path`` if needed, readable and traversable by qemu."""
    os.makedirs(path, exist_ok=True)
    mode = os.stat(path).st_mode & 0o7777
    if mode & DIR_MODE != DIR_MODE:
        os.chmod(path, mode | DIR_MODE)


def delete_instance_files(instance):
    """Remove the instance's directory; whether it is gone (Nova retries
    the deletes that failed)."""
    path = instance_dir(instance)
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        LOG.warning('Failed to remove %s: %s', path, e)
        return False
    return True


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# --- rebuild and rescue ---


def delete_guest_files(instance, keep=()):
    """Remove the instance's files but those named in ``keep`` (a
    rebuild may keep the ephemeral disk)."""
    if not keep:
        delete_instance_files(instance)
        return
    path = instance_dir(instance)
    for name in os.listdir(path):
        if name not in keep:
            _remove(os.path.join(path, name))


def create_rescue_files(instance, image_meta, download):
    """The rescue guest's files (Nova's layout): an overlay of the
    rescue image first, the one that boots, the server's root disk
    second, and the rescue image's own kernel and ramdisk if it names
    them."""
    path = instance_dir(instance)
    rescue_disk = os.path.join(path, RESCUE_DISK)
    _remove(rescue_disk)
    _create_overlay(cache_image(image_meta, download), rescue_disk, 0)
    files = guest_files(instance)
    boot_files = {}
    props = image_meta.get('properties') or {}
    for key, name in RESCUE_BOOT_FILES.items():
        image_id = props.get(key + '_id')
        if image_id:
            boot_files[key] = os.path.join(path, name)
            _copy(cache_file(image_id, download), boot_files[key])
    return files._replace(
        disks=[Disk(RESCUE_DISK, rescue_disk, 'qcow2'), files.disks[0]],
        kernel=boot_files.get('kernel'), ramdisk=boot_files.get('ramdisk'))


def delete_rescue_files(instance):
    path = instance_dir(instance)
    for name in (RESCUE_DISK, *RESCUE_BOOT_FILES.values()):
        _remove(os.path.join(path, name))
