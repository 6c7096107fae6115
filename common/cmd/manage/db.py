"""nova-manage api_db and db: schema versions, archiving, purging."""

import sys
import time

from dateutil import parser as date_parser

from common import exception
from common.cmd.manage.base import args
from common.cmd.manage.base import error
from common.cmd.manage.base import print_table
from common.db import archive
from common.db import mappings
from common.db import migration
from common.db.engines import configured_url as connection


def parse_before(value):
    """Parse ``--before`` like `date` prints it or as YYYY-MM-DD [HH:MM]."""
    return date_parser.parse(value, fuzzy=True) if value else None


class ApiDbCommands:
    """Commands on the API database (nova_api)."""

    @args('version', metavar='VERSION', nargs='?',
          help='Revision to upgrade to (default: the newest).')
    def sync(self, version=None):
        """Create or upgrade the API database schema."""
        migration.db_sync(connection('api_database'), migration.API, version)
        return 0

    def version(self):
        """Print the API database schema revision."""
        print(migration.db_version(connection('api_database'),
                                   migration.API))
        return 0


class DbCommands:
    """Commands on the database of this cell ([database] connection)."""

    @args('--local_cell', action='store_true', default=False,
          help='Only sync the database of this cell, not cell0 too.')
    @args('version', metavar='VERSION', nargs='?',
          help='Revision to upgrade to (default: the newest).')
    def sync(self, version=None, local_cell=False):
        """Create or upgrade the cell database schema (and cell0's)."""
        if not local_cell:
            status = self._sync_cell0(version)
            if status:
                return status
        migration.db_sync(connection('database'), migration.MAIN, version)
        return 0

    @staticmethod
    def _sync_cell0(version):
        try:
            cell0 = mappings.get_cell(connection('api_database'),
                                      mappings.CELL0_UUID)
        except exception.CellMappingNotFound:
            print('WARNING: cell0 mapping not found - not syncing cell0.')
            return 0
        except exception.NovaException as e:
            error('ERROR: Could not access cell0: %s Has "nova-manage '
                  'api_db sync" been run and is [api_database] connection '
                  'right?' % e.format_message())
            return 1
        try:
            migration.db_sync(cell0.database_connection, migration.MAIN,
                              version)
        except exception.NovaException as e:
            error('ERROR: Could not sync cell0: %s' % e.format_message())
            return 1
        return 0

    def version(self):
        """Print the cell database schema revision."""
        print(migration.db_version(connection('database'), migration.MAIN))
        return 0

    @args('--max_rows', type=int, metavar='<number>', default=1000,
          help='Maximum number of deleted rows to archive per run '
               '(default 1000); the batch size with --until-complete.')
    @args('--before', metavar='<date>',
          help='Archive only rows deleted before this date, e.g. '
               '2026-01-31 or the output of `date`.')
    @args('--verbose', action='store_true', default=False,
          help='Print how many rows were archived per table.')
    @args('--until-complete', action='store_true', default=False,
          help='Repeat until every deleted row is archived.')
    @args('--purge', action='store_true', default=False,
          help='Purge the shadow tables once the archive completes.')
    @args('--all-cells', action='store_true', default=False,
          help='Archive in every cell, not only [database] connection.')
    @args('--sleep', type=int, metavar='<seconds>', default=0,
          help='Pause between batches of --until-complete.')
    def archive_deleted_rows(self, max_rows=1000, before=None, verbose=False,
                             until_complete=False, purge=False,
                             all_cells=False, sleep=0):
        """Move soft-deleted rows from the live tables to shadow tables.

        Exit codes: 0 nothing archived, 1 rows archived, 2 bad --max_rows,
        3 the API database is unreachable, 4 bad --before.
        """
        if max_rows < 1:
            error('Must supply a positive value for max_rows')
            return 2
        try:
            targets = self._archive_targets(all_cells)
        except exception.NovaException as e:
            error('Failed to connect to API DB so aborting this archival '
                  'attempt (%s). Check that [api_database] connection is '
                  'set and run this command again.' % e.format_message())
            return 3
        try:
            before = parse_before(before)
        except (ValueError, OverflowError) as e:
            error('Invalid value for --before: %s' % e)
            return 4
        archiver = _Archiver(max_rows, before, until_complete, verbose, sleep)
        archiver.run(targets)
        if verbose:
            archiver.report()
        if archiver.counts and purge:
            if verbose:
                print('Rows were archived, running purge...')
            self.purge(purge_all=True, verbose=verbose, all_cells=all_cells)
        return int(bool(archiver.counts))

    @staticmethod
    def _archive_targets(all_cells):
        """(prefix, cell URL) pairs; checks the API DB is reachable."""
        cells = mappings.list_cells(connection('api_database'))
        if all_cells:
            return [(cell.name or cell.uuid, cell.database_connection)
                    for cell in cells]
        return [(None, connection('database'))]

    @args('--before', metavar='<date>',
          help='Delete shadow rows deleted before this date.')
    @args('--all', dest='purge_all', action='store_true', default=False,
          help='Delete every row of the shadow tables.')
    @args('--verbose', action='store_true', default=False,
          help='Print what was purged from each database.')
    @args('--all-cells', action='store_true', default=False,
          help='Purge the shadow tables of every cell.')
    def purge(self, before=None, purge_all=False, verbose=False,
              all_cells=False):
        """Delete archived rows from the shadow tables.

        Exit codes: 0 rows deleted, 1 neither --before nor --all,
        2 bad --before, 3 nothing to purge, 4 the API database is
        unreachable.
        """
        if before is None and not purge_all:
            error('Either --before or --all is required')
            return 1
        try:
            before = parse_before(before)
        except (ValueError, OverflowError) as e:
            error('Invalid value for --before: %s' % e)
            return 2
        if all_cells:
            try:
                targets = [('Cell %s' % (c.name or c.uuid),
                            c.database_connection)
                           for c in mappings.list_cells(
                               connection('api_database'))]
            except exception.NovaException as e:
                error('Unable to get cell list from API DB (%s). Is it '
                      'configured?' % e.format_message())
                return 4
        else:
            targets = [('DB', connection('database'))]
        deleted = 0
        for label, url in targets:
            rows = archive.purge_shadow_tables(url, before)
            if verbose:
                print('%s: Deleted %d rows' % (label, rows))
            deleted += rows
        return 0 if deleted else 3


