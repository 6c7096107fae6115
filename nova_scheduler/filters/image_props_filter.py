"""ImagePropertiesFilter: hosts whose hypervisor can run the image.

The image may ask for an architecture (``hw_architecture``), a
hypervisor type (``img_hv_type``) and a VM mode (``hw_vm_mode``); a
host passes when one entry of its ``supported_instances`` (arch,
hypervisor type, VM mode) has all those asked for, and its hypervisor
version satisfies ``img_hv_requested_version`` (``>=6.0,<7.0``).
An image asking for none of the three runs anywhere.
"""

import functools
import operator
import re

from common import conf
from nova_scheduler import filters

CONF = conf.CONF

_ARCH_ALIASES = {'i386': 'i686', 'i486': 'i686', 'i586': 'i686',
                 'x86_32': 'i686', 'amd64': 'x86_64'}
_HV_TYPE_ALIASES = {'xapi': 'xen'}
_VM_MODE_ALIASES = {'pv': 'xen', 'hv': 'hvm', 'baremetal': 'hvm'}
_VERSION_OPS = {'<': operator.lt, '<=': operator.le, '==': operator.eq,
                '!=': operator.ne, '>': operator.gt, '>=': operator.ge}
_CLAUSE = re.compile(r'\s*(<=|>=|==|!=|<|>)\s*(\d+(?:\.\d+)*)\s*')


def _canonical(value, aliases):
    if not value:
        return None
    value = str(value).lower()
    return aliases.get(value, value)


@functools.lru_cache(maxsize=256)
def canonical_instance_type(entry):
    """An (arch, hypervisor type, VM mode) entry in canonical names."""
    arch, hv_type, vm_mode = (tuple(entry) + (None, None, None))[:3]
    return (_canonical(arch, _ARCH_ALIASES),
            _canonical(hv_type, _HV_TYPE_ALIASES),
            _canonical(vm_mode, _VM_MODE_ALIASES))


def _wanted(spec):
    """(arch, hypervisor type, VM mode) the image asks for."""
    props = spec.image_props
    arch = (props.get('hw_architecture') or
            CONF.filter_scheduler.image_properties_default_architecture)
    return canonical_instance_type(
        (arch, props.get('img_hv_type'), props.get('hw_vm_mode')))


def _version_tuple(version):
    parts = tuple(version)
    return parts + (0,) * (3 - len(parts))


def _hypervisor_version(number):
    """Nova's integer version (6002001) as (6, 2, 1)."""
    parts = []
    while number:
        number, part = divmod(number, 1000)
        parts.insert(0, part)
    return _version_tuple(parts)


def version_satisfies(hypervisor_version, requirement):
    """Whether the host's integer version meets every clause of
    ``requirement``; an unreadable requirement is never met."""
    if not (hypervisor_version and requirement):
        return True
    version = _hypervisor_version(int(hypervisor_version))
    for clause in requirement.split(','):
        found = _CLAUSE.fullmatch(clause)
        if found is None:
            return False
        wanted = _version_tuple(int(x) for x in found[2].split('.'))
        if not _VERSION_OPS[found[1]](version, wanted):
            return False
    return True


class ImagePropertiesFilter(filters.BaseHostFilter):

    def applies_to(self, spec):
        return any(spec.memo('image_instance_type', _wanted))

    def host_passes(self, host_state, spec):
        wanted = spec.memo('image_instance_type', _wanted)
        for entry in host_state.supported_instances:
            offered = canonical_instance_type(tuple(entry))
            if all(want is None or want == got
                   for want, got in zip(wanted, offered, strict=True)):
                return version_satisfies(
                    host_state.hypervisor_version,
                    spec.image_props.get('img_hv_requested_version'))
        return False
