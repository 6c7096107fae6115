"""Client side of nova-compute's RPC API: how others ask a host.

Imports nothing but common/, so a caller never drags nova-compute in.
Every call goes to one host: the server of topic 'compute' there.

API versions:
  1.0 - get_host_uptime
  1.1 - build_and_run_instance, terminate_instance (casts)
  1.2 - power actions: stop_instance, start_instance, reboot_instance,
        pause_instance, unpause_instance, suspend_instance,
        resume_instance (casts); get_console_output (call)
  1.3 - snapshot_instance, rebuild_instance, rescue_instance,
        unrescue_instance (casts); get_instance_diagnostics,
        get_vnc_console (calls)
"""

import oslo_messaging as messaging

from common import conf
from common import rpc

CONF = conf.CONF
TOPIC = 'compute'


def _version_cap():
    """``[upgrade_levels] compute``; 'auto' is no cap (every
    nova-compute is assumed as new as its caller)."""
    cap = CONF.upgrade_levels.compute
    return None if cap == 'auto' else cap


class ComputeAPI:
    """nova-compute hosts as seen from the other daemons."""

    VERSION = '1.3'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, version=self.VERSION)
        self.client = rpc.get_client(target, version_cap=_version_cap())

    def get_host_uptime(self, ctxt, host):
        """The ``uptime`` line of the hypervisor behind ``host``."""
        return self.client.prepare(server=host, version='1.0').call(
            ctxt, 'get_host_uptime')

    def build_and_run_instance(self, ctxt, host, instance, image,
                               admin_password, block_device_mapping,
                               alternates, attempt):
        """Spawn ``instance`` (a record, already placed on ``host``).

        ``alternates`` are the Selections left to try if the spawn fails
        and ``attempt`` counts the hosts tried, for the reschedule.
        """
        self.client.prepare(server=host, version='1.1').cast(
            ctxt, 'build_and_run_instance', instance=instance, image=image,
            admin_password=admin_password,
            block_device_mapping=block_device_mapping,
            alternates=alternates, attempt=attempt)

    def terminate_instance(self, ctxt, host, instance):
        """Destroy the guest; the host then has the server deleted."""
        self.client.prepare(server=host, version='1.1').cast(
            ctxt, 'terminate_instance', instance=instance)

    # --- power actions (1.2) ------------------------------------------------
    # The API has set the server's task_state (powering-off, ...) and
    # recorded the action; the host does the work and settles the state.

    def _cast_12(self, ctxt, host, method, **kwargs):
        self.client.prepare(server=host, version='1.2').cast(
            ctxt, method, **kwargs)

    def stop_instance(self, ctxt, host, instance):
        self._cast_12(ctxt, host, 'stop_instance', instance=instance)

    def start_instance(self, ctxt, host, instance):
        self._cast_12(ctxt, host, 'start_instance', instance=instance)

    def reboot_instance(self, ctxt, host, instance, reboot_type):
        """``reboot_type`` is 'SOFT' or 'HARD'."""
        self._cast_12(ctxt, host, 'reboot_instance', instance=instance,
                      reboot_type=reboot_type)

    def pause_instance(self, ctxt, host, instance):
        self._cast_12(ctxt, host, 'pause_instance', instance=instance)

    def unpause_instance(self, ctxt, host, instance):
        self._cast_12(ctxt, host, 'unpause_instance', instance=instance)

    def suspend_instance(self, ctxt, host, instance):
        self._cast_12(ctxt, host, 'suspend_instance', instance=instance)

    def resume_instance(self, ctxt, host, instance):
        self._cast_12(ctxt, host, 'resume_instance', instance=instance)

    def get_console_output(self, ctxt, host, instance, tail_length=None):
        """The guest's console log, its last ``tail_length`` lines
        (None: all of it)."""
        return self.client.prepare(server=host, version='1.2').call(
            ctxt, 'get_console_output', instance=instance,
            tail_length=tail_length)

    # --- snapshots (1.3) ----------------------------------------------------

    def snapshot_instance(self, ctxt, host, instance, image_id):
        """Upload the server's root disk as the data of ``image_id`` (a
        queued image the API created); the API has set the task_state
        image_snapshot_pending and recorded createImage."""
        self.client.prepare(server=host, version='1.3').cast(
            ctxt, 'snapshot_instance', instance=instance, image_id=image_id)

    # --- consoles (1.3) -----------------------------------------------------

    def get_vnc_console(self, ctxt, host, instance, console_type):
        """A console token of the server made by its host: the
        connection info (host, port, internal_access_path, token,
        access_url)."""
        return self.client.prepare(server=host, version='1.3').call(
            ctxt, 'get_vnc_console', instance=instance,
            console_type=console_type)

    # --- rebuild, rescue, diagnostics (1.3) ---------------------------------
    # The API checked the server's state, set its task_state (rebuilding,
    # rescuing, unrescuing) and recorded the action, as for power actions.

    def rebuild_instance(self, ctxt, host, instance, image, admin_password,
                         preserve_ephemeral=False):
        """Spawn the server again from ``image`` (the record already
        names it); its disks go, but the ephemeral one if preserved."""
        self.client.prepare(server=host, version='1.3').cast(
            ctxt, 'rebuild_instance', instance=instance, image=image,
            admin_password=admin_password,
            preserve_ephemeral=preserve_ephemeral)

    def rescue_instance(self, ctxt, host, instance, rescue_password,
                        rescue_image):
        """Boot the server from ``rescue_image``, its disk second."""
        self.client.prepare(server=host, version='1.3').cast(
            ctxt, 'rescue_instance', instance=instance,
            rescue_password=rescue_password, rescue_image=rescue_image)

    def unrescue_instance(self, ctxt, host, instance):
        self.client.prepare(server=host, version='1.3').cast(
            ctxt, 'unrescue_instance', instance=instance)

    def get_instance_diagnostics(self, ctxt, host, instance):
        """The running guest's statistics (the 2.48 format)."""
        return self.client.prepare(server=host, version='1.3').call(
            ctxt, 'get_instance_diagnostics', instance=instance)
