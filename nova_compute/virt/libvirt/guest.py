"""One libvirt domain as the driver drives it: ``Guest``.

The driver speaks Nova's operations (power off, suspend, reboot); a
Guest turns each into libvirt calls with the right flags, and absorbs
the race every one of them has: a guest may stop on its own (its OS
powered it off, QEMU died) between the moment we look at it and the
moment we act, and that must not fail an operation whose goal is
reached anyway.
"""

import time
from xml.etree import ElementTree

import libvirt

from common import conf
from common import states

CONF = conf.CONF

# libvirt domain state -> the power state Nova records.
POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: states.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: states.RUNNING,
    # Running, waiting for a resource (I/O, a host CPU).
    libvirt.VIR_DOMAIN_BLOCKED: states.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: states.PAUSED_POWER,
    # On its way down: Nova already counts it as shut down.
    libvirt.VIR_DOMAIN_SHUTDOWN: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: states.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: states.SUSPENDED_POWER,
}
# The names the diagnostics API shows for power states.
POWER_STATE_NAMES = {
    states.NOSTATE: 'pending', states.RUNNING: 'running',
    states.PAUSED_POWER: 'paused', states.SHUTDOWN: 'shutdown',
    states.CRASHED: 'crashed', states.SUSPENDED_POWER: 'suspended',
}
# How often a wait for a guest to stop looks at it, in seconds.
POLL_INTERVAL = 0.5


class Guest:
    """A virDomain; cheap to make, holds no state of its own."""

    def __init__(self, domain):
        self._domain = domain

    @property
    def uuid(self):
        return self._domain.UUIDString()

    @property
    def id(self):
        """The running domain's id, -1 when it is not running."""
        return self._domain.ID()

    @property
    def power_state(self):
        state, _reason = self._domain.state()
        return POWER_STATES.get(state, states.NOSTATE)

    def is_active(self):
        return bool(self._domain.isActive())

    def launch(self):
        """Start the guest; from its managed save image if it has one,
        so resuming a suspended guest is launching it."""
        self._domain.create()

    def poweroff(self):
        """Pull the plug, if it is running."""
        if not self.is_active():
            return
        try:
            self._domain.destroy()
        except libvirt.libvirtError as e:
            if (e.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID
                    or self.is_active()):
                raise

    def shutdown(self):
        """Press the ACPI power button; the guest's OS decides what to
        do (and when)."""
        try:
            self._domain.shutdown()
        except libvirt.libvirtError as e:
            if (e.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID
                    or self.is_active()):
                raise

    def wait_for_shutoff(self, timeout, retry_interval=0):
        """Whether the guest stopped within ``timeout`` seconds.

        The power button is pressed again every ``retry_interval``
        seconds (0: never): a guest still booting may miss the first
        press, as Nova's clean shutdown allows for.
        """
        start = time.monotonic()
        pressed = start
        while self.is_active():
            now = time.monotonic()
            if now - start >= timeout:
                return False
            if retry_interval and now - pressed >= retry_interval:
                self.shutdown()
                pressed = now
            time.sleep(POLL_INTERVAL)
        return True

    def pause(self):
        self._domain.suspend()

    def unpause(self):
        self._domain.resume()

    def save_memory_state(self):
        """Suspend to disk: libvirt keeps the memory in a managed save
        image and launch() restores it.  A paused guest comes back
        paused."""
        flags = (libvirt.VIR_DOMAIN_SAVE_PAUSED
                 if self.power_state == states.PAUSED_POWER else 0)
        self._domain.managedSave(flags)

    def undefine(self):
        """Forget the domain, with its managed save image and its UEFI
        variables (libvirt refuses to forget a domain that has either
        unless told to remove them)."""
        flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        if self.xml().find('os/nvram') is not None:
            flags |= libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        try:
            self._domain.undefineFlags(flags)
        except libvirt.libvirtError as e:
            if e.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise

    def xml(self):
        """The domain's XML, parsed."""
        return ElementTree.fromstring(self._domain.XMLDesc(0))

    def disks(self):
        """(target device, source file) of the domain's file disks."""
        return [(disk.find('target').get('dev'),
                 disk.find('source').get('file'))
                for disk in self.xml().findall("devices/disk[@type='file']")
                if disk.find('source') is not None]

    def diagnostics(self):
        """The guest's statistics in the shape of the diagnostics API
        (microversion 2.48); only a running guest has counters."""
        state = self.power_state
        active = self.is_active()
        disks = self.disks()
        nics = self.xml().findall('devices/interface')
        return {
            'state': POWER_STATE_NAMES[state],
            'driver': 'libvirt',
            'hypervisor': CONF.libvirt.virt_type,
            'hypervisor_os': 'linux',
            'uptime': None,
            'config_drive': False,
            'num_cpus': self._domain.info()[3],
            'num_disks': len(disks),
            'num_nics': len(nics),
            'cpu_details': self._cpu_details() if active else [],
            'memory_details': self._memory_details(active),
            'disk_details': ([self._disk_details(dev) for dev, _ in disks]
                             if active else []),
            'nic_details': ([self._nic_details(nic) for nic in nics]
                            if active else []),
        }

    def _cpu_details(self):
        vcpus, _cpumaps = self._domain.vcpus()
        return [{'id': number, 'time': cpu_time, 'utilisation': None}
                for number, _state, cpu_time, _cpu in vcpus]

    def _memory_details(self, active):
        """MiB: the guest's size and what it takes on the host."""
        maximum = self._domain.maxMemory() // 1024
        used = self._domain.memoryStats().get('rss', 0) // 1024 \
            if active else 0
        return {'maximum': maximum, 'used': used}

    def _disk_details(self, dev):
        reads, read_bytes, writes, write_bytes, errors = map(
            _known, self._domain.blockStats(dev))
        return {'read_bytes': read_bytes, 'read_requests': reads,
                'write_bytes': write_bytes, 'write_requests': writes,
                'errors_count': errors}

    def _nic_details(self, nic):
        mac = nic.find('mac')
        target = nic.find('target')
        stats = (self._domain.interfaceStats(target.get('dev'))
                 if target is not None else (-1,) * 8)
        keys = ('rx_octets', 'rx_packets', 'rx_errors', 'rx_drop',
                'tx_octets', 'tx_packets', 'tx_errors', 'tx_drop')
        details = dict(zip(keys, map(_known, stats), strict=True))
        details.update(mac_address=mac.get('address') if mac is not None
                       else None, rx_rate=None, tx_rate=None)
        return details


def _known(counter):
    """None for a counter the hypervisor does not keep (libvirt: -1)."""
    return None if counter < 0 else counter
