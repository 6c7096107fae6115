"""The conductor's build workflow (Nova's ComputeTaskManager).

Endpoint of namespace 'compute_task' on topic 'conductor'.  Placing
the servers of a create request asks the scheduler for hosts, claims
each server's resources on its host, creates the server in that host's
cell and casts ``build_and_run_instance`` to the host.  It starts from
the conductor's own ``provision_instances`` (1.7: the build requests
just stored, no message and no reload) or from the 1.0 cast
``schedule_and_build_instances`` of an older API.  ``build_instances``
(cast by a compute whose spawn failed) moves the server to its next
alternate.
A multiple create is placed whole or not at all.  What cannot be placed
goes to cell0 in ERROR with a fault saying why.
"""

import contextlib
import queue
import threading

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import timeutils

from common import availability_zones
from common import conf
from common import exception
from common import states
from common.db import engines
from common.db import mappings
from nova_compute import rpcapi as compute_rpcapi
from nova_conductor.db import build_requests
from nova_conductor.db import claims
from nova_conductor.db import instances
from nova_conductor.db import server_groups
from nova_scheduler import rpcapi as scheduler_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)
CREATE_ACTION = 'create'
_HARD_POLICIES = ('affinity', 'anti-affinity')
# Placements run in a few threads of their own, not in the RPC
# executor's dozens: a burst of creates then cannot make the API's
# provision calls and the computes' reports wait behind it for the
# interpreter, and a few placements at once already keep the scheduler
# and the databases busy while one of them waits on the other.
PLACEMENT_THREADS = 2


