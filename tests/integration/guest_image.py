"""The test guest: a Linux that boots in seconds under TCG, from Debian.

The integration tests need a real guest, but no cloud image can be
downloaded here and KVM does not work, so the guest is made of Debian
packages only and booted directly (kernel + initramfs, no bootloader):

- the kernel ``linux-image-amd64`` depends on, fetched with
  ``apt-get download`` and unpacked without being installed;
- an initramfs holding busybox-static and an ``/init`` that loads
  ``evdev.ko`` and ``button.ko`` from that kernel package, so the ACPI
  power button that libvirt's ``shutdown()`` (and ``reboot()``) press
  powers the guest off, and only then prints ``MARKER`` on ttyS0: a
  test that saw the marker may rely on a graceful shutdown working.
  It prints it on the VGA console (tty0) too, black on green: no
  kernel message has that background, so a test looking at the
  screen through VNC can tell the marker is shown by its colour
  (``MARKER_BACKGROUND``) without reading text;
- a small empty qcow2 as the root disk, since Nova's guests have one.

The result is cached under ``NOVA_TEST_IMAGE_DIR`` (default
/var/lib/nova-test-images), which must be reachable by the
``libvirt-qemu`` user QEMU runs as: not under /root, which is 0700.
A change to the recipe below gets a directory of its own.

``python -m tests.integration.guest_image`` builds it and prints the
paths as JSON.
"""

import fnmatch
import gzip
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import tarfile
import tempfile
from xml.sax import saxutils

IMAGE_DIR = pathlib.Path(
    os.environ.get('NOVA_TEST_IMAGE_DIR', '/var/lib/nova-test-images'))
MARKER = 'NOVA-TEST-GUEST-READY'
# VGA's green (palette entry 2), behind the marker on tty0.
MARKER_BACKGROUND = (0x00, 0xaa, 0x00)
KERNEL_META_PACKAGE = 'linux-image-amd64'
ROOT_DISK_SIZE = '64M'
KERNEL_CMDLINE = 'console=tty0 console=ttyS0'

# Files taken from the kernel package: glob -> name in the image.
KERNEL_FILES = {
    './boot/vmlinuz-*': 'vmlinuz',
    '*/kernel/drivers/input/evdev.ko': 'evdev.ko',
    '*/kernel/drivers/acpi/button.ko': 'button.ko',
}

# PID 1.  The power button's event device is opened (fd 3) before the
# marker is printed, so a press that comes right after the marker is
# queued, not lost.  One event is 24 bytes; evdev refuses shorter reads.
INIT = f'''#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
insmod /lib/modules/evdev.ko
insmod /lib/modules/button.ko

arm() {{
    for i in $(seq 50); do [ -c "$1" ] && break; sleep 0.1; done
    exec 3<"$1"
    (dd bs=24 count=1 <&3 >/dev/null 2>&1; echo "power button pressed"
     poweroff -f) &
    exec 3<&-
}}

armed=0
for name in /sys/class/input/event*/device/name; do
    [ "$(cat "$name")" = "Power Button" ] || continue
    event=${{name#/sys/class/input/}}
    arm "/dev/input/${{event%%/*}}"
    armed=$((armed + 1))
done
[ "$armed" -gt 0 ] || echo "no ACPI power button found"

echo {MARKER} >/dev/ttyS0
printf '\\033[30;42m%s\\033[0m\\n' {MARKER} >/dev/tty0
while :; do sleep 3600; done
'''


def recipe_key():
    """Names the cache directory: changes whenever the recipe does."""
    recipe = json.dumps([INIT, KERNEL_META_PACKAGE, KERNEL_FILES,
                         ROOT_DISK_SIZE])
    return hashlib.sha1(recipe.encode()).hexdigest()[:12]


def paths(image_dir=IMAGE_DIR):
    """The guest's files, building them first if they are not cached.

    Returns a dict: ``kernel``, ``ramdisk``, ``root_qcow2`` (paths as
    strings) and ``marker`` (the line the guest prints when ready).
    """
    image_dir = pathlib.Path(image_dir)
    target = image_dir / ('guest-' + recipe_key())
    if not target.is_dir():
        _build(image_dir, target)
    return {
        'kernel': str(target / 'vmlinuz'),
        'ramdisk': str(target / 'initrd.img'),
        'root_qcow2': str(target / 'root.qcow2'),
        'marker': MARKER,
    }


