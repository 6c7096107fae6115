"""What the servers API does before and after its RPC calls (Nova's
compute API): check a create request against flavors, images, key
pairs, zones, groups and quotas, build the servers' records and their
request spec, and hand them to the conductor; start deletes, updates
and the power actions (stop, start, reboot, pause, suspend and back),
lock and unlock servers, read their console, snapshot them
(createImage).

Everything a create can be refused for is checked here, before anything
is stored: a refused request leaves nothing behind.
"""

import random
import re
import string
import typing

from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from common import availability_zones
from common import conf
from common import exception
from common import glance
from common import instance_record
from common import quota
from common import states
from common.db import api_models as api
from common.db import engines
from nova_api import base
from nova_api import flavor_api
from nova_api import host_api
from nova_api import policy
from nova_api import server_images
from nova_api import server_states
from nova_compute import rpcapi as compute_rpcapi
from nova_conductor import rpcapi as conductor_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)
POLICY = 'os_compute_api:servers:%s'
DEFAULT_SECURITY_GROUP = 'default'
# Nova leaves out characters easily mistaken for one another.
_PASSWORD_SYMBOLS = ''.join(c for c in string.ascii_letters + string.digits
                            if c not in 'lI1O0o')
# What a server keeps of its flavor (instance_extra.flavor).
_FLAVOR_KEYS = ('id', 'flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb',
                'ephemeral_gb', 'swap', 'rxtx_factor', 'vcpu_weight',
                'is_public', 'disabled', 'description', 'extra_specs')
_HOSTNAME_DROPPED = re.compile(r'[^\w.-]+', re.ASCII)


class CreateRefused(exception.Invalid):
    """A create request that cannot be served as asked (400)."""

    msg_fmt = '%(reason)s'


class PowerTask(typing.NamedTuple):
    """A power action as the API starts it: its name (Nova's instance
    action, and the word of its 409), the vm_states and task_states
    Nova allows it from, the task_state it sets, and the compute
    rpcapi cast that hands it to the server's host."""

    name: str
    vm_states: tuple
    task_states: tuple
    task_state: str
    cast: str


_IDLE = (None,)
# Nova lets a hard reboot interrupt these tasks (task_states.ALLOW_REBOOT).
_ALLOW_HARD_REBOOT = (None, states.REBOOTING, states.REBOOT_PENDING,
                      states.REBOOT_STARTED, states.RESUMING,
                      states.REBOOTING_HARD, states.UNPAUSING,
                      states.PAUSING, states.SUSPENDING)
STOP = PowerTask('stop', (states.ACTIVE, states.ERROR), _IDLE,
                 states.POWERING_OFF, 'stop_instance')
START = PowerTask('start', (states.STOPPED,), _IDLE, states.POWERING_ON,
                  'start_instance')
REBOOT_SOFT = PowerTask('reboot', (states.ACTIVE,), _IDLE, states.REBOOTING,
                        'reboot_instance')
REBOOT_HARD = PowerTask(
    'reboot', (states.ACTIVE, states.STOPPED, states.PAUSED,
               states.SUSPENDED, states.ERROR),
    _ALLOW_HARD_REBOOT, states.REBOOTING_HARD, 'reboot_instance')
PAUSE = PowerTask('pause', (states.ACTIVE,), _IDLE, states.PAUSING,
                  'pause_instance')
UNPAUSE = PowerTask('unpause', (states.PAUSED,), _IDLE, states.UNPAUSING,
                    'unpause_instance')
SUSPEND = PowerTask('suspend', (states.ACTIVE,), _IDLE, states.SUSPENDING,
                    'suspend_instance')
RESUME = PowerTask('resume', (states.SUSPENDED,), _IDLE, states.RESUMING,
                   'resume_instance')
# createImage: Nova's states; the host moves the task on to
# image_snapshot once it starts.
SNAPSHOT = PowerTask('createImage', (states.ACTIVE, states.STOPPED,
                                     states.PAUSED, states.SUSPENDED),
                     _IDLE, states.IMAGE_SNAPSHOT_PENDING,
                     'snapshot_instance')
