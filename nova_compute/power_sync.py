"""How nova-compute keeps servers in line with their guests.

The periodic power-state sync (Nova's _sync_power_states), the start-up
reconciliation (_init_instance), the search for guests of deleted
servers, and the lifecycle events the driver reports: all settle a
server by conditional writes through the conductor, so an action the API
starts meanwhile always wins.  The driver's connection events take the
host's compute service out of scheduling while the hypervisor is away.
A mixin of ComputeManager, whose driver, conductor, host, service and
power-action methods it uses.
"""

from concurrent import futures
import types

from oslo_log import log as logging

from common import conf
from common import context as nova_context
from common import exception
from common import states
from nova_compute import snapshot
from nova_compute import utils
from nova_compute.power_actions import INTERRUPTED_ACTIONS
from nova_compute.power_actions import REBOOT_HARD
from nova_compute.power_actions import RERUN
from nova_compute.power_actions import STOP
from nova_compute.power_actions import STOP_ACTION

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# A driver's lifecycle transition -> the power state it means.
TRANSITION_POWER_STATES = {
    'started': states.RUNNING, 'resumed': states.RUNNING,
    'stopped': states.SHUTDOWN, 'suspended': states.PAUSED_POWER,
    'crashed': states.CRASHED,
}


# Tasks a start-up does not run again -> what the server becomes.
ABANDONED_TASKS = {
    **dict.fromkeys(snapshot.SNAPSHOT_STEPS, {}),
    **dict.fromkeys((states.REBUILDING, states.REBUILD_BLOCK_DEVICE_MAPPING,
                     states.REBUILD_SPAWNING), {'vm_state': states.ERROR}),
}


