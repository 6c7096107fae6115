"""SchedulerManager end to end: a request spec in, selections out, from
hosts seeded in SQLite cells; and the same over (fake) RPC."""

import collections
import logging
import uuid

import oslo_messaging as messaging
import pytest

from common import context
from common import exception
from common import rpc
from nova_scheduler import driver
from nova_scheduler import manager as scheduler_manager
from nova_scheduler import rpcapi as scheduler_rpcapi
from tests.unit.scheduler.conftest import make_spec


@pytest.fixture
def scheduler(cloud, config):
    def make(**options):
        for name, value in options.items():
            group = 'scheduler' if name in ('driver', 'max_attempts') else \
                'filter_scheduler'
            config.config(**{name: value, 'group': group})
        return scheduler_manager.SchedulerManager()
    return make


def select(manager, count=1, ctxt=None, return_alternates=True, **values):
    """The manager's answer; its error as RPC would deliver it (the
    endpoint wraps expected exceptions for oslo.messaging)."""
    uuids = [str(uuid.uuid4()) for _ in range(count)]
    spec = make_spec(instance_uuid=uuids[0], num_instances=count, **values)
    try:
        return manager.select_destinations(
            ctxt or context.get_admin_context(), spec, uuids,
            return_alternates=return_alternates)
    except messaging.ExpectedException as e:
        raise e.exc_info[1] from None


def hosts_of(selections):
    return [[s['service_host'] for s in alternatives]
            for alternatives in selections]


def test_selection_with_alternates(cloud, seeder, scheduler):
    seeder.add_host('h1', free_ram_mb=8192, memory_mb_used=8192)
    [node_uuid] = seeder.add_host('h2')
    seeder.add_host('h3', free_ram_mb=4096, memory_mb_used=12288)
    seeder.add_host('h4', free_ram_mb=2048, memory_mb_used=14336)
    [[chosen, *alternates]] = select(scheduler())
    assert chosen == {'service_host': 'h2', 'nodename': 'h2',
                      'compute_node_uuid': node_uuid,
                      'cell_uuid': cloud.cells['cell1'].uuid, 'limits': {}}
    # max_attempts 3: two alternates, the next best.
    assert [a['service_host'] for a in alternates] == ['h1', 'h3']


def test_no_alternates_when_not_asked(seeder, scheduler):
    seeder.add_host('h1')
    seeder.add_host('h2')
    assert hosts_of(select(scheduler(), return_alternates=False)) == [['h1']]


def test_alternates_follow_max_attempts(seeder, scheduler):
    for host in ('h1', 'h2', 'h3', 'h4'):
        seeder.add_host(host)
    assert len(select(scheduler(max_attempts=4))[0]) == 4
    assert len(select(scheduler(max_attempts=1))[0]) == 1


def test_alternates_come_from_the_cell_of_the_selected_host(
        cloud, seeder, scheduler):
    cloud.add_cell2()
    seeder.add_host('h1')
    seeder.add_host('h2', cell='cell2', free_ram_mb=15000,
                    memory_mb_used=1384)
    seeder.add_host('h3', free_ram_mb=8000, memory_mb_used=8384)
    assert hosts_of(select(scheduler())) == [['h1', 'h3']]


def test_no_valid_host_explains_each_filter(seeder, scheduler, caplog):
    caplog.set_level(logging.INFO, logger='nova_scheduler.driver')
    for i in range(8):
        seeder.add_host('busy%d' % i, memory_mb_used=10000, free_ram_mb=6384)
    seeder.add_host('off0', service={'disabled': True})
    seeder.add_host('off1', service={'forced_down': True})
    ctxt = context.get_admin_context()
    with pytest.raises(exception.NoValidHost) as error:
        select(scheduler(), ctxt=ctxt, flavor={'memory_mb': 20000})
    assert str(error.value) == (
        'No valid host was found. There are not enough hosts available. '
        '10 hosts: MEMORY_MB 10->2, ComputeFilter 2->0')
    [record] = [r for r in caplog.records if 'Filter results' in
                r.getMessage()]
    assert record.levelno == logging.INFO
    assert record.context.request_id == ctxt.request_id
    assert ('VCPU: (start: 10, end: 10), MEMORY_MB: (start: 10, end: 2), '
            'DISK_GB: (start: 2, end: 2), AvailabilityZoneFilter: (start: '
            '2, end: 2), ComputeFilter: (start: 2, end: 0)'
            in record.getMessage())


def test_no_valid_host_without_any_host(cloud, scheduler):
    with pytest.raises(exception.NoValidHost,
                       match='There are not enough hosts available. '
                             '0 hosts.$'):
        select(scheduler())


def test_explanation_fits_an_instance_fault():
    steps = [('Filter%02dWithAVeryLongName' % i, 1000 - i, 999 - i)
             for i in range(20)]
    text = str(exception.NoValidHost(reason=driver.explanation(
        1000, steps, 41, 50)))
    assert len(text) <= 255
    assert text.startswith('No valid host was found. There are not enough '
                           'hosts available. 1000 hosts: ..., ')
    assert text.endswith('Filter19WithAVeryLongName 981->980 '
                         '(instance 42 of 50)')