# rebuild, rescue, unrescue: Nova's states; rebuild and rescue also
# serve a server in ERROR, to get it back.
REBUILD = PowerTask('rebuild', (states.ACTIVE, states.STOPPED, states.ERROR),
                    _IDLE, states.REBUILDING, 'rebuild_instance')
RESCUE = PowerTask('rescue', (states.ACTIVE, states.STOPPED, states.ERROR),
                   _IDLE, states.RESCUING, 'rescue_instance')
UNRESCUE = PowerTask('unrescue', (states.RESCUED,), _IDLE,
                     states.UNRESCUING, 'unrescue_instance')
# The console cannot be read from a guest going away or moving.
_NO_CONSOLE_TASKS = (states.DELETING, states.MIGRATING)
# A console is the guest's VNC server: its QEMU must be running.
_CONSOLE_VM_STATES = (states.ACTIVE, states.PAUSED, states.RESCUED)


class API(base.APIBase):
    """The servers' API-side logic; controllers stay thin."""

    def __init__(self):
        super().__init__()
        self.image_api = glance.API()
        self._compute_task = None
        self._compute_rpc = None

    @property
    def compute_task(self):
        if self._compute_task is None:
            self._compute_task = conductor_rpcapi.ComputeTaskAPI()
        return self._compute_task

    @property
    def compute_rpc(self):
        if self._compute_rpc is None:
            self._compute_rpc = compute_rpcapi.ComputeAPI()
        return self._compute_rpc

    # --- create -------------------------------------------------------------

    def create(self, ctxt, request):
        """Accept a create request; (records, reservation_id, password).

        ``request`` is the validated body's ``server`` dict plus
        ``scheduler_hints``.  The servers are stored as build requests
        and placed in the background.
        """
        flavor = self._flavor(ctxt, request['flavorRef'])
        image = self._image(ctxt, request.get('imageRef'), flavor)
        destination = self._destination(ctxt, request)
        group = self._group(ctxt, request['scheduler_hints'])
        key = self._key_pair(ctxt, request.get('key_name'))
        self._check_networks(request.get('networks'))
        self._check_metadata_quota(ctxt, request.get('metadata') or {})
        count = self._count_within_quota(ctxt, flavor,
                                         request.get('min_count', 1),
                                         request.get('max_count'))
        if group:
            self._check_group_quota(ctxt, group, count)
        password = request.get('adminPass') or _generate_password()
        reservation_id = 'r-' + ''.join(
            random.choices(string.ascii_lowercase + string.digits, k=8))
        records = [self._record(ctxt, request, flavor, image, key,
                                destination['availability_zone'],
                                reservation_id, index, count)
                   for index in range(count)]
        spec = _request_spec(ctxt, records[0], flavor, image, destination,
                             request, group, count)
        try:
            placing = self.conductor.provision_instances(
                ctxt, records, spec, _block_device_mappings(image),
                request.get('tags') or [], admin_password=password)
        except exception.OverQuota as e:
            raise _too_many_instances(e, _deltas(flavor, count))
        if not placing:  # a conductor older than 1.7
            self.compute_task.schedule_and_build_instances(
                ctxt, [r['uuid'] for r in records], admin_password=password)
        LOG.info('Creating %d server(s) %s', count,
                 ', '.join(r['uuid'] for r in records))
        return records, reservation_id, password

    def _flavor(self, ctxt, flavor_ref):
        try:
            flavor = flavor_api.get(ctxt, str(flavor_ref))
        except exception.FlavorNotFound:
            raise CreateRefused(reason='Invalid flavorRef provided.')
        if flavor.get('disabled'):
            raise CreateRefused(reason='Flavor is disabled.')
        return {k: flavor[k] for k in _FLAVOR_KEYS}

    def _image(self, ctxt, image_ref, flavor):
        """The image the server boots, checked against the flavor."""
        if not image_ref:
            raise CreateRefused(
                reason='Volume-backed servers are not supported yet (no '
                       'block storage service): give an imageRef.')
        try:
            image = self.image_api.get(ctxt, image_ref)
        except exception.ImageNotFound:
            raise CreateRefused(
                reason='Image %s could not be found.' % image_ref)
        if image['status'] != 'active':
            raise CreateRefused(
                reason=exception.ImageNotActive(
                    image_id=image_ref).format_message())
        _check_image_fits(ctxt, image, flavor)
        return image

    def _destination(self, ctxt, request):
        """Zone, forced host/node (``az:host:node``, admins) and the
        2.74 requested host/hypervisor_hostname."""
        zone, forced_host, forced_node = _parse_zone(
            request.get('availability_zone') or CONF.default_schedule_zone)
        if forced_host or forced_node:
            policy.authorize(ctxt, POLICY % 'create:forced_host')
        requested = {'host': request.get('host'),
                     'node': request.get('hypervisor_hostname')}
        if any(requested.values()):
            policy.authorize(ctxt, POLICY % 'create:requested_destination')
            self._check_host_exists(requested['host'], requested['node'])
        if zone and zone not in availability_zones.all_zones(self.api_url):
            raise CreateRefused(
                reason='The requested availability zone is not available')
        return {'availability_zone': zone,
                'force_hosts': [forced_host] if forced_host else [],
                'force_nodes': [forced_node] if forced_node else [],
                'requested_destination': (requested if any(
                    requested.values()) else None)}

    def _check_host_exists(self, host, node):
        found = [n for n in host_api.HostAPI().compute_node_get_all()
                 if (not host or n['host'] == host) and
                 (not node or n['hypervisor_hostname'] == node)]
        if not found:
            raise CreateRefused(reason=exception.ComputeHostNotFound(
                host=host or node).format_message())

    def _group(self, ctxt, hints):
        """The server group the ``group`` hint names, as the spec holds
        it."""
        group_uuid = hints.get('group')
        if isinstance(group_uuid, list):
            group_uuid = group_uuid[0] if group_uuid else None
        if not group_uuid:
            return None
        with engines.reader(self.api_url) as session:
            group = session.scalars(sa.select(api.InstanceGroup).where(
                api.InstanceGroup.uuid == group_uuid)).first()
            found = group and (ctxt.is_admin or
                               group.project_id == ctxt.project_id)
            values = group.as_dict() if found else None
        if not values:
            raise CreateRefused(
                reason='Invalid server group %s: it does not exist.' %
                group_uuid)
        return {'uuid': values['uuid'], 'name': values['name'],
                'policy': values['policy'], 'rules': values['rules'] or {},
                'members': list(values['members']), 'hosts': []}

    def _key_pair(self, ctxt, key_name):
        if not key_name:
            return None
        with engines.reader(self.api_url) as session:
            key = session.scalars(sa.select(api.KeyPair).where(
                api.KeyPair.user_id == ctxt.user_id,
                api.KeyPair.name == key_name)).first()
        if key is None:
            raise CreateRefused(reason='Invalid key_name provided.')
        return {'name': key.name, 'public_key': key.public_key,
                'type': key.type}

    @staticmethod
    def _check_networks(networks):
        """No networking service yet: servers get no ports."""
        if networks in (None, 'none', 'auto'):
            return
        raise CreateRefused(
            reason="Requested networks are not supported: this cloud has "
                   "no networking service (Neutron) yet. Use 'networks': "
                   "'none' or 'auto'.")

    def _check_metadata_quota(self, ctxt, metadata):
        limit = self._metadata_items_exceeded(ctxt, metadata)
        if limit is not None:
            raise QuotaRefused('Maximum number of metadata items exceeds %d'
                               % limit)

    def _metadata_items_exceeded(self, ctxt, metadata):
        """The metadata_items limit if ``metadata`` has more items than
        it allows, else None."""
        if not metadata:
            return None
        limit = quota.limits(self.api_url, ctxt.project_id)['metadata_items']
        if limit != quota.UNLIMITED and len(metadata) > limit:
            return limit
        return None

    def _count_within_quota(self, ctxt, flavor, min_count, max_count):
        """How many servers to make: ``max_count``, or as many as the
        quota allows if that is at least ``min_count`` (Nova's rule)."""
        max_count = max_count or min_count
        if min_count > max_count:
            raise CreateRefused(
                reason='min_count must be <= max_count')
        for count in range(max_count, min_count - 1, -1):
            try:
                quota.check_deltas(self.api_url, _deltas(flavor, count),
                                   ctxt.project_id, ctxt.user_id)
                return count
            except exception.OverQuota as e:
                if count == min_count:
                    raise _too_many_instances(e, _deltas(flavor, count))
        return min_count

    def _check_group_quota(self, ctxt, group, count):
        limit = quota.limits(self.api_url, ctxt.project_id,
                             ctxt.user_id)['server_group_members']
        if limit != quota.UNLIMITED and len(group['members']) + count > limit:
            raise QuotaRefused(
                'Quota exceeded, too many servers in group')

    def _record(self, ctxt, request, flavor, image, key, zone,
                reservation_id, index, count):
        """The instance record of one server of the request."""
        uuid = uuidutils.generate_uuid()
        name = request['name']
        if count > 1:
            name = CONF.multi_instance_display_name_template % {
                'name': name, 'count': index + 1, 'uuid': uuid}
        sysmeta = instance_record.image_properties(image)
        sysmeta[instance_record.SECURITY_GROUPS_KEY] = _security_groups(
            request)
        return {
            'uuid': uuid, 'id': None, 'display_name': name,
            'display_description': request.get('description'),
            'hostname': request.get('hostname') or _hostname(name, uuid),
            'user_id': ctxt.user_id, 'project_id': ctxt.project_id,
            'image_ref': image['id'],
            'kernel_id': image['properties'].get('kernel_id') or '',
            'ramdisk_id': image['properties'].get('ramdisk_id') or '',
            'launch_index': index, 'reservation_id': reservation_id,
            'key_name': key and key['name'],
            'key_data': key and key['public_key'],
            'power_state': states.NOSTATE, 'vm_state': states.BUILDING,
            'task_state': states.SCHEDULING,
            'memory_mb': flavor['memory_mb'], 'vcpus': flavor['vcpus'],
            'root_gb': flavor['root_gb'],
            'ephemeral_gb': flavor['ephemeral_gb'],
            'instance_type_id': flavor['id'], 'flavor': flavor,
            'user_data': request.get('user_data'),
            'availability_zone': zone, 'locked': False,
            'config_drive': ('True' if CONF.force_config_drive or
                             request.get('config_drive') else ''),
            'access_ip_v4': request.get('accessIPv4'),
            'access_ip_v6': request.get('accessIPv6'),
            'auto_disk_config': request.get('OS-DCF:diskConfig') == 'AUTO',
            'progress': 0, 'os_type': image['properties'].get('os_type'),
            'architecture': image['properties'].get('architecture'),
            'host': None, 'node': None, 'launched_at': None,
            'terminated_at': None, 'created_at': timeutils.utcnow(),
            'updated_at': None, 'deleted_at': None, 'deleted': 0,
            'metadata': dict(request.get('metadata') or {}),
            'system_metadata': sysmeta,
            'tags': list(request.get('tags') or []),
            'security_groups': _security_groups_list(request), 'fault': None,
            'locked_reason': None, 'name': '',
        }

    # --- delete and update --------------------------------------------------

    def delete(self, ctxt, instance_uuid):
        """Delete a server: at once when it has no working host, else by
        its host (task_state deleting until the guest is gone)."""
        work = self.conductor.instance_delete(ctxt, instance_uuid)
        if work:
            self.compute_rpc.terminate_instance(ctxt, work['host'],
                                                work['instance'])

    def update(self, ctxt, instance_uuid, values):
        return self.conductor.instance_update(ctxt, instance_uuid, values)

    # --- power actions, lock, console ---------------------------------------

    def power_action(self, ctxt, record, task, values=None, **cast_args):
        """Start ``task`` (a PowerTask) on the server ``record``.

        The checks are Nova's, in its order: the lock (administrators
        pass), the host, then the states.  The task_state is set only if
        the states are still allowed when the conductor writes it, so
        two actions racing cannot both start; the host then does the
        work (a cast: the caller gets 202 at once).
        """
        if record.get('locked') and not ctxt.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=record['uuid'])
        _check_host(record)
        _check_states(record, task)
        values = {'task_state': task.task_state, **(values or {})}
        if task is STOP:
            values['progress'] = 0
        instance = self.conductor.instance_update(
            ctxt, record['uuid'], values,
            expected={'vm_state': list(task.vm_states),
                      'task_state': list(task.task_states)},
            action=task.name)
        getattr(self.compute_rpc, task.cast)(ctxt, instance['host'],
                                             instance, **cast_args)
        LOG.info('Instance %s: %s started on %s', record['uuid'], task.name,
                 instance['host'])

    def lock(self, ctxt, record, reason=None):
        """Lock the server; ``locked_by`` says whether its owner or an
        administrator did.  The owner locking again changes nothing."""
        is_owner = record['project_id'] == ctxt.project_id
        if record.get('locked') and is_owner:
            return
        values = {'locked': True,
                  'locked_by': 'owner' if is_owner else 'admin'}
        if reason:
            values['locked_reason'] = reason
        self.conductor.instance_update(ctxt, record['uuid'], values,
                                       action='lock')

    def unlock(self, ctxt, record):
        self.conductor.instance_update(ctxt, record['uuid'], {
            'locked': False, 'locked_by': None, 'locked_reason': None},
            action='unlock')

    @staticmethod
    def is_expected_locked_by(ctxt, record):
        """False when the lock is of the other kind than the caller (an
        owner facing an administrator's lock, or the reverse)."""
        expected = ('owner' if record['project_id'] == ctxt.project_id
                    else 'admin')
        return record.get('locked_by') in (None, expected)

    def get_console_output(self, ctxt, record, tail_length=None):
        """The last ``tail_length`` lines of the guest's console log,
        asked of its host."""
        _check_host(record)
        if record['task_state'] in _NO_CONSOLE_TASKS:
            raise exception.InstanceInvalidState(
                instance_uuid=record['uuid'], attr='task_state',
                state=record['task_state'], method='get_console_output')
        return self.compute_rpc.get_console_output(
            ctxt, record['host'], record, tail_length=tail_length)

    # --- remote consoles ----------------------------------------------------

    def get_console_url(self, ctxt, record, protocol, console_type):
        """The URL of a new token of the server's ``protocol`` console,
        made by its host.  Only VNC exists here: the other protocols
        get Nova's answer for a console type its computes have
        disabled.  409 unless the guest runs (a console needs its VNC
        server) and is not being deleted or migrated."""
        method = 'get_%s_console' % protocol
        _check_host(record)
        server_states.require_vm_state(record, _CONSOLE_VM_STATES, method,
                                       record['uuid'])
        if record['task_state'] in _NO_CONSOLE_TASKS:
            raise server_states.invalid_state(
                method, record['uuid'], 'task_state', record['task_state'])
        if protocol != 'vnc':
            raise exception.ConsoleTypeUnavailable(console_type=console_type)
        return self.compute_rpc.get_vnc_console(
            ctxt, record['host'], record, console_type)['access_url']

    # --- snapshots (createImage) ---------------------------------------------

    def check_image_metadata_quota(self, ctxt, metadata):
        """A snapshot's metadata within metadata_items (Nova's 403)."""
        if self._metadata_items_exceeded(ctxt, metadata) is not None:
            raise QuotaRefused('Image metadata limit exceeded')

    def snapshot(self, ctxt, record, name, extra_properties=None):
        """Start a snapshot of the server's root disk as a new image
        ``name``; the image, queued in Glance until the host uploads it.

        Nova checks the lock and the states (a server in ERROR with no
        host is a 409 of its vm_state).  The image is created first, as
        Nova does, so the caller gets its id at once; if the server's
        state changed meanwhile (the conductor sets the task_state only
        from an idle allowed state) the image is deleted again.
        """
        if record.get('locked') and not ctxt.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=record['uuid'])
        _check_states(record, SNAPSHOT)
        _check_host(record)
        image = self.image_api.create(ctxt, server_images.snapshot_image_meta(
            ctxt, record, name, extra_properties))
        try:
            instance = self.conductor.instance_update(
                ctxt, record['uuid'], {'task_state': SNAPSHOT.task_state},
                expected={'vm_state': list(SNAPSHOT.vm_states),
                          'task_state': list(SNAPSHOT.task_states)},
                action=SNAPSHOT.name)
        except Exception:
            with excutils.save_and_reraise_exception():
                self._delete_image(ctxt, image['id'])
        self.compute_rpc.snapshot_instance(ctxt, instance['host'], instance,
                                           image['id'])
        LOG.info('Instance %s: snapshot %s started on %s', record['uuid'],
                 image['id'], instance['host'])
        return image

    def _delete_image(self, ctxt, image_id):
        try:
            self.image_api.delete(ctxt, image_id)
        except Exception as e:
            LOG.warning('Image %s of a refused snapshot not deleted: %s',
                        image_id, e)

    # --- rebuild, rescue, diagnostics ---------------------------------------

    def rebuild(self, ctxt, record, request):
        """Start rebuilding the server as ``request`` (the validated
        body's ``rebuild`` dict) asks; the admin password it gets.

        The image is checked as a create checks it, against the
        server's flavor; the record takes the new image (image_ref, its
        kernel and ramdisk, its image_* system metadata) and the
        request's changes with the task_state, so the host spawns what
        the server now says it runs.
        """
        image = self._image(ctxt, request['imageRef'], record['flavor'])
        if 'metadata' in request:
            self._check_metadata_quota(ctxt, request['metadata'])
        values = _rebuild_changes(request)
        if 'key_name' in request:
            key = self._key_pair(ctxt, request['key_name'])
            values.update(key_name=key and key['name'],
                          key_data=key and key['public_key'])
        values.update(image_ref=image['id'],
                      kernel_id=image['properties'].get('kernel_id') or '',
                      ramdisk_id=image['properties'].get('ramdisk_id') or '',
                      system_metadata=server_images.rebuilt_system_metadata(
                          record, image))
        password = request.get('adminPass') or _generate_password()
        self.power_action(
            ctxt, record, REBUILD, values=values, image=image,
            admin_password=password,
            preserve_ephemeral=request.get('preserve_ephemeral', False))
        if 'metadata' in request:
            # Replaces the server's metadata, as in Nova.
            self.conductor.instance_metadata_update(
                ctxt, record['uuid'], request['metadata'], delete=True)
        return password

    def rescue(self, ctxt, record, password=None, rescue_image_ref=None):
        """Start booting the server from a rescue image (its own image
        unless ``rescue_image_ref``), its disk attached second; the
        rescue guest's password (``password``, or a generated one)."""
        image = self._image(ctxt, rescue_image_ref or record['image_ref'],
                            record['flavor'])
        password = password or _generate_password()
        self.power_action(ctxt, record, RESCUE, rescue_password=password,
                          rescue_image=image)
        return password

    def unrescue(self, ctxt, record):
        self.power_action(ctxt, record, UNRESCUE)

    def get_diagnostics(self, ctxt, record):
        """The guest's statistics from its host (the host answers 409
        when the guest is not running)."""
        _check_host(record)
        return self.compute_rpc.get_instance_diagnostics(
            ctxt, record['host'], record)

