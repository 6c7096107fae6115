"""nova-manage and nova-status on real MariaDB, run as an operator runs them.

Every command under test is the installed console script started as a
separate process on a nova.conf (``tests.fixtures.Deployment``), so the
option parsing, the exit codes and what reaches stdout and stderr are the
real ones.  What a test only needs as a starting point (schemas, the
mappings the install guide creates, rows a compute would write) is set
up in-process: the commands that normally do it are tested on their own
and a subprocess costs about a second.
"""

import json
import os
import re
import subprocess
import sys
import urllib.parse
import uuid

from oslo_upgradecheck import upgradecheck
import pytest
import sqlalchemy as sa

from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from common.db import mappings
from common.db import migration
from tests import fixtures
from tests.functional.conftest import SERVER_URL

CELL0 = mappings.CELL0_UUID
UUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                     r'[0-9a-f]{12}$')
Code = upgradecheck.Code

# The install guide's database user has a password; '!' is URL-encoded
# as %21 in the connection URLs, so nothing may %-interpolate them.
PASSWORD = 'S3cret!pw'
QUOTED_PASSWORD = urllib.parse.quote(PASSWORD, safe='')


# --- running the commands ---------------------------------------------------

def run(deployment, program, *argv):
    """Run a console script; no command may ever print a traceback."""
    result = deployment.run(program, *argv)
    assert 'Traceback' not in result.out + result.err, result
    return result


def nova_manage(deployment, *argv):
    return run(deployment, 'nova-manage', *argv)


def start(deployment, program, *argv):
    """Start a console script without waiting for it (Deployment.run's
    command line, as a Popen)."""
    binary = os.path.join(os.path.dirname(sys.executable), program)
    return subprocess.Popen(
        [binary, '--config-file', deployment.conf_file] + list(argv),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def upgrade_check(deployment):
    """nova-status upgrade check --json: (exit code, {check: (code, text)})."""
    result = run(deployment, 'nova-status', 'upgrade', 'check', '--json')
    checks = json.loads(result.out)['checks']
    return result.rc, {c['check']: (c['result'], c['details'])
                       for c in checks}


def assert_error(result, rc, *fragments):
    """Exit code ``rc`` and one line on stderr containing ``fragments``."""
    assert result.rc == rc, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    for fragment in fragments:
        assert fragment in lines[0]


def table(out):
    """The rows of a boxed table (header first), as lists of strings."""
    return [[cell.strip() for cell in line.strip()[1:-1].split('|')]
            for line in out.splitlines() if line.startswith('|')]


def count(url, model, *where):
    with engines.reader(url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(
            model).where(*where))


def cell_names(deployment):
    return [cell.name for cell in mappings.list_cells(deployment.api_url)]


# --- deployments ------------------------------------------------------------

@pytest.fixture
def deployment(mysql_db, tmp_path):
    """nova.conf naming an empty API database and an empty cell database."""
    return fixtures.Deployment(tmp_path, mysql_db('api'), mysql_db('cell'))


@pytest.fixture
def cell1(deployment, mysql_db):
    """What the install guide's steps leave, made in-process: the schemas
    at head, cell0 mapped to its own database and cell1 to [database]
    (test_install_guide_verbatim runs the steps themselves).  Returns
    cell1's uuid."""
    cell0_url = mysql_db('cell0')
    migration.db_sync(deployment.api_url, migration.API)
    for url in (deployment.cell_url, cell0_url):
        migration.db_sync(url, migration.MAIN)
    mappings.create_cell(deployment.api_url, mappings.CELL0_NAME,
                         mappings.CELL0_TRANSPORT_URL, cell0_url,
                         cell_uuid=CELL0)
    return mappings.create_cell(deployment.api_url, 'cell1',
                                fixtures.TRANSPORT_URL,
                                deployment.cell_url).uuid


@pytest.fixture
def guide(tmp_path):
    """The install guide's prerequisites, by its names, on MariaDB.

    CREATE DATABASE nova_api; nova; nova_cell0 and a user with a password
    granted all of them; every name starts with nt_<hex>_ so that runs in
    parallel do not clash.  Yields the Deployment (its nova.conf connects
    as that user) with ``urls``: {'nova_api'|'nova'|'nova_cell0': URL}.
    """
    user = 'nt_%s' % uuid.uuid4().hex[:12]
    names = {db: '%s_%s' % (user, db) for db in ('nova_api', 'nova',
                                                  'nova_cell0')}
    server = sa.engine.make_url(SERVER_URL)
    urls = {db: server.set(username=user, password=PASSWORD, database=name,
                           query={'charset': 'utf8mb4'}).render_as_string(
                               hide_password=False)
            for db, name in names.items()}
    admin = sa.create_engine(server.set(database=None),
                             poolclass=sa.pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'"
                                 % (user, PASSWORD)))
            for name in names.values():
                conn.execute(sa.text('CREATE DATABASE `%s`' % name))
                conn.execute(sa.text("GRANT ALL PRIVILEGES ON `%s`.* TO "
                                     "'%s'@'%%'" % (name, user)))
        deployment = fixtures.Deployment(tmp_path, urls['nova_api'],
                                         urls['nova'])
        deployment.urls = urls
        yield deployment
    finally:
        for url in urls.values():
            engines.get_engine(url).dispose()
        with admin.begin() as conn:
            for name in names.values():
                conn.execute(sa.text('DROP DATABASE IF EXISTS `%s`' % name))
            conn.execute(sa.text("DROP USER IF EXISTS '%s'@'%%'" % user))
        admin.dispose()


