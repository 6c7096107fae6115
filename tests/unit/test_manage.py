"""nova-manage on SQLite, in-process: every action, its output and codes."""

import datetime
import re

import pytest
import sqlalchemy as sa

from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from common.db import mappings
from common.db import migration
from tests import fixtures

UUID_RE = re.compile(r'^[0-9a-f-]{36}$')


@pytest.fixture
def nova_manage(deployment, capsys):
    def run(*argv):
        rc = fixtures.manage_in_process(deployment.conf_file, *argv)
        out, err = capsys.readouterr()
        assert 'Traceback' not in out + err
        return fixtures.Result(rc, out, err)
    return run


@pytest.fixture
def cells(deployment, nova_manage):
    """The install guide's steps done: cell0 and cell1 mapped and synced."""
    assert nova_manage('api_db', 'sync').rc == 0
    assert nova_manage('cell_v2', 'map_cell0').rc == 0
    result = nova_manage('cell_v2', 'create_cell', '--name=cell1',
                         '--verbose')
    assert result.rc == 0
    assert nova_manage('db', 'sync').rc == 0
    return result.out.strip()


def _count(url, model, *where):
    with engines.reader(url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(
            model).where(*where))


def test_install_guide_steps(deployment, nova_manage, cells, tmp_path):
    assert UUID_RE.match(cells)
    out = nova_manage('cell_v2', 'list_cells').out
    cell0 = r'\| +cell0 +\| 0{8}-0{4}-0{4}-0{4}-0{12} \| +none:/// +\|'
    assert re.search(cell0, out)
    assert re.search(r'\| +cell1 +\| %s \| +rabbit://guest:\*\*\*\*@' % cells,
                     out)
    assert 'Name' in out and 'Disabled' in out and 'False' in out
    # cell0's database was derived from [database] and synced by db sync.
    cell0_url = 'sqlite:///%s' % (tmp_path / 'nova_cell0.db')
    assert migration.db_version(cell0_url, migration.MAIN) == \
        migration.head(migration.MAIN)
    assert nova_manage('api_db', 'version').out.strip() == \
        migration.head(migration.API)
    assert nova_manage('db', 'version').out.strip() == \
        migration.head(migration.MAIN)


def test_version_of_empty_database_is_none(nova_manage):
    assert nova_manage('api_db', 'version').out.strip() == 'None'


def test_db_sync_without_cell0_warns_and_syncs_the_cell(deployment,
                                                        nova_manage):
    nova_manage('api_db', 'sync')
    result = nova_manage('db', 'sync')
    assert result.rc == 0
    assert 'cell0 mapping not found' in result.out
    assert migration.db_version(deployment.cell_url, migration.MAIN)


def test_db_sync_local_cell_skips_cell0(deployment, nova_manage, tmp_path):
    nova_manage('api_db', 'sync')
    nova_manage('cell_v2', 'map_cell0')
    assert nova_manage('db', 'sync', '--local_cell').rc == 0
    cell0_url = 'sqlite:///%s' % (tmp_path / 'nova_cell0.db')
    assert migration.db_version(cell0_url, migration.MAIN) is None


def test_map_cell0_twice_and_explicit_connection(deployment, nova_manage,
                                                 tmp_path):
    nova_manage('api_db', 'sync')
    url = 'sqlite:///%s' % (tmp_path / 'zero.db')
    assert nova_manage('cell_v2', 'map_cell0', '--database_connection',
                       url).rc == 0
    assert nova_manage('cell_v2', 'map_cell0').rc == 0
    cells = mappings.list_cells(deployment.api_url)
    assert [(c.name, c.database_connection) for c in cells] == \
        [('cell0', url)]


def test_create_cell_refuses_duplicate_pair(nova_manage, cells):
    result = nova_manage('cell_v2', 'create_cell', '--name=again')
    assert result.rc == 2
    assert 'already exists for another cell with uuid %s' % cells \
        in result.err
    assert ' again ' not in nova_manage('cell_v2', 'list_cells').out


def test_create_cell_without_transport_url(deployment, nova_manage):
    deployment.write_conf(transport_url=None)
    nova_manage('api_db', 'sync')
    result = nova_manage('cell_v2', 'create_cell', '--name=c')
    assert result.rc == 1
    assert 'Must specify --transport-url' in result.err
    assert mappings.list_cells(deployment.api_url) == []


