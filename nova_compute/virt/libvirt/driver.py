"""LibvirtDriver: nova-compute's guests as libvirt domains (QEMU/KVM).

The driver is the glue between the manager's operations and the
modules that each own one concern: ``host`` the connection and its
events, ``config`` the domain XML, ``imagebackend`` the instance's
files, ``guest`` the libvirt calls on one domain.  It keeps no state
of its own about guests: libvirt (the domain, found by the instance's
uuid) and the instance directory are the truth, so nova-compute can
restart at any time.

A domain is named after the instance (``instance.name``) and carries
its uuid; everything is looked up by uuid.  Operations that rebuild
the domain (hard reboot, power on) write its XML again from the
instance and the image properties kept in its system metadata, as
Nova does, so a fixed bug or a changed option reaches old guests.

Lifecycle events (a guest stopped by itself, crashed, was paused
behind our back) reach the compute service through ``virtapi``::

    virtapi.handle_lifecycle_event(instance_uuid, transition)
    virtapi.handle_connection_event(connected, reason)

``transition`` is one of host.EVENT_* ('started', 'stopped',
'suspended', 'resumed', 'crashed'); ``connected`` a bool and
``reason`` why the connection to libvirtd was lost (None when it is
back).  Both are optional: a virtapi without them hears nothing.  They
are called on the Host's dispatch thread, one at a time, and must not
block for long.
"""

import contextlib
import functools
import os
import platform
import tempfile

import libvirt
from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import excutils
from oslo_utils import units

from common import conf
from common import exception
from common import glance
from common import states
from nova_compute.virt import driver
from nova_compute.virt.libvirt import config
from nova_compute.virt.libvirt import guest as libvirt_guest
from nova_compute.virt.libvirt import host
from nova_compute.virt.libvirt import imagebackend
from nova_compute.virt.libvirt import imagecache

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# os-getConsoleOutput shows at most the end of the serial log.
MAX_CONSOLE_BYTES = 100 * units.Ki
SNAPSHOT_CONTAINER_FORMAT = 'bare'


