"""Snapshots (createImage) on nova-compute: a mixin of ComputeManager.

The API created the image (queued), set the task_state
image_snapshot_pending and recorded createImage; the host moves the
task through Nova's image_snapshot, image_pending_upload (the disk is
being extracted) and image_uploading, each step conditional on the one
before so that a delete arriving meanwhile wins.  The vm_state does not
change.  Uses the manager's driver, conductor, image API and action
helpers (_begin_action, _fault_create, _event_failed).
"""

from oslo_log import log as logging

from common import exception
from common import states
from nova_compute import utils
from nova_compute.power_actions import PowerAction

LOG = logging.getLogger(__name__)

# The snapshot's start as the power actions start: the API's task_state
# moved on to image_snapshot with the event (its vm_state is unused).
SNAPSHOT = PowerAction('compute_snapshot_instance',
                       states.IMAGE_SNAPSHOT_PENDING, None,
                       states.IMAGE_SNAPSHOT)
SNAPSHOT_STEPS = (states.IMAGE_SNAPSHOT_PENDING, states.IMAGE_SNAPSHOT,
                  states.IMAGE_PENDING_UPLOAD, states.IMAGE_UPLOADING)


class Snapshots:
    """createImage: the guest's root disk uploaded to a queued image."""

    def snapshot_instance(self, context, instance, image_id):
        """Upload the guest's root disk as the data of ``image_id``; a
        failure leaves a fault, an Error event and no image."""
        with utils.locked(instance['uuid']):
            if not self._begin_action(context, instance, SNAPSHOT):
                self._delete_image(context, image_id)
                return
            try:
                self._snapshot(context, instance, image_id)
            except Exception as error:
                self._snapshot_failed(context, instance, image_id, error)
                return
        LOG.info('Instance %s: snapshot %s uploaded from %s',
                 instance['uuid'], image_id, self.host)

    def _snapshot(self, context, instance, image_id):
        self._snapshot_task(context, instance, states.IMAGE_PENDING_UPLOAD)

        def upload(image_id, metadata, data):
            """The driver's disk: its formats on the image, then the
            data (Glance takes the formats only while it is queued)."""
            self._snapshot_task(context, instance, states.IMAGE_UPLOADING)
            self.image_api.update(context, image_id, metadata)
            self.image_api.upload(context, image_id, data)

        self.driver.snapshot(context, utils.guest(instance), image_id,
                             upload)
        self.conductor.instance_report(
            context, instance['uuid'], {'task_state': None},
            expected={'task_state': [states.IMAGE_UPLOADING]},
            event={'event': SNAPSHOT.event, 'result': 'Success'})

    def _snapshot_task(self, context, instance, task_state):
        """Move the snapshot on to ``task_state`` from the step before."""
        previous = SNAPSHOT_STEPS[SNAPSHOT_STEPS.index(task_state) - 1]
        self.conductor.instance_report(
            context, instance['uuid'], {'task_state': task_state},
            expected={'task_state': [previous]})

    def _snapshot_failed(self, context, instance, image_id, error):
        """The queued image goes; a server whose task was taken over
        meanwhile (a delete, waiting for our lock) needs nothing more,
        any other failure is the server's fault and its task_state goes
        back to None."""
        self._delete_image(context, image_id)
        if isinstance(error, exception.UnexpectedTaskStateError):
            LOG.info('Instance %s: snapshot %s abandoned: %s',
                     instance['uuid'], image_id, utils.error_message(error))
            self._event_failed(context, instance, SNAPSHOT.event, error)
            return
        LOG.error('Instance %s: snapshot %s failed: %s', instance['uuid'],
                  image_id, utils.error_message(error))
        self._fault_create(context, instance['uuid'], error)
        try:
            self.conductor.instance_report(
                context, instance['uuid'], {'task_state': None},
                expected={'task_state': list(SNAPSHOT_STEPS[1:])},
                event={'event': SNAPSHOT.event, 'result': 'Error',
                       'exc_tb': utils.traceback_text(error)})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError):
            self._event_failed(context, instance, SNAPSHOT.event, error)

    def _delete_image(self, context, image_id):
        """Remove a snapshot's image that will not get its data."""
        try:
            self.image_api.delete(context, image_id)
        except exception.ImageNotFound:
            pass
        except Exception as e:
            LOG.warning('Image %s of a failed snapshot not deleted: %s',
                        image_id, utils.error_message(e))