@pytest.mark.parametrize('option,value,message', [
    ('--transport-url', 'not a url', 'Invalid transport URL'),
    ('--database_connection', 'nosuchdriver://x/y',
     'Invalid database connection URL'),
])
def test_create_cell_refuses_bad_urls(deployment, nova_manage, option, value,
                                      message):
    nova_manage('api_db', 'sync')
    result = nova_manage('cell_v2', 'create_cell', '--name=c', option, value)
    assert result.rc == 1
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert mappings.list_cells(deployment.api_url) == []


def test_list_cells_masks_passwords_unless_verbose(nova_manage, cells):
    nova_manage('cell_v2', 'create_cell', '--name=c2', '--transport-url',
                'rabbit://u:s3cret@h1:5672,u:s3cret@h2:5672/',
                '--database_connection',
                'mysql+pymysql://nova:s3cret@db/nova2', '--disabled')
    out = nova_manage('cell_v2', 'list_cells').out
    assert 's3cret' not in out
    assert 'rabbit://u:****@h1:5672,u:****@h2:5672/' in out
    assert 'mysql+pymysql://nova:****@db/nova2' in out
    assert re.search(r'\| +c2 +\|.*\| +True +\|', out)
    verbose = nova_manage('cell_v2', 'list_cells', '--verbose').out
    assert 'mysql+pymysql://nova:s3cret@db/nova2' in verbose


def test_discover_hosts(deployment, nova_manage, cells):
    fixtures.add_compute(deployment.cell_url, 'cmp1', nodes=2)
    fixtures.add_compute(deployment.cell_url, 'cmp2')
    result = nova_manage('cell_v2', 'discover_hosts', '--verbose')
    assert result.rc == 0
    assert 'Found 2 cell mappings.' in result.out
    assert 'Skipping cell0 since it does not contain hosts.' in result.out
    assert "Creating host mapping for compute host 'cmp1': %s" % cells \
        in result.out
    assert 'Found 2 unmapped computes in cell: %s' % cells in result.out
    assert _count(deployment.cell_url, main.ComputeNode,
                  main.ComputeNode.mapped == 0) == 0
    hosts = nova_manage('cell_v2', 'list_hosts').out
    assert re.search(r'\| +cell1 +\| %s \| +cmp1 +\|' % cells, hosts)
    assert 'cmp2' in hosts
    # Nothing new: fine, but --strict says so with exit code 1.
    assert nova_manage('cell_v2', 'discover_hosts').rc == 0
    assert nova_manage('cell_v2', 'discover_hosts', '--strict').rc == 1
    assert _count(deployment.api_url, api.HostMapping) == 2


def test_discover_hosts_by_service_and_in_one_cell(deployment, nova_manage,
                                                   cells):
    fixtures.add_compute(deployment.cell_url, 'svc1', nodes=0)
    assert nova_manage('cell_v2', 'discover_hosts', '--strict').rc == 1
    assert nova_manage('cell_v2', 'discover_hosts', '--by-service',
                       '--cell_uuid', cells, '--strict').rc == 0
    assert 'svc1' in nova_manage('cell_v2', 'list_hosts').out
    result = nova_manage('cell_v2', 'discover_hosts', '--cell_uuid',
                         'a6c8e0c6-0000-4000-8000-000000000000')
    assert result.rc == 1 and 'was not found' in result.err


def test_discover_hosts_tolerates_a_mapping_made_meanwhile(deployment,
                                                           cells):
    """A race lost to another discovery is no error (and no duplicate)."""
    fixtures.add_compute(deployment.cell_url, 'race')
    cell = mappings.get_cell(deployment.api_url, cells)
    with engines.writer(deployment.api_url) as session:
        session.add(api.HostMapping(host='race', cell_id=cell.id))
    added = mappings.discover_hosts(deployment.api_url)
    assert added == []
    assert _count(deployment.api_url, api.HostMapping) == 1
    assert _count(deployment.cell_url, main.ComputeNode,
                  main.ComputeNode.mapped == 1) == 1


