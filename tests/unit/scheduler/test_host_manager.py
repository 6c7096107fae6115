"""HostManager against SQLite cells: what it builds, and how each
refresh catches up with the rows written since the previous one."""

import datetime

from oslo_utils import timeutils
import pytest

from common.db import mappings
from nova_scheduler import host_manager
from nova_scheduler import spec as request_spec
from tests.unit.scheduler.conftest import make_spec


@pytest.fixture
def manager(cloud):
    return host_manager.HostManager()


def by_node(manager):
    return {state.nodename: state for state in manager.get_host_states()}


def test_host_states_of_every_enabled_cell(cloud, seeder, manager):
    cloud.add_cell2()
    seeder.add_host('h1')
    seeder.add_host('h2', cell='cell2', nodes=2)
    states = manager.get_host_states()
    assert [(s.host, s.nodename, s.cell_uuid) for s in states] == [
        ('h1', 'h1', cloud.cells['cell1'].uuid),
        ('h2', 'h2-0', cloud.cells['cell2'].uuid),
        ('h2', 'h2-1', cloud.cells['cell2'].uuid)]


def test_host_state_attributes(cloud, seeder, manager):
    [node_uuid] = seeder.add_host(
        'h1', vcpus_used=3, memory_mb_used=4096, free_ram_mb=12288,
        local_gb_used=30, free_disk_gb=70, stats='{"failed_builds": 2}',
        ram_allocation_ratio=2.0, cpu_allocation_ratio=0.0)
    state = by_node(manager)['h1']
    assert (state.uuid, state.host, state.nodename) == (node_uuid, 'h1',
                                                        'h1')
    assert state.cell_uuid == cloud.cells['cell1'].uuid
    assert (state.vcpus_total, state.vcpus_used) == (8, 3)
    assert (state.total_usable_ram_mb, state.free_ram_mb) == (16384, 12288)
    assert (state.total_usable_disk_gb, state.free_disk_mb,
            state.disk_mb_used) == (100, 70 * 1024, 30 * 1024)
    # 0.0 and NULL mean the initial ratios.
    assert (state.cpu_allocation_ratio, state.ram_allocation_ratio,
            state.disk_allocation_ratio) == (16.0, 2.0, 1.0)
    assert state.supported_instances == (('x86_64', 'fake', 'hvm'),)
    assert state.failed_builds == 2
    assert state.hypervisor_type == 'fake'
    assert state.service['up'] and not state.service['disabled']
    assert state.limits == {}
    assert state.aggregates == []


def test_only_mapped_hosts_with_a_service_count(cloud, seeder, manager):
    seeder.add_host('mapped')
    seeder.add_host('unmapped', mapped=False)
    seeder.add_host('no-service')
    seeder.update_service('no-service', deleted=1)
    assert list(by_node(manager)) == ['mapped']


def test_cell0_and_disabled_cells_are_left_out(cloud, seeder, manager):
    cell2 = cloud.add_cell2()
    seeder.add_host('h1')
    seeder.add_host('h2', cell='cell2')
    assert list(by_node(manager)) == ['h1', 'h2']
    mappings.update_cell(cloud.api_url, cell2.uuid, disabled=True)
    assert list(by_node(manager)) == ['h1']
    assert mappings.CELL0_UUID not in {
        s.cell_uuid for s in manager.get_host_states()}


def test_service_states(cloud, seeder, manager, config):
    config.config(service_down_time=60)
    old = timeutils.utcnow() - datetime.timedelta(seconds=120)
    seeder.add_host('up')
    seeder.add_host('down', service={'last_seen_up': old,
                                     'updated_at': old})
    seeder.add_host('forced', service={'forced_down': True})
    seeder.add_host('disabled', service={'disabled': True,
                                         'disabled_reason': 'maintenance'})
    services = {n: s.service for n, s in by_node(manager).items()}
    assert [n for n, s in services.items() if s['up']] == ['disabled', 'up']
    assert services['disabled']['disabled_reason'] == 'maintenance'
    assert services['forced']['forced_down']


def test_refresh_catches_up_with_services(cloud, seeder, manager):
    seeder.add_host('h1')
    seeder.add_host('h2')
    manager.get_host_states()
    seeder.update_service('h1', disabled=True)
    seeder.update_service('h2', forced_down=True)
    states = by_node(manager)
    assert states['h1'].service['disabled']
    assert not states['h2'].service['up']
    seeder.update_service('h1', disabled=False)
    seeder.update_service('h2', forced_down=False)
    states = by_node(manager)
    assert not states['h1'].service['disabled']
    assert states['h2'].service['up']


def test_a_service_that_stops_beating_goes_down(cloud, seeder, manager,
                                                config):
    config.config(service_down_time=60)
    seeder.add_host('h1')
    assert by_node(manager)['h1'].service['up']
    stale = timeutils.utcnow() - datetime.timedelta(seconds=61)
    seeder.update_service('h1', last_seen_up=stale)
    assert not by_node(manager)['h1'].service['up']


def test_refresh_reads_changed_nodes_and_new_and_deleted_ones(
        cloud, seeder, manager):
    seeder.add_host('h1')
    seeder.add_host('h2')
    first = by_node(manager)
    # A claim, as nova-conductor makes it.
    seeder.update_nodes('h1', vcpus_used=2, memory_mb_used=4096,
                        free_ram_mb=12288)
    seeder.add_host('h3')
    seeder.delete_nodes('h2')
    states = by_node(manager)
    assert list(states) == ['h1', 'h3']
    assert states['h1'] is first['h1']
    assert (states['h1'].vcpus_used, states['h1'].free_ram_mb) == (2, 12288)


