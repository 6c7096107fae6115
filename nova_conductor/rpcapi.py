"""Client side of nova-conductor's RPC API: how others ask for writes.

Imports nothing but common/, so a caller never drags the conductor in.

API versions:
  1.0 - service_register, service_heartbeat, compute_node_update
  1.1 - service_update, service_delete (os-services, any cell)
  1.2 - the API database's writes for the API: flavor_*, keypair_*,
        quota_*, server_group_*, aggregate_*
  1.3 - servers: provision_instances, instance_update,
        request_spec_pin_zone,
        instance_delete, instance_destroy, instance_fault_create,
        action_event_start, action_event_finish; a server's metadata and
        tags: instance_metadata_update, instance_metadata_delete,
        instance_tag_add, instance_tags_set, instance_tag_delete,
        instance_tags_delete_all
  1.4 - instance_update and instance_destroy take ``event``: the
        instance action event (os-instance-actions) the compute starts
        or finishes with that write, one round trip instead of two;
        instance_update takes ``action``: the instance action the API
        starts with it (stop, start, reboot, lock...);
        instance_get_all_by_host, instances_deleted: a compute's reads
        of its servers (power-state sync, start-up reconciliation)
  1.5 - console_auth_token_create: a compute stores the hash of a
        console token it made (remote consoles)
  1.6 - service_set_host_enabled: a compute takes its service out of
        scheduling while its hypervisor is away, and back in
  1.7 - provision_instances takes ``place`` and ``admin_password``:
        the conductor queues the placement itself, and the API no
        longer casts schedule_and_build_instances after it
  1.8 - instance_update takes ``record``: False (a compute's report)
        replies None instead of the updated record
  1.9 - console_auth_token_get_valid: nova-novncproxy checks a console
        token through the conductor instead of reading the database

ComputeTaskAPI (namespace 'compute_task'):
  1.0 - schedule_and_build_instances, build_instances
"""

import oslo_messaging as messaging

from common import conf
from common import rpc

CONF = conf.CONF
TOPIC = 'conductor'


