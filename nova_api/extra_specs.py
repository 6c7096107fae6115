"""Which flavor extra specs Nova understands (microversion 2.86).

From 2.86 a key in a namespace Nova knows (``hw:``, ``quota:``,
``resources:``, ``trait:`` ...) must be one of the keys below, with a
value of the right form: a typo such as ``hw:cpu_polcy`` would otherwise
be stored and silently ignored by the scheduler and the virt driver.
Keys outside those namespaces (``key1``, ``os:...``, an operator's
own) are the operator's business and pass untouched.

The table is declarative: a key pattern and the rule for its value.
It covers the namespaces flavors commonly use, not every key of every
virt driver.
"""

import re

from oslo_utils import strutils

from common import exception

# A resource request group's suffix: 'resources1:VCPU', 'trait_ssd:...'.
_GROUP = r'[a-zA-Z0-9_-]{0,64}'
# Host CPUs: '0-3,^2,8'.
_CPU_SET = r'\^?\d+(-\d+)?(,\^?\d+(-\d+)?)*'
_SHARES_LEVELS = ('custom', 'high', 'normal', 'low')

NAMESPACES = tuple(re.compile(namespace) for namespace in (
    'accel', 'aggregate_instance_extra_specs', 'capabilities', 'hw',
    'hw_rng', 'hw_video', 'pci_passthrough', 'quota',
    'resources' + _GROUP, 'trait' + _GROUP,
))


def _fail(reason):
    return exception.ValidationError(detail='Validation failed; ' + reason)


def one_of(*choices):
    def check(value):
        if value not in choices:
            raise _fail("'%s' is not one of %s." % (value, list(choices)))
    return check


def matching(pattern):
    def check(value):
        if not re.fullmatch(pattern, value):
            raise _fail("'%s' is not of the format '%s'." % (value, pattern))
    return check


def integer(minimum=None):
    def check(value):
        try:
            number = int(value)
        except ValueError:
            raise _fail("'%s' is not a valid integer value." % value)
        if minimum is not None and number < minimum:
            raise _fail("'%s' is less than the minimum value of '%s'."
                        % (value, minimum))
    return check


def boolean(value):
    try:
        strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise _fail("'%s' is not a valid boolean value." % value)


def anything(value):
    """Keys whose values only the operator's own filters interpret."""


_COUNT = integer(minimum=0)
_POSITIVE = integer(minimum=1)

# Key pattern (matched whole) -> rule for the value.
SPECS = {
    # The guest's CPUs, memory and NUMA topology.
    'hw:cpu_policy': one_of('dedicated', 'shared', 'mixed'),
    'hw:cpu_thread_policy': one_of('prefer', 'isolate', 'require'),
    'hw:emulator_threads_policy': one_of('share', 'isolate'),
    'hw:cpu_dedicated_mask': matching(_CPU_SET),
    'hw:cpu_realtime': boolean,
    'hw:cpu_realtime_mask': matching(_CPU_SET),
    r'hw:cpu_(max_)?(sockets|cores|threads)': _POSITIVE,
    'hw:numa_nodes': _POSITIVE,
    r'hw:numa_cpus\.\d+': matching(_CPU_SET),
    r'hw:numa_mem\.\d+': _POSITIVE,
    'hw:pci_numa_affinity_policy': one_of(
        'required', 'socket', 'preferred', 'legacy'),
    'hw:mem_page_size': matching(
        r'(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)'),
    'hw:mem_encryption': boolean,
    'hw:locked_memory': boolean,
    'hw:pmem': matching(r'[a-zA-Z0-9_]+(,[a-zA-Z0-9_]+)*'),
    'hw:pmu': boolean,
    'hw:hide_hypervisor_id': boolean,
    'hw:maxphysaddr_mode': one_of('emulate', 'passthrough'),
    'hw:maxphysaddr_bits': _POSITIVE,
    # Devices.
    'hw:boot_menu': boolean,
    'hw:serial_port_count': _COUNT,
    'hw:tpm_model': one_of('tpm-tis', 'tpm-crb'),
    'hw:tpm_version': one_of('1.2', '2.0'),
    'hw:vif_multiqueue_enabled': boolean,
    'hw:virtio_packed_ring': boolean,
    'hw:viommu_model': one_of('intel', 'smmuv3', 'virtio', 'auto'),
    'hw:watchdog_action': one_of(
        'none', 'pause', 'poweroff', 'reset', 'disabled'),
    'hw:ephemeral_encryption': boolean,
    'hw:ephemeral_encryption_format': one_of('luks', 'plain'),
    'hw_rng:allowed': boolean,
    'hw_rng:rate_bytes': _COUNT,
    'hw_rng:rate_period': _COUNT,
    'hw_video:ram_max_mb': _COUNT,
    'pci_passthrough:alias': matching(r'[^:]+:\d+(,[^:]+:\d+)*'),
    'accel:device_profile': anything,
    # Limits the hypervisor enforces.
    r'quota:cpu_(shares|period|limit|reservation|shares_share)': _COUNT,
    'quota:cpu_quota': integer(),
    r'quota:(cpu|memory|disk_io|vif)_shares_level': one_of(
        *_SHARES_LEVELS),
    r'quota:(memory|disk_io|vif)_(limit|reservation|shares_share)': _COUNT,
    r'quota:disk_(read|write|total)_(bytes|iops)_sec(_max(_length)?)?':
        _COUNT,
    'quota:disk_size_iops_sec': _COUNT,
    r'quota:vif_(inbound|outbound)_(average|peak|burst)': _COUNT,
    # Scheduling: Placement's resources and traits, host filters.
    r'resources%s:[A-Z0-9_]+' % _GROUP: _COUNT,
    r'trait%s:[a-zA-Z0-9_]+' % _GROUP: one_of('required', 'forbidden'),
    'group_policy': one_of('none', 'isolate'),
    'aggregate_instance_extra_specs:.+': anything,
    'capabilities:.+': anything,
}
_RULES = tuple((re.compile(key), rule) for key, rule in SPECS.items())


def _in_known_namespace(key):
    namespace, colon, _rest = key.partition(':')
    return bool(colon) and any(pattern.fullmatch(namespace)
                               for pattern in NAMESPACES)


def validate(key, value):
    """Raise ValidationError (400) unless ``key: value`` makes sense.

    ``value`` is the string that will be stored.
    """
    for pattern, rule in _RULES:
        if pattern.fullmatch(key):
            rule(value)
            return
    if _in_known_namespace(key):
        raise _fail("extra spec '%s' does not appear to be a valid extra "
                    "spec." % key)
