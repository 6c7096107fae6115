"""Host, the libvirt driver's connection, against libvirt's test driver.

``test:///default`` runs inside this process (no libvirtd) and emits
lifecycle events like the QEMU driver does.  Its state is shared by
every connection of the process, so each test defines guests of its
own and removes them.  What needs a real libvirtd (losing it and
getting it back) is in tests/integration/test_libvirt_host.py.
"""

import shutil
import threading
import time
import uuid

import pytest

from common import conf
from common import exception

libvirt = pytest.importorskip(
    'libvirt', reason='libvirt-python is not installed: run '
                      '". tools/lib.sh; libvirt_env"')

from nova_compute.virt.libvirt import host  # noqa: E402

CONF = conf.CONF
TEST_URI = 'test:///default'

DOMAIN_XML = '''<domain type='test'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>64</memory>
  <os><type>hvm</type></os>
</domain>'''


class Recorder:
    """A handler that remembers its calls; tests wait on it because
    Host delivers from another thread."""

    def __init__(self, fail_first=False):
        self.calls = []
        self._fail_next = fail_first
        self._cond = threading.Condition()

    def __call__(self, *args):
        with self._cond:
            self.calls.append(args)
            self._cond.notify_all()
            if self._fail_next:
                self._fail_next = False
                raise RuntimeError('handler failed')

    def wait_for(self, count, timeout=5):
        with self._cond:
            self._cond.wait_for(lambda: len(self.calls) >= count, timeout)
            return list(self.calls)


@pytest.fixture(autouse=True)
def _reset_conf():
    yield
    CONF.reset()


@pytest.fixture
def make_host():
    """Factory of Hosts on the test driver, closed after the test."""
    hosts = []

    def make(**handlers):
        h = host.Host(TEST_URI, **handlers)
        hosts.append(h)
        return h

    yield make
    for h in hosts:
        h.close()


@pytest.fixture
def guest():
    """A defined, stopped guest on test:///default; removed after."""
    conn = libvirt.open(TEST_URI)
    guest_uuid = str(uuid.uuid4())
    dom = conn.defineXML(DOMAIN_XML.format(name='guest-' + guest_uuid[:8],
                                           uuid=guest_uuid))
    yield dom
    if dom.isActive():
        dom.destroy()
    dom.undefine()
    conn.close()


@pytest.mark.parametrize('virt_type, uri', [
    ('qemu', 'qemu:///system'),
    ('kvm', 'qemu:///system'),
    ('lxc', 'lxc:///'),
])
def test_uri_follows_virt_type(virt_type, uri):
    CONF.set_override('virt_type', virt_type, 'libvirt')
    assert host.Host().uri == uri


def test_connection_uri_overrides_virt_type():
    CONF.set_override('virt_type', 'kvm', 'libvirt')
    CONF.set_override('connection_uri', TEST_URI, 'libvirt')
    h = host.Host()
    try:
        assert h.get_driver_type() == 'TEST'
    finally:
        h.close()


def test_connection_is_opened_once_and_reused(make_host):
    h = make_host()
    conn = h.get_connection()
    assert conn.isAlive()
    assert h.get_connection() is conn


def test_unreachable_libvirtd_raises_and_is_reported(make_host, tmp_path):
    conn_events = Recorder()
    h = host.Host('qemu+unix:///system?socket=%s' % (tmp_path / 'nothing'),
                  conn_event_handler=conn_events)
    try:
        with pytest.raises(exception.HypervisorUnavailable) as e:
            h.initialize()
        assert 'qemu+unix:///system' in str(e.value)
        with pytest.raises(exception.HypervisorUnavailable):
            h.get_connection()
        # Told once that it is down, not at each attempt.
        [(connected, reason)] = conn_events.wait_for(1)
        assert connected is False
        assert reason.startswith('Failed to connect to libvirt: ')
    finally:
        h.close()


def test_lost_connection_is_replaced_on_next_call(make_host):
    conn_events = Recorder()
    h = make_host(conn_event_handler=conn_events)
    first = h.get_connection()
    # What libvirt's close callback does when libvirtd goes away (the
    # integration tests kill a real one).
    h._on_close(first, libvirt.VIR_CONNECT_CLOSE_REASON_EOF, h._conn_id)
    second = h.get_connection()
    assert second is not first
    assert second.isAlive()
    assert conn_events.wait_for(3) == [
        (True, None), (False, 'Connection to libvirt lost: end of file'),
        (True, None)]