# --- the install guide ------------------------------------------------------

def test_install_guide_verbatim(guide):
    def masked(url):
        return url.replace(':%s@' % QUOTED_PASSWORD, ':****@')

    assert nova_manage(guide, 'api_db', 'sync').rc == 0
    assert nova_manage(guide, 'cell_v2', 'map_cell0').rc == 0
    created = nova_manage(guide, 'cell_v2', 'create_cell', '--name=cell1',
                          '--verbose')
    assert created.rc == 0
    cell1 = created.out.strip()
    assert UUID_RE.match(cell1)
    assert nova_manage(guide, 'db', 'sync').rc == 0

    listed = nova_manage(guide, 'cell_v2', 'list_cells')
    assert listed.rc == 0
    assert table(listed.out) == [
        ['Name', 'UUID', 'Transport URL', 'Database Connection', 'Disabled'],
        ['cell0', CELL0, 'none:///', masked(guide.urls['nova_cell0']),
         'False'],
        ['cell1', cell1, 'rabbit://guest:****@127.0.0.1:5672/',
         masked(guide.urls['nova']), 'False'],
    ]
    assert 'S3cret' not in listed.out + listed.err
    verbose = nova_manage(guide, 'cell_v2', 'list_cells', '--verbose').out
    assert guide.urls['nova_cell0'] in verbose  # <[database] name>_cell0
    assert guide.urls['nova'] in verbose

    assert nova_manage(guide, 'api_db', 'version').out.strip() == \
        migration.head(migration.API)
    assert nova_manage(guide, 'db', 'version').out.strip() == \
        migration.head(migration.MAIN)
    # db sync upgraded cell0's database too.
    assert migration.db_version(guide.urls['nova_cell0'], migration.MAIN) \
        == migration.head(migration.MAIN)
    # Mapping cell0 again changes nothing.
    assert nova_manage(guide, 'cell_v2', 'map_cell0').rc == 0
    assert cell_names(guide) == ['cell0', 'cell1']
    # The guide's "Verify operation" step.
    check = run(guide, 'nova-status', 'upgrade', 'check')
    assert check.rc == 0, check
    assert 'Check: Cells v2' in check.out
    assert 'Result: Success' in check.out
    assert 'Failure' not in check.out


# --- cell_v2 ----------------------------------------------------------------

