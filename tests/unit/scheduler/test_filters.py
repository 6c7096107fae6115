"""Each filter on HostStates built by hand."""

import pytest

from common import exception
from nova_scheduler import filters
from nova_scheduler import spec as request_spec
from nova_scheduler.filters import affinity_filter
from nova_scheduler.filters import aggregate_instance_extra_specs
from nova_scheduler.filters import aggregate_multitenancy_isolation
from nova_scheduler.filters import availability_zone_filter
from nova_scheduler.filters import compute_capabilities_filter
from nova_scheduler.filters import compute_filter
from nova_scheduler.filters import extra_specs_ops
from nova_scheduler.filters import image_props_filter
from nova_scheduler.filters import io_ops_filter
from nova_scheduler.filters import json_filter
from nova_scheduler.filters import num_instances_filter
from nova_scheduler.filters import resources
from tests.unit.scheduler.conftest import aggregate
from tests.unit.scheduler.conftest import make_host
from tests.unit.scheduler.conftest import make_spec


def spec(**values):
    return request_spec.RequestSpec(make_spec(**values))


def passing(host_filter, hosts, request):
    return [h.host for h in host_filter.filter_all(hosts, request)]


# --- ComputeFilter -----------------------------------------------------------

@pytest.mark.parametrize('service, passes', [
    ({}, True),
    ({'disabled': True}, False),
    ({'up': False}, False),
])
def test_compute_filter_needs_an_enabled_service_that_is_up(service,
                                                              passes):
    host = make_host()
    host.service.update(service)
    assert compute_filter.ComputeFilter().host_passes(host, spec()) is passes


# --- resource checks ---------------------------------------------------------

def check(resource_class):
    return {c.name: c for c in resources.resource_checks()}[resource_class]


def test_vcpu_check_counts_the_allocation_ratio():
    # 8 VCPUs at 16.0: 128 usable, 120 used leaves 8.
    host = make_host(vcpus_used=120)
    assert check('VCPU').host_passes(host, spec(flavor={'vcpus': 8}))
    assert not check('VCPU').host_passes(host, spec(flavor={'vcpus': 9}))


def test_memory_check_counts_used_memory_against_the_ratio():
    # 16384 MB at 1.5 is 24576; 20480 used (free -4096) leaves 4096.
    host = make_host(free_ram_mb=16384 - 20480)
    assert check('MEMORY_MB').host_passes(host, spec(
        flavor={'memory_mb': 4096}))
    assert not check('MEMORY_MB').host_passes(host, spec(
        flavor={'memory_mb': 4097}))


def test_disk_check_counts_root_ephemeral_and_swap():
    host = make_host(disk_mb_used=70 * 1024)
    assert check('DISK_GB').host_passes(host, spec(
        flavor={'root_gb': 20, 'ephemeral_gb': 9, 'swap': 1024}))
    # 1 MB more of swap is one more GiB.
    assert not check('DISK_GB').host_passes(host, spec(
        flavor={'root_gb': 20, 'ephemeral_gb': 9, 'swap': 1025}))


def test_disk_check_leaves_out_the_root_disk_of_a_volume_backed_server():
    host = make_host(disk_mb_used=100 * 1024)
    request = spec(flavor={'root_gb': 20}, is_bfv=True)
    assert not check('DISK_GB').applies_to(request)
    assert passing(check('DISK_GB'), [host], request) == ['host1']


def test_resource_checks_are_named_after_resource_classes():
    assert [c.name for c in resources.resource_checks()] == [
        'VCPU', 'MEMORY_MB', 'DISK_GB']


# --- AvailabilityZoneFilter --------------------------------------------------

