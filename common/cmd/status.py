"""nova-status upgrade check: is this deployment ready to run?

Same table and exit codes as Nova's (oslo.upgradecheck): 0 all checks
passed, 1 a warning, 2 a failure, 255 the checks could not run (one line
on stderr instead of a traceback).
"""

import sys

from oslo_config import cfg
from oslo_upgradecheck import upgradecheck

from common import cmd
from common import conf
from common import config
from common import exception
from common.db import mappings
from common.db import migration
from common.db.engines import configured_url as connection

CONF = conf.CONF
Code = upgradecheck.Code
Result = upgradecheck.Result


def _schema_problem(url, database):
    """Why the database at ``url`` is not at this code's schema, or None."""
    try:
        migration.check_current(url, database)
    except (exception.DBNotSynced, exception.DBSchemaNewer) as e:
        return e.format_message()
    return None


class UpgradeCommands(upgradecheck.UpgradeCommands):
    """The checks, in the order the table shows them."""

    def _check_cellsv2(self):
        """Cell0 and one cell mapped; compute hosts mapped to cells."""
        api = connection('api_database')
        problem = _schema_problem(api, migration.API)
        if problem:
            return Result(Code.FAILURE, problem)
        cells = mappings.list_cells(api)
        if len(cells) < 2:
            return Result(Code.FAILURE, (
                'There needs to be at least two cell mappings, one for cell0 '
                "and one for your first cell. Run command 'nova-manage "
                "cell_v2 simple_cell_setup' and then retry."))
        if not any(mappings.is_cell0(cell) for cell in cells):
            return Result(Code.FAILURE, (
                "No cell0 mapping found. Run command 'nova-manage cell_v2 "
                "map_cell0' and then retry."))
        unmapped = sum(mappings.count_unmapped_compute_nodes(cell)
                       for cell in cells if not mappings.is_cell0(cell))
        if not mappings.host_mappings(api):
            if unmapped:
                return Result(Code.FAILURE, (
                    'No host mappings found but there are compute nodes. '
                    "Run command 'nova-manage cell_v2 simple_cell_setup' "
                    'and then retry.'))
            return Result(Code.SUCCESS, (
                'No host mappings or compute nodes were found. Remember to '
                "run command 'nova-manage cell_v2 discover_hosts' when new "
                'compute hosts are deployed.'))
        if unmapped:
            return Result(Code.WARNING, (
                "%d compute node(s) are not mapped to a cell yet: the "
                "scheduler cannot use them. Run command 'nova-manage "
                "cell_v2 discover_hosts'." % unmapped))
        return Result(Code.SUCCESS)

    def _check_db_schema(self):
        """Every database at the schema revision this code expects."""
        api = connection('api_database')
        problem = _schema_problem(api, migration.API)
        if problem:
            return Result(Code.FAILURE, 'API: %s' % problem)
        stale = ['cell %s: %s' % (cell.name or cell.uuid, problem)
                 for cell in mappings.list_cells(api)
                 for problem in [_schema_problem(cell.database_connection,
                                                 migration.MAIN)]
                 if problem]
        if stale:
            return Result(Code.FAILURE, ' '.join(stale))
        return Result(Code.SUCCESS)

    _upgrade_checks = (
        ('Cells v2', _check_cellsv2),
        ('Database Schema', _check_db_schema),
    )


def main(argv=None):
    argv = sys.argv if argv is None else argv
    upgradecheck.register_cli_options(CONF, UpgradeCommands())
    upgradecheck.CONF = CONF  # the library reads --json from its global
    try:
        config.parse_args(argv)
    except cfg.ConfigFilesNotFoundError as e:
        print('ERROR: %s' % e, file=sys.stderr)
        return 255
    try:
        return CONF.command.action_fn()
    except Exception as e:
        print('ERROR: %s' % cmd.describe(e), file=sys.stderr)
        return 255