def test_list_hosts_of_unknown_cell(nova_manage, cells):
    result = nova_manage('cell_v2', 'list_hosts', '--cell_uuid',
                         'a6c8e0c6-0000-4000-8000-000000000000')
    assert result.rc == 1
    assert 'Cell with uuid a6c8e0c6-0000-4000-8000-000000000000 was not ' \
        'found.' in result.err


def test_delete_host(deployment, nova_manage, cells):
    fixtures.add_compute(deployment.cell_url, 'busy')
    fixtures.add_compute(deployment.cell_url, 'idle')
    nova_manage('cell_v2', 'discover_hosts')
    fixtures.add_instance(deployment.cell_url, 'busy')
    cell0 = mappings.CELL0_UUID

    def delete(cell, host):
        return nova_manage('cell_v2', 'delete_host', '--cell_uuid', cell,
                           '--host', host)
    assert delete('a6c8e0c6-0000-4000-8000-000000000000', 'idle').rc == 1
    assert delete(cells, 'nohost').rc == 2
    result = delete(cell0, 'idle')
    assert result.rc == 3 and 'was not found in the cell' in result.err
    result = delete(cells, 'busy')
    assert result.rc == 4 and 'There are instances on the host busy.' \
        in result.err
    assert delete(cells, 'idle').rc == 0
    assert 'idle' not in nova_manage('cell_v2', 'list_hosts').out
    assert _count(deployment.cell_url, main.ComputeNode,
                  main.ComputeNode.host == 'idle',
                  main.ComputeNode.mapped == 0) == 1
    # Unmapped, it can be discovered again.
    assert nova_manage('cell_v2', 'discover_hosts', '--strict').rc == 0


def test_delete_cell(deployment, nova_manage, cells):
    def delete(*extra):
        return nova_manage('cell_v2', 'delete_cell', '--cell_uuid', cells,
                           *extra)
    assert nova_manage('cell_v2', 'delete_cell', '--cell_uuid',
                       'a6c8e0c6-0000-4000-8000-000000000000').rc == 1
    fixtures.add_compute(deployment.cell_url, 'cmp1')
    nova_manage('cell_v2', 'discover_hosts')
    result = delete()
    assert result.rc == 2 and 'existing hosts mapped' in result.err
    live = fixtures.add_instance(deployment.cell_url, 'cmp1')
    nova_manage('cell_v2', 'map_instances', '--cell_uuid', cells)
    result = delete('--force')
    assert result.rc == 3 and 'existing instances mapped' in result.err
    fixtures.soft_delete_instance(deployment.cell_url, live)
    nova_manage('cell_v2', 'delete_host', '--cell_uuid', cells, '--host',
                'cmp1')
    result = delete()
    assert result.rc == 4 and 'all instances have been deleted' in result.err
    assert ' cell1 ' in nova_manage('cell_v2', 'list_cells').out
    assert delete('--force').rc == 0
    assert ' cell1 ' not in nova_manage('cell_v2', 'list_cells').out
    assert _count(deployment.api_url, api.InstanceMapping) == 0


def test_delete_empty_cell(nova_manage, cells):
    assert nova_manage('cell_v2', 'delete_cell', '--cell_uuid',
                       cells).rc == 0


def test_update_cell(deployment, nova_manage, cells):
    def update(*extra, cell=cells):
        return nova_manage('cell_v2', 'update_cell', '--cell_uuid', cell,
                           *extra)
    assert update('--name', 'renamed').rc == 0
    assert update('--disable').rc == 0
    out = nova_manage('cell_v2', 'list_cells').out
    assert re.search(r'\| +renamed +\|.*\| +True +\|', out)
    assert update('--enable').rc == 0
    assert update('--disable', '--enable').rc == 4
    assert update('--disable', cell=mappings.CELL0_UUID).rc == 5
    assert update('--name', 'x',
                  cell='a6c8e0c6-0000-4000-8000-000000000000').rc == 1
    cell0 = mappings.get_cell(deployment.api_url, mappings.CELL0_UUID)
    result = update('--transport-url', cell0.transport_url,
                    '--database_connection', cell0.database_connection)
    assert result.rc == 3
    assert update('--transport-url', 'not a url').rc == 2
    # Renaming cell0 leaves its URLs alone.
    assert update('--name', 'zero', cell=mappings.CELL0_UUID).rc == 0
    after = mappings.get_cell(deployment.api_url, mappings.CELL0_UUID)
    assert (after.name, after.transport_url, after.database_connection) == \
        ('zero', cell0.transport_url, cell0.database_connection)