def test_availability_zone_from_aggregates_or_the_default(config):
    config.config(default_availability_zone='nova')
    az_filter = availability_zone_filter.AvailabilityZoneFilter()
    in_az1 = make_host('h1', aggregates=[aggregate(
        availability_zone='az1')])
    in_az1_and_az2 = make_host('h2', aggregates=[aggregate(
        availability_zone='az1,az2')])
    in_plain_aggregate = make_host('h3', aggregates=[aggregate(foo='bar')])
    nowhere = make_host('h4')
    hosts = [in_az1, in_az1_and_az2, in_plain_aggregate, nowhere]
    assert passing(az_filter, hosts, spec(availability_zone='az2')) == [
        'h2']
    assert passing(az_filter, hosts, spec(availability_zone='nova')) == [
        'h3', 'h4']
    assert passing(az_filter, hosts, spec()) == ['h1', 'h2', 'h3', 'h4']


# --- ComputeCapabilitiesFilter -----------------------------------------------

@pytest.mark.parametrize('extra_specs, passes', [
    ({}, True),
    ({'hw:cpu_policy': 'dedicated'}, True),
    ({'capabilities:hypervisor_type': 'fake'}, True),
    ({'capabilities:hypervisor_type': 'QEMU'}, False),
    ({'hypervisor_type': 'fake'}, True),
    ({'capabilities:cpu_info:arch': 'x86_64'}, True),
    ({'capabilities:cpu_info:arch': 'aarch64'}, False),
    ({'capabilities:free_ram_mb': '>= 16384'}, True),
    ({'capabilities:vcpus_total': '>= 9'}, False),
    ({'capabilities:stats:gpu': '<in> nvidia'}, True),
    ({'capabilities:no_such_thing': 'x'}, False),
])
def test_compute_capabilities(extra_specs, passes):
    host = make_host(stats={'gpu': 'nvidia-a100'})
    request = spec(flavor={'extra_specs': extra_specs})
    capabilities = compute_capabilities_filter.ComputeCapabilitiesFilter()
    assert bool(passing(capabilities, [host], request)) is passes


# --- extra specs operators ---------------------------------------------------

@pytest.mark.parametrize('value, req, matches', [
    ('1', '1', True), ('1', '2', False),
    ('12', '= 8', True), ('4', '= 8', False),
    ('8', '== 8', True), ('8', '!= 8', False),
    ('8', '>= 9', False), ('8', '<= 9', True),
    ('abc', 's== abc', True), ('abc', 's!= abc', False),
    ('abc', 's< abd', True), ('abc', 's> abd', False),
    ('abc', 's<= abc', True), ('abc', 's>= abd', False),
    ('nvidia-a100', '<in> a100', True), ('x', '<in> y', False),
    ('a b c', '<all-in> a c', True), ('a b', '<all-in> a c', False),
    ('b', '<or> a <or> b', True), ('c', '<or> a <or> b', False),
    ('fast', '>= 1', False), (None, '>= 1', False), ('8', '>=', False),
])
def test_extra_specs_ops(value, req, matches):
    assert extra_specs_ops.match(value, req) is matches


# --- ImagePropertiesFilter ---------------------------------------------------

@pytest.mark.parametrize('properties, passes', [
    ({}, True),
    ({'hw_architecture': 'x86_64'}, True),
    ({'hw_architecture': 'AMD64'}, True),
    ({'architecture': 'aarch64'}, False),
    ({'img_hv_type': 'fake', 'hw_vm_mode': 'hvm'}, True),
    ({'img_hv_type': 'qemu'}, False),
    ({'hw_vm_mode': 'hv'}, True),
    ({'hw_vm_mode': 'xen'}, False),
    ({'hw_architecture': 'x86_64',
      'img_hv_requested_version': '>=6.0, <7.0'}, True),
    ({'hw_architecture': 'x86_64', 'img_hv_requested_version': '>=6.3'},
     False),
    # Only a version asked for: as in Nova, nothing is checked.
    ({'img_hv_requested_version': '>=9.0'}, True),
])
def test_image_properties(properties, passes):
    host = make_host(hypervisor_version=6002001)
    request = spec(image={'properties': properties})
    assert bool(passing(image_props_filter.ImagePropertiesFilter(), [host],
                        request)) is passes


def test_image_properties_default_architecture(config):
    config.config(image_properties_default_architecture='aarch64',
                  group='filter_scheduler')
    assert passing(image_props_filter.ImagePropertiesFilter(),
                   [make_host()], spec()) == []