class _Archiver:
    """One archive_deleted_rows run over one or more cells.

    Without --until-complete, --max_rows bounds the whole run across
    cells; with it, --max_rows is the batch size and each cell is drained.
    """

    def __init__(self, max_rows, before, until_complete, verbose, sleep):
        self.max_rows = max_rows
        self.before = before
        self.until_complete = until_complete
        self.progress = until_complete and verbose
        self.sleep = sleep
        self.counts = {}
        self.total = 0

    def run(self, targets):
        if self.progress:
            sys.stdout.write('Archiving..')
        for prefix, url in targets:
            if not self.until_complete and self.total >= self.max_rows:
                break
            self._drain(prefix, url)
        if self.progress:
            print('.complete')

    def _drain(self, prefix, url):
        api_url = connection('api_database')
        while True:
            limit = (self.max_rows if self.until_complete
                     else self.max_rows - self.total)
            tables, uuids, rows = archive.archive_deleted_rows(
                url, max_rows=limit, before=self.before)
            for table, count in tables.items():
                self._add('%s.%s' % (prefix, table) if prefix else table,
                          count)
            for table, count in mappings.forget_instances(
                    api_url, uuids).items():
                self._add(table, count)
            self.total += rows
            if not self.until_complete or not rows:
                return
            if self.progress:
                sys.stdout.write('.')
                sys.stdout.flush()
            if self.sleep:
                time.sleep(self.sleep)

    def _add(self, key, count):
        self.counts[key] = self.counts.get(key, 0) + count

    def report(self):
        if not self.counts:
            print('Nothing was archived.')
            return
        print_table(['Table', 'Number of Rows Archived'],
                    [[k, v] for k, v in self.counts.items()],
                    sort_key=lambda row: tuple(row[0].split('.', 1)),
                    align='l')
