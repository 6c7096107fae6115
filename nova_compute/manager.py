"""Server side of nova-compute: one ComputeManager per (simulated) host.

Its public methods are the RPC endpoint of topic 'compute' on that
host; its periodic tasks keep the host's compute nodes up to date in
the cell database and its servers' states in line with the hypervisor,
through the conductor.  It never touches a database:
every state change of a server is a call to nova-conductor, most of
them conditional on the states the server is expected to be in, so
that two actors (the API, this host, a lifecycle event) never
overwrite each other's work.
"""

from concurrent import futures
import traceback
import types
import typing

from oslo_concurrency import lockutils
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task
from oslo_utils import timeutils

from common import conf
from common import context as nova_context
from common import exception
from common import states
from nova_compute import resource_tracker
from nova_conductor import rpcapi as conductor_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class ComputeManager(periodic_task.PeriodicTasks):
    """Runs the guests of ``host`` on ``driver``.

    ``service`` is the common.service.Service running this manager, set
    by nova_compute.cmd once both exist: reports need its id, which
    ``service.service_ref`` holds from registration on, before
    init_host() is called.
    """

    target = messaging.Target(version='1.2')

    def __init__(self, host, driver, conductor):
        super().__init__(CONF)
        self.host = host
        self.driver = driver
        # nova-compute builds the driver before its manager: hand it
        # the way back now, before init_host() connects it.
        self.virtapi = driver.virtapi = ComputeVirtAPI(self)
        self.conductor = conductor
        self.compute_task = conductor_rpcapi.ComputeTaskAPI()
        self.service = None
        self.rt = resource_tracker.ResourceTracker(host, driver, conductor)
        self._add_periodic_tasks()

    def _add_periodic_tasks(self):
        """The periodic tasks, at their configured spacings.

        The periodic_task decorator reads its spacing at import, before
        nova.conf is parsed, so the tasks are added here.  oslo.service's
        add_periodic_task() would append them to lists kept on the
        class, shared by every manager of a process simulating many
        hosts: each manager would then run each task once per manager.
        This manager gets its own lists first and the tasks are added to
        them, by oslo.service's rules (0 is 60 s, negative disables).
        """
        self._periodic_tasks = list(self._periodic_tasks)
        self._periodic_spacing = dict(self._periodic_spacing)
        self._add_periodic_task('update_available_resource',
                                CONF.update_resources_interval)
        self._add_periodic_task('_sync_power_states',
                                CONF.sync_power_state_interval)
        self._add_periodic_task('_cleanup_running_deleted_instances',
                                _running_deleted_spacing())

    def _add_periodic_task(self, name, spacing):
        """Run method ``name`` every ``spacing`` seconds (a function of
        this manager's own: the decorator marks what it decorates)."""
        method = getattr(type(self), name)

        @periodic_task.periodic_task(spacing=spacing, name=name)
        def task(manager, context):
            method(manager, context)

        if periodic_task._PeriodicTasksMeta._add_periodic_task(self, task):
            self._periodic_last_run[name] = task._periodic_last_run

    def init_host(self):
        """Prepare the driver, reconcile the servers of this host with
        their guests (see _init_instance), deal with the guests of
        deleted servers, then report the nodes, before serving RPC."""
        self.driver.init_host(self.host)
        context = nova_context.get_admin_context()
        self._init_instances(context)
        self._cleanup_running_deleted_instances(context)
        self.update_available_resource(context)

    def cleanup_host(self):
        """The service stops: the driver lets go of the hypervisor (no
        lifecycle event arrives after this)."""
        self.driver.cleanup_host(self.host)

    def update_available_resource(self, context):
        """Audit the driver's nodes; the conductor writes what changed."""
        self.rt.update_available_resource(
            context, self.service.service_ref['id'])

    def get_host_uptime(self, context):
        """The hypervisor host's uptime line."""
        return self.driver.get_host_uptime()

    # --- servers ------------------------------------------------------------

    def build_and_run_instance(self, context, instance, image,
                               admin_password, block_device_mapping,
                               alternates, attempt):
        """Spawn a server the conductor placed (and claimed) here.

        A spawn that fails is cleaned up and handed back to the
        conductor, which moves the server to an alternate host or puts
        it in ERROR.  A delete arriving meanwhile waits for the lock and
        then destroys whatever the build left.
        """
        with _locked(instance['uuid']):
            if not self._begin_spawn(context, instance):
                return
            guest = _guest(instance)
            try:
                self.driver.spawn(context, guest, image, [],
                                  admin_password, {}, network_info=[],
                                  block_device_info=block_device_mapping)
            except Exception as error:
                self._event_failed(context, instance, BUILD_EVENT, error)
                self._reschedule(context, instance, image, admin_password,
                                 block_device_mapping, alternates, attempt,
                                 error)
                return
            self._finish_spawn(context, instance, guest)

    def _begin_spawn(self, context, instance):
        """task_state scheduling -> spawning, the build event started
        with it; False if deleted meanwhile."""
        try:
            self.conductor.instance_update(
                context, instance['uuid'], {'task_state': states.SPAWNING},
                expected={'task_state': [states.SCHEDULING, None]},
                event={'event': BUILD_EVENT, 'host': self.host})
        except (exception.InstanceNotFound,
                exception.UnexpectedDeletingTaskStateError):
            LOG.info('Instance %s was deleted before its build started',
                     instance['uuid'])
            return False
        return True

    def _finish_spawn(self, context, instance, guest):
        """ACTIVE, with what the driver noted in the guest's system
        metadata (libvirt pins the machine type there, so a later hard
        reboot keeps it)."""
        values = {'vm_state': states.ACTIVE, 'task_state': None,
                  'power_state': self.driver.get_info(guest).state,
                  'launched_at': timeutils.utcnow()}
        noted = {k: v for k, v in guest.system_metadata.items()
                 if instance['system_metadata'].get(k) != v}
        if noted:
            values['system_metadata'] = noted
        try:
            self.conductor.instance_update(
                context, instance['uuid'], values,
                expected={'task_state': states.SPAWNING},
                event={'event': BUILD_EVENT, 'result': 'Success'})
        except (exception.InstanceNotFound,
                exception.UnexpectedDeletingTaskStateError):
            # The delete waiting for our lock destroys the guest.
            LOG.info('Instance %s was deleted while spawning',
                     instance['uuid'])
            self.conductor.action_event_finish(
                context, instance['uuid'], BUILD_EVENT, 'Success')
            return
        LOG.info('Instance %s spawned on %s', instance['uuid'], self.host)

    def _reschedule(self, context, instance, image, admin_password,
                    block_device_mapping, alternates, attempt, error):
        """Remove the failed guest, then let the conductor decide."""
        LOG.error('Instance %s failed to spawn on %s: %s', instance['uuid'],
                  self.host, _message(error))
        try:
            self.driver.destroy(context, _guest(instance), [])
        except Exception:
            LOG.exception('Instance %s: cleaning up the failed spawn failed',
                          instance['uuid'])
        failure = {'message': _message(error),
                   'details': ''.join(traceback.format_exception(error))}
        self.compute_task.build_instances(
            context, instance, alternates, attempt, failure,
            admin_password=admin_password, image=image,
            block_device_mapping=block_device_mapping)

    def terminate_instance(self, context, instance):
        """Destroy the guest, then have the conductor delete the server."""
        with _locked(instance['uuid']):
            self.conductor.action_event_start(
                context, instance['uuid'], TERMINATE_EVENT, self.host)
            try:
                self.driver.destroy(context, _guest(instance), [])
            except Exception as error:
                self._event_failed(context, instance, TERMINATE_EVENT, error)
                self._terminate_failed(context, instance, error)
                return
            self.conductor.instance_destroy(
                context, instance['uuid'], event={'event': TERMINATE_EVENT})
            LOG.info('Instance %s destroyed on %s', instance['uuid'],
                     self.host)

    def _terminate_failed(self, context, instance, error):
        """Nova's rule: a delete that fails leaves the server in ERROR
        (with the reason), to be deleted again."""
        LOG.error('Instance %s could not be destroyed: %s',
                  instance['uuid'], _message(error))
        self.conductor.instance_fault_create(
            context, instance['uuid'], _message(error), host=self.host,
            details=''.join(traceback.format_exception(error)))
        self.conductor.instance_update(
            context, instance['uuid'],
            {'vm_state': states.ERROR, 'task_state': None})

    # --- power actions ------------------------------------------------------
    # The API checked the server's state, set its task_state and
    # recorded the instance action; each method runs the driver under
    # the server's lock and settles the states.

    def stop_instance(self, context, instance):
        self._power_action(context, instance, STOP,
                           self._power_off(instance))

    def _power_off(self, instance):
        """The work of a stop: power off, giving the guest
        ``shutdown_timeout`` seconds (or its image's
        ``os_shutdown_timeout``) to shut down on the ACPI power button
        first."""
        timeout = _shutdown_timeout(instance)
        retry = CONF.compute.shutdown_retry_interval
        return lambda guest: self.driver.power_off(guest, timeout, retry)

    def start_instance(self, context, instance):
        self._power_action(context, instance, START, lambda guest: (
            self.driver.power_on(context, guest, [])))

    def reboot_instance(self, context, instance, reboot_type):
        action = REBOOT_HARD if reboot_type == 'HARD' else REBOOT_SOFT
        self._power_action(context, instance, action, lambda guest: (
            self.driver.reboot(context, guest, [], reboot_type)))

    def pause_instance(self, context, instance):
        self._power_action(context, instance, PAUSE, self.driver.pause)

    def unpause_instance(self, context, instance):
        self._power_action(context, instance, UNPAUSE, self.driver.unpause)

    def suspend_instance(self, context, instance):
        self._power_action(context, instance, SUSPEND, lambda guest: (
            self.driver.suspend(context, guest)))

    def resume_instance(self, context, instance):
        self._power_action(context, instance, RESUME, lambda guest: (
            self.driver.resume(context, guest, [])))

    def get_console_output(self, context, instance, tail_length=None):
        """The guest's console log, its last ``tail_length`` lines."""
        output = self.driver.get_console_output(context, _guest(instance))
        return _tail(output, tail_length)

    def _power_action(self, context, instance, action, work):
        """Run ``work(guest)`` for ``action`` (a PowerAction) and settle
        the server in the action's vm_state, or, if the driver fails,
        back where it was with a fault (Nova reverts the task_state)."""
        with _locked(instance['uuid']):
            self._run_power_action(context, instance, action, work)

    def _run_power_action(self, context, instance, action, work):
        """_power_action's work, the server's lock already held."""
        if not self._begin_action(context, instance, action):
            return
        guest = _guest(instance)
        try:
            work(guest)
        except Exception as error:
            self._action_failed(context, instance, action, guest, error)
            return
        self._finish_action(context, instance, action, guest)

    def _begin_action(self, context, instance, action):
        """Start the action's event, checking that the task the API set
        is still on (a delete or another action may have come first)."""
        values = ({'task_state': action.working_task_state}
                  if action.working_task_state else {})
        try:
            self.conductor.instance_update(
                context, instance['uuid'], values,
                expected={'task_state': [action.task_state]},
                event={'event': action.event, 'host': self.host})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError) as error:
            LOG.info('Instance %s: %s abandoned: %s', instance['uuid'],
                     action.event, _message(error))
            return False
        return True

    def _finish_action(self, context, instance, action, guest):
        try:
            self.conductor.instance_update(
                context, instance['uuid'], {
                    'vm_state': action.vm_state, 'task_state': None,
                    'power_state': self._power_state(guest)},
                expected={'task_state': [action.current_task_state]},
                event={'event': action.event, 'result': 'Success'})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError) as error:
            # A delete (or a hard reboot) took over: it settles the state.
            LOG.info('Instance %s changed during %s: %s', instance['uuid'],
                     action.event, _message(error))
            self.conductor.action_event_finish(
                context, instance['uuid'], action.event, 'Success')
            return
        LOG.info('Instance %s: %s done on %s', instance['uuid'],
                 action.event, self.host)

    def _action_failed(self, context, instance, action, guest, error):
        """Fault and Error event; the task_state goes back to None and
        the vm_state stays, except that a reboot leaving the guest not
        running is an ERROR, as in Nova."""
        LOG.error('Instance %s: %s failed: %s', instance['uuid'],
                  action.event, _message(error))
        details = ''.join(traceback.format_exception(error))
        self.conductor.instance_fault_create(
            context, instance['uuid'], _message(error), host=self.host,
            details=details)
        power_state = self._power_state(guest)
        values = {'task_state': None, 'power_state': power_state}
        if action.error_unless_running and power_state != states.RUNNING:
            values['vm_state'] = states.ERROR
        try:
            self.conductor.instance_update(
                context, instance['uuid'], values,
                expected={'task_state': [action.current_task_state]},
                event={'event': action.event, 'result': 'Error',
                       'exc_tb': details})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError):
            self._event_failed(context, instance, action.event, error)

    def _power_state(self, guest):
        """What the hypervisor says of the guest; NOSTATE if it has none."""
        try:
            return self.driver.get_info(guest).state
        except exception.InstanceNotFound:
            return states.NOSTATE

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
        with _locked(record['uuid']):
            try:
                self._sync_instance_power_state(
                    context, record, self._power_state(_guest(record)))
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
            self.conductor.instance_update(
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
            self.conductor.instance_update(
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
        power_state = self._power_state(_guest(record))
        action = INTERRUPTED_ACTIONS.get(task_state)
        if action is not None:
            self._resume_action(context, record, action, power_state)
        elif (task_state is None and CONF.resume_guests_state_on_host_boot
              and record['vm_state'] == states.ACTIVE and
              record['power_state'] == states.RUNNING and
              power_state != states.RUNNING):
            self._resume_guest(context, record)

    def _resume_action(self, context, record, action, power_state):
        """Finish or run again ``action``, interrupted in its task."""
        task_state = record['task_state']
        begun = task_state == action.current_task_state
        if begun and power_state == action.power_state:
            LOG.info('Instance %s: %s interrupted once done: finishing it',
                     record['uuid'], action.event)
            self.conductor.instance_update(
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
            self.conductor.instance_update(
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
        guest = _guest(record)
        try:
            self.driver.power_on(context, guest, [])
        except Exception as error:
            LOG.error('Instance %s could not be resumed: %s',
                      record['uuid'], _message(error))
            self.conductor.instance_fault_create(
                context, record['uuid'], _message(error), host=self.host,
                details=''.join(traceback.format_exception(error)))
            values = {'vm_state': states.ERROR}
        else:
            values = {'power_state': self._power_state(guest)}
        self.conductor.instance_update(context, record['uuid'], values,
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
            with _locked(uuid):
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
            self.conductor.instance_update(
                context, instance_uuid, {'power_state': power_state},
                expected={'task_state': [None]})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError) as error:
            LOG.debug('Instance %s: power state not recorded: %s',
                      instance_uuid, _message(error))

    def _stopped_by_itself(self, context, instance_uuid, power_state):
        """Stop the server if it rests active or paused; whether it did.

        Recorded as a 'stop' instance action, as Nova's call of the stop
        API records it: the user sees why the server is SHUTOFF.
        """
        try:
            self.conductor.instance_update(
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
        if connected:
            LOG.info('Connection to the hypervisor of %s is back',
                     self.host)
        else:
            LOG.error('Connection to the hypervisor of %s lost: %s',
                      self.host, reason)

    def _event_failed(self, context, instance, event, error):
        """Finish an instance action event (os-instance-actions) as an
        Error, with the traceback Nova shows admins."""
        self.conductor.action_event_finish(
            context, instance['uuid'], event, 'Error',
            exc_tb=''.join(traceback.format_exception(error)))


class ComputeVirtAPI:
    """What a driver may tell its compute service (Nova's virtapi).

    A separate object rather than the manager itself: the manager's
    public methods are its RPC endpoint.  Called on the driver's event
    thread: a failure is logged here, never raised into the driver.
    """

    def __init__(self, compute):
        self._compute = compute

    def handle_lifecycle_event(self, instance_uuid, transition):
        try:
            self._compute._handle_lifecycle_event(instance_uuid, transition)
        except Exception:
            LOG.exception('Instance %s: lifecycle event %s not handled',
                          instance_uuid, transition)

    def handle_connection_event(self, connected, reason):
        self._compute._handle_connection_event(connected, reason)


class PowerAction(typing.NamedTuple):
    """A power action as the compute runs it: its instance action event
    (Nova's names), the task_state the API set, the one it moves to
    while the driver works (reboots, as Nova's *_started), and the
    vm_state and guest power state it ends in."""

    event: str
    task_state: str
    vm_state: str
    working_task_state: typing.Optional[str] = None
    error_unless_running: bool = False
    power_state: int = states.RUNNING

    @property
    def current_task_state(self):
        return self.working_task_state or self.task_state


STOP = PowerAction('compute_stop_instance', states.POWERING_OFF,
                   states.STOPPED, power_state=states.SHUTDOWN)
START = PowerAction('compute_start_instance', states.POWERING_ON,
                    states.ACTIVE)
REBOOT_SOFT = PowerAction('compute_reboot_instance', states.REBOOTING,
                          states.ACTIVE, states.REBOOT_STARTED, True)
REBOOT_HARD = PowerAction('compute_reboot_instance', states.REBOOTING_HARD,
                          states.ACTIVE, states.REBOOT_STARTED_HARD, True)
PAUSE = PowerAction('compute_pause_instance', states.PAUSING, states.PAUSED,
                    power_state=states.PAUSED_POWER)
UNPAUSE = PowerAction('compute_unpause_instance', states.UNPAUSING,
                      states.ACTIVE)
SUSPEND = PowerAction('compute_suspend_instance', states.SUSPENDING,
                      states.SUSPENDED, power_state=states.SUSPENDED_POWER)
RESUME = PowerAction('compute_resume_instance', states.RESUMING,
                     states.ACTIVE)
# How a start-up runs an interrupted action again: its RPC method.
RERUN = {
    STOP: ('stop_instance',), START: ('start_instance',),
    REBOOT_SOFT: ('reboot_instance', 'SOFT'),
    REBOOT_HARD: ('reboot_instance', 'HARD'),
    PAUSE: ('pause_instance',), UNPAUSE: ('unpause_instance',),
    SUSPEND: ('suspend_instance',), RESUME: ('resume_instance',),
}
# The task states a power action leaves if nova-compute dies in it.
INTERRUPTED_ACTIONS = {
    task_state: action for action in RERUN
    for task_state in (action.task_state, action.working_task_state)
    if task_state}
STOP_ACTION = 'stop'

# A driver's lifecycle transition -> the power state it means.
TRANSITION_POWER_STATES = {
    'started': states.RUNNING, 'resumed': states.RUNNING,
    'stopped': states.SHUTDOWN, 'suspended': states.PAUSED_POWER,
    'crashed': states.CRASHED,
}
BUILD_EVENT = 'compute__do_build_and_run_instance'
TERMINATE_EVENT = 'compute_terminate_instance'
SHUTDOWN_TIMEOUT_KEY = 'image_os_shutdown_timeout'


def _running_deleted_spacing():
    """Zero disables the search for guests of deleted servers, as the
    option's help says (oslo.service would run it every 60 s), and so
    does the 'noop' action."""
    if (CONF.running_deleted_instance_poll_interval <= 0 or
            CONF.running_deleted_instance_action == 'noop'):
        return -1
    return CONF.running_deleted_instance_poll_interval


def _locked(instance_uuid):
    """Operations on one server run one at a time on its host, as
    Nova's per-instance lock makes them."""
    return lockutils.lock('instance-%s' % instance_uuid)


def _guest(record):
    """The record with attribute access, as the drivers take an
    instance; its own copy of the system metadata, which a driver may
    add to."""
    return types.SimpleNamespace(**dict(
        record, system_metadata=dict(record.get('system_metadata') or {})))


def _shutdown_timeout(record):
    """The image's ``os_shutdown_timeout`` if it has one, else
    ``[DEFAULT] shutdown_timeout``."""
    value = (record.get('system_metadata') or {}).get(SHUTDOWN_TIMEOUT_KEY)
    return int(value) if value else CONF.shutdown_timeout


def _tail(output, length):
    """The last ``length`` lines of ``output``, as Nova cuts them (the
    text after the last newline counts as a line); None or -1 is all."""
    if length is None or int(length) == -1:
        return output
    length = int(length)
    if length == 0:
        return ''
    return '\n'.join(output.split('\n')[-length:])


def _message(error):
    if isinstance(error, exception.NovaException):
        return error.format_message()
    return str(error) or type(error).__name__
