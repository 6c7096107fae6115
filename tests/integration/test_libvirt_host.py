"""Host against the real libvirtd: what it reports of this machine, the
lifecycle events of a QEMU guest, and a libvirtd crash survived, by the
Host and by a cloud's nova-compute, which takes its service out of
scheduling meanwhile.

Other tests may run guests on the same libvirtd at the same time, so
events are picked out by the guest's uuid.
"""

import contextlib
import os
import queue
import re
import subprocess
import time

import libvirt
import pytest

from common import exception
from nova_compute.virt.libvirt import host

URI = 'qemu:///system'
EVENT_TIMEOUT = 60
# nova-compute connects again on its next libvirt call: the resource
# audit, every 60 s (update_resources_interval 0 is oslo.service's
# default spacing).
RECONNECT_TIMEOUT = 150


@pytest.fixture
def make_host(libvirtd):
    """Factory of Hosts on qemu:///system, closed after the test."""
    hosts = []

    def make(**handlers):
        h = host.Host(URI, **handlers)
        hosts.append(h)
        return h

    yield make
    for h in hosts:
        h.close()


def wait_for_event(events, guest_uuid, transition, timeout=EVENT_TIMEOUT):
    """Wait until the lifecycle handler (filling ``events``) got
    ``transition`` for the guest; return the guest's transitions that
    came before it."""
    deadline = time.monotonic() + timeout
    before = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError('no %s event of %s in %ss (got %s)'
                                 % (transition, guest_uuid, timeout, before))
        try:
            event_uuid, got = events.get(timeout=remaining)
        except queue.Empty:
            continue
        if event_uuid != guest_uuid:
            continue
        if got == transition:
            return before
        before.append(got)


def wait_for_start(events, guest_uuid):
    # QEMU guests start paused and are then resumed: libvirt reports
    # that as "resumed" before "started".
    before = wait_for_event(events, guest_uuid, host.EVENT_STARTED)
    assert set(before) <= {host.EVENT_RESUMED}


def _qemu_version():
    out = subprocess.run(['qemu-system-x86_64', '--version'],
                         capture_output=True, text=True, check=True).stdout
    major, minor, micro = re.search(r'version (\d+)\.(\d+)\.(\d+)',
                                    out).groups()
    return int(major) * 1000000 + int(minor) * 1000 + int(micro)


def _host_memory_mb():
    with open('/proc/meminfo') as f:
        kib = int(f.readline().split()[1])
    return kib // 1024


def test_inventory_of_this_machine(make_host):
    h = make_host()
    assert h.get_driver_type() == 'QEMU'
    assert h.get_version() == _qemu_version()
    assert h.get_libversion() >= 9000000
    assert h.get_cpu_count() == os.cpu_count()
    # libvirt counts the memory of the NUMA nodes it sees, which can be
    # less than the kernel's total (see FACTS.md), never more.
    assert 0 < h.get_memory_mb_total() <= _host_memory_mb()
    info = h.get_cpu_info()
    assert info['arch'] == os.uname().machine
    assert info['model'] and info['vendor']
    assert all(n > 0 for n in info['topology'].values())
    assert info['features'] and info['features'] == sorted(info['features'])


def test_guest_lifecycle_reaches_the_handler(make_host, boot_guest):
    events = queue.Queue()
    h = make_host(lifecycle_event_handler=lambda *e: events.put(e))
    h.initialize()
    guest = boot_guest()
    wait_for_start(events, guest.uuid)
    guest.wait_until_ready()
    dom = h.get_domain(guest.uuid)
    assert dom.name() == guest.name

    dom.suspend()
    assert wait_for_event(events, guest.uuid, host.EVENT_SUSPENDED) == []
    dom.resume()
    assert wait_for_event(events, guest.uuid, host.EVENT_RESUMED) == []
    # A graceful shutdown: the guest powers itself off on the ACPI
    # power button libvirt presses.
    dom.shutdown()
    assert wait_for_event(events, guest.uuid, host.EVENT_STOPPED) == []
    assert not dom.isActive()


def test_host_survives_a_libvirtd_crash(make_host, boot_guest, libvirtd):
    events = queue.Queue()
    conn_events = queue.Queue()
    h = make_host(lifecycle_event_handler=lambda *e: events.put(e),
                  conn_event_handler=lambda *e: conn_events.put(e))
    h.initialize()
    assert conn_events.get(timeout=5) == (True, None)
    guest = boot_guest()
    wait_for_start(events, guest.uuid)

    try:
        libvirtd.kill()
        connected, reason = conn_events.get(timeout=EVENT_TIMEOUT)
        assert connected is False and reason
        with pytest.raises(exception.HypervisorUnavailable):
            h.get_connection()
    finally:
        libvirtd.start()

    # Reconnected on the next call; the guest ran on meanwhile.
    dom = h.get_domain(guest.uuid)
    assert dom.isActive()
    assert conn_events.get(timeout=5) == (True, None)
    # Events come through the new connection.  Under load the restarted
    # libvirtd may itself stop a guest it failed to reattach to, just
    # after saying it runs: the stop must be reported either way.
    with contextlib.suppress(libvirt.libvirtError):
        dom.destroy()
    wait_for_event(events, guest.uuid, host.EVENT_STOPPED)


@pytest.mark.usefixtures('clouds_service_down_time')
def test_compute_service_is_disabled_while_libvirtd_is_away(cloud,
                                                            libvirtd):
    """What an operator sees of a libvirtd outage in os-services: the
    compute service disabled with Nova's AUTO reason (the scheduler's
    ComputeFilter skips it), still up (it beats on), and enabled again
    once nova-compute has connected again."""
    # Another test on this machine may have restarted libvirtd.
    _wait_for_compute_status(cloud, 'enabled', RECONNECT_TIMEOUT)
    try:
        libvirtd.kill()
        service = _wait_for_compute_status(cloud, 'disabled',
                                           EVENT_TIMEOUT)
        assert service['disabled_reason'].startswith(
            'AUTO: Connection to libvirt lost: '), service
        assert service['state'] == 'up', service
    finally:
        libvirtd.start()
    service = _wait_for_compute_status(cloud, 'enabled', RECONNECT_TIMEOUT)
    assert service['disabled_reason'] is None, service


def _wait_for_compute_status(cloud, status, timeout):
    """The cloud's nova-compute in GET /os-services once its status is
    ``status``."""
    def shown():
        services = cloud.api('GET', '/os-services?binary=nova-compute',
                             version='2.53').json()['services']
        service, = [s for s in services if s['host'] == cloud.host]
        return service if service['status'] == status else None
    shown.__doc__ = 'nova-compute %s in GET /os-services' % status
    return cloud.wait_for(shown, timeout=timeout)
