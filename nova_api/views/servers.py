"""Servers as the API shows them, per microversion.

``index`` lists id, name and links; ``show`` is the whole server, in
GET /servers/{id}, GET /servers/detail and the answers that show a
server again (update, rebuild).  Its fields by microversion:

* 2.1  - the server, OS-DCF, OS-EXT-AZ, OS-EXT-STS, OS-SRV-USG,
         os-extended-volumes; OS-EXT-SRV-ATTR host, instance_name and
         hypervisor_hostname for those the extended-attributes policy
         allows; ``fault`` of ERROR and DELETED servers (its
         ``details`` only for administrators or when the code is not
         500); ``progress`` while it means something
* 2.3  - OS-EXT-SRV-ATTR reservation_id, launch_index, hostname,
         kernel_id, ramdisk_id, root_device_name, user_data; volumes'
         delete_on_termination
* 2.9  - ``locked``
* 2.16 - ``host_status`` (policy; or only when UNKNOWN)
* 2.19 - ``description``
* 2.26 - ``tags``
* 2.47 - the flavor embedded (with ``extra_specs`` if the policy
         allows) instead of a link
* 2.63 - ``trusted_image_certificates``
* 2.71 - ``server_groups`` (GET /servers/{id}, update, rebuild)
* 2.73 - ``locked_reason``
* 2.90 - OS-EXT-SRV-ATTR:hostname for everyone
* 2.96 - ``pinned_availability_zone``
* 2.98 - the image's ``properties``
* 2.100 - ``scheduler_hints``

``security_groups`` is shown by Nova only for servers with ports in
Neutron; there is no network service yet, so never.
"""

import hashlib

from oslo_utils import timeutils

from common import instance_record
from common import states
from nova_api import instance_list
from nova_api import links
from nova_api import policy
from nova_api.policies import extended_server_attributes as esa_policies
from nova_api.policies import servers as servers_policies

COLLECTION = 'servers'
PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                     'VERIFY_RESIZE', 'MIGRATING')
FAULT_STATUSES = ('ERROR', 'DELETED')
ISO_TIME = '%Y-%m-%dT%H:%M:%SZ'
EXTRA_SPECS_POLICY = servers_policies.POLICY % 'show:flavor-extra-specs'
HOST_STATUS_POLICY = servers_policies.POLICY % 'show:host_status'
UNKNOWN_ONLY_POLICY = servers_policies.POLICY % 'show:host_status:unknown-only'
ESA = 'OS-EXT-SRV-ATTR:%s'
# The microversions that change what a server shows.
FIELD_VERSIONS = ('2.3', '2.9', '2.16', '2.19', '2.26', '2.47', '2.63',
                  '2.71', '2.73', '2.90', '2.96', '2.98', '2.100')
# Extended attributes from 2.3, named as the instance fields.
ESA_V23 = ('reservation_id', 'launch_index', 'hostname', 'kernel_id',
           'ramdisk_id', 'root_device_name', 'user_data')


def isotime(at):
    """Nova's timestamps: seconds and 'Z'; no time at all means now."""
    if at is None:
        at = timeutils.utcnow()
    return at.strftime(ISO_TIME)


class Links:
    """links.resource_links, its prefixes computed once per request so
    a long list does not rebuild them per server."""

    def __init__(self, req):
        self.req = req
        self._prefixes = {}

    def links(self, collection, identifier):
        prefixes = self._prefixes.get(collection)
        if prefixes is None:
            prefixes = [(link['rel'], link['href']) for link in
                        links.resource_links(self.req, collection, '')]
            self._prefixes[collection] = prefixes
        return [{'rel': rel, 'href': prefix + identifier}
                for rel, prefix in prefixes]

    def bookmark(self, collection, identifier):
        return [link for link in self.links(collection, identifier)
                if link['rel'] == 'bookmark']


class Viewer(Links):
    """What one request shows of servers of ``project_id``: the
    microversion's fields and what the policies let the caller see,
    decided once per list (for the caller's project, as Nova's detail
    does) or per server (GET /servers/{id}, for its project)."""

    def __init__(self, req, project_id):
        super().__init__(req)
        context = req.nova_context
        version = req.api_version_request
        target = {'project_id': project_id}
        self.version = {v for v in FIELD_VERSIONS if version >= v}
        self.is_admin = context.is_admin
        self.extended = policy.allowed(context, esa_policies.POLICY, target)
        self.extra_specs = ('2.47' in self.version and policy.allowed(
            context, EXTRA_SPECS_POLICY, target))
        self.host_status = None
        if '2.16' in self.version:
            if policy.allowed(context, HOST_STATUS_POLICY, target):
                self.host_status = 'all'
            elif policy.allowed(context, UNKNOWN_ONLY_POLICY, target):
                self.host_status = 'unknown-only'

    def since(self, version):
        return version in self.version


