"""The compute host as libvirt shows it: ``Host``.

One ``Host`` per nova-compute owns the libvirt connection; the rest of
the driver asks it for the connection instead of opening its own, so a
libvirtd restart is dealt with once, here.  libvirt reports a lost
connection through a close callback; the next caller then gets a new
connection.  Guests keep running while libvirtd is away.

libvirt also reports guest lifecycle changes (a guest powered itself
off, crashed, was paused with virsh) as events, which only arrive
while something runs libvirt's event loop.  ``Host`` runs the default
implementation in a daemon thread and hands each event, as (instance
uuid, transition), to the driver's handler on a thread of its own: a
slow handler must not stall the loop, which also answers libvirtd's
keepalives.
"""

import os
import queue
import threading
from xml.etree import ElementTree

import libvirt
from oslo_log import log as logging
from oslo_utils import units

from common import conf
from common import exception

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Transitions handed to the lifecycle event handler.
EVENT_STARTED = 'started'
EVENT_STOPPED = 'stopped'
EVENT_SUSPENDED = 'suspended'
EVENT_RESUMED = 'resumed'
EVENT_CRASHED = 'crashed'

# libvirt lifecycle event -> transition.  The others (defined,
# undefined, shutdown begun, PM suspend) change no power state Nova
# tracks.
_TRANSITIONS = {
    libvirt.VIR_DOMAIN_EVENT_STARTED: EVENT_STARTED,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: EVENT_STOPPED,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: EVENT_SUSPENDED,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: EVENT_RESUMED,
    libvirt.VIR_DOMAIN_EVENT_CRASHED: EVENT_CRASHED,
}

_CLOSE_REASONS = {
    libvirt.VIR_CONNECT_CLOSE_REASON_ERROR: 'connection error',
    libvirt.VIR_CONNECT_CLOSE_REASON_EOF: 'end of file',
    libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE: 'keepalive timeout',
    libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT: 'closed by client',
}

# [libvirt] virt_type -> the URI used when connection_uri is unset.
_URIS = {
    'kvm': 'qemu:///system',
    'qemu': 'qemu:///system',
    'lxc': 'lxc:///',
    'parallels': 'parallels:///system',
}


def connection_uri():
    """``[libvirt] connection_uri``, else the one ``virt_type`` implies."""
    return CONF.libvirt.connection_uri or _URIS[CONF.libvirt.virt_type]


_event_loop_lock = threading.Lock()
_event_loop_started = False


def _start_event_loop():
    """Run libvirt's default event loop, once per process.

    It must be registered before the first connection is opened:
    connections opened earlier get no keepalive and no close callback.
    libvirt's default error handler goes too: it prints every error
    to stderr, and each also reaches us as a libvirtError.
    """
    global _event_loop_started
    with _event_loop_lock:
        if _event_loop_started:
            return
        libvirt.registerErrorHandler(lambda opaque, error: None, None)
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=_run_event_loop, name='libvirt-events',
                         daemon=True).start()
        _event_loop_started = True


def _run_event_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