def test_hundred_instances_spread_over_ten_equal_hosts(seeder, scheduler):
    for i in range(10):
        seeder.add_host('host%02d' % i)
    selections = select(scheduler(), count=100,
                        flavor={'vcpus': 1, 'memory_mb': 512, 'root_gb': 1})
    counts = collections.Counter(s[0]['service_host'] for s in selections)
    assert len(selections) == 100
    assert sorted(counts) == ['host%02d' % i for i in range(10)]
    assert all(9 <= n <= 11 for n in counts.values()), counts


def test_each_instance_consumes_from_its_host(seeder, scheduler):
    # 16384 MB at 1.5: two 12000 MB instances per host.
    for host in ('h1', 'h2', 'h3'):
        seeder.add_host(host)
    manager = scheduler()
    flavor = {'memory_mb': 12000}
    counts = collections.Counter(
        s[0]['service_host'] for s in select(manager, count=6,
                                             flavor=flavor))
    assert counts == {'h1': 2, 'h2': 2, 'h3': 2}
    # The consumption lasts until the conductor's claims show.
    with pytest.raises(exception.NoValidHost,
                       match=r'MEMORY_MB 3->0$'):
        select(manager, flavor=flavor)


def test_a_request_fails_whole_naming_the_instance(seeder, scheduler):
    for host in ('h1', 'h2'):
        seeder.add_host(host)
    with pytest.raises(exception.NoValidHost,
                       match=r'2 hosts: MEMORY_MB 2->0 \(instance 5 of 5\)'):
        select(scheduler(), count=5, flavor={'memory_mb': 12000})


def test_a_failed_request_gives_back_what_it_consumed(seeder, scheduler):
    seeder.add_host('h1')
    manager = scheduler()
    # Room for two, not three: nothing of the failed request is claimed.
    with pytest.raises(exception.NoValidHost):
        select(manager, count=3, flavor={'memory_mb': 12000})
    assert len(select(manager, count=2, flavor={'memory_mb': 12000})) == 2


def group(policy, **values):
    return dict({'uuid': str(uuid.uuid4()), 'name': 'g', 'policy': policy,
                 'rules': {}, 'members': [], 'hosts': []}, **values)


def test_anti_affinity_within_one_request(seeder, scheduler):
    for host in ('h1', 'h2', 'h3'):
        seeder.add_host(host)
    selections = select(scheduler(), count=3,
                        instance_group=group('anti-affinity'))
    assert sorted(s[0]['service_host'] for s in selections) == [
        'h1', 'h2', 'h3']
    with pytest.raises(exception.NoValidHost,
                       match='ServerGroupAntiAffinityFilter 3->0'):
        select(scheduler(), count=4, instance_group=group('anti-affinity'))


def test_anti_affinity_counts_existing_members(seeder, scheduler):
    seeder.add_host('h1')
    seeder.add_host('h2')
    member = seeder.add_instance('h1')
    selections = select(scheduler(), instance_group=group(
        'anti-affinity', members=[member], hosts=['h1']))
    assert hosts_of(selections) == [['h2']]


def test_affinity_within_one_request(seeder, scheduler):
    for host in ('h1', 'h2', 'h3'):
        seeder.add_host(host)
    selections = select(scheduler(), count=3,
                        instance_group=group('affinity'))
    assert {s[0]['service_host'] for s in selections} == {'h1'}
    assert all(len(s) == 1 for s in selections)


def test_soft_anti_affinity_spreads_a_request(seeder, scheduler):
    for host in ('h1', 'h2', 'h3'):
        seeder.add_host(host, free_ram_mb=16384)
    selections = select(scheduler(ram_weight_multiplier=0.0,
                                  cpu_weight_multiplier=0.0,
                                  disk_weight_multiplier=0.0,
                                  io_ops_weight_multiplier=0.0),
                        count=3, instance_group=group('soft-anti-affinity'))
    assert sorted(s[0]['service_host'] for s in selections) == [
        'h1', 'h2', 'h3']


def test_forced_host_skips_the_filters_but_not_the_resources(seeder,
                                                             scheduler):
    seeder.add_host('h1')
    seeder.add_host('off', service={'disabled': True})
    assert hosts_of(select(scheduler(), force_hosts=['OFF'])) == [['off']]
    with pytest.raises(exception.NoValidHost,
                       match='force_hosts 2->1, MEMORY_MB 1->0'):
        select(scheduler(), force_hosts=['off'],
               flavor={'memory_mb': 30000})
    with pytest.raises(exception.NoValidHost, match='force_hosts 2->0'):
        select(scheduler(), force_hosts=['nowhere'])


def test_forced_node(seeder, scheduler):
    seeder.add_host('h1', nodes=2)
    assert [s[0]['nodename'] for s in select(
        scheduler(), force_nodes=['h1-1'])] == ['h1-1']