class LibvirtDriver(driver.ComputeDriver):
    """The guests of one host's libvirtd ([libvirt] connection_uri).

    ``image_api`` is where images come from: an object with
    ``download(context, image_id, dst_path)``, common.glance.API by
    default.
    """

    def __init__(self, virtapi, image_api=None):
        super().__init__(virtapi)
        self._image_api = image_api or glance.API()
        self._host = host.Host(
            lifecycle_event_handler=self._handle_lifecycle_event,
            conn_event_handler=self._handle_conn_event)
        self._image_cache = imagecache.ImageCacheManager()
        self._host_uuid = None

    # --- the host -----------------------------------------------------------

    def init_host(self, host):
        """Connect now (a missing libvirtd fails the service start) and
        make sure the instances directory exists: its file system is
        the node's disk."""
        self._host.initialize()
        os.makedirs(CONF.instances_path, exist_ok=True)

    def cleanup_host(self, host):
        """Close the connection; no event is delivered after it."""
        self._host.close()

    def _handle_lifecycle_event(self, instance_uuid, transition):
        LOG.info('Instance %s: lifecycle event %s', instance_uuid,
                 transition)
        self._notify('handle_lifecycle_event', instance_uuid, transition)

    def _handle_conn_event(self, connected, reason):
        self._notify('handle_connection_event', connected, reason)

    def _notify(self, name, *args):
        callback = getattr(self.virtapi, name, None)
        if callable(callback):
            callback(*args)

    def get_available_nodes(self, refresh=False):
        return [self._host.get_hostname()]

    def get_available_resource(self, nodename):
        """The node as libvirt sees it.  ``*_used`` count every domain
        defined, Nova's or not; disk is the file system of
        ``instances_path``, and ``disk_available_least`` what is free
        once every thin disk has grown to its full size."""
        disk = self._host.get_local_gb_info(CONF.instances_path)
        vcpus_used, memory_mb_used, over_committed = self._usage()
        return {
            'vcpus': self._host.get_cpu_count(),
            'memory_mb': self._host.get_memory_mb_total(),
            'local_gb': disk['total'],
            'vcpus_used': vcpus_used,
            'memory_mb_used': memory_mb_used,
            'local_gb_used': disk['used'],
            'hypervisor_type': self._host.get_driver_type(),
            'hypervisor_version': self._host.get_version(),
            'hypervisor_hostname': nodename,
            'cpu_info': jsonutils.dumps(self._host.get_cpu_info()),
            'disk_available_least':
                (disk['free'] * units.Gi - over_committed) // units.Gi,
            'numa_topology': None,
            'supported_instances': self._supported_instances(),
        }

    def _usage(self):
        """(vcpus, memory MiB, bytes thin disks may still grow by) of
        the defined domains; one deleted meanwhile counts for nothing."""
        vcpus = memory_mb = over_committed = 0
        for domain in self._host.get_connection().listAllDomains(0):
            try:
                info = domain.info()
                paths = [path for _, path in
                         libvirt_guest.Guest(domain).disks()]
            except libvirt.libvirtError as e:
                if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    continue
                raise
            vcpus += info[3]
            memory_mb += info[1] // units.Ki
            over_committed += sum(map(_over_committed, paths))
        return vcpus, memory_mb, over_committed

    def _supported_instances(self):
        """[arch, domain type, vm mode] of each kind of guest the host's
        capabilities offer."""
        caps = self._host.get_capabilities()
        return sorted(
            [arch.get('name'), domain.get('type'), guest.findtext('os_type')]
            for guest in caps.findall('guest')
            if guest.findtext('os_type') == 'hvm'
            for arch in guest.findall('arch')
            for domain in arch.findall('domain'))

    def get_host_uptime(self):
        out, _ = processutils.execute('env', 'LANG=C', 'uptime')
        return out

    def manage_image_cache(self, context, all_instances):
        """Age out the cached images none of ``all_instances`` uses."""
        self._image_cache.update(all_instances)

    # --- creating and removing guests ---------------------------------------

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True):
        """Make the disks, define the domain, start it.

        Whatever fails, the domain and the instance's files are removed
        before the error goes on: the manager reschedules, and a
        half-made guest here would hold a name and disk space.
        """
        if self._exists(instance):
            raise exception.InstanceExists(name=instance.name)
        LOG.info('Instance %s: spawning', instance.uuid)
        try:
            files = imagebackend.create_image(
                instance, image_meta,
                functools.partial(self._image_api.download, context))
            props = config.image_properties(instance, image_meta)
            _pin_machine_type(instance, props)
            domain = self._define(instance, props, files)
            if power_on:
                domain.create()
        except Exception:
            with excutils.save_and_reraise_exception():
                LOG.warning('Instance %s: spawn failed, removing what it '
                            'made', instance.uuid)
                self._remove_domain(instance)
                imagebackend.delete_instance_files(instance)
        LOG.info('Instance %s: spawned', instance.uuid)

    def destroy(self, context, instance, network_info,
                block_device_info=None, destroy_disks=True):
        """Stop and forget the domain, then remove its files; a guest
        already gone is no error (a failed delete is retried)."""
        self._remove_domain(instance)
        if destroy_disks:
            imagebackend.delete_instance_files(instance)
        LOG.info('Instance %s: destroyed', instance.uuid)

    def _exists(self, instance):
        try:
            self._host.get_domain(instance.uuid)
        except exception.InstanceNotFound:
            return False
        return True

    def _define(self, instance, props, files):
        xml = config.guest_xml(instance, props, files,
                               imagebackend.file_cache_mode(),
                               host_uuid=self._get_host_uuid())
        return self._host.get_connection().defineXML(xml)

    def _get_host_uuid(self):
        """The host's hardware UUID ([libvirt] sysinfo_serial may show
        it to guests); it does not change while we run."""
        if self._host_uuid is None:
            self._host_uuid = self._host.get_capabilities().findtext(
                'host/uuid')
        return self._host_uuid

    def _remove_domain(self, instance):
        try:
            guest = self._get_guest(instance)
        except exception.InstanceNotFound:
            return
        guest.poweroff()
        guest.undefine()

    def _get_guest(self, instance):
        """InstanceNotFound when libvirt has no domain of the instance."""
        return libvirt_guest.Guest(self._host.get_domain(instance.uuid))

    # --- power --------------------------------------------------------------

    def power_off(self, instance, timeout=0, retry_interval=0):
        """Ask the guest to shut down (ACPI) and give it ``timeout``
        seconds, pressing again every ``retry_interval``; then pull the
        plug.  ``timeout`` 0 pulls it at once."""
        guest = self._get_guest(instance)
        if timeout and guest.is_active():
            guest.shutdown()
            if guest.wait_for_shutoff(timeout, retry_interval):
                LOG.info('Instance %s: shut down cleanly', instance.uuid)
                return
            LOG.warning('Instance %s: no clean shutdown in %d s, powering '
                        'off', instance.uuid, timeout)
        guest.poweroff()
        LOG.info('Instance %s: powered off', instance.uuid)

    def power_on(self, context, instance, network_info,
                 block_device_info=None):
        """A hard reboot, as in Nova: the domain is written again."""
        self._hard_reboot(instance)

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None):
        """SOFT: the guest shuts down on the power button and is started
        again; if it is not running or does not stop within [libvirt]
        wait_soft_reboot_seconds, a HARD reboot: the domain is stopped,
        written again and started."""
        if reboot_type == 'SOFT' and self._soft_reboot(instance):
            LOG.info('Instance %s: rebooted (soft)', instance.uuid)
            return
        self._hard_reboot(instance)
        LOG.info('Instance %s: rebooted (hard)', instance.uuid)

    def _soft_reboot(self, instance):
        guest = self._get_guest(instance)
        if guest.power_state != states.RUNNING:
            return False
        guest.shutdown()
        if not guest.wait_for_shutoff(CONF.libvirt.wait_soft_reboot_seconds):
            LOG.warning('Instance %s: did not shut down within %d s for a '
                        'soft reboot', instance.uuid,
                        CONF.libvirt.wait_soft_reboot_seconds)
            return False
        guest.launch()
        return True

    def _hard_reboot(self, instance):
        self._remove_domain(instance)
        self._define(instance, config.image_properties(instance),
                     imagebackend.guest_files(instance)).create()

    def pause(self, instance):
        self._get_guest(instance).pause()

    def unpause(self, instance):
        self._get_guest(instance).unpause()

    def suspend(self, context, instance):
        """Suspend to disk (libvirt's managed save): the guest's memory
        goes to a file and its QEMU ends, freeing the host's RAM."""
        self._get_guest(instance).save_memory_state()

    def resume(self, context, instance, network_info,
               block_device_info=None):
        self._get_guest(instance).launch()

    # --- what the guest looks like ------------------------------------------

    def get_info(self, instance, use_cache=True):
        """The guest's power state; InstanceNotFound once it is gone,
        also when it goes between the lookup and the question (a delete
        or hard reboot undefining it while a lifecycle event of it is
        handled)."""
        guest = self._get_guest(instance)
        try:
            return driver.InstanceInfo(state=guest.power_state,
                                       internal_id=guest.id)
        except libvirt.libvirtError as e:
            if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            raise

    def list_instances(self):
        return [domain.name() for domain in
                self._host.get_connection().listAllDomains(0)]

    def list_instance_uuids(self):
        return [domain.UUIDString() for domain in
                self._host.get_connection().listAllDomains(0)]

    def get_console_output(self, context, instance):
        """The end of the guest's serial log; '' before it has one."""
        self._get_guest(instance)
        path = imagebackend.guest_files(instance).console_log
        try:
            with open(path, 'rb') as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - MAX_CONSOLE_BYTES))
                data = log.read()
        except FileNotFoundError:
            return ''
        return data.decode('utf-8', errors='replace')

    # --- consoles -----------------------------------------------------------

    def get_vnc_console(self, context, instance):
        """The port libvirt gave the running domain's VNC server (the
        XML's autoport), on ``[vnc] server_proxyclient_address``."""
        graphics = self._get_guest(instance).xml().find(
            "devices/graphics[@type='vnc']")
        port = -1 if graphics is None else int(graphics.get('port', -1))
        if port < 0:
            # No VNC server (disabled when the domain was defined, or
            # the domain is not running): nothing to connect to.
            raise exception.ConsoleTypeUnavailable(console_type='vnc')
        return driver.VNCConsole(CONF.vnc.server_proxyclient_address, port)

    def get_instance_diagnostics(self, instance):
        return self._get_guest(instance).diagnostics()

    # --- rebuild and rescue -------------------------------------------------

    def rebuild(self, context, instance, image_meta, admin_password,
                preserve_ephemeral=False, power_on=True):
        """The domain and the disks go (but a preserved ephemeral one),
        then a spawn from the new image: its XML is written from the
        instance again, which now names that image."""
        self._remove_domain(instance)
        keep = (imagebackend.EPHEMERAL_DISK,) if preserve_ephemeral else ()
        imagebackend.delete_guest_files(instance, keep=keep)
        self.spawn(context, instance, image_meta, [], admin_password, {},
                   power_on=power_on)

    def rescue(self, context, instance, rescue_image_meta, rescue_password):
        """Replace the domain by one booting the rescue image, with the
        server's root disk second (Nova's disk.rescue layout).  If that
        fails the original domain comes back."""
        try:
            files = imagebackend.create_rescue_files(
                instance, rescue_image_meta,
                functools.partial(self._image_api.download, context))
        except Exception:
            with excutils.save_and_reraise_exception():
                imagebackend.delete_rescue_files(instance)
        try:
            self._remove_domain(instance)
            self._define(instance, config.image_properties(instance),
                         files).create()
        except Exception:
            with excutils.save_and_reraise_exception():
                LOG.warning('Instance %s: rescue failed, restoring the '
                            'original domain', instance.uuid)
                self.unrescue(context, instance)
        LOG.info('Instance %s: rescued from image %s', instance.uuid,
                 rescue_image_meta['id'])

    def unrescue(self, context, instance):
        """The rescue domain and its disk go; the original domain is
        written again and started."""
        self._remove_domain(instance)
        imagebackend.delete_rescue_files(instance)
        self._define(instance, config.image_properties(instance),
                     imagebackend.guest_files(instance)).create()
        LOG.info('Instance %s: unrescued', instance.uuid)

    def snapshot(self, context, instance, image_id, upload):
        """The root disk, flattened, as the data of image ``image_id``.

        Cold: a running (or paused) guest is suspended to disk while its
        disk is copied, so the copy is consistent, and restored as it
        was before the upload starts.  ``upload(image_id, metadata,
        data)`` stores the file object ``data`` with the image
        ``metadata`` (disk_format, container_format) it needs.
        """
        guest = self._get_guest(instance)
        root = imagebackend.guest_files(instance).disks[0]
        disk_format = CONF.libvirt.snapshot_image_format or root.format
        os.makedirs(CONF.libvirt.snapshots_directory, exist_ok=True)
        with tempfile.TemporaryDirectory(
                dir=CONF.libvirt.snapshots_directory) as scratch:
            path = os.path.join(scratch, 'disk')
            with _suspended(guest):
                LOG.info('Instance %s: extracting snapshot %s',
                         instance.uuid, image_id)
                processutils.execute('qemu-img', 'convert', '-f',
                                     root.format, '-O', disk_format,
                                     root.path, path)
            with open(path, 'rb') as data:
                upload(image_id, {'disk_format': disk_format,
                                  'container_format':
                                      SNAPSHOT_CONTAINER_FORMAT}, data)
        LOG.info('Instance %s: snapshot %s uploaded', instance.uuid,
                 image_id)


@contextlib.contextmanager
def _suspended(guest):
    """The guest suspended to disk meanwhile if its QEMU runs, so its
    disks are neither written nor locked; then as it was."""
    if not guest.is_active():
        yield
        return
    guest.save_memory_state()
    try:
        yield
    finally:
        guest.launch()


def _pin_machine_type(instance, props):
    """Keep the machine type in the instance's system metadata, where
    image_properties() finds it at hard reboot: a later change of
    [libvirt] hw_machine_type must not change the guest's hardware."""
    key = config.SYSTEM_METADATA_IMAGE_PREFIX + 'hw_machine_type'
    mtype = config.machine_type(props, platform.machine())
    if mtype:
        instance.system_metadata.setdefault(key, mtype)


def _over_committed(path):
    """Bytes a thin disk may still take: its size minus what it holds."""
    try:
        info = imagebackend.image_info(path)
    except processutils.ProcessExecutionError as e:
        LOG.debug('Cannot read disk %s: %s', path, e)
        return 0
    return max(0, info['virtual-size'] - info.get('actual-size', 0))