class Host:
    """The libvirt connection, its events, and what the host offers.

    ``lifecycle_event_handler(instance_uuid, transition)`` gets guest
    lifecycle events (``EVENT_*``); ``conn_event_handler(connected,
    reason)`` hears when the connection is lost or made again, so the
    driver can take the compute service out of scheduling meanwhile.
    Both run on the Host's dispatch thread, one event at a time.
    """

    def __init__(self, uri=None, lifecycle_event_handler=None,
                 conn_event_handler=None):
        self._uri = uri or connection_uri()
        self._lifecycle_event_handler = lifecycle_event_handler
        self._conn_event_handler = conn_event_handler
        self._lock = threading.Lock()
        self._conn = None
        # Each connection gets a number; the close callback records the
        # number of the one libvirt closed.  Plain assignments, so the
        # callback (on the event loop thread) needs no lock.
        self._conn_id = 0
        self._lost_id = None
        self._lifecycle_callback_id = None
        self._connected = None
        self._events = queue.Queue()
        self._dispatcher = None
        # Set by close(): a handler still running must not open a new
        # connection, whose events a second dispatcher would take, the
        # stop sentinel among them, leaving close() waiting forever.
        self._closed = False

    @property
    def uri(self):
        return self._uri

    def initialize(self):
        """Connect now, so a missing libvirtd fails the service start
        rather than its first request."""
        with self._lock:
            self._closed = False
        self.get_connection()

    def get_connection(self):
        """The open connection, made again if libvirt closed the last.

        Raises HypervisorUnavailable when libvirtd cannot be reached;
        the next call tries again.
        """
        with self._lock:
            if self._closed:
                raise exception.HypervisorUnavailable(
                    uri=self._uri, reason='the compute service is stopping')
            if self._conn is not None and self._lost_id == self._conn_id:
                self._release(self._conn)
                self._conn = None
            if self._conn is None:
                self._conn = self._connect()
            return self._conn

    def close(self):
        """Close the connection and stop delivering events."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            dispatcher, self._dispatcher = self._dispatcher, None
            if conn is not None:
                self._release(conn)
        # Joined without the lock: a handler may be waiting for it.
        if dispatcher is not None:
            self._events.put(None)
            dispatcher.join()

    def _connect(self):
        _start_event_loop()
        self._start_dispatcher()
        try:
            conn = libvirt.open(self._uri)
        except libvirt.libvirtError as e:
            self._set_connected(False, 'Failed to connect to libvirt: %s'
                                % e.get_error_message())
            raise exception.HypervisorUnavailable(
                uri=self._uri, reason=e.get_error_message())
        self._conn_id += 1
        conn.registerCloseCallback(self._on_close, self._conn_id)
        if self._lifecycle_event_handler is not None:
            self._lifecycle_callback_id = conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                self._on_lifecycle_event, None)
        LOG.info('Connected to libvirt at %s', self._uri)
        self._set_connected(True, None)
        return conn

    def _release(self, conn):
        """Let go of a connection, whether libvirtd still serves it or
        not; closing it frees what the callbacks hold."""
        try:
            conn.unregisterCloseCallback()
            if self._lifecycle_callback_id is not None:
                conn.domainEventDeregisterAny(self._lifecycle_callback_id)
        except libvirt.libvirtError as e:
            LOG.debug('Libvirt connection gone before its callbacks: %s', e)
        conn.close()

    def _start_dispatcher(self):
        if self._dispatcher is None:
            self._dispatcher = threading.Thread(
                target=self._dispatch, name='libvirt-dispatch', daemon=True)
            self._dispatcher.start()

    def _dispatch(self):
        while True:
            item = self._events.get()
            if item is None:
                return
            handler, args = item
            try:
                handler(*args)
            except Exception:
                LOG.exception('Handling libvirt event %s failed', args)

    def _set_connected(self, connected, reason):
        """Tell conn_event_handler about changes only, not each retry.

        ``reason`` is in Nova's words: the compute service shows it as
        its disabled_reason, where operators look for them.
        """
        if connected == self._connected:
            return
        self._connected = connected
        if self._conn_event_handler is not None:
            self._events.put((self._conn_event_handler, (connected, reason)))

    def _on_close(self, conn, reason, conn_id):
        if conn_id != self._conn_id:
            return
        text = _CLOSE_REASONS.get(reason, 'reason %s' % reason)
        LOG.warning('Connection to libvirt at %s lost: %s', self._uri, text)
        self._lost_id = conn_id
        self._set_connected(False, 'Connection to libvirt lost: %s' % text)

    def _on_lifecycle_event(self, conn, dom, event, detail, opaque):
        transition = _TRANSITIONS.get(event)
        if transition is None:
            return
        uuid = dom.UUIDString()
        LOG.debug('Guest %s %s (libvirt event %d, detail %d)',
                  uuid, transition, event, detail)
        self._events.put((self._lifecycle_event_handler,
                          (uuid, transition)))

    # --- guests ---------------------------------------------------------

    def get_domain(self, instance_uuid):
        """The instance's virDomain; InstanceNotFound if libvirt has
        none (its name is not the uuid, its libvirt uuid is)."""
        try:
            return self.get_connection().lookupByUUIDString(instance_uuid)
        except libvirt.libvirtError as e:
            if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                raise exception.InstanceNotFound(instance_id=instance_uuid)
            raise

    # --- inventory ------------------------------------------------------

    def get_hostname(self):
        return self.get_connection().getHostname()

    def get_cpu_count(self):
        """Host CPUs libvirt sees online: the vcpus a node offers."""
        return self.get_connection().getInfo()[2]

    def get_memory_mb_total(self):
        return self.get_connection().getInfo()[1]

    def get_driver_type(self):
        """The hypervisor type, e.g. ``QEMU``."""
        return self.get_connection().getType()

    def get_version(self):
        """The hypervisor version as libvirt encodes it:
        major * 1,000,000 + minor * 1,000 + release (QEMU 7.2.22 is
        7002022), which is what Nova reports as hypervisor_version."""
        return self.get_connection().getVersion()

    def get_libversion(self):
        return self.get_connection().getLibVersion()

    def get_capabilities(self):
        """The host's capabilities XML, parsed."""
        return ElementTree.fromstring(self.get_connection().getCapabilities())

    def get_cpu_info(self):
        """The host CPU as Nova's compute node ``cpu_info`` has it."""
        cpu = self.get_capabilities().find('host/cpu')
        topology = cpu.find('topology')
        return {
            'arch': cpu.findtext('arch'),
            'model': cpu.findtext('model'),
            'vendor': cpu.findtext('vendor'),
            'topology': {
                key: int(topology.get(key)) if topology is not None else None
                for key in ('sockets', 'cores', 'threads')},
            'features': sorted(f.get('name') for f in cpu.findall('feature')),
        }

    @staticmethod
    def get_local_gb_info(path):
        """GiB ``total``, ``free`` and ``used`` of the file system holding
        ``path`` (the instances directory), rounded down.  ``free`` is
        what an unprivileged user may still fill."""
        st = os.statvfs(path)
        return {
            'total': st.f_blocks * st.f_frsize // units.Gi,
            'free': st.f_bavail * st.f_frsize // units.Gi,
            'used': (st.f_blocks - st.f_bfree) * st.f_frsize // units.Gi,
        }