def test_close_callback_of_an_older_connection_is_ignored(make_host):
    h = make_host()
    first = h.get_connection()
    h._on_close(first, libvirt.VIR_CONNECT_CLOSE_REASON_EOF, h._conn_id - 1)
    assert h.get_connection() is first


def test_get_domain_finds_a_guest_by_its_uuid(make_host, guest):
    dom = make_host().get_domain(guest.UUIDString())
    assert dom.name() == guest.name()


def test_get_domain_of_an_unknown_uuid_is_instance_not_found(make_host):
    missing = str(uuid.uuid4())
    with pytest.raises(exception.InstanceNotFound) as e:
        make_host().get_domain(missing)
    assert missing in str(e.value)


def test_inventory(make_host):
    # test:///default describes a fixed host: 16 i686 CPUs, 3 GiB.
    h = make_host()
    assert h.get_cpu_count() == 16
    assert h.get_memory_mb_total() == 3072
    assert h.get_driver_type() == 'TEST'
    assert isinstance(h.get_version(), int) and h.get_version() > 0
    assert h.get_libversion() >= 9000000
    assert h.get_hostname()


def test_cpu_info_comes_from_the_capabilities(make_host):
    info = make_host().get_cpu_info()
    assert info['arch'] == 'i686'
    # The test driver names no model and no topology, and lists pae in
    # the old <features> form rather than as <feature name=.../>.
    assert info['model'] is None and info['vendor'] is None
    assert info['features'] == []
    assert info['topology'] == {
        'sockets': None, 'cores': None, 'threads': None}


def test_local_gb_info_measures_the_file_system(tmp_path):
    usage = shutil.disk_usage(tmp_path)
    info = host.Host.get_local_gb_info(str(tmp_path))
    gib = 1024 ** 3
    assert info == {'total': usage.total // gib, 'free': usage.free // gib,
                    'used': usage.used // gib}


def test_lifecycle_events_reach_the_handler_by_uuid(make_host, guest):
    events = Recorder()
    make_host(lifecycle_event_handler=events).initialize()
    guest.create()
    guest.suspend()
    guest.resume()
    guest.destroy()
    mine = guest.UUIDString()
    assert [e for e in events.wait_for(4) if e[0] == mine] == [
        (mine, host.EVENT_STARTED), (mine, host.EVENT_SUSPENDED),
        (mine, host.EVENT_RESUMED), (mine, host.EVENT_STOPPED)]


def test_failing_handler_does_not_stop_delivery(make_host, guest):
    events = Recorder(fail_first=True)
    make_host(lifecycle_event_handler=events).initialize()
    guest.create()
    guest.destroy()
    mine = guest.UUIDString()
    assert [e for e in events.wait_for(2) if e[0] == mine] == [
        (mine, host.EVENT_STARTED), (mine, host.EVENT_STOPPED)]


def test_no_events_after_close(make_host, guest):
    events = Recorder()
    h = make_host(lifecycle_event_handler=events)
    h.initialize()
    h.close()
    guest.create()
    assert events.wait_for(1, timeout=0.5) == []


def test_close_waits_for_a_handler_that_asks_for_the_connection(
        make_host, guest):
    """A handler running while the service stops gets no new connection
    (its events would go to a second dispatcher, which would take the
    stop sentinel and leave close() waiting forever)."""
    handling, closing = threading.Event(), threading.Event()
    outcome = []

    def handler(instance_uuid, transition):
        handling.set()
        closing.wait(10)
        try:
            h.get_connection()
            outcome.append('connected')
        except exception.HypervisorUnavailable as e:
            outcome.append(str(e))

    h = make_host(lifecycle_event_handler=handler)
    h.initialize()
    guest.create()
    assert handling.wait(10)
    closer = threading.Thread(target=h.close)
    closer.start()
    time.sleep(0.2)  # close() has begun: it waits for the handler
    closing.set()
    closer.join(10)
    assert not closer.is_alive()
    # Each event queued before close() reaches the handler; none of
    # them gets a connection.
    assert outcome and all('stopping' in o for o in outcome), outcome