def test_image_properties_need_supported_instances():
    host = make_host(supported_instances=())
    assert not image_props_filter.ImagePropertiesFilter().host_passes(
        host, spec(image={'properties': {'hw_architecture': 'x86_64'}}))


# --- server group filters ----------------------------------------------------

def group(policy, members=(), hosts=(), rules=None):
    return {'uuid': 'g1', 'name': 'g', 'policy': policy,
            'rules': rules or {}, 'members': list(members),
            'hosts': list(hosts)}


def test_anti_affinity_keeps_members_apart():
    busy = make_host('h1', instances={'m1': {}})
    idle = make_host('h2', instances={'other': {}})
    request = spec(instance_group=group('anti-affinity', ['m1'], ['h1']))
    assert passing(affinity_filter.ServerGroupAntiAffinityFilter(),
                   [busy, idle], request) == ['h2']


def test_anti_affinity_max_server_per_host():
    host = make_host('h1', instances={'m1': {}, 'm2': {}})
    anti = affinity_filter.ServerGroupAntiAffinityFilter()
    request = spec(instance_group=group('anti-affinity', ['m1', 'm2'],
                                        rules={'max_server_per_host': 3}))
    assert anti.host_passes(host, request)
    request = spec(instance_group=group('anti-affinity', ['m1', 'm2'],
                                        rules={'max_server_per_host': 2}))
    assert not anti.host_passes(host, request)


def test_anti_affinity_lets_a_moving_instance_back_on_its_host():
    host = make_host('h1', instances={'m1': {}})
    request = spec(instance_uuid='m1',
                   instance_group=group('anti-affinity', ['m1']))
    assert affinity_filter.ServerGroupAntiAffinityFilter().host_passes(
        host, request)


def test_affinity_keeps_members_together():
    hosts = [make_host('h1'), make_host('h2')]
    affinity = affinity_filter.ServerGroupAffinityFilter()
    assert passing(affinity, hosts, spec(
        instance_group=group('affinity', ['m1'], ['h2']))) == ['h2']
    # The first member goes anywhere.
    assert passing(affinity, hosts, spec(
        instance_group=group('affinity'))) == ['h1', 'h2']


def test_group_filters_ignore_other_policies():
    hosts = [make_host('h1', instances={'m1': {}})]
    request = spec(instance_group=group('soft-anti-affinity', ['m1'],
                                        ['h1']))
    for cls in (affinity_filter.ServerGroupAffinityFilter,
                affinity_filter.ServerGroupAntiAffinityFilter):
        assert not cls().applies_to(request)
        assert passing(cls(), hosts, request) == ['h1']


# --- same_host / different_host ----------------------------------------------

def test_same_and_different_host_hints():
    hosts = [make_host('h1', instances={'a': {}}),
             make_host('h2', instances={'b': {}}),
             make_host('h3')]
    same = affinity_filter.SameHostFilter()
    different = affinity_filter.DifferentHostFilter()
    assert passing(same, hosts, spec(scheduler_hints={
        'same_host': ['a', 'b']})) == ['h1', 'h2']
    assert passing(same, hosts, spec(scheduler_hints={
        'same_host': 'b'})) == ['h2']
    assert passing(different, hosts, spec(scheduler_hints={
        'different_host': ['a']})) == ['h2', 'h3']
    assert passing(different, hosts, spec()) == ['h1', 'h2', 'h3']


# --- aggregate filters -------------------------------------------------------

def test_aggregate_instance_extra_specs():
    fast = make_host('h1', aggregates=[aggregate(ssd='true', speed='10')])
    plain = make_host('h2')
    agg_filter = (aggregate_instance_extra_specs.
                  AggregateInstanceExtraSpecsFilter())
    hosts = [fast, plain]

    def allowed(extra_specs):
        return passing(agg_filter, hosts, spec(
            flavor={'extra_specs': extra_specs}))

    assert allowed({'aggregate_instance_extra_specs:ssd': 'true'}) == ['h1']
    assert allowed({'ssd': 'true'}) == ['h1']
    assert allowed({'aggregate_instance_extra_specs:speed': '>= 8'}) == [
        'h1']
    assert allowed({'aggregate_instance_extra_specs:ssd': 'false'}) == []
    assert allowed({'hw:cpu_policy': 'dedicated'}) == ['h1', 'h2']