def _build(image_dir, target):
    """Build in a scratch directory, then rename it into place.

    The rename is atomic, so a directory named like ``target`` is
    always complete, even if two test runs build at once.
    """
    image_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(image_dir, 0o755)
    work = pathlib.Path(tempfile.mkdtemp(prefix='.build-', dir=image_dir))
    try:
        os.chmod(work, 0o755)
        _fetch_kernel(work)
        _make_initramfs(work)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2',
                        str(work / 'root.qcow2'), ROOT_DISK_SIZE],
                       check=True)
        for name in ('vmlinuz', 'initrd.img', 'root.qcow2'):
            os.chmod(work / name, 0o644)
        for name in KERNEL_FILES.values():
            if name.endswith('.ko'):
                (work / name).unlink()
        (work / 'kernel.deb').unlink()
        try:
            os.rename(work, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kernel_package():
    """The versioned kernel package the meta package points at."""
    for attempt in range(2):
        result = subprocess.run(
            ['apt-cache', 'depends', KERNEL_META_PACKAGE],
            capture_output=True, text=True)
        for line in result.stdout.splitlines():
            kind, _, name = line.strip().partition(': ')
            if kind == 'Depends' and name.startswith('linux-image-'):
                return name
        # No package lists yet (a fresh container): fetch them once.
        if attempt == 0:
            subprocess.run(['apt-get', 'update', '-q'], check=True,
                           capture_output=True)
    raise RuntimeError('apt-cache knows no kernel behind %s: %s'
                       % (KERNEL_META_PACKAGE, result.stderr.strip()))


def _fetch_kernel(work):
    """Download the kernel package and take out the files we need.

    Streaming the package's tar and stopping at the last file wanted
    avoids unpacking the ~400 MB of modules.
    """
    package = _kernel_package()
    subprocess.run(['apt-get', 'download', '-q', package], cwd=work,
                   check=True, capture_output=True)
    deb, = work.glob('*.deb')
    deb.rename(work / 'kernel.deb')
    wanted = dict(KERNEL_FILES)
    proc = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', 'kernel.deb'],
                            cwd=work, stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=proc.stdout, mode='r|') as tar:
            for member in tar:
                pattern = _match(member.name, wanted)
                if pattern and member.isfile():
                    with open(work / wanted.pop(pattern), 'wb') as out:
                        shutil.copyfileobj(tar.extractfile(member), out)
                if not wanted:
                    break
    finally:
        proc.kill()
        proc.wait()
    if wanted:
        raise RuntimeError('%s lacks %s' % (package, ', '.join(wanted)))


def _match(name, patterns):
    return next((p for p in patterns if fnmatch.fnmatch(name, p)), None)


def _make_initramfs(work):
    """A gzipped newc cpio of busybox, /init and the two modules."""
    root = work / 'initramfs'
    for d in ('bin', 'dev', 'proc', 'sys', 'lib/modules'):
        (root / d).mkdir(parents=True)
    shutil.copy(_static_busybox(), root / 'bin' / 'busybox')
    for module in ('evdev.ko', 'button.ko'):
        shutil.copy(work / module, root / 'lib' / 'modules' / module)
    (root / 'init').write_text(INIT)
    os.chmod(root / 'init', 0o755)
    names = sorted(str(p.relative_to(root)) for p in root.rglob('*'))
    archive = subprocess.run(
        ['cpio', '--quiet', '-o', '-H', 'newc', '-R', '0:0'],
        cwd=root, input='\n'.join(names).encode(), capture_output=True,
        check=True).stdout
    (work / 'initrd.img').write_bytes(gzip.compress(archive))
    shutil.rmtree(root)


def _static_busybox():
    """busybox from busybox-static: the initramfs has no libc."""
    listed = subprocess.run(['dpkg', '-L', 'busybox-static'],
                            capture_output=True, text=True).stdout
    for path in listed.splitlines():
        if path.endswith('bin/busybox'):
            return path
    raise RuntimeError('busybox-static is not installed (tools/lib.sh '
                       'libvirt_env installs it)')


def domain_xml(name, uuid, guest, disk, serial_log, memory_mb=128):
    """A minimal TCG domain booting the guest directly, for tests.

    ``disk`` is the guest's own qcow2 (an overlay of ``root_qcow2``:
    two running guests cannot share one writable disk), ``serial_log``
    where libvirt copies ttyS0, so a test can wait for the marker.
    """
    q = saxutils.quoteattr
    return f'''<domain type='qemu'>
  <name>{saxutils.escape(name)}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>{memory_mb}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>{saxutils.escape(guest['kernel'])}</kernel>
    <initrd>{saxutils.escape(guest['ramdisk'])}</initrd>
    <cmdline>{KERNEL_CMDLINE}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file={q(str(disk))}/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='pty'>
      <log file={q(str(serial_log))} append='off'/>
    </serial>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
  </devices>
</domain>
'''


def overlay(guest, disk):
    """A qcow2 at ``disk`` whose backing file is the guest's root disk."""
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2',
                    '-b', guest['root_qcow2'], str(disk)], check=True)


def main():
    print(json.dumps(paths(), indent=2))


if __name__ == '__main__':
    main()
