"""ComputeCapabilitiesFilter: flavor extra specs against host values.

A key ``capabilities:a:b`` (or a bare key naming a host attribute or
stat) is looked up on the host state, walking into dicts and JSON
strings (``capabilities:cpu_info:arch``), and its value matched with
``extra_specs_ops``.  Keys of other scopes (``hw:``...) are ignored.
"""

from oslo_serialization import jsonutils

from nova_scheduler import filters
from nova_scheduler.filters import extra_specs_ops

_SCOPE = 'capabilities'


def _scope(key, host_state):
    """The attribute path a key asks for, or None when it is not ours."""
    path = key.split(':')
    if len(path) > 1:
        return path[1:] if path[0] == _SCOPE else None
    if hasattr(host_state, key) or key in host_state.stats:
        return path
    return None


def _capability(host_state, path):
    """The value at ``path`` on the host state, or None."""
    value = host_state
    for name in path:
        if isinstance(value, str):
            try:
                value = jsonutils.loads(value)
            except ValueError:
                return None
        if isinstance(value, dict):
            value = value.get(name)
        elif getattr(value, name, None) is not None:
            value = getattr(value, name)
        elif value is host_state:
            value = host_state.stats.get(name)
        else:
            return None
        if value is None:
            return None
    return value


class ComputeCapabilitiesFilter(filters.BaseHostFilter):

    def applies_to(self, spec):
        return any(':' not in key or key.startswith(_SCOPE + ':')
                   for key in spec.extra_specs)

    def host_passes(self, host_state, spec):
        for key, req in spec.extra_specs.items():
            path = _scope(key, host_state)
            if path is None:
                continue
            value = _capability(host_state, path)
            if value is None or not extra_specs_ops.match(str(value), req):
                return False
        return True