def test_requested_destination_still_runs_the_filters(seeder, scheduler):
    seeder.add_host('h1')
    seeder.add_host('h2')
    seeder.add_host('off', service={'disabled': True})
    assert hosts_of(select(scheduler(), requested_destination={
        'host': 'h2', 'node': None})) == [['h2']]
    with pytest.raises(exception.NoValidHost,
                       match='requested_destination 3->1, '
                             'ComputeFilter 1->0'):
        select(scheduler(), requested_destination={'host': 'off',
                                                   'node': 'off'})


def test_ignore_hosts(seeder, scheduler):
    for host in ('h1', 'h2', 'h3'):
        seeder.add_host(host)
    assert hosts_of(select(scheduler(), ignore_hosts=['h1', 'h2'])) == [
        ['h3']]


def test_availability_zone(seeder, scheduler):
    for host in ('h1', 'h2', 'h3'):
        seeder.add_host(host)
    seeder.add_aggregate('zone', ['h2'], availability_zone='az1')
    assert hosts_of(select(scheduler(), availability_zone='az1')) == [['h2']]
    assert hosts_of(select(scheduler(), availability_zone='nova')) == [
        ['h1', 'h3']]
    with pytest.raises(exception.NoValidHost,
                       match='AvailabilityZoneFilter 3->0'):
        select(scheduler(), availability_zone='az9')


def test_build_failures_push_a_host_last(seeder, scheduler):
    seeder.add_host('h1', stats='{"failed_builds": 1}')
    seeder.add_host('h2', free_ram_mb=1024, memory_mb_used=15360)
    assert hosts_of(select(scheduler())) == [['h2', 'h1']]


def test_host_subset_size_picks_among_the_best(seeder, scheduler):
    for host in ('h1', 'h2', 'h3'):
        seeder.add_host(host)
    manager = scheduler(host_subset_size=2)
    tiny = {'vcpus': 1, 'memory_mb': 64, 'root_gb': 1}
    firsts = {select(manager, return_alternates=False,
                     flavor=tiny)[0][0]['service_host'] for _ in range(30)}
    assert firsts <= {'h1', 'h2', 'h3'}
    assert len(firsts) >= 2


def test_chance_scheduler_takes_any_fitting_host(seeder, scheduler):
    seeder.add_host('h1')
    seeder.add_host('h2')
    seeder.add_host('full', vcpus_used=128)
    seeder.add_host('off', service={'disabled': True})
    manager = scheduler(driver='chance_scheduler')
    selections = select(manager, count=2)
    assert sorted(s[0]['service_host'] for s in selections) == ['h1', 'h2']
    for alternatives in selections:
        assert {s['service_host'] for s in alternatives} <= {'h1', 'h2'}
    # Only the disabled host still has 128 VCPUs free.
    with pytest.raises(exception.NoValidHost,
                       match='4 hosts: VCPU 4->1, ComputeFilter 1->0$'):
        select(manager, flavor={'vcpus': 128})


def test_unknown_filter_stops_the_manager(cloud, scheduler):
    with pytest.raises(exception.SchedulerHostFilterNotFound):
        scheduler(enabled_filters=['RamFilter'])


# --- over RPC ----------------------------------------------------------------

@pytest.fixture
def rpc_scheduler(cloud, scheduler):
    server = rpc.get_server(
        messaging.Target(topic=scheduler_rpcapi.TOPIC, server='sched'),
        [scheduler()])
    server.start()
    yield scheduler_rpcapi.SchedulerAPI()
    server.stop()
    server.wait()


def test_select_destinations_over_rpc(cloud, seeder, rpc_scheduler):
    seeder.add_host('h1')
    uuids = [str(uuid.uuid4()), str(uuid.uuid4())]
    selections = rpc_scheduler.select_destinations(
        context.get_admin_context(), make_spec(num_instances=2), uuids,
        return_alternates=False)
    assert [s[0]['service_host'] for s in selections] == ['h1', 'h1']
    assert selections[0][0]['cell_uuid'] == cloud.cells['cell1'].uuid


def test_no_valid_host_crosses_rpc_without_a_traceback(cloud, seeder,
                                                       rpc_scheduler,
                                                       caplog):
    seeder.add_host('h1', service={'disabled': True})
    with pytest.raises(exception.NoValidHost,
                       match='1 host: ComputeFilter 1->0') as error:
        rpc_scheduler.select_destinations(
            context.get_admin_context(), make_spec(), [str(uuid.uuid4())])
    assert 'Traceback' not in str(error.value)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_version_cap(config, fake_transport):
    config.config(scheduler='1.0', group='upgrade_levels')
    client = scheduler_rpcapi.SchedulerAPI().client
    assert not client.can_send_version('1.1')
    config.config(scheduler=None, group='upgrade_levels')
    assert scheduler_rpcapi.SchedulerAPI().client.can_send_version('1.1')