def test_create_cell_failures(deployment, cell1, mysql_db):
    result = nova_manage(
        deployment, 'cell_v2', 'create_cell', '--name=again',
        '--transport-url', fixtures.TRANSPORT_URL,
        '--database_connection', deployment.cell_url)
    assert_error(result, 2,
                 'already exists for another cell with uuid %s' % cell1)
    assert cell_names(deployment) == ['cell0', 'cell1']

    deployment.write_conf(transport_url=None)
    result = nova_manage(deployment, 'cell_v2', 'create_cell',
                         '--name=cell2', '--database_connection',
                         mysql_db('cell2'))
    assert_error(result, 1, 'Must specify --transport-url')
    assert cell_names(deployment) == ['cell0', 'cell1']


def test_update_cell(deployment, cell1):
    def update(*argv, cell=cell1):
        return nova_manage(deployment, 'cell_v2', 'update_cell',
                           '--cell_uuid', cell, *argv)

    assert update('--name', 'renamed').rc == 0
    assert update('--disable').rc == 0
    rows = table(nova_manage(deployment, 'cell_v2', 'list_cells').out)
    assert [(row[0], row[4]) for row in rows[1:]] == \
        [('cell0', 'False'), ('renamed', 'True')]
    assert_error(update('--disable', '--enable'), 4,
                 'cannot be disabled and enabled at the same time')
    assert_error(update('--disable', cell=CELL0), 5,
                 'Cell0 cannot be disabled or enabled.')


def test_discover_and_list_hosts(deployment, cell1):
    fixtures.add_compute(deployment.cell_url, 'busy')
    fixtures.add_compute(deployment.cell_url, 'idle', nodes=2)

    result = nova_manage(deployment, 'cell_v2', 'discover_hosts', '--verbose')
    assert result.rc == 0
    assert result.out.splitlines() == [
        'Found 2 cell mappings.',
        'Skipping cell0 since it does not contain hosts.',
        "Getting computes from cell 'cell1': %s" % cell1,
        "Checking host mapping for compute host 'busy': %s" % cell1,
        "Creating host mapping for compute host 'busy': %s" % cell1,
        "Checking host mapping for compute host 'idle': %s" % cell1,
        "Creating host mapping for compute host 'idle': %s" % cell1,
        'Found 2 unmapped computes in cell: %s' % cell1,
    ]
    assert count(deployment.cell_url, main.ComputeNode,
                 main.ComputeNode.mapped == 0) == 0
    # A second run has nothing to do: fine, unless --strict.
    assert nova_manage(deployment, 'cell_v2', 'discover_hosts',
                       '--strict').rc == 1
    assert count(deployment.api_url, api.HostMapping) == 2

    hosts = nova_manage(deployment, 'cell_v2', 'list_hosts')
    assert hosts.rc == 0
    assert table(hosts.out) == [['Cell Name', 'Cell UUID', 'Hostname'],
                                ['cell1', cell1, 'busy'],
                                ['cell1', cell1, 'idle']]


def test_delete_host(deployment, cell1):
    for host in ('busy', 'idle'):
        fixtures.add_compute(deployment.cell_url, host)
    mappings.discover_hosts(deployment.api_url)
    fixtures.add_instance(deployment.cell_url, 'busy')

    def delete(host):
        return nova_manage(deployment, 'cell_v2', 'delete_host',
                           '--cell_uuid', cell1, '--host', host)

    assert_error(delete('busy'), 4, 'There are instances on the host busy.')
    assert delete('idle').rc == 0
    assert [host for _, host in mappings.host_mappings(
        deployment.api_url)] == ['busy']
    # Unmapped, the host will be discovered again.
    assert count(deployment.cell_url, main.ComputeNode,
                 main.ComputeNode.host == 'idle',
                 main.ComputeNode.mapped == 0) == 1


def test_delete_cell(deployment, cell1, mysql_db):
    fixtures.add_compute(deployment.cell_url, 'cmp1')
    mappings.discover_hosts(deployment.api_url)
    result = nova_manage(deployment, 'cell_v2', 'delete_cell',
                         '--cell_uuid', cell1)
    assert_error(result, 2,
                 'There are existing hosts mapped to cell with uuid %s.'
                 % cell1)
    assert cell_names(deployment) == ['cell0', 'cell1']

    empty = mappings.create_cell(deployment.api_url, 'empty',
                                 fixtures.TRANSPORT_URL, mysql_db('empty'))
    assert nova_manage(deployment, 'cell_v2', 'delete_cell',
                       '--cell_uuid', empty.uuid).rc == 0
    assert cell_names(deployment) == ['cell0', 'cell1']