def test_aggregate_multi_tenancy_isolation():
    reserved = make_host('h1', aggregates=[aggregate(
        filter_tenant_id='p1,p2', filter_tenant_id2='p3')])
    shared = make_host('h2', aggregates=[aggregate(ssd='true')])
    free = make_host('h3')
    isolation = (aggregate_multitenancy_isolation.
                 AggregateMultiTenancyIsolation())
    hosts = [reserved, shared, free]
    assert passing(isolation, hosts, spec(project_id='p3')) == [
        'h1', 'h2', 'h3']
    assert passing(isolation, hosts, spec(project_id='p9')) == ['h2', 'h3']


# --- instance and I/O counts -------------------------------------------------

def test_num_instances_filter(config):
    config.config(max_instances_per_host=3, group='filter_scheduler')
    hosts = [make_host('h1', num_instances=2), make_host('h2',
                                                         num_instances=3)]
    assert passing(num_instances_filter.NumInstancesFilter(), hosts,
                   spec()) == ['h1']


def test_io_ops_filter(config):
    config.config(max_io_ops_per_host=2, group='filter_scheduler')
    hosts = [make_host('h1', num_io_ops=1), make_host('h2', num_io_ops=2)]
    assert passing(io_ops_filter.IoOpsFilter(), hosts, spec()) == ['h1']


# --- JsonFilter --------------------------------------------------------------

@pytest.mark.parametrize('query, passes', [
    ('[">=", "$free_ram_mb", 1024]', True),
    ('[">=", "$free_ram_mb", 99999]', False),
    ('["and", [">=", "$free_ram_mb", 1024], ["=", "$hypervisor_type", '
     '"fake"]]', True),
    ('["or", ["<", "$vcpus_total", 4], ["=", "$host", "h2"]]', False),
    ('["not", ["=", "$host", "h1"]]', False),
    ('["in", "$host", "h1", "h2"]', True),
    ('["=", "$stats.rack", "r1"]', True),
    ('["frobnicate", 1]', False),
    ('not json', False),
])
def test_json_filter(query, passes):
    host = make_host('h1', stats={'rack': 'r1'})
    request = spec(scheduler_hints={'query': [query]})
    assert json_filter.JsonFilter().host_passes(host, request) is passes


def test_json_filter_without_query_lets_all_through():
    assert not json_filter.JsonFilter().applies_to(spec())


# --- loading and running -----------------------------------------------------

def test_enabled_filters_load_by_class_name():
    classes = filters.enabled_filter_classes(
        ['nova_scheduler.filters.all_filters'],
        ['ComputeFilter', 'JsonFilter'])
    assert classes == [compute_filter.ComputeFilter, json_filter.JsonFilter]


def test_single_available_filter_class():
    classes = filters.enabled_filter_classes(
        ['nova_scheduler.filters.compute_filter.ComputeFilter'],
        ['ComputeFilter'])
    assert classes == [compute_filter.ComputeFilter]


def test_unknown_enabled_filter_is_refused():
    with pytest.raises(exception.SchedulerHostFilterNotFound,
                       match='RamFilter'):
        filters.enabled_filter_classes(
            ['nova_scheduler.filters.all_filters'], ['RamFilter'])


def test_run_filters_counts_and_stops_at_the_first_empty_result():
    hosts = [make_host('h1'), make_host('h2', vcpus_used=128),
             make_host('h3', free_ram_mb=-100000)]
    hosts[0].service['disabled'] = True
    request = spec()
    left, steps = filters.run_filters(
        resources.resource_checks() + [compute_filter.ComputeFilter(),
                                       json_filter.JsonFilter()],
        hosts, request)
    assert left == []
    assert steps == [('VCPU', 3, 2), ('MEMORY_MB', 2, 1), ('DISK_GB', 1, 1),
                     ('ComputeFilter', 1, 0)]
