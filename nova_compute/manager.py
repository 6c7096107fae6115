"""Server side of nova-compute: one ComputeManager per (simulated) host.

Its public methods are the RPC endpoint of topic 'compute' on that
host; its periodic tasks keep the host's compute nodes up to date in
the cell database, through the conductor.  It never touches a database:
every state change of a server is a call to nova-conductor.
"""

import traceback
import types

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

    target = messaging.Target(version='1.1')

    def __init__(self, host, driver, conductor):
        super().__init__(CONF)
        self.host = host
        self.driver = driver
        self.conductor = conductor
        self.compute_task = conductor_rpcapi.ComputeTaskAPI()
        self.service = None
        self.rt = resource_tracker.ResourceTracker(host, driver, conductor)
        self._add_resource_audit()

    def _add_resource_audit(self):
        """Run update_available_resource every update_resources_interval.

        The periodic_task decorator reads its spacing at import, before
        nova.conf is parsed, so the task is added here.  oslo.service's
        add_periodic_task() would append it to lists kept on the class,
        shared by every manager of a process simulating many hosts:
        each manager would then audit once per manager.  This manager
        gets its own lists first and the task is added to them, by
        oslo.service's rules (0 is 60 s, negative disables).
        """
        self._periodic_tasks = list(self._periodic_tasks)
        self._periodic_spacing = dict(self._periodic_spacing)

        @periodic_task.periodic_task(
            spacing=CONF.update_resources_interval)
        def update_available_resource(manager, context):
            manager.update_available_resource(context)

        task = update_available_resource
        if periodic_task._PeriodicTasksMeta._add_periodic_task(self, task):
            self._periodic_last_run[task._periodic_name] = (
                task._periodic_last_run)

    def init_host(self):
        """Prepare the driver and report the nodes before serving RPC."""
        self.driver.init_host(self.host)
        self.update_available_resource(nova_context.get_admin_context())

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
            try:
                self.driver.spawn(context, _guest(instance), image, [],
                                  admin_password, {}, network_info=[],
                                  block_device_info=block_device_mapping)
            except Exception as error:
                self._event_failed(context, instance, BUILD_EVENT, error)
                self._reschedule(context, instance, image, admin_password,
                                 block_device_mapping, alternates, attempt,
                                 error)
                return
            self._finish_spawn(context, instance)

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

    def _finish_spawn(self, context, instance):
        guest = _guest(instance)
        try:
            self.conductor.instance_update(context, instance['uuid'], {
                'vm_state': states.ACTIVE, 'task_state': None,
                'power_state': self.driver.get_info(guest).state,
                'launched_at': timeutils.utcnow()},
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

    def _event_failed(self, context, instance, event, error):
        """Finish an instance action event (os-instance-actions) as an
        Error, with the traceback Nova shows admins."""
        self.conductor.action_event_finish(
            context, instance['uuid'], event, 'Error',
            exc_tb=''.join(traceback.format_exception(error)))


BUILD_EVENT = 'compute__do_build_and_run_instance'
TERMINATE_EVENT = 'compute_terminate_instance'


def _locked(instance_uuid):
    """Operations on one server run one at a time on its host, as
    Nova's per-instance lock makes them."""
    return lockutils.lock('instance-%s' % instance_uuid)


def _guest(record):
    """The record with attribute access, as the drivers take an
    instance."""
    return types.SimpleNamespace(**record)


def _message(error):
    if isinstance(error, exception.NovaException):
        return error.format_message()
    return str(error) or type(error).__name__