def test_map_instances_in_batches_and_verify_instance(deployment, cell1):
    instances = [fixtures.add_instance(deployment.cell_url, 'cmp1')
                 for _ in range(3)]

    def verify(instance_uuid):
        return nova_manage(deployment, 'cell_v2', 'verify_instance',
                           '--uuid', instance_uuid)

    def map_batch():
        return nova_manage(deployment, 'cell_v2', 'map_instances',
                           '--cell_uuid', cell1, '--max-count', '2')

    result = verify(instances[0])
    assert result.rc == 1
    assert result.out.strip() == \
        'There is no instance mapping for instance %s' % instances[0]
    assert map_batch().rc == 1  # more to map: run again
    assert count(deployment.api_url, api.InstanceMapping) == 2
    assert map_batch().rc == 0
    assert count(deployment.api_url, api.InstanceMapping) == 3
    result = verify(instances[2])
    assert result.rc == 0
    assert result.out.strip() == 'Instance %s is in cell: cell1 (%s)' % (
        instances[2], cell1)


def test_simple_cell_setup_on_fresh_deployment(deployment):
    migration.db_sync(deployment.api_url, migration.API)
    migration.db_sync(deployment.cell_url, migration.MAIN)

    result = nova_manage(deployment, 'cell_v2', 'simple_cell_setup')
    assert result.rc == 1
    assert 'No hosts found to map to cell, exiting.' in result.out

    fixtures.add_compute(deployment.cell_url, 'cmp1')
    fixtures.add_instance(deployment.cell_url, 'cmp1')
    for _ in range(2):  # the second run finds everything done
        assert nova_manage(deployment, 'cell_v2',
                           'simple_cell_setup').rc == 0
    assert cell_names(deployment) == ['cell0', 'cell1']
    assert [(cell.name, host) for cell, host in mappings.host_mappings(
        deployment.api_url)] == [('cell1', 'cmp1')]
    assert count(deployment.api_url, api.InstanceMapping) == 1


def test_concurrent_discover_hosts(deployment, cell1):
    hosts = ['cmp%02d' % i for i in range(30)]
    for host in hosts:
        fixtures.add_compute(deployment.cell_url, host)

    procs = [start(deployment, 'nova-manage', 'cell_v2', 'discover_hosts',
                   '--verbose') for _ in range(3)]
    created = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert (proc.returncode, err) == (0, ''), out + err
        created += re.findall(r"Creating host mapping for compute host "
                              r"'(\w+)'", out)
    assert sorted(created) == hosts  # each host claimed by one process

    with engines.reader(deployment.api_url) as session:
        mapped = session.execute(sa.select(
            api.HostMapping.host, api.CellMapping.uuid).join(
                api.CellMapping)).all()
    assert sorted(mapped) == [(host, cell1) for host in hosts]
    assert count(deployment.cell_url, main.ComputeNode,
                 main.ComputeNode.mapped == 0) == 0

    again = nova_manage(deployment, 'cell_v2', 'discover_hosts', '--verbose')
    assert again.rc == 0
    assert 'Found 0 unmapped computes in cell: %s' % cell1 in again.out
    assert 'Creating host mapping' not in again.out
    assert count(deployment.api_url, api.HostMapping) == 30


# --- db ---------------------------------------------------------------------

def test_archive_deleted_rows_and_purge(deployment, cell1):
    kept = fixtures.add_instance(deployment.cell_url, 'cmp1')
    for _ in range(3):
        fixtures.add_instance(deployment.cell_url, 'cmp1', deleted=True)
    mappings.map_instances(deployment.api_url, cell1)

    result = nova_manage(deployment, 'db', 'archive_deleted_rows',
                         '--verbose')
    assert result.rc == 1  # rows were archived
    archived = dict(table(result.out)[1:])
    assert archived['instances'] == '3'
    assert archived['API_DB.instance_mappings'] == '3'
    assert count(deployment.cell_url, main.Instance) == 1
    assert count(deployment.cell_url, sa.table('shadow_instances')) == 3
    assert mappings.get_instance_mapping(deployment.api_url, kept)

    result = nova_manage(deployment, 'db', 'archive_deleted_rows',
                         '--verbose')
    assert result.rc == 0
    assert result.out.strip() == 'Nothing was archived.'

    assert nova_manage(deployment, 'db', 'purge', '--all').rc == 0
    assert count(deployment.cell_url, sa.table('shadow_instances')) == 0
    assert nova_manage(deployment, 'db', 'purge', '--all').rc == 3


