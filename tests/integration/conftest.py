"""Fixtures of the integration tier: a real libvirtd and QEMU guests.

``libvirtd`` (session) makes sure libvirtd answers on qemu:///system,
starting it with tools/lib.sh's ``start_libvirt`` (no systemd here).
The tier is skipped, with the reason, only when libvirt is not
installed (``. tools/lib.sh; libvirt_env`` installs it) or will not
start.  ``guest`` (session) is the test guest of guest_image.py, built
once.  ``boot_guest`` starts guests from it (TCG: KVM does not work on
these machines) and removes them when the test ends.
``find_domain`` (session) looks up, on a connection of the tests' own,
the domains a nova-compute made.  ``module_mysql_db`` hands out
MariaDB databases for a module's cloud of real daemons, as in
tests/functional; ``cloud`` (rest_cloud.py) is such a cloud whose
nova-compute runs the libvirt driver.
"""

import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

from tests.functional import conftest as functional_conftest
from tests.integration import guest_image

# A cloud of real daemons on libvirt, one per test module asking for it.
from tests.integration.rest_cloud import cloud  # noqa: F401

try:
    import libvirt
except ImportError:
    libvirt = None

TOP = pathlib.Path(__file__).resolve().parents[2]
URI = 'qemu:///system'
PIDFILE = pathlib.Path('/run/libvirtd.pid')
# A TCG boot takes ~10 s on an idle machine and several times that
# when the two cores are busy with other tests.
BOOT_TIMEOUT = 180


class Libvirtd:
    """The host's libvirtd, which tests may also kill and start again."""

    def start(self):
        """Start virtlogd and libvirtd unless running; wait for them."""
        result = subprocess.run(
            ['bash', '-c', '. tools/lib.sh && start_libvirt'], cwd=TOP,
            capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError('start_libvirt failed: %s%s'
                               % (result.stdout, result.stderr))

    def kill(self):
        """SIGKILL libvirtd, as a crash would; guests keep running."""
        pid = int(PIDFILE.read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pathlib.Path('/proc/%d' % pid).exists():
            if time.monotonic() > deadline:
                raise RuntimeError('libvirtd %d did not die' % pid)
            time.sleep(0.1)


@pytest.fixture(scope='session')
def libvirtd():
    if libvirt is None:
        pytest.skip('libvirt-python is not installed: run '
                    '". tools/lib.sh; libvirt_env"')
    if not shutil.which('libvirtd'):
        pytest.skip('libvirtd is not installed: run '
                    '". tools/lib.sh; libvirt_env"')
    daemon = Libvirtd()
    try:
        daemon.start()
    except RuntimeError as e:
        pytest.skip(str(e))
    return daemon


@pytest.fixture(scope='session')
def find_domain(libvirtd):
    """Factory: ``find_domain(uuid)`` -> that virDomain, or None.

    A connection of its own per call (the domain keeps it open): other
    tests on this machine restart libvirtd, which closes any connection
    kept.  libvirt's default error handler goes: it prints every error,
    the expected "Domain not found" too, to stderr; each also reaches
    the caller as a libvirtError.
    """
    libvirt.registerErrorHandler(lambda opaque, error: None, None)

    def find(guest_uuid):
        conn = libvirt.open(URI)
        try:
            return conn.lookupByUUIDString(guest_uuid)
        except libvirt.libvirtError as e:
            if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise
        finally:
            conn.close()
    return find


@pytest.fixture(scope='module')
def module_mysql_db():
    """Factory of fresh MariaDB databases, dropped after the module."""
    with functional_conftest.databases() as create:
        yield create


# The functional tier's, for the clouds this tier starts too.
clouds_service_down_time = functional_conftest.clouds_service_down_time


@pytest.fixture(scope='session')
def guest(libvirtd):
    """The test guest's files (``guest_image.paths()``)."""
    return guest_image.paths()


@pytest.fixture(scope='session')
def guest_dir():
    """Where guests' own disks and serial logs go: qemu runs as
    libvirt-qemu, which cannot reach pytest's 0700 temporary folders."""
    path = tempfile.mkdtemp(prefix='nova-test-guests-')
    os.chmod(path, 0o755)
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


class Guest:
    """One booted test guest: its uuid, name and serial log."""

    def __init__(self, guest_uuid, name, serial_log, marker):
        self.uuid = guest_uuid
        self.name = name
        self.serial_log = serial_log
        self.marker = marker

    def wait_until_ready(self, timeout=BOOT_TIMEOUT):
        """Wait for the marker: the guest now honours the power button."""
        deadline = time.monotonic() + timeout
        while self.marker not in self.console_output():
            if time.monotonic() > deadline:
                raise AssertionError(
                    'guest %s not ready after %ss; console ends with:\n%s'
                    % (self.name, timeout, self.console_output()[-2000:]))
            time.sleep(0.2)

    def console_output(self):
        try:
            return self.serial_log.read_text(errors='replace')
        except FileNotFoundError:
            return ''


@pytest.fixture
def boot_guest(libvirtd, guest, guest_dir):
    """Factory: ``boot_guest()`` defines and starts a test guest.

    The domain's name is not its uuid, as with Nova's guests.  Each
    guest is destroyed and undefined after the test, through a
    connection of its own (the test may have restarted libvirtd).
    """
    booted = []

    def boot():
        guest_uuid = str(uuid.uuid4())
        name = 'nova-test-%s' % guest_uuid[:8]
        disk = guest_dir / (name + '.qcow2')
        serial_log = guest_dir / (name + '.log')
        guest_image.overlay(guest, disk)
        conn = libvirt.open(URI)
        try:
            dom = conn.defineXML(guest_image.domain_xml(
                name, guest_uuid, guest, disk, serial_log))
            booted.append(guest_uuid)
            dom.create()
        finally:
            conn.close()
        return Guest(guest_uuid, name, serial_log, guest['marker'])

    yield boot
    conn = libvirt.open(URI)
    try:
        for guest_uuid in booted:
            dom = conn.lookupByUUIDString(guest_uuid)
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    finally:
        conn.close()
