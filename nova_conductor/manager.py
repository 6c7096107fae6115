"""Server side of nova-conductor: the only daemon that writes databases.

It writes the cell database of ``[database] connection`` (services,
compute nodes) on behalf of the other daemons, the API database's host
mappings for periodic host discovery, and any cell's services for the
API (os-services).

Imported by nova_conductor.cmd only after nova.conf is parsed: periodic
task spacings are read from the configuration when the class is built.
"""

import functools

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import conf
from common import exception
from common import quota
from common import service as nova_service
from common import states
from common.db import console_auth_tokens as valid_tokens
from common.db import engines
from common.db import main_models as main
from common.db import mappings
from nova_conductor import compute_task
from nova_conductor.db import aggregates
from nova_conductor.db import build_requests
from nova_conductor.db import compute_nodes
from nova_conductor.db import console_auth_tokens
from nova_conductor.db import flavors
from nova_conductor.db import hosts
from nova_conductor.db import instance_metadata
from nova_conductor.db import instances
from nova_conductor.db import keypairs
from nova_conductor.db import quotas
from nova_conductor.db import server_groups
from nova_conductor.db import services
from nova_conductor.db import tags as instance_tags

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def _writes(method):
    """A conductor method that writes: deadlocks are replayed, and the
    errors are answered as _reads answers them."""
    return _answers(method, engines.retry_on_deadlock(method))


def _reads(method):
    """A conductor method that only reads (for a daemon that has no
    database access): a database that is away is one line in this log
    and one clear DatabaseUnavailable for the caller, not a traceback on
    both sides.  Nova's own exceptions (not found, unexpected state...)
    are answers, not bugs: they reach the caller without a traceback
    here."""
    return _answers(method, method)


def _answers(method, run):
    @functools.wraps(method)
    @messaging.expected_exceptions(exception.NovaException)
    def wrapper(*args, **kwargs):
        try:
            return run(*args, **kwargs)
        except sa_exc.OperationalError as e:
            reason = str(e.orig or e).strip()
        LOG.error('%s failed: the database is unavailable (%s)',
                  method.__name__, reason)
        raise exception.DatabaseUnavailable(reason=reason)
    return wrapper