class QuotaRefused(exception.NovaException):
    """Over a quota (403), with Nova's wording."""

    code = 403


def _check_host(record):
    if not record.get('host'):
        raise exception.InstanceNotReady(instance_id=record['uuid'])


def _check_states(record, task):
    """Nova's 409 when the vm_state, then the task_state, forbid it."""
    server_states.require_vm_state(record, task.vm_states, task.name,
                                   record['uuid'])
    if record['task_state'] not in task.task_states:
        raise server_states.invalid_state(task.name, record['uuid'],
                                          'task_state', record['task_state'])


# What a rebuild request may change of the record: body key -> column.
_REBUILD_FIELDS = {'name': 'display_name',
                   'description': 'display_description',
                   'hostname': 'hostname', 'accessIPv4': 'access_ip_v4',
                   'accessIPv6': 'access_ip_v6', 'user_data': 'user_data'}


def _rebuild_changes(request):
    values = {column: request[key] for key, column in _REBUILD_FIELDS.items()
              if key in request}
    if 'OS-DCF:diskConfig' in request:
        values['auto_disk_config'] = request['OS-DCF:diskConfig'] == 'AUTO'
    return values


def _deltas(flavor, count):
    return {'instances': count, 'cores': count * flavor['vcpus'],
            'ram': count * flavor['memory_mb']}