def index(req, servers):
    """GET /servers: id, name and links of each, and for a full page
    the next one's link."""
    resource_links = Links(req)
    views = [{'id': s.uuid, 'name': s.record['display_name'],
              'links': resource_links.links(COLLECTION, s.uuid)}
             for s in servers]
    return _page(req, views, COLLECTION)


def detail(req, servers):
    """GET /servers/detail."""
    viewer = Viewer(req, req.nova_context.project_id)
    views = [_show(viewer, s, server_groups=False) for s in servers]
    return _page(req, views, COLLECTION + '/detail')


def _page(req, views, collection):
    body = {'servers': views}
    next_links = links.collection_links(req, views, collection)
    if next_links:
        body['servers_links'] = next_links
    return body


def created(req, record):
    """What a create answers for its (first) server."""
    viewer = Viewer(req, record['project_id'])
    return {'id': record['uuid'],
            'links': viewer.links(COLLECTION, record['uuid']),
            'OS-DCF:diskConfig': ('AUTO' if record.get('auto_disk_config')
                                  else 'MANUAL'),
            'security_groups': [{'name': name}
                                for name in record['security_groups']]}


def show(req, server, server_groups=False):
    """The whole server; ``server_groups`` where Nova shows them (2.71:
    GET /servers/{id}, update, rebuild)."""
    return _show(Viewer(req, server.record['project_id']), server,
                 server_groups)


def _show(viewer, server, server_groups):
    record = server.record
    view = _base_view(viewer, server)
    _add_status_dependent(view, record, viewer)
    view.update(_usage_and_states(record))
    view['OS-EXT-AZ:availability_zone'] = server.availability_zone
    view['os-extended-volumes:volumes_attached'] = [
        _volume(bdm, viewer) for bdm in server.volumes]
    if viewer.extended:
        view.update(_extended_attributes(record, viewer))
    elif viewer.since('2.90'):
        view[ESA % 'hostname'] = record['hostname']
    _add_host_status(view, server, viewer)
    view.update(_versioned_fields(viewer, server, server_groups))
    return view


def _base_view(viewer, server):
    record = server.record
    return {
        'id': record['uuid'],
        'name': record['display_name'],
        'status': status(record),
        'tenant_id': record.get('project_id') or '',
        'user_id': record.get('user_id') or '',
        'metadata': record.get('metadata') or {},
        'hostId': host_id(record.get('host'), record.get('project_id')),
        'image': _image(viewer, record),
        'flavor': _flavor(viewer, record),
        'created': isotime(record['created_at']),
        'updated': isotime(record['updated_at']),
        'addresses': _addresses(record, server.network_info),
        'accessIPv4': _text(record.get('access_ip_v4')),
        'accessIPv6': _text(record.get('access_ip_v6')),
        'links': viewer.links(COLLECTION, record['uuid']),
        'OS-DCF:diskConfig': ('AUTO' if record.get('auto_disk_config')
                              else 'MANUAL'),
        'config_drive': record.get('config_drive'),
        'key_name': record.get('key_name'),
    }


def _text(value):
    return '' if value is None else str(value)


def status(record):
    """The API status; a deleted row is DELETED whatever its states."""
    if record.get('deleted'):
        return 'DELETED'
    return states.status_from_state(record.get('vm_state'),
                                    record.get('task_state'))


def host_id(host, project_id):
    """The obfuscated ``hostId``: equal for two servers (or instance
    action events) of a project on the same host, unrelated across
    projects; '' when there is no host."""
    if not host:
        return ''
    data = '%s%s' % (project_id, host)
    return hashlib.sha224(data.encode('utf-8')).hexdigest()


def _add_status_dependent(view, record, viewer):
    if view['status'] in FAULT_STATUSES and record.get('fault'):
        view['fault'] = _fault(record['fault'], viewer.is_admin)
    if view['status'] in PROGRESS_STATUSES:
        view['progress'] = record.get('progress') or 0


def _fault(fault, is_admin):
    """The traceback of an internal error (500) is for admins only."""
    shown = {'code': fault['code'], 'created': isotime(fault['created_at']),
             'message': fault['message']}
    if fault.get('details') and (is_admin or fault['code'] != 500):
        shown['details'] = fault['details']
    return shown