def test_map_instances_in_batches(deployment, nova_manage, cells):
    for _ in range(3):
        fixtures.add_instance(deployment.cell_url, 'cmp1')
    assert nova_manage('cell_v2', 'map_instances', '--cell_uuid', cells,
                       '--max-count', '0').rc == 127
    assert nova_manage('cell_v2', 'map_instances', '--cell_uuid', cells,
                       '--max-count', '2').rc == 1
    assert _count(deployment.api_url, api.InstanceMapping) == 2
    assert nova_manage('cell_v2', 'map_instances', '--cell_uuid', cells,
                       '--max-count', '1').rc == 0
    assert nova_manage('cell_v2', 'map_instances', '--cell_uuid',
                       cells).rc == 0
    assert _count(deployment.api_url, api.InstanceMapping) == 3


def test_verify_instance(deployment, nova_manage, cells):
    def verify(instance_uuid, *extra):
        return nova_manage('cell_v2', 'verify_instance', '--uuid',
                           instance_uuid, *extra)
    live = fixtures.add_instance(deployment.cell_url, 'cmp1')
    assert verify(live).rc == 1
    nova_manage('cell_v2', 'map_instances', '--cell_uuid', cells)
    result = verify(live)
    assert result.rc == 0
    assert result.out.strip() == 'Instance %s is in cell: cell1 (%s)' % (
        live, cells)
    assert verify(live, '--quiet').out == ''
    fixtures.soft_delete_instance(deployment.cell_url, live)
    assert verify(live).rc == 3
    nova_manage('db', 'archive_deleted_rows')
    assert verify(live).rc == 1  # archiving removed the mapping too
    unscheduled = 'b1d5c2a4-0000-4000-8000-000000000001'
    with engines.writer(deployment.api_url) as session:
        session.add(api.InstanceMapping(instance_uuid=unscheduled,
                                        project_id='p1'))
    assert verify(unscheduled).rc == 2
    cell = mappings.get_cell(deployment.api_url, cells)
    gone = 'b1d5c2a4-0000-4000-8000-000000000002'
    with engines.writer(deployment.api_url) as session:
        session.add(api.InstanceMapping(instance_uuid=gone, cell_id=cell.id,
                                        project_id='p1'))
    assert verify(gone).rc == 4


def test_simple_cell_setup(deployment, nova_manage):
    nova_manage('api_db', 'sync')
    nova_manage('db', 'sync', '--local_cell')
    result = nova_manage('cell_v2', 'simple_cell_setup')
    assert result.rc == 1
    assert 'No hosts found to map to cell, exiting.' in result.out
    fixtures.add_compute(deployment.cell_url, 'cmp1')
    fixtures.add_instance(deployment.cell_url, 'cmp1')
    assert nova_manage('cell_v2', 'simple_cell_setup').rc == 0
    assert nova_manage('cell_v2', 'simple_cell_setup').rc == 0
    names = [c.name for c in mappings.list_cells(deployment.api_url)]
    assert names == ['cell0', 'cell1']
    assert 'cmp1' in nova_manage('cell_v2', 'list_hosts').out
    assert _count(deployment.api_url, api.InstanceMapping) == 1


def test_simple_cell_setup_needs_transport_url(deployment, nova_manage):
    deployment.write_conf(transport_url=None)
    nova_manage('api_db', 'sync')
    assert nova_manage('cell_v2', 'simple_cell_setup').rc == 1