def _too_many_instances(error, requested=None):
    """Nova's 403 text: 'Quota exceeded for cores, ram: Requested ...'."""
    overs = error.kwargs.get('overs', [])
    requested = requested or {}
    return QuotaRefused(
        'Quota exceeded for %s: Requested %s, but already used %s of %s %s'
        % (', '.join(overs),
           ', '.join(str(requested.get(r, 0)) for r in overs),
           ', '.join(str(error.kwargs['usages'][r]) for r in overs),
           ', '.join(str(error.kwargs['quotas'][r]) for r in overs),
           ', '.join(overs)))


def _check_image_fits(ctxt, image, flavor):
    """Nova's checks of an image against the flavor that will hold it."""
    if (image.get('min_ram') or 0) > flavor['memory_mb']:
        raise CreateRefused(
            reason=exception.FlavorMemoryTooSmall().format_message())
    root_bytes = flavor['root_gb'] * 1024 ** 3
    if flavor['root_gb'] == 0:
        policy.authorize(ctxt, POLICY % 'create:zero_disk_flavor')
        return
    if (image.get('size') or 0) > root_bytes:
        raise CreateRefused(reason=exception.FlavorDiskSmallerThanImage(
            flavor_size=root_bytes, image_size=image['size']).format_message())
    min_disk = (image.get('min_disk') or 0) * 1024 ** 3
    if min_disk > root_bytes:
        raise CreateRefused(reason=exception.FlavorDiskSmallerThanMinDisk(
            flavor_size=root_bytes,
            image_min_disk=min_disk).format_message())


