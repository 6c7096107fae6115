"""The contract between nova-compute and a hypervisor: ComputeDriver.

The manager and the resource tracker only ever call these methods, so a
driver (fake, libvirt) can be swapped by ``[DEFAULT] compute_driver``
without touching them.  ``instance`` arguments are instance records
(``uuid``, ``name``, ``vcpus``, ``memory_mb``, ``root_gb``,
``ephemeral_gb``).
"""

import importlib
import typing

from oslo_log import log as logging

from common import exception

LOG = logging.getLogger(__name__)

# [DEFAULT] compute_driver value -> (module, class), imported on demand
# so a host without libvirt can still run the fake driver.
DRIVERS = {
    'fake.FakeDriver': ('nova_compute.virt.fake', 'FakeDriver'),
    'libvirt.LibvirtDriver': ('nova_compute.virt.libvirt.driver',
                              'LibvirtDriver'),
}


class ComputeDriverNotSpecified(exception.NovaException):
    msg_fmt = 'Compute driver option required, but not specified'


class ComputeDriverUnknown(exception.NovaException):
    msg_fmt = ('compute_driver %(name)s is unknown; valid choices are: '
               '%(choices)s')


class ComputeDriverNotAvailable(exception.NovaException):
    msg_fmt = 'compute_driver %(name)s is not available: %(reason)s'


class InstanceInfo:
    """What a hypervisor knows of one guest: its power state."""

    def __init__(self, state, internal_id=None):
        self.state = state
        self.internal_id = internal_id


class VNCConsole(typing.NamedTuple):
    """Where the console proxy reaches a guest's VNC server.

    ``internal_access_path`` is a path to ask for after connecting, for
    hypervisors behind a gateway; None for libvirt.
    """

    host: str
    port: int
    internal_access_path: str = None


class ComputeDriver:
    """A hypervisor as nova-compute sees it; subclasses implement it.

    ``virtapi`` lets a driver call back into the compute service: a
    driver that watches its guests reports what happened to them behind
    nova-compute's back through ``virtapi.handle_lifecycle_event(
    instance_uuid, transition)`` and the state of its link to the
    hypervisor through ``virtapi.handle_connection_event(connected,
    reason)``.  The compute manager sets it (see ComputeVirtAPI); it may
    be None for a driver used alone.
    """

    def __init__(self, virtapi):
        self.virtapi = virtapi

    def init_host(self, host):
        """Prepare the hypervisor before the service takes requests."""
        raise NotImplementedError()

    def cleanup_host(self, host):
        """Let go of the hypervisor when the service stops."""

    def get_available_nodes(self, refresh=False):
        """Names (hypervisor_hostname) of the compute nodes it manages."""
        raise NotImplementedError()

    def get_available_resource(self, nodename):
        """The node's capacity and usage, as compute node values.

        Keys: vcpus, memory_mb, local_gb, vcpus_used, memory_mb_used,
        local_gb_used, hypervisor_type, hypervisor_version,
        hypervisor_hostname, cpu_info (a JSON string),
        disk_available_least, numa_topology, supported_instances (a list
        of [arch, hypervisor type, vm mode]).
        """
        raise NotImplementedError()

    def get_host_uptime(self):
        """The host's uptime, as the ``uptime`` command prints it."""
        raise NotImplementedError()

    def manage_image_cache(self, context, all_instances):
        """Age out the cached images none of ``all_instances`` uses; a
        driver without an image cache has nothing to do."""

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True):
        """Create and (unless ``power_on`` is False) start the guest."""
        raise NotImplementedError()

    def destroy(self, context, instance, network_info,
                block_device_info=None, destroy_disks=True):
        """Stop the guest and remove it from the hypervisor."""
        raise NotImplementedError()

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None):
        """Reboot the guest; ``reboot_type`` is 'SOFT' or 'HARD'."""
        raise NotImplementedError()

    def power_off(self, instance, timeout=0, retry_interval=0):
        """Stop the guest, asking it to shut down for ``timeout`` s."""
        raise NotImplementedError()

    def power_on(self, context, instance, network_info,
                 block_device_info=None):
        """Start a stopped guest."""
        raise NotImplementedError()

    def pause(self, instance):
        """Freeze the guest's vCPUs; its memory stays where it is."""
        raise NotImplementedError()

    def unpause(self, instance):
        raise NotImplementedError()

    def suspend(self, context, instance):
        """Save the guest's memory to disk and stop it."""
        raise NotImplementedError()

    def resume(self, context, instance, network_info,
               block_device_info=None):
        """Start a suspended guest from its saved memory."""
        raise NotImplementedError()

    def get_console_output(self, context, instance):
        """What the guest wrote to its serial console, as text."""
        raise NotImplementedError()

    def get_vnc_console(self, context, instance):
        """The guest's VNC console, a VNCConsole; InstanceNotFound if
        the guest is gone."""
        raise NotImplementedError()

    def snapshot(self, context, instance, image_id, upload):
        """The guest's root disk as the data of image ``image_id``:
        ``upload(image_id, metadata, data)`` stores the file object
        ``data`` with the image ``metadata`` (disk_format,
        container_format) the disk needs."""
        raise NotImplementedError()

    # --- rebuild, rescue, diagnostics ---

    def rebuild(self, context, instance, image_meta, admin_password,
                preserve_ephemeral=False, power_on=True):
        """Replace the guest and its disks (the ephemeral one kept if
        ``preserve_ephemeral``) by a new one of ``image_meta``."""
        raise NotImplementedError()

    def rescue(self, context, instance, rescue_image_meta, rescue_password):
        """Run the guest from ``rescue_image_meta`` with its own root
        disk attached second, to repair it."""
        raise NotImplementedError()

    def unrescue(self, context, instance):
        """Drop the rescue guest and run the original one again."""
        raise NotImplementedError()

    def get_instance_diagnostics(self, instance):
        """The running guest's statistics, as the 2.48 diagnostics API
        shows them."""
        raise NotImplementedError()

    def get_info(self, instance, use_cache=True):
        """The guest's InstanceInfo; InstanceNotFound if it is gone."""
        raise NotImplementedError()

    def list_instances(self):
        """Names of the guests on the hypervisor, known to Nova or not."""
        raise NotImplementedError()

    def list_instance_uuids(self):
        """Uuids of the guests on the hypervisor, known to Nova or not."""
        raise NotImplementedError()


def load_compute_driver(name, virtapi=None):
    """The driver ``name`` (a ``[DEFAULT] compute_driver`` value) names.

    Raises instead of exiting like Nova does, so nova-compute can print
    one line and the tests can check the reason.
    """
    if not name:
        raise ComputeDriverNotSpecified()
    if name not in DRIVERS:
        raise ComputeDriverUnknown(name=name,
                                   choices=', '.join(sorted(DRIVERS)))
    module_name, class_name = DRIVERS[name]
    LOG.info("Loading compute driver '%s'", name)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ComputeDriverNotAvailable(name=name, reason=e)
    return getattr(module, class_name)(virtapi)