def test_archive_and_purge(deployment, nova_manage, cells):
    keep = fixtures.add_instance(deployment.cell_url, 'cmp1')
    for _ in range(3):
        fixtures.add_instance(deployment.cell_url, 'cmp1', deleted=True)
    nova_manage('cell_v2', 'map_instances', '--cell_uuid', cells)
    assert nova_manage('db', 'archive_deleted_rows', '--max_rows',
                       '0').rc == 2
    assert nova_manage('db', 'archive_deleted_rows', '--before',
                       'not a date').rc == 4
    assert nova_manage('db', 'archive_deleted_rows', '--before',
                       '2001-01-01').rc == 0
    result = nova_manage('db', 'archive_deleted_rows', '--max_rows', '1',
                         '--until-complete', '--verbose')
    assert result.rc == 1
    assert result.out.startswith('Archiving..')
    assert '.complete' in result.out
    assert re.search(r'\| instances +\| 3 +\|', result.out)
    assert re.search(r'\| API_DB.instance_mappings +\| 3 +\|', result.out)
    assert _count(deployment.cell_url, main.Instance) == 1
    assert mappings.get_instance_mapping(deployment.api_url, keep)
    result = nova_manage('db', 'archive_deleted_rows', '--verbose')
    assert result.rc == 0 and 'Nothing was archived.' in result.out

    assert nova_manage('db', 'purge').rc == 1
    assert nova_manage('db', 'purge', '--before', 'soon-ish?').rc == 2
    result = nova_manage('db', 'purge', '--all', '--verbose')
    assert result.rc == 0 and result.out.startswith('DB: Deleted ')
    assert nova_manage('db', 'purge', '--all').rc == 3


def test_archive_all_cells_then_purge(deployment, nova_manage, cells):
    fixtures.add_instance(deployment.cell_url, 'cmp1', deleted=True)
    result = nova_manage('db', 'archive_deleted_rows', '--all-cells',
                         '--verbose', '--purge')
    assert result.rc == 1
    assert re.search(r'\| cell1.instances +\| 1 +\|', result.out)
    assert 'Rows were archived, running purge...' in result.out
    assert 'Cell cell1: Deleted' in result.out
    table = sa.table('shadow_instances')
    with engines.reader(deployment.cell_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            table)) == 0


def test_purge_before_date_keeps_newer_rows(deployment, nova_manage, cells):
    fixtures.add_instance(deployment.cell_url, 'cmp1', deleted=True)
    nova_manage('db', 'archive_deleted_rows')
    yesterday = (datetime.datetime.utcnow() -
                 datetime.timedelta(days=1)).strftime('%Y-%m-%d')
    assert nova_manage('db', 'purge', '--before', yesterday).rc == 3
    assert nova_manage('db', 'purge', '--before', '2999-01-01').rc == 0


# --- bad input: one line on stderr, Nova's exit code, nothing written ---

def test_unparseable_database_url(deployment, nova_manage):
    deployment.api_url = 'this is not a url'
    deployment.write_conf()
    result = nova_manage('api_db', 'sync')
    assert result.rc == 255
    assert result.err.startswith('ERROR: Invalid database connection URL')
    assert len(result.err.strip().splitlines()) == 1


def test_unreachable_database(deployment, nova_manage):
    deployment.api_url = 'mysql+pymysql://nova:secret@127.0.0.1:1/nova_api'
    deployment.write_conf()
    result = nova_manage('cell_v2', 'list_cells')
    assert result.rc == 255
    assert 'ERROR: ' in result.err and 'secret' not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_missing_connection_option(deployment, nova_manage):
    with open(deployment.conf_file, 'w') as f:
        f.write('[DEFAULT]\n')
    result = nova_manage('api_db', 'sync')
    assert result.rc == 255
    assert result.err.strip() == \
        'ERROR: [api_database] connection is not set in nova.conf.'


def test_schema_newer_than_code_is_left_alone(deployment, nova_manage):
    nova_manage('api_db', 'sync')
    with engines.writer(deployment.api_url) as session:
        session.execute(sa.text(
            "UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
    result = nova_manage('api_db', 'sync')
    assert result.rc == 255
    assert 'f00dfeedbeef' in result.err and 'newer' in result.err
    assert nova_manage('api_db', 'version').out.strip() == 'f00dfeedbeef'


def test_missing_config_file(nova_manage, capsys):
    rc = fixtures.manage_in_process('/nonexistent.conf', 'db', 'version')
    assert rc == 255
    assert 'nonexistent.conf' in capsys.readouterr().err