def _build_check_spacing():
    """How often to look for builds past ``instance_build_timeout``:
    never when it is 0 (Nova's default), else at least once a minute."""
    timeout = CONF.instance_build_timeout
    return min(60, max(1, timeout // 2)) if timeout > 0 else -1


class ConductorManager(periodic_task.PeriodicTasks):
    """Endpoint of topic 'conductor'; also its own service's reporter."""

    target = messaging.Target(version='1.9')

    def __init__(self):
        super().__init__(CONF)
        self.cell_url = engines.configured_url('database')
        # instance uuid -> cell database URL: a server never changes
        # cell here (no cross-cell moves), so its mapping is read once,
        # or not at all when this conductor placed it.
        self._instance_cells = {}
        self.compute_task = compute_task.ComputeTaskManager(
            self._instance_cells)
        self.additional_endpoints = [self.compute_task]

    def cleanup_host(self):
        """The service is stopping: place what is queued before exit."""
        self.compute_task.placements.shutdown()

    @_writes
    def service_register(self, ctxt, host, binary, topic, timeout=None):
        """Create or revive a services row (``timeout`` is the rpcapi's;
        the conductor's own service calls this method directly)."""
        with engines.writer(self.cell_url) as session:
            service = services.register(session, host, binary, topic)
        LOG.info('Service %s on %s registered (id %s)', binary, host,
                 service['id'])
        return service

    @_writes
    def service_heartbeat(self, ctxt, service_id):
        with engines.writer(self.cell_url) as session:
            return services.heartbeat(session, service_id)

    @_writes
    def compute_node_update(self, ctxt, service_id, host,
                            hypervisor_hostname, values):
        with engines.writer(self.cell_url) as session:
            return compute_nodes.update(session, service_id, host,
                                        hypervisor_hostname, values)

    @_writes
    def service_update(self, ctxt, cell_uuid, service_id, values):
        """An operator's change to a service of any cell (os-services)."""
        with engines.writer(self._cell_db(cell_uuid)) as session:
            service = services.update(session, service_id, values)
        LOG.info('Service %s on %s updated: %s', service['binary'],
                 service['host'], values)
        return service

    @_writes
    def service_set_host_enabled(self, ctxt, service_id, enabled,
                                 reason=None):
        """A service of this cell takes itself out of scheduling or back
        in (a compute whose hypervisor went away or came back); an
        operator's disable stays.  The row as it is now."""
        with engines.writer(self.cell_url) as session:
            return services.set_host_enabled(session, service_id, enabled,
                                             reason)

    @_writes
    def service_delete(self, ctxt, cell_uuid, service_id):
        """Delete a service of any cell; a compute's host is forgotten.

        The API database is cleaned inside the cell transaction, so a
        failure there leaves the service in place to be deleted again.
        """
        with engines.writer(self._cell_db(cell_uuid)) as session:
            service = services.destroy(session, service_id)
            if service['binary'] == 'nova-compute':
                with engines.writer(self._api_db()) as api_session:
                    hosts.forget(api_session, service['host'])
        LOG.info('Service %s on %s deleted (id %s)', service['binary'],
                 service['host'], service_id)

    # The API's writes to the API database (1.2): each one transaction,
    # its rules in nova_conductor/db/<concept>.py.

    def flavor_create(self, ctxt, values):
        return self._api_write(flavors.create, **values)

    def flavor_update_description(self, ctxt, flavorid, description):
        return self._api_write(flavors.update_description, flavorid,
                               description)

    def flavor_destroy(self, ctxt, flavorid):
        return self._api_write(flavors.destroy, flavorid)

    def flavor_extra_specs_update(self, ctxt, flavorid, extra_specs):
        return self._api_write(flavors.update_extra_specs, flavorid,
                               extra_specs)

    def flavor_extra_spec_delete(self, ctxt, flavorid, key):
        return self._api_write(flavors.delete_extra_spec, flavorid, key)

    def flavor_access_add(self, ctxt, flavorid, project_id,
                          allow_public=False):
        return self._api_write(flavors.add_access, flavorid, project_id,
                               allow_public=allow_public)

    def flavor_access_remove(self, ctxt, flavorid, project_id):
        return self._api_write(flavors.remove_access, flavorid, project_id)

    def keypair_create(self, ctxt, user_id, name, fingerprint, public_key,
                       key_type='ssh'):
        return self._api_write(keypairs.create, user_id, name, fingerprint,
                               public_key, key_type=key_type)

    def keypair_destroy(self, ctxt, user_id, name):
        return self._api_write(keypairs.destroy, user_id, name)

    def quota_update(self, ctxt, project_id, limits, user_id=None):
        if user_id:
            return self._api_write(quotas.update_user, project_id, user_id,
                                   limits)
        return self._api_write(quotas.update_project, project_id, limits)

    def quota_destroy(self, ctxt, project_id, user_id=None):
        if user_id:
            return self._api_write(quotas.destroy_user, project_id, user_id)
        return self._api_write(quotas.destroy_project, project_id)

    def quota_class_update(self, ctxt, class_name, limits):
        return self._api_write(quotas.update_class, class_name, limits)

    def server_group_create(self, ctxt, project_id, user_id, name, policy,
                            rules=None):
        return self._api_write(server_groups.create, project_id, user_id,
                               name, policy, rules=rules)

    def server_group_destroy(self, ctxt, group_uuid):
        return self._api_write(server_groups.destroy, group_uuid)

    def server_group_add_members(self, ctxt, group_uuid, instance_uuids):
        return self._api_write(server_groups.add_members, group_uuid,
                               instance_uuids)

    def aggregate_create(self, ctxt, name, availability_zone=None):
        return self._api_write(aggregates.create, name,
                               availability_zone=availability_zone)

    def aggregate_update(self, ctxt, aggregate_id, values):
        return self._api_write(aggregates.update, aggregate_id, values)

    def aggregate_destroy(self, ctxt, aggregate_id):
        return self._api_write(aggregates.destroy, aggregate_id)

    def aggregate_add_host(self, ctxt, aggregate_id, host):
        return self._api_write(aggregates.add_host, aggregate_id, host)

    def aggregate_remove_host(self, ctxt, aggregate_id, host):
        return self._api_write(aggregates.remove_host, aggregate_id, host)

    def aggregate_update_metadata(self, ctxt, aggregate_id, metadata):
        return self._api_write(aggregates.update_metadata, aggregate_id,
                               metadata)

    # --- servers (1.3) ------------------------------------------------------

    @_writes
    def provision_instances(self, ctxt, records, request_spec,
                            block_device_mappings, tags, place=False,
                            admin_password=None):
        """Store a create request's servers as build requests.

        The API checked quota before asking; with ``[quota]
        recheck_quota`` the usage is counted again now that these
        servers count too, and they are dropped if parallel requests
        took the room meanwhile (403 for the caller, nothing kept).
        With ``place`` (1.7) their placement is queued here too: the
        API sends one message per create, not two.
        """
        with engines.writer(self._api_db()) as session:
            builds = build_requests.create(session, records, request_spec,
                                           block_device_mappings, tags)
        if CONF.quota.recheck_quota:
            self._recheck_quota(records)
        LOG.info('Accepted %d server(s): %s', len(records),
                 ', '.join(r['uuid'] for r in records))
        if place:
            self.compute_task.placements.submit(
                ctxt, [r['uuid'] for r in records], builds, admin_password)

    def _recheck_quota(self, records):
        first = records[0]
        try:
            quota.check_deltas(self._api_db(), dict.fromkeys(
                quota.INSTANCE_RESOURCES, 0), first['project_id'],
                first['user_id'])
        except exception.OverQuota:
            with engines.writer(self._api_db()) as session:
                for record in records:
                    build_requests.forget(session, record['uuid'])
            raise

    @_writes
    def instance_update(self, ctxt, instance_uuid, values, expected=None,
                        event=None, action=None, record=True):
        """Set ``values`` on a server; ``expected`` maps 'task_state'
        and/or 'vm_state' to the state(s) the server must be in (else
        UnexpectedTaskStateError, or UnexpectedDeletingTaskStateError
        when it is being deleted).  ``action`` starts an instance action
        with it, ``event`` starts or finishes an instance action event.
        Returns the updated record, or None without ``record`` (1.8)."""
        expected = {'expected_%s' % k: v for k, v in (expected or
                                                      {}).items()}
        with engines.writer(self._instance_cell(instance_uuid)) as session:
            updated = instances.update(session, instance_uuid, values,
                                       reload=record, **expected)
            if action:
                instances.action_start(session, ctxt, instance_uuid, action)
            _record_event(session, ctxt, instance_uuid, event)
            return updated

    @_writes
    def request_spec_pin_zone(self, ctxt, instance_uuid, zone):
        with engines.writer(self._api_db()) as session:
            build_requests.pin_zone(session, instance_uuid, zone)

    @_writes
    def instance_delete(self, ctxt, instance_uuid):
        """Start the API's delete of a server; the host that must
        destroy its guest and the record to send it, or None when the
        server is already gone from the user's view.

        A server not yet placed loses its build request (the placement
        in flight notices and removes what it made); one on no host or
        on a host whose service is down is deleted here at once, as
        Nova's local delete does.
        """
        mapping, cell = mappings.get_instance_mapping(self._api_db(),
                                                      instance_uuid)
        if cell is None:
            with engines.writer(self._api_db()) as session:
                if build_requests.destroy(session, instance_uuid):
                    build_requests.queue_for_delete(session, instance_uuid)
                    LOG.info('Instance %s deleted before placement',
                             instance_uuid)
                    return None
            # Placed meanwhile: read the mapping again.
            mapping, cell = mappings.get_instance_mapping(self._api_db(),
                                                          instance_uuid)
        with engines.writer(cell.database_connection) as session:
            host = instances.host_of(session, instance_uuid)
            instances.action_start(session, ctxt, instance_uuid, 'delete')
            if host and _host_is_up(session, host):
                return {'host': host,
                        'instance': instances.update(
                            session, instance_uuid,
                            {'task_state': states.DELETING})}
            instances.destroy(session, instance_uuid)
        self._deleted(instance_uuid)
        LOG.info('Instance %s deleted locally (host %s)', instance_uuid,
                 host or 'none')
        return None

    @_writes
    def instance_destroy(self, ctxt, instance_uuid, event=None):
        """A compute destroyed the guest: the server is deleted (and
        ``event``, the compute's, finished)."""
        with engines.writer(self._instance_cell(instance_uuid)) as session:
            if event is not None:
                _record_event(session, ctxt, instance_uuid,
                              dict(event, result='Success'))
            instances.destroy(session, instance_uuid)
        self._deleted(instance_uuid)

    def _deleted(self, instance_uuid):
        with engines.writer(self._api_db()) as session:
            build_requests.queue_for_delete(session, instance_uuid)
        self._instance_cells.pop(instance_uuid, None)

    @_writes
    def instance_fault_create(self, ctxt, instance_uuid, message, code=500,
                              details=None, host=None):
        with engines.writer(self._instance_cell(instance_uuid)) as session:
            instances.add_fault(session, instance_uuid,
                                exception.NovaException(message),
                                host=host, details=details or '')

    @_writes
    def action_event_start(self, ctxt, instance_uuid, event, host):
        with engines.writer(self._instance_cell(instance_uuid)) as session:
            instances.event_start(session, ctxt, instance_uuid, event, host)

    @_writes
    def action_event_finish(self, ctxt, instance_uuid, event, result,
                            exc_tb=None):
        with engines.writer(self._instance_cell(instance_uuid)) as session:
            instances.event_finish(session, ctxt, instance_uuid, event,
                                   result, exc_tb=exc_tb)

    # What a compute reads of its servers (1.4): it has no database.

    @_reads
    def instance_get_all_by_host(self, ctxt, host, full=False):
        """The live servers of ``host`` in this cell: their states, or
        (``full``) their whole records."""
        with engines.reader(self.cell_url) as session:
            return instances.on_host(session, host, full=full)

    @_reads
    def instances_deleted(self, ctxt, instance_uuids, older_than=0):
        """Which of ``instance_uuids`` (guests a hypervisor runs) are
        servers deleted in this cell ``older_than`` seconds ago or
        more."""
        with engines.reader(self.cell_url) as session:
            return instances.deleted_among(session, instance_uuids,
                                           older_than=older_than)

    # A server's metadata and tags (1.3): the API checked the server's
    # state and the quota; each change is one transaction of its cell.

    def instance_metadata_update(self, ctxt, instance_uuid, metadata,
                                 delete=False):
        return self._instance_write(instance_metadata.update, instance_uuid,
                                    metadata, delete=delete)

    def instance_metadata_delete(self, ctxt, instance_uuid, key):
        return self._instance_write(instance_metadata.delete_key,
                                    instance_uuid, key)

    def instance_tag_add(self, ctxt, instance_uuid, tag):
        return self._instance_write(instance_tags.add, instance_uuid, tag)

    def instance_tags_set(self, ctxt, instance_uuid, tags):
        return self._instance_write(instance_tags.set_all, instance_uuid,
                                    tags)

    def instance_tag_delete(self, ctxt, instance_uuid, tag):
        return self._instance_write(instance_tags.delete, instance_uuid, tag)

    def instance_tags_delete_all(self, ctxt, instance_uuid):
        return self._instance_write(instance_tags.delete_all, instance_uuid)

    # --- consoles (1.5) -----------------------------------------------------

    @_writes
    def console_auth_token_create(self, ctxt, instance_uuid, values):
        """A compute made a console token: store its hash in the
        server's cell, for the console proxy to check."""
        with engines.writer(self._instance_cell(instance_uuid)) as session:
            console_auth_tokens.create(session, dict(
                values, instance_uuid=instance_uuid))
        LOG.info('Instance %s: %s console token stored', instance_uuid,
                 values['console_type'])

    @_reads
    def console_auth_token_get_valid(self, ctxt, token):
        """nova-novncproxy checking a console token (1.9): where the
        console is, or InvalidToken.  The proxy itself holds no database
        connection."""
        return valid_tokens.find_valid(self._api_db(), token)

    @periodic_task.periodic_task(spacing=CONF.instance_delete_interval)
    def _cleanup_expired_console_auth_tokens(self, ctxt):
        """Expired tokens of this cell go (they are refused anyway).

        Nova's computes each purge their own host's; here the one
        writer does it for its cell.
        """
        self._purge_console_auth_tokens()

    @_writes
    def _purge_console_auth_tokens(self):
        with engines.writer(self.cell_url) as session:
            purged = console_auth_tokens.destroy_expired(session)
        if purged:
            LOG.info('Purged %d expired console token(s)', purged)

    @_writes
    def _instance_write(self, write, instance_uuid, *args, **kwargs):
        """Run ``write(session, instance_uuid, ...)`` as one transaction
        of the server's cell database."""
        with engines.writer(self._instance_cell(instance_uuid)) as session:
            result = write(session, instance_uuid, *args, **kwargs)
        LOG.info('Instance %s: %s.%s done', instance_uuid,
                 write.__module__.rsplit('.', 1)[-1], write.__name__)
        return result

    def _instance_cell(self, instance_uuid):
        """The database URL of the cell a placed server lives in.

        A server without a mapping is one deleted meanwhile (its mapping
        goes with it): InstanceNotFound, which its callers expect, as
        for one without a cell.
        """
        url = self._instance_cells.get(instance_uuid)
        if url is None:
            try:
                _mapping, cell = mappings.get_instance_mapping(
                    self._api_db(), instance_uuid)
            except exception.InstanceMappingNotFound:
                cell = None
            if cell is None:
                raise exception.InstanceNotFound(instance_id=instance_uuid)
            url = self._instance_cells[instance_uuid] = (
                cell.database_connection)
        return url

    @_writes
    def _api_write(self, write, *args, **kwargs):
        """Run ``write(session, ...)`` as one API-database transaction."""
        with engines.writer(self._api_db()) as session:
            result = write(session, *args, **kwargs)
        LOG.info('API database: %s.%s done', write.__module__.rsplit(
            '.', 1)[-1], write.__name__)
        return result

    def _api_db(self):
        return engines.configured_url('api_database')

    def _cell_db(self, cell_uuid):
        """The database URL of a cell, from its mapping."""
        return mappings.get_cell(self._api_db(), cell_uuid).database_connection

    @periodic_task.periodic_task(spacing=_build_check_spacing())
    def _check_instance_build_time(self, ctxt):
        """Servers of this cell building for longer than ``[DEFAULT]
        instance_build_timeout`` go to ERROR and free their host.

        Nova's compute checks its own builds; a compute that died
        mid-build cannot, so here the conductor does it for its cell.
        """
        timeout = CONF.instance_build_timeout
        with engines.reader(self.cell_url) as session:
            stuck = instances.builds_older_than(session, timeout)
        for instance_uuid in stuck:
            self._build_timed_out(instance_uuid)

    @_writes
    def _build_timed_out(self, instance_uuid):
        error = exception.InstanceBuildTimeout()
        with engines.writer(self.cell_url) as session:
            try:
                instances.unplace(session, instance_uuid, {
                    'vm_state': states.ERROR, 'task_state': None},
                    expected_vm_state=states.BUILDING)
            except (exception.InstanceNotFound,
                    exception.UnexpectedTaskStateError):
                return
            instances.add_fault(session, instance_uuid, error, details='')
        LOG.error('Instance %s: %s', instance_uuid, error.format_message())

    @periodic_task.periodic_task(
        spacing=CONF.scheduler.discover_hosts_in_cells_interval,
        run_immediately=True)
    def _discover_hosts_in_cells(self, ctxt):
        """`nova-manage cell_v2 discover_hosts`, every so often.

        Nova runs it in the scheduler; here the scheduler only reads, so
        the one writer does it.  Off (-1) by default, as in Nova.
        """
        added = mappings.discover_hosts(
            engines.configured_url('api_database'), status=LOG.debug)
        if added:
            LOG.info('Mapped new compute hosts: %s', ', '.join(added))


def _record_event(session, ctxt, instance_uuid, event):
    """Start ({'event', 'host'}) or finish ({'event', 'result'[,
    'exc_tb']}) an instance action event; None does nothing."""
    if event is None:
        return
    if 'result' in event:
        instances.event_finish(session, ctxt, instance_uuid, event['event'],
                               event['result'], exc_tb=event.get('exc_tb'))
    else:
        instances.event_start(session, ctxt, instance_uuid, event['event'],
                              event['host'])


def _host_is_up(session, host):
    """Whether the nova-compute of ``host`` (in this cell) is up."""
    service = main.Service.__table__.c
    row = session.execute(sa.select(
        service.forced_down, service.last_seen_up, service.updated_at,
        service.created_at).where(
        service.host == host, service.binary == 'nova-compute',
        service.deleted == 0)).mappings().first()
    return row is not None and nova_service.is_up(dict(row))
