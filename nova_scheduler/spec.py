"""The request spec as the filters and weighers read it.

The conductor sends the request spec as a plain dict (see the servers
contract).  ``RequestSpec`` wraps it once per request so that what every
host would otherwise recompute (the resources asked for, hints as sets,
image properties under their current names) is worked out once, and so
that a multi-instance request can record, instance after instance, the
hosts its server group now uses.
"""

import functools

# Image properties the image properties filter reads, with the legacy
# Glance names Nova still accepts for them.
_LEGACY_IMAGE_PROPS = {
    'architecture': 'hw_architecture',
    'hypervisor_type': 'img_hv_type',
    'vm_mode': 'hw_vm_mode',
    'hypervisor_version_requires': 'img_hv_requested_version',
}


class RequestSpec:
    """One select_destinations request; ``instance_uuid`` is the
    instance being placed right now."""

    def __init__(self, spec, instance_uuids=None):
        self.instance_uuid = spec.get('instance_uuid')
        self.instance_uuids = list(instance_uuids or [])
        self.project_id = spec.get('project_id')
        self.user_id = spec.get('user_id')
        self.num_instances = (len(self.instance_uuids) or
                              spec.get('num_instances') or 1)
        self.flavor = spec.get('flavor') or {}
        self.image = spec.get('image') or {}
        self.availability_zone = spec.get('availability_zone')
        self.force_hosts = list(spec.get('force_hosts') or [])
        self.force_nodes = list(spec.get('force_nodes') or [])
        self.requested_destination = spec.get('requested_destination')
        self.scheduler_hints = spec.get('scheduler_hints') or {}
        self.ignore_hosts = list(spec.get('ignore_hosts') or [])
        self.is_bfv = bool(spec.get('is_bfv'))
        self.instance_group = _group(spec.get('instance_group'),
                                     self.instance_uuids)
        self._memo = {}

    @property
    def extra_specs(self):
        return self.flavor.get('extra_specs') or {}

    @functools.cached_property
    def resources(self):
        """{resource class: amount} one instance takes on a node.

        Disk counts root (unless the server boots from a volume),
        ephemeral and swap rounded up to a GiB, as nova-conductor's
        claims count it.
        """
        swap_gb = -(-(self.flavor.get('swap') or 0) // 1024)
        root_gb = 0 if self.is_bfv else self.flavor.get('root_gb') or 0
        return {
            'VCPU': self.flavor.get('vcpus') or 0,
            'MEMORY_MB': self.flavor.get('memory_mb') or 0,
            'DISK_GB': root_gb + (self.flavor.get('ephemeral_gb') or 0) +
            swap_gb,
        }

    @functools.cached_property
    def image_props(self):
        """The image's properties, legacy names turned into current ones
        (a current name wins when both are given)."""
        props = dict(self.image.get('properties') or {})
        for legacy, current in _LEGACY_IMAGE_PROPS.items():
            if legacy in props:
                props.setdefault(current, props[legacy])
        return props

    def get_scheduler_hint(self, name, default=None):
        """A hint's value; a one-element list gives its element, as
        Nova's RequestSpec does."""
        value = self.scheduler_hints.get(name, default)
        if isinstance(value, list) and len(value) == 1:
            return value[0]
        return value

    def memo(self, key, compute):
        """``compute(self)``, worked out once per request: a filter
        asks for it once per host."""
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]

    def hint_set(self, name):
        """A hint given as one value or a list, as a set of strings."""
        return self.memo(('hint', name), lambda spec: _as_set(
            spec.scheduler_hints.get(name) or []))

    @property
    def group_policy(self):
        return self.instance_group['policy'] if self.instance_group else None

    def record_placement(self, host):
        """The instance being placed now goes to ``host``: the group
        filters and weighers must see it for the next instances."""
        group = self.instance_group
        if group is None:
            return
        group['hosts'].append(host)
        if self.instance_uuid:
            group['members'].add(self.instance_uuid)


def _as_set(value):
    return frozenset([value] if isinstance(value, str) else value)


def _group(group, instance_uuids):
    """A copy of the server group the request may change: the hosts
    its members use and its members (this request's instances are
    members whether or not the conductor listed them yet)."""
    if not group:
        return None
    copy = dict(group)
    copy['hosts'] = list(group.get('hosts') or [])
    copy['members'] = set(group.get('members') or []) | {
        u for u in instance_uuids if u}
    copy['rules'] = dict(group.get('rules') or {})
    return copy
