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
from sqlalchemy import exc as sa_exc

from common import conf
from common import exception
from common.db import engines
from common.db import mappings
from nova_conductor.db import aggregates
from nova_conductor.db import compute_nodes
from nova_conductor.db import flavors
from nova_conductor.db import hosts
from nova_conductor.db import keypairs
from nova_conductor.db import quotas
from nova_conductor.db import server_groups
from nova_conductor.db import services

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def _writes(method):
    """A conductor method that writes: deadlocks are replayed, and a
    database that is away is one line in this log and one clear
    DatabaseUnavailable for the caller, not a traceback on both sides.
    """
    replayed = engines.retry_on_deadlock(method)

    @functools.wraps(method)
    @messaging.expected_exceptions(exception.DatabaseUnavailable)
    def wrapper(*args, **kwargs):
        try:
            return replayed(*args, **kwargs)
        except sa_exc.OperationalError as e:
            reason = str(e.orig or e).strip()
        LOG.error('%s failed: the database is unavailable (%s)',
                  method.__name__, reason)
        raise exception.DatabaseUnavailable(reason=reason)
    return wrapper


class ConductorManager(periodic_task.PeriodicTasks):
    """Endpoint of topic 'conductor'; also its own service's reporter."""

    target = messaging.Target(version='1.2')

    def __init__(self):
        super().__init__(CONF)
        self.cell_url = engines.configured_url('database')

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