def _usage_and_states(record):
    return {
        'OS-SRV-USG:launched_at': _usage_time(record.get('launched_at')),
        'OS-SRV-USG:terminated_at': _usage_time(record.get('terminated_at')),
        'OS-EXT-STS:task_state': record.get('task_state'),
        'OS-EXT-STS:vm_state': record.get('vm_state'),
        'OS-EXT-STS:power_state': record.get('power_state'),
    }


def _usage_time(at):
    """launched_at and terminated_at as Nova's JSON encoder renders
    them: with microseconds, without 'Z'."""
    return at.strftime(timeutils.PERFECT_TIME_FORMAT) if at else None


def _volume(bdm, viewer):
    volume = {'id': bdm['volume_id']}
    if viewer.since('2.3'):
        volume['delete_on_termination'] = bdm['delete_on_termination']
    return volume


def _extended_attributes(record, viewer):
    attributes = {
        ESA % 'host': record.get('host'),
        ESA % 'instance_name': instance_record.name(record),
        ESA % 'hypervisor_hostname': record.get('node'),
    }
    if viewer.since('2.3'):
        attributes.update({ESA % field: record.get(field)
                           for field in ESA_V23})
    return attributes


def _add_host_status(view, server, viewer):
    shown = viewer.host_status
    if shown == 'all' or (shown == 'unknown-only' and
                          server.host_status == instance_list.HOST_UNKNOWN):
        view['host_status'] = server.host_status


def _versioned_fields(viewer, server, server_groups):
    record = server.record
    fields = {}
    if viewer.since('2.9'):
        fields['locked'] = bool(record.get('locked_by'))
    if viewer.since('2.19'):
        fields['description'] = record.get('display_description')
    if viewer.since('2.26'):
        fields['tags'] = list(record.get('tags') or [])
    if viewer.since('2.63'):
        fields['trusted_image_certificates'] = (
            record.get('trusted_certs') or None)
    if viewer.since('2.71') and server_groups:
        fields['server_groups'] = list(server.server_groups or [])
    if viewer.since('2.73'):
        fields['locked_reason'] = record.get('locked_reason')
    if viewer.since('2.96'):
        # Read only now: older versions never look at request specs.
        spec = server.request_spec or {}
        fields['pinned_availability_zone'] = spec.get('availability_zone')
        if viewer.since('2.100'):
            fields['scheduler_hints'] = spec.get('scheduler_hints') or {}
    return fields


def _image(viewer, record):
    """The image link, '' for a volume-backed server; from 2.98 with the
    image properties the server was built with."""
    image_ref = record.get('image_ref')
    if not image_ref:
        return ''
    image_id = str(image_ref).rstrip('/').rsplit('/', 1)[-1]
    image = {'id': image_id, 'links': viewer.bookmark('images', image_id)}
    if viewer.since('2.98'):
        prefix = instance_record.IMAGE_PREFIX
        image['properties'] = {
            key[len(prefix):]: value
            for key, value in (record.get('system_metadata') or {}).items()
            if key.startswith(prefix)}
    return image


def _flavor(viewer, record):
    """A link to the flavor before 2.47, the flavor itself from then."""
    flavor = record.get('flavor')
    if not flavor:
        return {}
    if not viewer.since('2.47'):
        flavor_id = str(flavor['flavorid'])
        return {'id': flavor_id,
                'links': viewer.bookmark('flavors', flavor_id)}
    shown = {'vcpus': flavor['vcpus'], 'ram': flavor['memory_mb'],
             'disk': flavor['root_gb'], 'ephemeral': flavor['ephemeral_gb'],
             'swap': flavor['swap'], 'original_name': flavor['name']}
    if viewer.extra_specs:
        shown['extra_specs'] = dict(flavor.get('extra_specs') or {})
    return shown


def _addresses(record, network_info):
    """{network label: [fixed addresses, then floating ones]}, from the
    instance's network info cache; none while it is building."""
    if record.get('vm_state') == states.BUILDING:
        return {}
    networks = {}
    for vif in network_info:
        fixed = [ip for subnet in vif['network'].get('subnets', ())
                 for ip in subnet.get('ips', ())]
        floating = [f for ip in fixed for f in ip.get('floating_ips', ())]
        ips = networks.setdefault(vif['network']['label'], ([], []))
        ips[0].extend(_address(ip, vif['address'], 'fixed') for ip in fixed)
        ips[1].extend(_address(ip, vif['address'], 'floating')
                      for ip in floating)
    return {label: fixed + floating
            for label, (fixed, floating) in networks.items()}


def _address(ip, mac, kind):
    return {'version': ip.get('version') or (6 if ':' in ip['address']
                                             else 4),
            'addr': ip['address'],
            'OS-EXT-IPS:type': ip.get('type') or kind,
            'OS-EXT-IPS-MAC:mac_addr': mac}