class ComputeTaskManager:
    """Places servers: scheduler, claims, cells, computes."""

    target = messaging.Target(namespace='compute_task', version='1.0')

    def __init__(self, instance_cells=None):
        """``instance_cells``: {instance uuid: cell database URL}, which
        learns where each server this conductor places went."""
        self.api_url = engines.configured_url('api_database')
        self._instance_cells = ({} if instance_cells is None
                                else instance_cells)
        self.scheduler = scheduler_rpcapi.SchedulerAPI()
        self.compute = compute_rpcapi.ComputeAPI()
        self._cells = {}
        # Not a method: every public method here is an RPC method.
        self.placements = Placements(self._schedule_and_build)

    def _cell(self, cell_uuid):
        """A cell mapping, cached: cells do not move while we run."""
        if cell_uuid not in self._cells:
            self._cells[cell_uuid] = mappings.get_cell(self.api_url,
                                                       cell_uuid)
        return self._cells[cell_uuid]

    # --- first placement ----------------------------------------------------

    def schedule_and_build_instances(self, ctxt, instance_uuids,
                                     admin_password=None):
        """(1.0 cast) Place the servers of stored build requests; those
        the user deleted meanwhile are skipped."""
        with engines.reader(self.api_url) as session:
            builds = build_requests.load(session, instance_uuids)
        self.placements.submit(ctxt, [u for u in instance_uuids
                                      if u in builds], builds,
                               admin_password)

    def _schedule_and_build(self, ctxt, uuids, builds, admin_password):
        """Place the servers of one create request and start their builds.

        Every server is claimed before any build starts, so a request
        that cannot be placed whole leaves no server behind on a host.
        """
        spec = builds[uuids[0]][3]
        try:
            self._refresh_group(spec)
            host_lists = self.scheduler.select_destinations(
                ctxt, spec, uuids, return_alternates=True)
            placed = self._claim_all(builds, uuids, host_lists, spec)
        except Exception as error:
            error = _placement_failure(error)
            for uuid in uuids:
                self._bury_in_cell0(ctxt, builds[uuid], error)
            return
        for uuid, (cell, record, alternates) in placed.items():
            self._start_build(ctxt, cell, record, builds[uuid], alternates,
                              admin_password)

    def _refresh_group(self, spec):
        """Fill in the group's current members and their hosts: the
        filters and the claims judge against them."""
        group = spec.get('instance_group')
        if not group:
            return
        with engines.reader(self.api_url) as session:
            members = server_groups.member_uuids(session, group['uuid'])
        group['members'] = members
        group['hosts'] = sorted(self._hosts_of(members))

    def _hosts_of(self, instance_uuids):
        """Hosts the given servers run on, whatever their cell."""
        hosts = set()
        for cell in mappings.list_cells(self.api_url):
            if mappings.is_cell0(cell) or not instance_uuids:
                continue
            with engines.reader(cell.database_connection) as session:
                hosts.update(instances.hosts_of(session, instance_uuids))
        return hosts

    def _claim_all(self, builds, uuids, host_lists, spec):
        """{uuid: (cell, record, alternates)}: every server claimed, or
        none (the claims made are undone and NoValidHost raised)."""
        placed = {}
        try:
            for uuid, host_list in zip(uuids, host_lists, strict=True):
                placed[uuid] = self._claim_first_fitting(builds[uuid],
                                                         host_list, spec)
        except exception.NoValidHost:
            for cell, record, _alternates in placed.values():
                self._undo(cell, record['uuid'])
            raise
        return placed

    def _claim_first_fitting(self, build, host_list, spec):
        """Create the server on the first host of ``host_list`` whose
        claim succeeds; the hosts after it are its alternates."""
        record, bdms, tags, _spec = build
        failures = []
        for index, selection in enumerate(host_list):
            cell = self._cell(selection['cell_uuid'])
            try:
                stored = self._create_placed(cell, record, bdms, tags,
                                             selection, spec)
            except (claims.ClaimFailed, GroupPolicyViolated) as e:
                LOG.info('Instance %s: %s; trying the next host',
                         record['uuid'], e.format_message())
                failures.append(e.format_message())
                continue
            return cell, stored, host_list[index + 1:]
        raise exception.NoValidHost(
            reason='Every host chosen was taken meanwhile: %s' %
            '; '.join(failures))

    @engines.retry_on_deadlock
    def _create_placed(self, cell, record, bdms, tags, selection, spec):
        host, node = selection['service_host'], selection['nodename']
        zone = availability_zones.host_zone(self.api_url, host)
        with self._group_locked(spec) as group:
            with engines.writer(cell.database_connection) as session:
                if group:
                    _check_group_policy(session, group, record['uuid'], host)
                return instances.create(session, record, bdms, tags,
                                        (host, node, zone))

    @contextlib.contextmanager
    def _group_locked(self, spec):
        """The server's hard-policy group, locked in the API database
        while its member is placed: two members claimed at once must
        not both see the other's host as free."""
        group = spec.get('instance_group')
        if not group or group.get('policy') not in _HARD_POLICIES:
            yield None
            return
        with engines.writer(self.api_url) as session:
            server_groups.lock(session, group['uuid'])
            yield dict(group, members=server_groups.member_uuids(
                session, group['uuid']))

    @engines.retry_on_deadlock
    def _undo(self, cell, instance_uuid):
        with engines.writer(cell.database_connection) as session:
            instances.destroy(session, instance_uuid, hard=True)

    def _start_build(self, ctxt, cell, record, build, alternates,
                     admin_password):
        """Hand the placed server over: the build request goes, the
        mapping points at the cell, and its host is told to build."""
        if not self._finish_build_request(cell, record['uuid']):
            LOG.info('Instance %s was deleted while being scheduled',
                     record['uuid'])
            self._delete_placed(cell, record['uuid'])
            return
        self._instance_cells[record['uuid']] = cell.database_connection
        with engines.writer(cell.database_connection) as session:
            instances.action_start(session, ctxt, record['uuid'],
                                   CREATE_ACTION)
        _record, bdms, _tags, spec = build
        LOG.info('Instance %s placed on %s (node %s)', record['uuid'],
                 record['host'], record['node'])
        self.compute.build_and_run_instance(
            ctxt, record['host'], record, spec['image'], admin_password,
            bdms, alternates, attempt=1)

    @engines.retry_on_deadlock
    def _finish_build_request(self, cell, instance_uuid):
        with engines.writer(self.api_url) as session:
            if not build_requests.destroy(session, instance_uuid):
                return False
            build_requests.map_to_cell(session, instance_uuid, cell.id)
        return True

    @engines.retry_on_deadlock
    def _delete_placed(self, cell, instance_uuid):
        with engines.writer(cell.database_connection) as session:
            instances.destroy(session, instance_uuid)
        with engines.writer(self.api_url) as session:
            build_requests.map_to_cell(session, instance_uuid, cell.id)
            build_requests.queue_for_delete(session, instance_uuid)

    @engines.retry_on_deadlock
    def _bury_in_cell0(self, ctxt, build, error):
        """The server in cell0, in ERROR, with the reason as its fault."""
        record, bdms, tags, _spec = build
        cell0 = self._cell(mappings.CELL0_UUID)
        with engines.writer(self.api_url) as session:
            if not build_requests.destroy(session, record['uuid']):
                return
            build_requests.map_to_cell(session, record['uuid'], cell0.id)
            with engines.writer(cell0.database_connection) as cell_session:
                record = dict(record, vm_state=states.ERROR, task_state=None)
                instances.create(cell_session, record, bdms, tags)
                instances.action_start(cell_session, ctxt, record['uuid'],
                                       CREATE_ACTION)
                instances.add_fault(cell_session, record['uuid'], error)
        LOG.info('Instance %s is in cell0 in ERROR', record['uuid'])

    # --- reschedules --------------------------------------------------------

    def build_instances(self, ctxt, instance, alternates, attempt, failure,
                        admin_password=None, image=None,
                        block_device_mapping=None):
        """A spawn failed on the server's host: try its next alternate.

        The failed host's claim is released as the next one is made;
        with no alternate left (or ``max_attempts`` reached) the server
        goes to ERROR on no host, its fault naming the last failure.
        """
        cell_url = engines.configured_url('database')
        self._count_failed_build(cell_url, instance)
        while alternates and attempt < CONF.scheduler.max_attempts:
            selection, alternates = alternates[0], alternates[1:]
            try:
                record = self._move(cell_url, instance['uuid'], selection)
            except claims.ClaimFailed as e:
                LOG.info('Instance %s: %s', instance['uuid'],
                         e.format_message())
                continue
            except exception.InstanceNotFound:
                return
            LOG.info('Instance %s rescheduled to %s after: %s',
                     instance['uuid'], record['host'], failure['message'])
            self.compute.build_and_run_instance(
                ctxt, record['host'], record, image, admin_password,
                block_device_mapping or [], alternates, attempt + 1)
            return
        self._fail_build(ctxt, cell_url, instance, failure)

    @engines.retry_on_deadlock
    def _count_failed_build(self, cell_url, instance):
        """The BuildFailureWeigher's input: failures per compute node."""
        with engines.writer(cell_url) as session:
            claims.count_failed_build(session, instance['host'],
                                      instance['node'])

    @engines.retry_on_deadlock
    def _move(self, cell_url, instance_uuid, selection):
        zone = availability_zones.host_zone(self.api_url,
                                            selection['service_host'])
        with engines.writer(cell_url) as session:
            return instances.move(session, instance_uuid, (
                selection['service_host'], selection['nodename'], zone))

    @engines.retry_on_deadlock
    def _fail_build(self, ctxt, cell_url, instance, failure):
        error = exception.MaxRetriesExceeded(
            reason='Exhausted all hosts available for retrying build '
                   'failures for instance %s. Last failure: %s' % (
                       instance['uuid'], failure['message']))
        try:
            with engines.writer(cell_url) as session:
                instances.unplace(session, instance['uuid'], {
                    'vm_state': states.ERROR, 'task_state': None,
                    'updated_at': timeutils.utcnow()})
                instances.add_fault(session, instance['uuid'], error,
                                    host=instance['host'],
                                    details=failure.get('details'))
        except exception.InstanceNotFound:
            return
        LOG.error('Instance %s: %s', instance['uuid'],
                  error.format_message())


