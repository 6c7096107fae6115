"""Claims on MariaDB: parallel placements never overcommit a node.

The conductor's claim is one conditional UPDATE; these tests race many
threads, each creating a server on the same node in its own transaction
as the conductor does, and count what the database let through.
"""

import concurrent.futures
import uuid

import pytest
import sqlalchemy as sa

from common import states
from common.db import engines
from common.db import main_models as main
from common.db import migration
from nova_conductor.db import claims
from nova_conductor.db import compute_nodes
from nova_conductor.db import instances

FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'memory_mb': 2048,
          'vcpus': 1, 'root_gb': 10, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


@pytest.fixture
def cell_url(mysql_db):
    url = mysql_db('cell1')
    migration.db_sync(url, migration.MAIN)
    return url


def _report(url, host, memory_mb=8192, vcpus=64, local_gb=1000):
    """The resource tracker's report of an empty node (reserved: none)."""
    with engines.writer(url) as session:
        return compute_nodes.update(session, 1, host, host, {
            'vcpus': vcpus, 'memory_mb': memory_mb, 'local_gb': local_gb,
            'vcpus_used': 0, 'memory_mb_used': 0, 'local_gb_used': 0,
            'hypervisor_type': 'fake', 'hypervisor_version': 1,
            'cpu_info': '{}', 'cpu_allocation_ratio': 16.0,
            'ram_allocation_ratio': 1.0, 'disk_allocation_ratio': 1.0})


def _record():
    return {'uuid': str(uuid.uuid4()), 'project_id': 'p1', 'user_id': 'u1',
            'vm_state': states.BUILDING, 'task_state': states.SCHEDULING,
            'vcpus': 1, 'memory_mb': 2048, 'root_gb': 10, 'ephemeral_gb': 0,
            'flavor': FLAVOR, 'display_name': 'vm'}


@engines.retry_on_deadlock
def _place(url, host):
    """True if the server could be created on ``host``."""
    try:
        with engines.writer(url) as session:
            instances.create(session, _record(), [], [], (host, host, 'nova'))
    except claims.ClaimFailed:
        return False
    return True


def _node(url, host):
    with engines.reader(url) as session:
        return session.scalars(sa.select(main.ComputeNode).where(
            main.ComputeNode.host == host)).one()


def test_parallel_claims_stop_at_the_node_capacity(cell_url):
    _report(cell_url, 'host1')  # room for 4 servers of 2 GiB
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        placed = list(pool.map(lambda _: _place(cell_url, 'host1'),
                               range(20)))
    assert placed.count(True) == 4
    node = _node(cell_url, 'host1')
    assert (node.memory_mb_used, node.vcpus_used, node.local_gb_used,
            node.running_vms, node.free_ram_mb) == (8192, 4, 40, 4, 0)
    with engines.reader(cell_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            main.Instance).where(main.Instance.host == 'host1')) == 4


def test_a_failed_claim_names_the_resource(cell_url):
    _report(cell_url, 'host1', memory_mb=1024)
    with pytest.raises(claims.ClaimFailed,
                       match=r'MEMORY_MB: 0 used \+ 2048 requested > 1024'):
        with engines.writer(cell_url) as session:
            instances.create(session, _record(), [], [],
                             ('host1', 'host1', 'nova'))


def test_delete_releases_and_a_report_heals_drift(cell_url):
    _report(cell_url, 'host1')
    records = []
    for _ in range(2):
        with engines.writer(cell_url) as session:
            records.append(instances.create(session, _record(), [], [],
                                            ('host1', 'host1', 'nova')))
    with engines.writer(cell_url) as session:
        instances.destroy(session, records[0]['uuid'])
    assert _node(cell_url, 'host1').memory_mb_used == 2048
    # Drift (e.g. a bug or a manual edit) is undone by the next report.
    with engines.writer(cell_url) as session:
        session.execute(sa.update(main.ComputeNode).values(
            memory_mb_used=7000, running_vms=9))
    _report(cell_url, 'host1')
    node = _node(cell_url, 'host1')
    assert (node.memory_mb_used, node.running_vms, node.free_ram_mb) == (
        2048, 1, 8192 - 2048)