# --- bad input: one line on stderr, the right exit code ---------------------

MISSING_DATABASE_URL = sa.engine.make_url(SERVER_URL).set(
    database='nt_missing_%s' % uuid.uuid4().hex[:12],
    query={'charset': 'utf8mb4'}).render_as_string(hide_password=False)
NOTHING_LISTENS_URL = ('mysql+pymysql://nova:%s@127.0.0.1:1/nova_api'
                       % QUOTED_PASSWORD)


@pytest.mark.parametrize('url,fragments', [
    (MISSING_DATABASE_URL, ['Unknown database']),
    (NOTHING_LISTENS_URL, ["Can't connect to MySQL server",
                           'nova:****@127.0.0.1:1/nova_api']),
    ('this is not a url', ['Invalid database connection URL']),
], ids=['unknown-database', 'nothing-listening', 'garbage'])
def test_api_db_sync_on_unusable_database(deployment, url, fragments):
    deployment.api_url = url
    deployment.write_conf()
    result = nova_manage(deployment, 'api_db', 'sync')
    assert_error(result, 255, 'ERROR: ', *fragments)
    assert 'S3cret' not in result.out + result.err


def test_api_db_sync_refuses_newer_schema(deployment):
    migration.db_sync(deployment.api_url, migration.API)
    with engines.writer(deployment.api_url) as session:
        session.execute(sa.text(
            "UPDATE alembic_version SET version_num = 'deadbeef0000'"))
    result = nova_manage(deployment, 'api_db', 'sync')
    assert_error(result, 255, 'deadbeef0000', 'newer')
    assert migration.db_version(deployment.api_url, migration.API) == \
        'deadbeef0000'


# --- nova-status ------------------------------------------------------------

def test_upgrade_check_follows_host_discovery(deployment, cell1):
    assert upgrade_check(deployment) == (Code.SUCCESS, {
        'Cells v2': (Code.SUCCESS, (
            'No host mappings or compute nodes were found. Remember to run '
            "command 'nova-manage cell_v2 discover_hosts' when new compute "
            'hosts are deployed.')),
        'Database Schema': (Code.SUCCESS, None),
    })

    fixtures.add_compute(deployment.cell_url, 'cmp1')
    rc, checks = upgrade_check(deployment)
    assert rc == Code.FAILURE
    code, details = checks['Cells v2']
    assert code == Code.FAILURE
    assert details.startswith(
        'No host mappings found but there are compute nodes')

    assert nova_manage(deployment, 'cell_v2', 'discover_hosts').rc == 0
    assert upgrade_check(deployment) == (Code.SUCCESS, {
        'Cells v2': (Code.SUCCESS, None),
        'Database Schema': (Code.SUCCESS, None),
    })


def test_upgrade_check_reports_unsynced_cell_database(deployment, cell1,
                                                      mysql_db):
    mappings.update_cell(deployment.api_url, CELL0,
                         database_connection=mysql_db('empty_cell0'))
    rc, checks = upgrade_check(deployment)
    assert rc == Code.FAILURE
    assert checks['Cells v2'][0] == Code.SUCCESS
    code, details = checks['Database Schema']
    assert code == Code.FAILURE
    assert details.startswith('cell cell0: ')
    assert 'run nova-manage db sync' in details


def test_upgrade_check_on_unsynced_api_database(deployment):
    """Both checks fail and say which nova-manage command mends it."""
    rc, checks = upgrade_check(deployment)
    assert rc == Code.FAILURE
    for code, details in checks.values():
        assert code == Code.FAILURE
        assert 'run nova-manage api_db sync' in details