def test_only_rows_changed_since_the_last_refresh_are_read(
        cloud, seeder, manager, monkeypatch):
    seeder.add_host('h1')
    seeder.add_host('h2')
    past = timeutils.utcnow() - datetime.timedelta(minutes=10)
    for host in ('h1', 'h2'):
        seeder.update_nodes(host, created_at=past, updated_at=past)
    manager.get_host_states()
    read = []
    real = host_manager.HostState.update_from_compute_node
    monkeypatch.setattr(host_manager.HostState, 'update_from_compute_node',
                        lambda self, node: (read.append(node.host),
                                            real(self, node)))
    manager.get_host_states()
    assert read == []
    seeder.update_nodes('h2', vcpus_used=1)
    manager.get_host_states()
    assert read == ['h2']


def test_instances_give_counts_and_io_ops(cloud, seeder, manager):
    seeder.add_host('h1')
    seeder.add_host('h2')
    a = seeder.add_instance('h1')
    b = seeder.add_instance('h1', vm_state='building', task_state='spawning')
    c = seeder.add_instance('h2', task_state='image_snapshot')
    states = by_node(manager)
    assert set(states['h1'].instances) == {a, b}
    assert (states['h1'].num_instances, states['h1'].num_io_ops) == (2, 1)
    assert (states['h2'].num_instances, states['h2'].num_io_ops) == (1, 1)
    assert states['h1'].instances[a]['project_id'] == 'p1'
    # Moved, finished, deleted.
    seeder.update_instance(a, host='h2', node='h2')
    seeder.update_instance(b, vm_state='active', task_state=None)
    seeder.delete_instance(c)
    states = by_node(manager)
    assert set(states['h1'].instances) == {b}
    assert set(states['h2'].instances) == {a}
    assert (states['h1'].num_instances, states['h1'].num_io_ops) == (1, 0)
    assert (states['h2'].num_instances, states['h2'].num_io_ops) == (1, 0)


def test_instances_inserted_without_updated_at_are_seen(cloud, seeder,
                                                        manager):
    seeder.add_host('h1')
    manager.get_host_states()
    uuid = seeder.add_instance('h1', updated_at=None)
    assert set(by_node(manager)['h1'].instances) == {uuid}


def test_aggregates_are_reloaded_when_they_change(cloud, seeder, manager):
    seeder.add_host('h1')
    seeder.add_host('h2')
    assert by_node(manager)['h1'].aggregates == []
    agg_id = seeder.add_aggregate('fast', ['h1', 'h2'],
                                  availability_zone='az1', ssd='true')
    states = by_node(manager)
    [agg] = states['h1'].aggregates
    assert agg['metadata'] == {'availability_zone': 'az1', 'ssd': 'true'}
    assert agg['availability_zone'] == 'az1'
    assert sorted(agg['hosts']) == ['h1', 'h2']
    seeder.remove_aggregate_host(agg_id, 'h2')
    states = by_node(manager)
    assert states['h2'].aggregates == []
    assert states['h1'].aggregates[0]['hosts'] == ['h1']


def test_host_mapping_changes_are_seen(cloud, seeder, manager):
    seeder.add_host('h1')
    seeder.add_host('h2', mapped=False)
    assert list(by_node(manager)) == ['h1']
    mappings.discover_hosts(cloud.api_url)
    assert list(by_node(manager)) == ['h1', 'h2']


def test_consumption_lasts_until_the_node_is_read_again(
        cloud, seeder, manager, monkeypatch):
    seeder.add_host('h1')
    state = by_node(manager)['h1']
    spec = request_spec.RequestSpec(make_spec(), ['i1'])
    spec.instance_uuid = 'i1'
    manager.consume(state, spec)
    assert (state.vcpus_used, state.free_ram_mb, state.disk_mb_used) == (
        1, 16384 - 2048, 20 * 1024)
    assert (state.num_instances, state.num_io_ops) == (1, 1)
    assert 'i1' in state.instances
    # Still there at the next request: no claim has landed yet.
    state = by_node(manager)['h1']
    assert (state.vcpus_used, state.num_instances) == (1, 1)
    # Never claimed: after PENDING_CLAIM_SECONDS the row wins again.
    monkeypatch.setattr(host_manager, 'PENDING_CLAIM_SECONDS', -1)
    state = by_node(manager)['h1']
    assert (state.vcpus_used, state.free_ram_mb) == (0, 16384)
    assert (state.num_instances, state.instances) == (0, {})


def test_the_real_instance_row_replaces_the_placeholder(cloud, seeder,
                                                        manager):
    seeder.add_host('h1')
    seeder.add_host('h2')
    states = by_node(manager)
    spec = request_spec.RequestSpec(make_spec(), ['i1'])
    spec.instance_uuid = 'i1'
    manager.consume(states['h1'], spec)
    # The conductor claimed an alternate instead.
    seeder.add_instance('h2', uuid='i1')
    states = by_node(manager)
    assert 'i1' not in states['h1'].instances
    assert 'i1' in states['h2'].instances
    assert states['h1'].num_instances == 0


def test_an_unreadable_cell_is_left_out(cloud, seeder, manager):
    cell2 = cloud.add_cell2()
    seeder.add_host('h1')
    seeder.add_host('h2', cell='cell2')
    assert list(by_node(manager)) == ['h1', 'h2']
    mappings.update_cell(
        cloud.api_url, cell2.uuid,
        database_connection='sqlite:////nonexistent/dir/cell2.db')
    assert list(by_node(manager)) == ['h1']
