"""Rebuild, rescue and unrescue on nova-compute: a mixin of
ComputeManager.

The API set the task_state (rebuilding, rescuing, unrescuing) and
recorded the action; as for power actions, each step here is
conditional on the one before so that a delete arriving meanwhile
wins.  Uses the manager's driver, conductor and action helpers
(_begin_action, _power_action, _power_state, _fault_create,
_event_failed).
"""

from oslo_log import log as logging
from oslo_utils import timeutils

from common import exception
from common import states
from nova_compute import utils
from nova_compute.power_actions import PowerAction

LOG = logging.getLogger(__name__)

REBUILD = PowerAction('compute_rebuild_instance', states.REBUILDING,
                      states.ACTIVE, states.REBUILD_BLOCK_DEVICE_MAPPING)
RESCUE = PowerAction('compute_rescue_instance', states.RESCUING,
                     states.RESCUED)
UNRESCUE = PowerAction('compute_unrescue_instance', states.UNRESCUING,
                       states.ACTIVE)


class RebuildRescue:
    """A new guest from another image; a rescue guest and back."""

    def rebuild_instance(self, context, instance, image, admin_password,
                         preserve_ephemeral=False):
        """Replace the guest by one spawned from ``image``: Nova's
        rebuilding -> rebuild_block_device_mapping -> rebuild_spawning.
        A stopped server ends stopped; a failure is an ERROR with the
        reason as its fault."""
        with utils.locked(instance['uuid']):
            if not self._begin_action(context, instance, REBUILD):
                return
            guest = utils.guest(instance)
            try:
                self._rebuild(context, instance, guest, image,
                              admin_password, preserve_ephemeral)
            except Exception as error:
                self._rebuild_failed(context, instance, error)
                return
        LOG.info('Instance %s rebuilt on %s from image %s', instance['uuid'],
                 self.host, image['id'])

    def _rebuild(self, context, instance, guest, image, admin_password,
                 preserve_ephemeral):
        self.conductor.instance_report(
            context, instance['uuid'], {'task_state': states.REBUILD_SPAWNING},
            expected={'task_state': [states.REBUILD_BLOCK_DEVICE_MAPPING]})
        stopped = instance['vm_state'] == states.STOPPED
        self.driver.rebuild(context, guest, image, admin_password,
                            preserve_ephemeral=preserve_ephemeral,
                            power_on=not stopped)
        values = {'vm_state': states.STOPPED if stopped else states.ACTIVE,
                  'task_state': None,
                  'power_state': self._power_state(guest),
                  'launched_at': timeutils.utcnow()}
        noted = {k: v for k, v in guest.system_metadata.items()
                 if instance['system_metadata'].get(k) != v}
        if noted:
            values['system_metadata'] = noted
        self.conductor.instance_report(
            context, instance['uuid'], values,
            expected={'task_state': [states.REBUILD_SPAWNING]},
            event={'event': REBUILD.event, 'result': 'Success'})

    def _rebuild_failed(self, context, instance, error):
        """ERROR with a fault, as Nova leaves a failed rebuild (the old
        guest is gone already); a delete that took over settles it."""
        LOG.error('Instance %s: rebuild failed: %s', instance['uuid'],
                  utils.error_message(error))
        if not isinstance(error, (exception.InstanceNotFound,
                                  exception.UnexpectedTaskStateError)):
            self._fault_create(context, instance['uuid'], error)
        try:
            self.conductor.instance_report(
                context, instance['uuid'],
                {'vm_state': states.ERROR, 'task_state': None},
                expected={'task_state': [states.REBUILD_BLOCK_DEVICE_MAPPING,
                                         states.REBUILD_SPAWNING]},
                event={'event': REBUILD.event, 'result': 'Error',
                       'exc_tb': utils.traceback_text(error)})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError):
            self._event_failed(context, instance, REBUILD.event, error)

    def rescue_instance(self, context, instance, rescue_password,
                        rescue_image):
        """Boot ``rescue_image`` with the server's disk attached second;
        a failure leaves the server as it was, with a fault."""
        self._power_action(context, instance, RESCUE, lambda guest: (
            self.driver.rescue(context, guest, rescue_image,
                               rescue_password)))

    def unrescue_instance(self, context, instance):
        self._power_action(context, instance, UNRESCUE, lambda guest: (
            self.driver.unrescue(context, guest)))