class Placements:
    """The queue of create requests waiting for placement, worked off by
    PLACEMENT_THREADS threads running ``place(ctxt, uuids, builds,
    admin_password)``.

    Daemon threads, started with the first request: a placement stuck
    on a scheduler that does not answer must not keep a stopping
    conductor alive past its grace period.
    """

    def __init__(self, place):
        self._place = place
        self._queue = queue.Queue()
        self._threads = []
        self._lock = threading.Lock()

    def submit(self, ctxt, uuids, builds, admin_password):
        """Queue the placement of one create request's servers.

        ``builds`` is {uuid: (record, block device mappings, tags,
        request spec)}, as ``build_requests.load`` returns them.
        """
        if not uuids:
            return
        with self._lock:
            if not self._threads:
                self._threads = [
                    threading.Thread(target=self._work, daemon=True,
                                     name='placement-%d' % index)
                    for index in range(PLACEMENT_THREADS)]
                for thread in self._threads:
                    thread.start()
        self._queue.put((ctxt, uuids, builds, admin_password))

    def _work(self):
        for ctxt, uuids, builds, admin_password in iter(self._queue.get,
                                                        None):
            ctxt.update_store()  # this thread's log lines: the request id
            try:
                self._place(ctxt, uuids, builds, admin_password)
            except Exception:
                LOG.exception('Placing servers %s failed', ', '.join(uuids))

    def shutdown(self):
        """Finish what is queued (the service is stopping)."""
        with self._lock:
            threads, self._threads = self._threads, []
        for _thread in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join()


def _placement_failure(error):
    """The fault of servers that could not be placed, logged once."""
    if isinstance(error, exception.NoValidHost):
        LOG.warning('%s', error.format_message())
        return error
    if isinstance(error, messaging.MessagingTimeout):
        LOG.error('nova-scheduler did not answer in time')
        return exception.NoValidHost(
            reason='nova-scheduler did not answer in time.')
    LOG.exception('Placing servers failed')
    return error


class GroupPolicyViolated(exception.NovaException):
    msg_fmt = ('%(host)s would break the %(policy)s policy of server group '
               '%(group)s')


def _check_group_policy(session, group, instance_uuid, host):
    """The late check of a hard group policy, under the group's lock."""
    others = [m for m in group['members'] if m != instance_uuid]
    hosts = instances.hosts_of(session, others)
    if group['policy'] == 'anti-affinity':
        limit = int((group.get('rules') or {}).get(
            server_groups.MAX_SERVER_PER_HOST, 1))
        if hosts.get(host, 0) >= limit:
            raise GroupPolicyViolated(host=host, policy=group['policy'],
                                      group=group['uuid'])
    elif hosts and host not in hosts:
        raise GroupPolicyViolated(host=host, policy=group['policy'],
                                  group=group['uuid'])
