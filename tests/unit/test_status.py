"""nova-status upgrade check on SQLite: each check, then the real CLI."""

import json

from oslo_upgradecheck import upgradecheck
import pytest
import sqlalchemy as sa

from common import conf
from common.cmd import status
from common.db import engines
from tests import fixtures

Code = upgradecheck.Code


def _manage(deployment, *argv):
    return fixtures.manage_in_process(deployment.conf_file, *argv)


@pytest.fixture
def installed(deployment):
    """The install guide's database steps, done."""
    for argv in (('api_db', 'sync'), ('cell_v2', 'map_cell0'),
                 ('cell_v2', 'create_cell', '--name=cell1'),
                 ('db', 'sync')):
        assert _manage(deployment, *argv) == 0
    return deployment


@pytest.fixture
def checks(deployment):
    """Run one check method against the deployment's nova.conf."""
    def run(name):
        conf.CONF(['--config-file', deployment.conf_file], project='nova')
        try:
            return getattr(status.UpgradeCommands(), name)()
        finally:
            conf.CONF.reset()
    return run


def test_cells_v2_fails_before_any_cell(deployment, checks):
    _manage(deployment, 'api_db', 'sync')
    result = checks('_check_cellsv2')
    assert result.code == Code.FAILURE
    assert 'at least two cell mappings' in result.details


def test_cells_v2_fails_without_cell0(deployment, checks):
    _manage(deployment, 'api_db', 'sync')
    _manage(deployment, 'cell_v2', 'create_cell', '--name=cell1')
    _manage(deployment, 'cell_v2', 'create_cell', '--name=cell2',
            '--database_connection', 'sqlite:///%s.2' % deployment.cell_url)
    result = checks('_check_cellsv2')
    assert result.code == Code.FAILURE
    assert 'No cell0 mapping found' in result.details


def test_cells_v2_succeeds_without_computes(installed, checks):
    result = checks('_check_cellsv2')
    assert result.code == Code.SUCCESS
    assert 'discover_hosts' in result.details


def test_cells_v2_follows_host_discovery(installed, checks):
    fixtures.add_compute(installed.cell_url, 'cmp1')
    result = checks('_check_cellsv2')
    assert result.code == Code.FAILURE
    assert 'No host mappings found but there are compute nodes' in \
        result.details
    _manage(installed, 'cell_v2', 'discover_hosts')
    assert checks('_check_cellsv2').code == Code.SUCCESS
    fixtures.add_compute(installed.cell_url, 'cmp2')
    result = checks('_check_cellsv2')
    assert result.code == Code.WARNING
    assert '1 compute node(s) are not mapped' in result.details


def test_db_schema_check(installed, checks):
    assert checks('_check_db_schema').code == Code.SUCCESS
    with engines.writer(installed.cell_url) as session:
        session.execute(sa.text('DELETE FROM alembic_version'))
    result = checks('_check_db_schema')
    assert result.code == Code.FAILURE
    assert result.details.startswith('cell cell1: ')
    assert 'nova-manage db sync' in result.details


def test_cli_table_and_exit_codes(installed):
    result = installed.run('nova-status', 'upgrade', 'check')
    assert result.rc == 0, result
    assert '| Upgrade Check Results' in result.out
    assert 'Check: Cells v2' in result.out
    assert 'Check: Database Schema' in result.out
    assert 'Result: Success' in result.out
    fixtures.add_compute(installed.cell_url, 'cmp1')
    result = installed.run('nova-status', 'upgrade', 'check', '--json')
    assert result.rc == 2
    checks = {c['check']: c['result']
              for c in json.loads(result.out)['checks']}
    assert checks == {'Cells v2': 2, 'Database Schema': 0}


def test_cli_unreachable_database_is_one_line(deployment):
    deployment.api_url = 'mysql+pymysql://nova:pw@127.0.0.1:1/nova_api'
    deployment.write_conf()
    result = deployment.run('nova-status', 'upgrade', 'check')
    assert result.rc == 255
    assert result.err.startswith(
        'ERROR: Cannot connect to the database at '
        'mysql+pymysql://nova:****@127.0.0.1:1/nova_api: ')
    assert len(result.err.strip().splitlines()) == 1
    assert 'Traceback' not in result.out + result.err
