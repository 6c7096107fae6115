"""FakeDriver: a hypervisor simulated in memory.

It lets the control plane (API, scheduler, conductor) be exercised
without real guests; nova-compute runs one per simulated host when
``[fake] host_count`` is above 1.  Its guests exist only in this
process: they vanish when nova-compute restarts.
"""

import dataclasses

from oslo_serialization import jsonutils
from oslo_utils import timeutils

from common import conf
from common import exception
from common import states
from nova_compute.virt import driver

CONF = conf.CONF
# Server metadata that makes a snapshot of the server fail, with the
# item's value as the error: functional tests see a failed snapshot's
# clean-up without a hypervisor to break.
SNAPSHOT_ERROR_KEY = 'fake_snapshot_error'
# Likewise for a rebuild: the guest is gone, the server ends in ERROR.
REBUILD_ERROR_KEY = 'fake_rebuild_error'
SNAPSHOT_FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


@dataclasses.dataclass
class FakeInstance:
    """A simulated guest and the resources it holds."""

    uuid: str
    name: str
    state: int
    vcpus: int
    memory_mb: int
    disk_gb: int
    rescue_image: str = None


class FakeDriver(driver.ComputeDriver):
    """One simulated hypervisor with the capacity the [fake] group sets.

    Its node is ``nodename`` when given (nova-compute names the nodes of
    the hosts it simulates), else ``[fake] hypervisor_hostname``, else
    the host passed to init_host().
    """

    def __init__(self, virtapi=None, nodename=None):
        super().__init__(virtapi)
        self._nodename = nodename
        self._instances = {}
        self._booted_at = timeutils.utcnow()

    def init_host(self, host):
        self._nodename = (self._nodename or CONF.fake.hypervisor_hostname
                          or host)

    def get_available_nodes(self, refresh=False):
        return [self._nodename]

    def get_available_resource(self, nodename):
        # A copy: RPC threads may spawn or destroy while we add up.
        guests = list(self._instances.values())
        local_gb_used = sum(g.disk_gb for g in guests)
        return {
            'vcpus': CONF.fake.vcpus,
            'memory_mb': CONF.fake.memory_mb,
            'local_gb': CONF.fake.local_gb,
            'vcpus_used': sum(g.vcpus for g in guests),
            'memory_mb_used': sum(g.memory_mb for g in guests),
            'local_gb_used': local_gb_used,
            'hypervisor_type': CONF.fake.hypervisor_type,
            'hypervisor_version': CONF.fake.hypervisor_version,
            'hypervisor_hostname': nodename,
            'cpu_info': _cpu_info(CONF.fake.vcpus),
            'disk_available_least': CONF.fake.local_gb - local_gb_used,
            'numa_topology': None,
            'supported_instances': [['x86_64', 'fake', 'hvm']],
        }

    def get_host_uptime(self):
        now = timeutils.utcnow()
        up = now - self._booted_at
        hours, seconds = divmod(up.seconds, 3600)
        return (' %s up %d days, %2d:%02d,  0 users,  load average: 0.00, '
                '0.00, 0.00' % (now.strftime('%H:%M:%S'), up.days, hours,
                                seconds // 60))

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True):
        if instance.uuid in self._instances:
            raise exception.InstanceExists(name=instance.name)
        state = states.RUNNING if power_on else states.SHUTDOWN
        self._instances[instance.uuid] = FakeInstance(
            instance.uuid, instance.name, state, instance.vcpus,
            instance.memory_mb, instance.root_gb + instance.ephemeral_gb)

    def destroy(self, context, instance, network_info,
                block_device_info=None, destroy_disks=True):
        # Deleting a guest that is already gone succeeds, as on libvirt:
        # a delete retried after a failure must not fail again.
        self._instances.pop(instance.uuid, None)

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None):
        self._guest(instance).state = states.RUNNING

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._guest(instance).state = states.SHUTDOWN

    def power_on(self, context, instance, network_info,
                 block_device_info=None):
        self._guest(instance).state = states.RUNNING

    def pause(self, instance):
        self._guest(instance).state = states.PAUSED_POWER

    def unpause(self, instance):
        self._guest(instance).state = states.RUNNING

    def suspend(self, context, instance):
        self._guest(instance).state = states.SUSPENDED_POWER

    def resume(self, context, instance, network_info,
               block_device_info=None):
        self._guest(instance).state = states.RUNNING

    def get_console_output(self, context, instance):
        """A short boot log naming the guest, so a client can tell one
        guest's console from another's."""
        guest = self._guest(instance)
        return ('fake console of %s\nbooting\n%s login:\n'
                % (guest.uuid, guest.name))

    def snapshot(self, context, instance, image_id, upload):
        """Upload a line naming the guest as its root disk (raw)."""
        guest = self._guest(instance)
        error = (getattr(instance, 'metadata', None) or {}).get(
            SNAPSHOT_ERROR_KEY)
        if error:
            raise exception.NovaException(error)
        upload(image_id, dict(SNAPSHOT_FORMATS),
               ('fake snapshot of %s\n' % guest.uuid).encode())

    def get_vnc_console(self, context, instance):
        """``[fake] vnc_port`` on the proxy client address, for any
        guest that exists: point it at a VNC server to test consoles."""
        self._guest(instance)
        return driver.VNCConsole(CONF.vnc.server_proxyclient_address,
                                 CONF.fake.vnc_port)

    # --- rebuild, rescue, diagnostics ---

    def rebuild(self, context, instance, image_meta, admin_password,
                preserve_ephemeral=False, power_on=True):
        """A new guest; a server whose metadata has REBUILD_ERROR_KEY
        fails with its value, leaving no guest (as a failed spawn)."""
        self.destroy(context, instance, [])
        error = (getattr(instance, 'metadata', None) or {}).get(
            REBUILD_ERROR_KEY)
        if error:
            raise exception.NovaException(error)
        self.spawn(context, instance, image_meta, [], admin_password, {},
                   power_on=power_on)

    def rescue(self, context, instance, rescue_image_meta, rescue_password):
        """The guest runs, now from the rescue image."""
        guest = self._guest(instance)
        guest.state = states.RUNNING
        guest.rescue_image = rescue_image_meta['id']

    def unrescue(self, context, instance):
        guest = self._guest(instance)
        guest.state = states.RUNNING
        guest.rescue_image = None

    def get_instance_diagnostics(self, instance):
        """Fixed counters in the 2.48 shape, with the guest's state and
        size: one disk (two while rescued), no NIC (no networking)."""
        guest = self._guest(instance)
        disks = 2 if guest.rescue_image else 1
        return {
            'state': 'running' if guest.state == states.RUNNING
            else 'shutdown',
            # The API knows a fixed list of drivers: a libvirt/KVM
            # host, as Nova's fake driver says too.
            'driver': 'libvirt', 'hypervisor': 'kvm',
            'hypervisor_os': 'ubuntu', 'uptime': 46664,
            'config_drive': False, 'num_cpus': guest.vcpus,
            'num_disks': disks, 'num_nics': 0,
            'cpu_details': [{'id': n, 'time': 17300000000,
                             'utilisation': 15} for n in range(guest.vcpus)],
            'memory_details': {'maximum': guest.memory_mb, 'used': 0},
            'disk_details': [{'read_bytes': 262144, 'read_requests': 112,
                              'write_bytes': 5778432, 'write_requests': 488,
                              'errors_count': 1}] * disks,
            'nic_details': [],
        }

    def get_info(self, instance, use_cache=True):
        return driver.InstanceInfo(state=self._guest(instance).state)

    def list_instances(self):
        return [g.name for g in list(self._instances.values())]

    def list_instance_uuids(self):
        return list(self._instances)

    def _guest(self, instance):
        try:
            return self._instances[instance.uuid]
        except KeyError:
            raise exception.InstanceNotFound(instance_id=instance.uuid)


def _cpu_info(vcpus):
    """The host CPU as libvirt describes it, one socket of ``vcpus``."""
    return jsonutils.dumps({
        'arch': 'x86_64', 'model': 'fake', 'vendor': 'fake',
        'topology': {'cells': 1, 'sockets': 1, 'cores': vcpus,
                     'threads': 1},
        'features': []})