class ConductorAPI:
    """The conductor as seen from the other daemons."""

    VERSION = '1.9'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, version=self.VERSION)
        self.client = rpc.get_client(
            target, version_cap=CONF.upgrade_levels.conductor)

    def service_register(self, ctxt, host, binary, topic, timeout=None):
        """Create or revive the (host, binary) services row; its dict.

        A starting service passes a short ``timeout``: a message sent
        before the conductor's queue exists is lost, and waiting the
        full ``rpc_response_timeout`` for it only delays the start.
        """
        return self.client.prepare(timeout=timeout, version='1.0').call(
            ctxt, 'service_register', host=host, binary=binary, topic=topic)

    def service_heartbeat(self, ctxt, service_id):
        """Record that the service is alive (report_count, last_seen_up)."""
        return self.client.prepare(version='1.0').call(
            ctxt, 'service_heartbeat', service_id=service_id)

    def compute_node_update(self, ctxt, service_id, host,
                            hypervisor_hostname, values):
        """Create or update a compute node from a resource report."""
        return self.client.prepare(version='1.0').call(
            ctxt, 'compute_node_update', service_id=service_id, host=host,
            hypervisor_hostname=hypervisor_hostname, values=values)

    def service_update(self, ctxt, cell_uuid, service_id, values):
        """Change disabled, disabled_reason or forced_down of a service
        in cell ``cell_uuid``; returns the updated row as a dict."""
        return self.client.prepare(version='1.1').call(
            ctxt, 'service_update', cell_uuid=cell_uuid,
            service_id=service_id, values=values)

    def service_set_host_enabled(self, ctxt, service_id, enabled,
                                 reason=None):
        """Take the service out of scheduling (``reason`` why, stored
        after 'AUTO: ') or back in; only a service that disabled itself
        is enabled again.  The row, as a dict, as it is now."""
        return self.client.prepare(version='1.6').call(
            ctxt, 'service_set_host_enabled', service_id=service_id,
            enabled=enabled, reason=reason)

    def service_delete(self, ctxt, cell_uuid, service_id):
        """Delete a service (with a compute's nodes and host mapping)."""
        return self.client.prepare(version='1.1').call(
            ctxt, 'service_delete', cell_uuid=cell_uuid,
            service_id=service_id)

    def _api_write(self, ctxt, method, **kwargs):
        """One 1.2 call: a write to the API database."""
        return self.client.prepare(version='1.2').call(ctxt, method,
                                                       **kwargs)

    def flavor_create(self, ctxt, values):
        """Create a flavor from ``values`` (name, memory_mb, vcpus,
        root_gb, and optionally ephemeral_gb, flavorid, swap,
        rxtx_factor, is_public, description); its dict."""
        return self._api_write(ctxt, 'flavor_create', values=values)

    def flavor_update_description(self, ctxt, flavorid, description):
        return self._api_write(ctxt, 'flavor_update_description',
                               flavorid=flavorid, description=description)

    def flavor_destroy(self, ctxt, flavorid):
        return self._api_write(ctxt, 'flavor_destroy', flavorid=flavorid)

    def flavor_extra_specs_update(self, ctxt, flavorid, extra_specs):
        """Set some extra specs; returns all of the flavor's."""
        return self._api_write(ctxt, 'flavor_extra_specs_update',
                               flavorid=flavorid, extra_specs=extra_specs)

    def flavor_extra_spec_delete(self, ctxt, flavorid, key):
        return self._api_write(ctxt, 'flavor_extra_spec_delete',
                               flavorid=flavorid, key=key)

    def flavor_access_add(self, ctxt, flavorid, project_id,
                          allow_public=False):
        """Let a project use a private flavor; all projects allowed."""
        return self._api_write(ctxt, 'flavor_access_add',
                               flavorid=flavorid, project_id=project_id,
                               allow_public=allow_public)

    def flavor_access_remove(self, ctxt, flavorid, project_id):
        return self._api_write(ctxt, 'flavor_access_remove',
                               flavorid=flavorid, project_id=project_id)

    def keypair_create(self, ctxt, user_id, name, fingerprint, public_key,
                       key_type='ssh'):
        return self._api_write(ctxt, 'keypair_create', user_id=user_id,
                               name=name, fingerprint=fingerprint,
                               public_key=public_key, key_type=key_type)

    def keypair_destroy(self, ctxt, user_id, name):
        return self._api_write(ctxt, 'keypair_destroy', user_id=user_id,
                               name=name)

    def quota_update(self, ctxt, project_id, limits, user_id=None):
        """Set a project's (or one of its users') limits; all of them."""
        return self._api_write(ctxt, 'quota_update', project_id=project_id,
                               limits=limits, user_id=user_id)

    def quota_destroy(self, ctxt, project_id, user_id=None):
        """Drop a project's (or user's) own limits: defaults apply."""
        return self._api_write(ctxt, 'quota_destroy', project_id=project_id,
                               user_id=user_id)

    def quota_class_update(self, ctxt, class_name, limits):
        return self._api_write(ctxt, 'quota_class_update',
                               class_name=class_name, limits=limits)

    def server_group_create(self, ctxt, project_id, user_id, name, policy,
                            rules=None):
        return self._api_write(ctxt, 'server_group_create',
                               project_id=project_id, user_id=user_id,
                               name=name, policy=policy, rules=rules)

    def server_group_destroy(self, ctxt, group_uuid):
        return self._api_write(ctxt, 'server_group_destroy',
                               group_uuid=group_uuid)

    def server_group_add_members(self, ctxt, group_uuid, instance_uuids):
        return self._api_write(ctxt, 'server_group_add_members',
                               group_uuid=group_uuid,
                               instance_uuids=instance_uuids)

    def aggregate_create(self, ctxt, name, availability_zone=None):
        return self._api_write(ctxt, 'aggregate_create', name=name,
                               availability_zone=availability_zone)

    def aggregate_update(self, ctxt, aggregate_id, values):
        """Rename and/or re-zone an aggregate; its dict."""
        return self._api_write(ctxt, 'aggregate_update',
                               aggregate_id=aggregate_id, values=values)

    def aggregate_destroy(self, ctxt, aggregate_id):
        return self._api_write(ctxt, 'aggregate_destroy',
                               aggregate_id=aggregate_id)

    def aggregate_add_host(self, ctxt, aggregate_id, host):
        return self._api_write(ctxt, 'aggregate_add_host',
                               aggregate_id=aggregate_id, host=host)

    def aggregate_remove_host(self, ctxt, aggregate_id, host):
        return self._api_write(ctxt, 'aggregate_remove_host',
                               aggregate_id=aggregate_id, host=host)

    def aggregate_update_metadata(self, ctxt, aggregate_id, metadata):
        """Set metadata keys; a None value deletes the key."""
        return self._api_write(ctxt, 'aggregate_update_metadata',
                               aggregate_id=aggregate_id, metadata=metadata)

    # --- servers (1.3) ------------------------------------------------------

    def _call_13(self, ctxt, method, **kwargs):
        return self.client.prepare(version='1.3').call(ctxt, method,
                                                       **kwargs)

    def provision_instances(self, ctxt, records, request_spec,
                            block_device_mappings, tags,
                            admin_password=None):
        """Store build requests, request specs and mappings of new
        servers; OverQuota when the quota recheck fails.

        True when the conductor also queued their placement (1.7); an
        older conductor leaves it to the caller
        (ComputeTaskAPI.schedule_and_build_instances).
        """
        kwargs = {'records': records, 'request_spec': request_spec,
                  'block_device_mappings': block_device_mappings,
                  'tags': tags}
        if not self.client.can_send_version('1.7'):
            self._call_13(ctxt, 'provision_instances', **kwargs)
            return False
        self.client.prepare(version='1.7').call(
            ctxt, 'provision_instances', place=True,
            admin_password=admin_password, **kwargs)
        return True

    def instance_update(self, ctxt, instance_uuid, values, expected=None,
                        event=None, action=None):
        """Update a placed server if its states are as ``expected``
        ({'task_state': [...], 'vm_state': [...]}); its record.

        In the same transaction (1.4): ``action`` starts an instance
        action of this request (os-instance-actions), ``event`` starts
        ({'event', 'host'}) or finishes ({'event', 'result'}) an event
        of it.
        """
        if event is None and action is None:
            return self._call_13(ctxt, 'instance_update',
                                 instance_uuid=instance_uuid, values=values,
                                 expected=expected)
        return self.client.prepare(version='1.4').call(
            ctxt, 'instance_update', instance_uuid=instance_uuid,
            values=values, expected=expected, event=event, action=action)

    def instance_report(self, ctxt, instance_uuid, values, expected=None,
                        event=None, action=None):
        """A compute's instance_update: the same write, no record back
        (1.8), so the conductor neither reads it again nor sends it."""
        if not self.client.can_send_version('1.8'):
            self.instance_update(ctxt, instance_uuid, values,
                                 expected=expected, event=event,
                                 action=action)
            return
        self.client.prepare(version='1.8').call(
            ctxt, 'instance_update', instance_uuid=instance_uuid,
            values=values, expected=expected, event=event, action=action,
            record=False)

    def request_spec_pin_zone(self, ctxt, instance_uuid, zone):
        """Pin the server to ``zone`` (None unpins): where it may be
        moved to from now on (2.104)."""
        return self._call_13(ctxt, 'request_spec_pin_zone',
                             instance_uuid=instance_uuid, zone=zone)

    def instance_delete(self, ctxt, instance_uuid):
        """Begin deleting a server: None when done, else {'host',
        'instance'} for the compute that must destroy the guest."""
        return self._call_13(ctxt, 'instance_delete',
                             instance_uuid=instance_uuid)

    def instance_destroy(self, ctxt, instance_uuid, event=None):
        """The guest is gone: delete the server, free its claim; with
        ``event`` (1.4), finish that instance action event as Success."""
        if event is None:
            return self._call_13(ctxt, 'instance_destroy',
                                 instance_uuid=instance_uuid)
        return self.client.prepare(version='1.4').call(
            ctxt, 'instance_destroy', instance_uuid=instance_uuid,
            event=event)

    def instance_fault_create(self, ctxt, instance_uuid, message, code=500,
                              details=None, host=None):
        return self._call_13(ctxt, 'instance_fault_create',
                             instance_uuid=instance_uuid, message=message,
                             code=code, details=details, host=host)

    def action_event_start(self, ctxt, instance_uuid, event, host):
        return self._call_13(ctxt, 'action_event_start',
                             instance_uuid=instance_uuid, event=event,
                             host=host)

    def action_event_finish(self, ctxt, instance_uuid, event, result,
                            exc_tb=None):
        return self._call_13(ctxt, 'action_event_finish',
                             instance_uuid=instance_uuid, event=event,
                             result=result, exc_tb=exc_tb)

    def instance_get_all_by_host(self, ctxt, host, full=False):
        """The live servers of ``host`` in the conductor's cell, as
        records of uuid, name, host, vm_state, task_state and
        power_state; with ``full``, whole records (side tables too)."""
        return self.client.prepare(version='1.4').call(
            ctxt, 'instance_get_all_by_host', host=host, full=full)

    def instances_deleted(self, ctxt, instance_uuids, older_than=0):
        """Which of ``instance_uuids`` are deleted servers, deleted
        ``older_than`` seconds ago or more (a list of uuids)."""
        return self.client.prepare(version='1.4').call(
            ctxt, 'instances_deleted', instance_uuids=instance_uuids,
            older_than=older_than)

    def instance_metadata_update(self, ctxt, instance_uuid, metadata,
                                 delete=False):
        """Set metadata keys of a placed server (with ``delete``, drop
        the others); all of its metadata afterwards."""
        return self._call_13(ctxt, 'instance_metadata_update',
                             instance_uuid=instance_uuid, metadata=metadata,
                             delete=delete)

    def instance_metadata_delete(self, ctxt, instance_uuid, key):
        return self._call_13(ctxt, 'instance_metadata_delete',
                             instance_uuid=instance_uuid, key=key)

    def instance_tag_add(self, ctxt, instance_uuid, tag):
        """Add a tag to a placed server; its tags afterwards."""
        return self._call_13(ctxt, 'instance_tag_add',
                             instance_uuid=instance_uuid, tag=tag)

    def instance_tags_set(self, ctxt, instance_uuid, tags):
        """Replace a placed server's tags; its tags afterwards."""
        return self._call_13(ctxt, 'instance_tags_set',
                             instance_uuid=instance_uuid, tags=tags)

    def instance_tag_delete(self, ctxt, instance_uuid, tag):
        """Remove a tag; InstanceTagNotFound when the server lacks it."""
        return self._call_13(ctxt, 'instance_tag_delete',
                             instance_uuid=instance_uuid, tag=tag)

    def instance_tags_delete_all(self, ctxt, instance_uuid):
        return self._call_13(ctxt, 'instance_tags_delete_all',
                             instance_uuid=instance_uuid)

    # --- consoles (1.5) -----------------------------------------------------

    def console_auth_token_create(self, ctxt, instance_uuid, values):
        """Store a console token of the server: ``values`` holds its
        ``token_hash`` (never the token), console_type, host, port,
        internal_access_path, expires and access_url_base."""
        return self.client.prepare(version='1.5').call(
            ctxt, 'console_auth_token_create', instance_uuid=instance_uuid,
            values=values)

    def console_auth_token_get_valid(self, ctxt, token):
        """Where the console of ``token`` is (the stored fields), or
        InvalidToken; searched in every cell."""
        return self.client.prepare(version='1.9').call(
            ctxt, 'console_auth_token_get_valid', token=token)


class ComputeTaskAPI:
    """The conductor's build workflow (namespace 'compute_task')."""

    VERSION = '1.0'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, namespace='compute_task',
                                  version=self.VERSION)
        self.client = rpc.get_client(
            target, version_cap=CONF.upgrade_levels.conductor)

    def schedule_and_build_instances(self, ctxt, instance_uuids,
                                     admin_password=None):
        """Place and build servers whose build requests are stored."""
        self.client.prepare().cast(
            ctxt, 'schedule_and_build_instances',
            instance_uuids=instance_uuids, admin_password=admin_password)

    def build_instances(self, ctxt, instance, alternates, attempt, failure,
                        admin_password=None, image=None,
                        block_device_mapping=None):
        """A spawn failed: reschedule to the next alternate or fail."""
        self.client.prepare().cast(
            ctxt, 'build_instances', instance=instance,
            alternates=alternates, attempt=attempt, failure=failure,
            admin_password=admin_password, image=image,
            block_device_mapping=block_device_mapping)
