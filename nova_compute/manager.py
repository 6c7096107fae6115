"""Server side of nova-compute: one ComputeManager per (simulated) host.

Its public methods are the RPC endpoint of topic 'compute' on that
host; its periodic tasks keep the host's compute nodes up to date in
the cell database and its servers' states in line with the hypervisor,
through the conductor.  It never touches a database:
every state change of a server is a call to nova-conductor, most of
them conditional on the states the server is expected to be in, so
that two actors (the API, this host, a lifecycle event) never
overwrite each other's work.  Power-state sync (power_sync.py),
snapshots (snapshot.py) and rebuild/rescue (rebuild_rescue.py) are
mixins of the manager, each a module of its own.
"""


from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task
from oslo_utils import timeutils

from common import conf
from common import console_auth
from common import context as nova_context
from common import exception
from common import glance
from common import states
from nova_compute import power_sync
from nova_compute import rebuild_rescue
from nova_compute import resource_tracker
from nova_compute import snapshot
from nova_compute import utils
from nova_compute.power_actions import PAUSE
from nova_compute.power_actions import REBOOT_HARD
from nova_compute.power_actions import REBOOT_SOFT
from nova_compute.power_actions import RESUME
from nova_compute.power_actions import START
from nova_compute.power_actions import STOP
from nova_compute.power_actions import SUSPEND
from nova_compute.power_actions import UNPAUSE
from nova_conductor import rpcapi as conductor_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class ComputeManager(power_sync.PowerSync, snapshot.Snapshots,
                     rebuild_rescue.RebuildRescue,
                     periodic_task.PeriodicTasks):
    """Runs the guests of ``host`` on ``driver``.

    ``service`` is the common.service.Service running this manager, set
    by nova_compute.cmd once both exist: reports need its id, which
    ``service.service_ref`` holds from registration on, before
    init_host() is called.
    """

    target = messaging.Target(version='1.3')

    def __init__(self, host, driver, conductor):
        super().__init__(CONF)
        self.host = host
        self.driver = driver
        # nova-compute builds the driver before its manager: hand it
        # the way back now, before init_host() connects it.
        self.virtapi = driver.virtapi = ComputeVirtAPI(self)
        self.conductor = conductor
        self.compute_task = conductor_rpcapi.ComputeTaskAPI()
        self.image_api = glance.API()
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
        self._add_periodic_task('_run_image_cache_manager_pass',
                                CONF.image_cache.manager_interval)
        self._add_periodic_task('_cleanup_running_deleted_instances',
                                power_sync.running_deleted_spacing())

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

    def _run_image_cache_manager_pass(self, context):
        """Let the driver age out cached images none of this host's
        servers use (``[image_cache] manager_interval``)."""
        records = self.conductor.instance_get_all_by_host(
            context, self.host, full=True)
        self.driver.manage_image_cache(
            context, [utils.guest(record) for record in records])

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
        with utils.locked(instance['uuid']):
            if not self._begin_spawn(context, instance):
                return
            guest = utils.guest(instance)
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
            self.conductor.instance_report(
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
            self.conductor.instance_report(
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
                  self.host, utils.error_message(error))
        try:
            self.driver.destroy(context, utils.guest(instance), [])
        except Exception:
            LOG.exception('Instance %s: cleaning up the failed spawn failed',
                          instance['uuid'])
        failure = {'message': utils.error_message(error),
                   'details': utils.traceback_text(error)}
        self.compute_task.build_instances(
            context, instance, alternates, attempt, failure,
            admin_password=admin_password, image=image,
            block_device_mapping=block_device_mapping)

    def terminate_instance(self, context, instance):
        """Destroy the guest, then have the conductor delete the server."""
        with utils.locked(instance['uuid']):
            self.conductor.action_event_start(
                context, instance['uuid'], TERMINATE_EVENT, self.host)
            try:
                self.driver.destroy(context, utils.guest(instance), [])
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
                  instance['uuid'], utils.error_message(error))
        self._fault_create(context, instance['uuid'], error)
        self.conductor.instance_report(
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
        output = self.driver.get_console_output(context, utils.guest(instance))
        return _tail(output, tail_length)

    def _power_action(self, context, instance, action, work):
        """Run ``work(guest)`` for ``action`` (a PowerAction) and settle
        the server in the action's vm_state, or, if the driver fails,
        back where it was with a fault (Nova reverts the task_state)."""
        with utils.locked(instance['uuid']):
            self._run_power_action(context, instance, action, work)

    def _run_power_action(self, context, instance, action, work):
        """_power_action's work, the server's lock already held."""
        if not self._begin_action(context, instance, action):
            return
        guest = utils.guest(instance)
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
            self.conductor.instance_report(
                context, instance['uuid'], values,
                expected={'task_state': [action.task_state]},
                event={'event': action.event, 'host': self.host})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError) as error:
            LOG.info('Instance %s: %s abandoned: %s', instance['uuid'],
                     action.event, utils.error_message(error))
            return False
        return True

    def _finish_action(self, context, instance, action, guest):
        try:
            self.conductor.instance_report(
                context, instance['uuid'], {
                    'vm_state': action.vm_state, 'task_state': None,
                    'power_state': self._power_state(guest)},
                expected={'task_state': [action.current_task_state]},
                event={'event': action.event, 'result': 'Success'})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError) as error:
            # A delete (or a hard reboot) took over: it settles the state.
            LOG.info('Instance %s changed during %s: %s', instance['uuid'],
                     action.event, utils.error_message(error))
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
                  action.event, utils.error_message(error))
        details = utils.traceback_text(error)
        self._fault_create(context, instance['uuid'], error)
        power_state = self._power_state(guest)
        values = {'task_state': None, 'power_state': power_state}
        if action.error_unless_running and power_state != states.RUNNING:
            values['vm_state'] = states.ERROR
        try:
            self.conductor.instance_report(
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

    def _fault_create(self, context, instance_uuid, error):
        """Record ``error`` as the server's fault (what the API shows
        under ``fault``), with its traceback for admins."""
        self.conductor.instance_fault_create(
            context, instance_uuid, utils.error_message(error),
            host=self.host, details=utils.traceback_text(error))

    def _event_failed(self, context, instance, event, error):
        """Finish an instance action event (os-instance-actions) as an
        Error, with the traceback Nova shows admins."""
        self.conductor.action_event_finish(
            context, instance['uuid'], event, 'Error',
            exc_tb=utils.traceback_text(error))

    # --- consoles (1.3) -----------------------------------------------------

    @messaging.expected_exceptions(exception.ConsoleTypeInvalid,
                                   exception.ConsoleTypeUnavailable,
                                   exception.InstanceNotReady,
                                   exception.InstanceNotFound,
                                   NotImplementedError)
    def get_vnc_console(self, context, instance, console_type):
        """A new token of the guest's VNC console: its hash goes to the
        conductor (with where the console is and until when it may be
        opened), the token itself only to the caller, inside the URL."""
        if not CONF.vnc.enabled:
            raise exception.ConsoleTypeUnavailable(console_type=console_type)
        if console_type != console_auth.NOVNC:
            raise exception.ConsoleTypeInvalid(console_type=console_type)
        try:
            console = self.driver.get_vnc_console(context,
                                                  utils.guest(instance))
        except exception.InstanceNotFound:
            if instance['vm_state'] != states.BUILDING:
                raise
            raise exception.InstanceNotReady(instance_id=instance['uuid'])
        token = console_auth.new_token()
        base = CONF.vnc.novncproxy_base_url
        self.conductor.console_auth_token_create(context, instance['uuid'], {
            'token_hash': console_auth.token_hash(token),
            'console_type': console_type, 'host': console.host,
            'port': console.port,
            'internal_access_path': console.internal_access_path,
            'expires': timeutils.utcnow_ts() + CONF.consoleauth.token_ttl,
            'access_url_base': base})
        return dict(console._asdict(), token=token,
                    access_url=console_auth.access_url(base, console_type,
                                                       token))

    # --- diagnostics (1.3) --------------------------------------------------

    @messaging.expected_exceptions(exception.InstanceInvalidState,
                                   exception.InstanceNotFound)
    def get_instance_diagnostics(self, context, instance):
        """The guest's statistics; only a running guest has them (409,
        as in Nova)."""
        guest = utils.guest(instance)
        power_state = self._power_state(guest)
        if power_state != states.RUNNING:
            raise exception.InstanceInvalidState(
                instance_uuid=instance['uuid'], attr='power state',
                state=power_state, method='get_diagnostics')
        return self.driver.get_instance_diagnostics(guest)


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
        try:
            self._compute._handle_connection_event(connected, reason)
        except Exception:
            LOG.exception('Connection event (connected: %s, %s) not '
                          'handled', connected, reason)


BUILD_EVENT = 'compute__do_build_and_run_instance'
TERMINATE_EVENT = 'compute_terminate_instance'
SHUTDOWN_TIMEOUT_KEY = 'image_os_shutdown_timeout'


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