def _parse_zone(value):
    """'az', 'az:host' or 'az:host:node' -> (zone, host, node)."""
    if not value:
        return None, None, None
    zone, _sep, rest = value.partition(':')
    host, _sep, node = rest.partition(':')
    return zone or None, host or None, node or None


def _security_groups_list(request):
    names = [g['name'] for g in request.get('security_groups') or []]
    return list(dict.fromkeys(names)) or [DEFAULT_SECURITY_GROUP]


def _security_groups(request):
    return instance_record.to_json(_security_groups_list(request))


def _hostname(display_name, uuid):
    """A hostname made from the display name, as Nova makes it: lower
    case, spaces and underscores as dashes, other characters dropped,
    at most 63 characters; 'server-<uuid>' if nothing is left."""
    name = display_name.lower().replace(' ', '-').replace('_', '-')
    name = _HOSTNAME_DROPPED.sub('', name).replace('_', '-')
    name = name[:63].strip('.-')
    return name or 'server-%s' % uuid


def _generate_password():
    return ''.join(random.SystemRandom().choice(_PASSWORD_SYMBOLS)
                   for _ in range(CONF.password_length))


def _block_device_mappings(image):
    """The image-backed root disk, as Nova records it."""
    return [{'source_type': 'image', 'destination_type': 'local',
             'boot_index': 0, 'image_id': image['id'],
             'delete_on_termination': True, 'device_type': 'disk'}]


def _request_spec(ctxt, record, flavor, image, destination, request, group,
                  count):
    hints = dict(request['scheduler_hints'])
    return {
        'instance_uuid': record['uuid'], 'project_id': ctxt.project_id,
        'user_id': ctxt.user_id, 'num_instances': count, 'flavor': flavor,
        'image': image,
        'availability_zone': destination['availability_zone'],
        'force_hosts': destination['force_hosts'],
        'force_nodes': destination['force_nodes'],
        'requested_destination': destination['requested_destination'],
        'scheduler_hints': hints, 'instance_group': group,
        'ignore_hosts': [], 'is_bfv': False,
        'security_groups': record['security_groups'],
    }
