"""Weighers and their normalisation, on HostStates built by hand."""

import pytest

from nova_scheduler import spec as request_spec
from nova_scheduler import weights
from nova_scheduler.weights import affinity
from nova_scheduler.weights import compute
from nova_scheduler.weights import cpu
from nova_scheduler.weights import disk
from nova_scheduler.weights import hypervisor_version
from nova_scheduler.weights import io_ops
from nova_scheduler.weights import num_instances
from nova_scheduler.weights import ram
from tests.unit.scheduler.conftest import aggregate
from tests.unit.scheduler.conftest import make_host
from tests.unit.scheduler.conftest import make_spec


def spec(**values):
    return request_spec.RequestSpec(make_spec(**values))


def weigh(weigher_classes, hosts, request=None):
    """[(host, weight)] best first."""
    ordered, weighed = weights.weigh_hosts(
        [cls() for cls in weigher_classes], hosts, request or spec())
    return [(host.host, round(weight, 3))
            for host, weight in zip(ordered, weighed, strict=True)]


def test_ram_weigher_normalises_free_ram_and_spreads():
    hosts = [make_host('h1', free_ram_mb=1024),
             make_host('h2', free_ram_mb=4096),
             make_host('h3', free_ram_mb=2560)]
    assert weigh([ram.RAMWeigher], hosts) == [
        ('h2', 1.0), ('h3', 0.5), ('h1', 0.0)]


def test_negative_ram_multiplier_stacks(config):
    config.config(ram_weight_multiplier=-2.0, group='filter_scheduler')
    hosts = [make_host('h1', free_ram_mb=1024),
             make_host('h2', free_ram_mb=4096)]
    assert weigh([ram.RAMWeigher], hosts) == [('h1', 0.0), ('h2', -2.0)]


def test_cpu_weigher_counts_the_allocation_ratio():
    hosts = [make_host('h1', vcpus_total=8, vcpus_used=0,
                       cpu_allocation_ratio=1.0),
             make_host('h2', vcpus_total=8, vcpus_used=100)]
    # 8 free against 28 free.
    assert weigh([cpu.CPUWeigher], hosts) == [('h2', 1.0), ('h1', 0.0)]


def test_disk_and_hypervisor_version_weighers():
    hosts = [make_host('h1', free_disk_mb=10, hypervisor_version=2000),
             make_host('h2', free_disk_mb=20, hypervisor_version=1000)]
    assert weigh([disk.DiskWeigher], hosts)[0] == ('h2', 1.0)
    assert weigh([hypervisor_version.HypervisorVersionWeigher],
                 hosts)[0] == ('h1', 1.0)


def test_io_ops_weigher_prefers_idle_hosts():
    hosts = [make_host('h1', num_io_ops=4), make_host('h2', num_io_ops=0)]
    assert weigh([io_ops.IoOpsWeigher], hosts) == [('h2', 0.0),
                                                   ('h1', -1.0)]


def test_num_instances_weigher_is_off_by_default(config):
    hosts = [make_host('h1', num_instances=9), make_host('h2')]
    assert weigh([num_instances.NumInstancesWeigher], hosts) == [
        ('h1', 0.0), ('h2', 0.0)]
    config.config(num_instances_weight_multiplier=-1.0,
                  group='filter_scheduler')
    assert weigh([num_instances.NumInstancesWeigher], hosts) == [
        ('h2', 0.0), ('h1', -1.0)]


def test_build_failure_weigher_pushes_failing_hosts_last():
    hosts = [make_host('h1', failed_builds=3), make_host('h2')]
    assert weigh([compute.BuildFailureWeigher], hosts) == [
        ('h2', 0.0), ('h1', -1000000.0)]


def test_aggregate_metadata_overrides_the_multiplier():
    hosts = [make_host('h1', free_ram_mb=4096, aggregates=[
                 aggregate(ram_weight_multiplier='-1'),
                 aggregate(ram_weight_multiplier='0.5')]),
             make_host('h2', free_ram_mb=1024),
             make_host('h3', free_ram_mb=2560)]
    # h1 has the most free RAM, but its aggregates' smallest multiplier
    # (-1) turns that against it.
    assert weigh([ram.RAMWeigher], hosts) == [
        ('h3', 0.5), ('h2', 0.0), ('h1', -1.0)]


def test_undecodable_aggregate_multiplier_falls_back_to_the_option():
    hosts = [make_host('h1', free_ram_mb=4096, aggregates=[
                 aggregate(ram_weight_multiplier='lots')]),
             make_host('h2', free_ram_mb=1024)]
    assert weigh([ram.RAMWeigher], hosts) == [('h1', 1.0), ('h2', 0.0)]


def test_weights_add_up_and_equal_hosts_keep_their_order():
    hosts = [make_host('h1', free_ram_mb=1024, num_io_ops=0),
             make_host('h2', free_ram_mb=2048, num_io_ops=2),
             make_host('h3', free_ram_mb=2048, num_io_ops=2)]
    assert weigh([ram.RAMWeigher, io_ops.IoOpsWeigher], hosts) == [
        ('h1', 0.0), ('h2', 0.0), ('h3', 0.0)]
    assert weigh([ram.RAMWeigher], hosts) == [
        ('h2', 1.0), ('h3', 1.0), ('h1', 0.0)]


def test_a_single_host_weighs_zero():
    assert weigh([ram.RAMWeigher], [make_host()]) == [('host1', 0.0)]


def group(policy, members):
    return {'uuid': 'g1', 'name': 'g', 'policy': policy, 'rules': {},
            'members': members, 'hosts': []}


@pytest.mark.parametrize('policy, best', [
    ('soft-affinity', 'h2'), ('soft-anti-affinity', 'h1'),
])
def test_soft_group_weighers(policy, best):
    hosts = [make_host('h1', instances={'x': {}}),
             make_host('h2', instances={'m1': {}, 'm2': {}})]
    request = spec(instance_group=group(policy, ['m1', 'm2']))
    weighed = weigh([affinity.ServerGroupSoftAffinityWeigher,
                     affinity.ServerGroupSoftAntiAffinityWeigher], hosts,
                    request)
    assert weighed[0] == (best, 1.0)


def test_soft_group_weighers_ignore_requests_without_their_policy():
    hosts = [make_host('h1'), make_host('h2', instances={'m1': {}})]
    request = spec(instance_group=group('anti-affinity', ['m1']))
    assert weigh([affinity.ServerGroupSoftAffinityWeigher], hosts,
                 request) == [('h1', 0.0), ('h2', 0.0)]


def test_weight_classes_load_every_weigher_by_default():
    classes = weights.weigher_classes(['nova_scheduler.weights.all_weighers'])
    assert {cls.__name__ for cls in classes} == {
        'RAMWeigher', 'CPUWeigher', 'DiskWeigher', 'IoOpsWeigher',
        'NumInstancesWeigher', 'BuildFailureWeigher',
        'ServerGroupSoftAffinityWeigher',
        'ServerGroupSoftAntiAffinityWeigher', 'HypervisorVersionWeigher'}