class PowerSync:
    """Power-state sync, start-up reconciliation, lifecycle and
    connection events."""

    # --- power-state sync (Nova's _sync_power_states) ---------------------

    def _sync_power_states(self, context):
        """Bring the servers of this host in line with their guests.

        The database learns the power state the hypervisor reports, and
        a server whose guest contradicts its vm_state is settled as
        Nova's _sync_instance_power_state settles it.  A server with a
        task on is left to the task.  Each server is compared under its
        lock, and every write is conditional on the states read: an
        action the API starts meanwhile wins.  Up to
        ``sync_power_state_pool_size`` servers are compared at once: a
        guest slow to shut down does not hold up the others.
        """
        records = self.conductor.instance_get_all_by_host(context,
                                                          self.host)
        with futures.ThreadPoolExecutor(
                CONF.sync_power_state_pool_size,
                thread_name_prefix='sync-power-%s' % self.host) as pool:
            for record in records:
                pool.submit(self._query_and_sync_power_state, context,
                            record)

    def _query_and_sync_power_state(self, context, record):
        if record['task_state'] is not None:
            LOG.debug('Instance %s has a pending task (%s): not synced',
                      record['uuid'], record['task_state'])
            return
        with utils.locked(record['uuid']):
            try:
                self._sync_instance_power_state(
                    context, record, self._power_state(utils.guest(record)))
            except Exception:
                LOG.exception('Instance %s: power state sync failed',
                              record['uuid'])

    def _sync_instance_power_state(self, context, record, power_state):
        """Settle one server whose guest is in ``power_state``.

        A guest that went off while its server rests active or paused
        stops the server; a guest running (or suspended) while its
        server is stopped (or active) is stopped, as Nova's stop API
        does.  Nova ignores an active server's guest that is paused
        (something outside may pause it for a while) or missing (the
        hypervisor may be restarting): so does this, recording only the
        power state.
        """
        uuid, vm_state = record['uuid'], record['vm_state']
        off = power_state in (states.SHUTDOWN, states.CRASHED)
        if off and vm_state in (states.ACTIVE, states.PAUSED):
            if self._stopped_by_itself(nova_context.get_admin_context(),
                                       uuid, power_state):
                return
        elif ((vm_state == states.ACTIVE and
               power_state == states.SUSPENDED_POWER) or
              (vm_state == states.STOPPED and not off and
               power_state != states.NOSTATE)):
            self._force_stop(record, power_state)
            return
        elif vm_state == states.ACTIVE and power_state != states.RUNNING:
            LOG.warning('Instance %s is active but its guest is in power '
                        'state %s: ignored', uuid, power_state)
        if power_state != record['power_state']:
            LOG.info('Instance %s: power state %s in the database, %s on '
                     'the hypervisor: recorded', uuid,
                     record['power_state'], power_state)
            self.conductor.instance_report(
                context, uuid, {'power_state': power_state},
                expected={'task_state': [None]})

    def _force_stop(self, record, power_state):
        """Stop a server whose guest should not run, as Nova's
        force_stop: a 'stop' instance action, task_state powering-off
        (only if no task started meanwhile), then the stop itself."""
        LOG.warning('Instance %s is %s but its guest is in power state %s: '
                    'stopping it', record['uuid'], record['vm_state'],
                    power_state)
        context = nova_context.get_admin_context()
        try:
            self.conductor.instance_report(
                context, record['uuid'], {'task_state': states.POWERING_OFF},
                expected={'vm_state': [record['vm_state']],
                          'task_state': [None]},
                action=STOP_ACTION)
        except exception.UnexpectedTaskStateError:
            return
        self._run_power_action(context, record, STOP,
                               self._power_off(record))

    # --- start-up -----------------------------------------------------------

    def _init_instances(self, context):
        """Reconcile each server of this host with its guest; one that
        fails is logged and does not stop the service."""
        for record in self.conductor.instance_get_all_by_host(
                context, self.host, full=True):
            try:
                self._init_instance(context, record)
            except Exception:
                LOG.exception('Instance %s: start-up reconciliation failed',
                              record['uuid'])

    def _init_instance(self, context, record):
        """What Nova's _init_instance does for the actions run here.

        A delete the previous nova-compute did not finish is finished.
        A power action it did not finish is finished if the guest got
        where the action leads, else run again (a reboot that had
        begun, HARD, as Nova retries it).  With
        ``resume_guests_state_on_host_boot``, a server that was running
        and whose guest is not (the host rebooted) is powered on.
        """
        task_state = record['task_state']
        if task_state == states.DELETING:
            LOG.info('Instance %s was being deleted: deleting it',
                     record['uuid'])
            self.terminate_instance(context, record)
            return
        if task_state in ABANDONED_TASKS:
            self._abandon_task(context, record)
            return
        power_state = self._power_state(utils.guest(record))
        action = INTERRUPTED_ACTIONS.get(task_state)
        if action is not None:
            self._resume_action(context, record, action, power_state)
        elif (task_state is None and CONF.resume_guests_state_on_host_boot
              and record['vm_state'] == states.ACTIVE and
              record['power_state'] == states.RUNNING and
              power_state != states.RUNNING):
            self._resume_guest(context, record)

    def _abandon_task(self, context, record):
        """A snapshot or a rebuild the previous nova-compute did not
        finish is not run again, as in Nova: a snapshot's task is
        cleared (its image stays queued, for the user to delete), a
        rebuild, whose old guest may be gone, leaves the server in
        ERROR."""
        task_state = record['task_state']
        LOG.warning('Instance %s was interrupted in task %s: %s',
                    record['uuid'], task_state,
                    'set to ERROR' if ABANDONED_TASKS[task_state] else
                    'task cleared')
        self.conductor.instance_report(
            context, record['uuid'],
            dict(ABANDONED_TASKS[task_state], task_state=None),
            expected={'task_state': [task_state]})

    def _resume_action(self, context, record, action, power_state):
        """Finish or run again ``action``, interrupted in its task."""
        task_state = record['task_state']
        begun = task_state == action.current_task_state
        if begun and power_state == action.power_state:
            LOG.info('Instance %s: %s interrupted once done: finishing it',
                     record['uuid'], action.event)
            self.conductor.instance_report(
                context, record['uuid'], {
                    'vm_state': action.vm_state, 'task_state': None,
                    'power_state': power_state},
                expected={'task_state': [task_state]})
            return
        if begun and action.working_task_state:
            action = REBOOT_HARD
        if task_state != action.task_state:
            # The task state the API sets, which the action's RPC
            # method expects.
            self.conductor.instance_report(
                context, record['uuid'], {'task_state': action.task_state},
                expected={'task_state': [task_state]})
        LOG.info('Instance %s: %s interrupted: running it again',
                 record['uuid'], action.event)
        method, *args = RERUN[action]
        getattr(self, method)(context, record, *args)

    def _resume_guest(self, context, record):
        """Power on the guest of a server that was running; Nova puts a
        server whose guest cannot be resumed in ERROR."""
        LOG.info('Instance %s was running: resuming its guest',
                 record['uuid'])
        guest = utils.guest(record)
        try:
            self.driver.power_on(context, guest, [])
        except Exception as error:
            LOG.error('Instance %s could not be resumed: %s',
                      record['uuid'], utils.error_message(error))
            self._fault_create(context, record['uuid'], error)
            values = {'vm_state': states.ERROR}
        else:
            values = {'power_state': self._power_state(guest)}
        self.conductor.instance_report(context, record['uuid'], values,
                                       expected={'task_state': [None]})

    # --- guests of deleted servers ------------------------------------------

    def _cleanup_running_deleted_instances(self, context):
        """Guests still on the hypervisor whose servers are deleted (a
        delete that failed half-way, a server deleted while its host was
        down) are dealt with per ``running_deleted_instance_action``.

        Only servers this cell knows as deleted count: a guest it does
        not know at all may belong to someone else on the hypervisor.
        """
        action = CONF.running_deleted_instance_action
        guests = None if action == 'noop' else self._guest_uuids()
        if not guests:
            return
        for uuid in self.conductor.instances_deleted(
                context, guests,
                older_than=CONF.running_deleted_instance_timeout):
            with utils.locked(uuid):
                try:
                    self._running_deleted(context, uuid, action)
                except Exception:
                    LOG.exception('Instance %s: cleaning up its guest '
                                  'failed', uuid)

    def _running_deleted(self, context, uuid, action):
        guest = types.SimpleNamespace(uuid=uuid)
        if action == 'log':
            LOG.warning('Instance %s is deleted but its guest is still on '
                        'the hypervisor', uuid)
        elif action == 'shutdown':
            LOG.info('Instance %s is deleted: powering its guest off', uuid)
            self.driver.power_off(guest)
        else:
            LOG.info('Instance %s is deleted: destroying its guest', uuid)
            self.driver.destroy(context, guest, [])

    def _guest_uuids(self):
        """Uuids of the guests on the hypervisor."""
        return self.driver.list_instance_uuids()

    # --- what the hypervisor tells us (through ComputeVirtAPI) -----------

    def _handle_lifecycle_event(self, instance_uuid, transition):
        """A guest changed state behind our back (or as we asked).

        Like Nova, an event that no longer matches what the hypervisor
        says is stale and ignored (a soft reboot's 'stopped' arriving
        after its 'started').  The power state is recorded unless a task
        is on; a guest that went off by itself while active or paused
        is stopped, as Nova's power-state sync does.  Both writes are
        conditional: no state is read first, none is overwritten.
        """
        power_state = TRANSITION_POWER_STATES.get(transition)
        if power_state is None:
            return
        current = self._power_state(types.SimpleNamespace(uuid=instance_uuid))
        if current != power_state:
            LOG.debug('Instance %s: stale lifecycle event %s ignored',
                      instance_uuid, transition)
            return
        context = nova_context.get_admin_context()
        try:
            if (power_state in (states.SHUTDOWN, states.CRASHED) and
                    self._stopped_by_itself(context, instance_uuid,
                                            power_state)):
                return
            self.conductor.instance_report(
                context, instance_uuid, {'power_state': power_state},
                expected={'task_state': [None]})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError) as error:
            LOG.debug('Instance %s: power state not recorded: %s',
                      instance_uuid, utils.error_message(error))

    def _stopped_by_itself(self, context, instance_uuid, power_state):
        """Stop the server if it rests active or paused; whether it did.

        Recorded as a 'stop' instance action, as Nova's call of the stop
        API records it: the user sees why the server is SHUTOFF.
        """
        try:
            self.conductor.instance_report(
                context, instance_uuid,
                {'vm_state': states.STOPPED, 'power_state': power_state},
                expected={'vm_state': [states.ACTIVE, states.PAUSED],
                          'task_state': [None]},
                action=STOP_ACTION)
        except exception.UnexpectedTaskStateError:
            return False
        LOG.warning('Instance %s went off by itself: it is stopped now',
                    instance_uuid)
        return True

    def _handle_connection_event(self, connected, reason):
        """The hypervisor went away (``reason`` why) or came back.

        As in Nova, the compute service takes itself out of scheduling
        meanwhile (the scheduler's ComputeFilter skips a disabled
        service; os-services shows the reason) and back in when the
        hypervisor returns, unless an operator disabled it.  The driver
        reports the connection made at start-up too, which re-enables a
        service an earlier outage left disabled.
        """
        if connected:
            LOG.info('Connection to the hypervisor of %s is back',
                     self.host)
        else:
            LOG.error('Connection to the hypervisor of %s is broken: %s',
                      self.host, reason)
        self._set_host_enabled(connected, reason)

    def _set_host_enabled(self, enabled, reason):
        """Have the conductor enable or disable this host's service, and
        log the status it ends in.

        The conductor judges the row in one write (only a service that
        disabled itself is enabled again), so an operator's change at
        the same moment is never overwritten.  Called on the driver's
        event thread: a conductor that cannot be reached is a warning,
        and the service stays as it was.
        """
        service_ref = self.service and self.service.service_ref
        if service_ref is None:
            LOG.warning('Compute service of %s is not registered yet: its '
                        'status is left as it is', self.host)
            return
        failure = None
        try:
            service = self.conductor.service_set_host_enabled(
                nova_context.get_admin_context(), service_ref['id'],
                enabled, reason)
        except Exception as error:
            failure = utils.error_message(error)
        # Logged outside the except block: oslo.log would append the
        # remote traceback.
        if failure:
            LOG.warning('Compute service of %s could not be %s: %s',
                        self.host, 'enabled' if enabled else 'disabled',
                        failure)
        elif service['disabled']:
            LOG.warning('Compute service of %s is disabled: %s', self.host,
                        service['disabled_reason'] or 'no reason given')
        else:
            LOG.info('Compute service of %s is enabled', self.host)


def running_deleted_spacing():
    """Zero disables the search for guests of deleted servers, as the
    option's help says (oslo.service would run it every 60 s), and so
    does the 'noop' action."""
    if (CONF.running_deleted_instance_poll_interval <= 0 or
            CONF.running_deleted_instance_action == 'noop'):
        return -1
    return CONF.running_deleted_instance_poll_interval
