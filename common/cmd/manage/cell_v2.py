"""nova-manage cell_v2: the Cells v2 mappings in the API database."""

import oslo_messaging as messaging
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import cmd
from common import conf
from common import exception
from common import utils
from common.cmd.manage.base import args
from common.cmd.manage.base import error
from common.cmd.manage.base import print_table
from common.db import engines
from common.db import mappings
from common.db.engines import configured_url as connection

CONF = conf.CONF

_CELL_NOT_FOUND = 'Cell with uuid %s was not found.'


def cell0_default_connection():
    """[database] connection with the database name suffixed ``_cell0``.

    nova -> nova_cell0 as in the install guide; for SQLite the suffix goes
    before the file extension (nova.db -> nova_cell0.db).
    """
    url = sa.engine.make_url(connection('database'))
    name = url.database or ''
    if url.get_backend_name() == 'sqlite' and '.' in name.rsplit('/', 1)[-1]:
        stem, ext = name.rsplit('.', 1)
        name = '%s_cell0.%s' % (stem, ext)
    else:
        name += '_cell0'
    return url.set(database=name).render_as_string(hide_password=False)


def _transport_url(given):
    """The cell's message queue URL if it parses, else None (and why)."""
    url = given or (cmd.option_is_set(CONF, 'transport_url') and
                    CONF.transport_url)
    if not url:
        error('Must specify --transport-url if [DEFAULT]/transport_url is '
              'not set in the configuration file.')
        return None
    try:
        messaging.TransportURL.parse(CONF, url)
    except (messaging.InvalidTransportURL, ValueError) as e:
        error('Invalid transport URL: %s' % e)
        return None
    return url


def _database_url(given):
    url = given or CONF.database.connection
    if not url:
        error('Must specify --database_connection if [database]/connection '
              'is not set in the configuration file.')
        return None
    try:
        engines.get_engine(url)
    except exception.InvalidDatabaseURL as e:
        error(e.format_message())
        return None
    return url


class CellV2Commands:
    """Commands on cell mappings, host mappings and instance mappings."""

    @staticmethod
    def _api():
        return connection('api_database')

    @args('--database_connection', metavar='<database_connection>',
          help='Database of cell0 (default: [database] connection with '
               'the name suffixed _cell0).')
    def map_cell0(self, database_connection=None):
        """Map cell0, where instances that could not be scheduled live."""
        self._map_cell0(database_connection)
        return 0

    def _map_cell0(self, database_connection=None):
        try:
            return mappings.get_cell(self._api(), mappings.CELL0_UUID)
        except exception.CellMappingNotFound:
            pass
        url = database_connection or cell0_default_connection()
        engines.get_engine(url)  # refuse an unusable URL before writing
        try:
            return mappings.create_cell(
                self._api(), mappings.CELL0_NAME,
                mappings.CELL0_TRANSPORT_URL, url,
                cell_uuid=mappings.CELL0_UUID)
        except (exception.CellMappingExists, sa_exc.IntegrityError):
            print('Cell0 is already setup')
            return mappings.get_cell(self._api(), mappings.CELL0_UUID)

    @args('--transport-url', metavar='<transport_url>',
          help='Message queue of the cell (default: [DEFAULT] '
               'transport_url).')
    def simple_cell_setup(self, transport_url=None):
        """Map cell0 and one cell with its hosts, for a fresh deployment.

        Exit codes: 0 done or already done, 1 no transport URL or no
        compute host to map.
        """
        transport_url = _transport_url(transport_url)
        if transport_url is None:
            return 1
        self._map_cell0()
        database = connection('database')
        cell = next((c for c in mappings.list_cells(self._api())
                     if c.database_connection == database), None)
        if cell is None:
            if not mappings.has_compute_nodes(database):
                print('No hosts found to map to cell, exiting.')
                return 1
            cell = mappings.create_cell(self._api(), 'cell1', transport_url,
                                        database)
        mappings.discover_hosts(self._api(), cell_uuid=cell.uuid)
        mappings.map_instances(self._api(), cell.uuid)
        return 0

    @args('--cell_uuid', metavar='<cell_uuid>', required=True,
          help='Cell to map the instances to.')
    @args('--max-count', metavar='<max_count>',
          help='Map at most this many instances in this run.')
    @args('--reset', action='store_true', default=False,
          help='Accepted for compatibility: every run starts from the '
               'oldest unmapped instance.')
    def map_instances(self, cell_uuid, max_count=None, reset=False):
        """Map the instances of a cell's database to that cell.

        Exit codes: 0 all mapped, 1 more remain (run again),
        127 bad --max-count.
        """
        if max_count is not None:
            try:
                max_count = int(max_count)
            except ValueError:
                max_count = 0
            if max_count < 1:
                error('Must supply a positive value for max-count')
                return 127
        try:
            _count, done = mappings.map_instances(self._api(), cell_uuid,
                                                  max_count)
        except exception.CellMappingNotFound:
            error(_CELL_NOT_FOUND % cell_uuid)
            return 1
        return 0 if done else 1

    @args('--uuid', metavar='<instance_uuid>', required=True,
          help='The instance to check.')
    @args('--quiet', action='store_true', default=False,
          help='Print nothing; the exit code tells.')
    def verify_instance(self, uuid, quiet=False):
        """Tell which cell an instance is mapped to.

        Exit codes: 0 mapped, 1 no mapping, 2 mapping without a cell,
        3 deleted instance still mapped, 4 archived instance still mapped.
        """
        def say(message):
            if not quiet:
                print(message)
        try:
            _mapping, cell = mappings.get_instance_mapping(self._api(), uuid)
        except exception.InstanceMappingNotFound:
            say('There is no instance mapping for instance %s' % uuid)
            return 1
        if cell is None:
            say('Instance %s is not mapped to a cell' % uuid)
            return 2
        state = mappings.instance_state_in_cell(cell, uuid)
        if state == 'deleted':
            say('The instance with uuid %s has been deleted.' % uuid)
            return 3
        if state == 'archived':
            say('The instance with uuid %s has been archived.' % uuid)
            return 4
        say('Instance %s is in cell: %s (%s)' % (uuid, cell.name, cell.uuid))
        return 0

    @args('--name', metavar='<cell_name>', help='A name for the cell.')
    @args('--transport-url', metavar='<transport_url>',
          help='Message queue of the cell (default: [DEFAULT] '
               'transport_url).')
    @args('--database_connection', metavar='<database_connection>',
          help='Database of the cell (default: [database] connection).')
    @args('--verbose', action='store_true', default=False,
          help='Print the uuid of the new cell.')
    @args('--disabled', action='store_true', default=False,
          help='Create the cell disabled: no new instance goes to it.')
    def create_cell(self, name=None, transport_url=None,
                    database_connection=None, verbose=False, disabled=False):
        """Map a new cell to its database and message queue.

        Exit codes: 0 created, 1 transport URL or database connection
        missing or invalid, 2 another cell has the same pair.
        """
        transport_url = _transport_url(transport_url)
        if transport_url is None:
            return 1
        database_connection = _database_url(database_connection)
        if database_connection is None:
            return 1
        try:
            cell = mappings.create_cell(self._api(), name, transport_url,
                                        database_connection, disabled)
        except exception.CellMappingExists as e:
            error(e.format_message())
            return 2
        if verbose:
            print(cell.uuid)
        return 0

    @args('--verbose', action='store_true', default=False,
          help='Show passwords in the URLs instead of ****.')
    def list_cells(self, verbose=False):
        """List the cells with their queues and databases."""
        show = (lambda url: url) if verbose else utils.mask_url
        rows = [[c.name, c.uuid, show(c.transport_url),
                 show(c.database_connection), c.disabled]
                for c in mappings.list_cells(self._api())]
        print_table(['Name', 'UUID', 'Transport URL', 'Database Connection',
                     'Disabled'], rows)
        return 0

    @args('--cell_uuid', metavar='<cell_uuid>', required=True,
          help='The cell to update.')
    @args('--name', metavar='<cell_name>', help='New name of the cell.')
    @args('--transport-url', metavar='<transport_url>',
          help='New message queue URL of the cell.')
    @args('--database_connection', metavar='<database_connection>',
          help='New database URL of the cell.')
    @args('--disable', action='store_true', default=False,
          help='Stop scheduling new instances to the cell.')
    @args('--enable', action='store_true', default=False,
          help='Let the scheduler use the cell again.')
    def update_cell(self, cell_uuid, name=None, transport_url=None,
                    database_connection=None, disable=False, enable=False):
        """Change a cell's name, URLs or enabled state (what is given only).

        Exit codes: 0 updated, 1 no such cell, 2 a value cannot be set,
        3 another cell has the same URLs, 4 --disable with --enable,
        5 cell0 cannot be disabled or enabled.
        """
        if disable and enable:
            error('Cell cannot be disabled and enabled at the same time.')
            return 4
        changes = {key: value for key, value in (
            ('name', name), ('transport_url', transport_url),
            ('database_connection', database_connection)) if value}
        if disable or enable:
            if cell_uuid == mappings.CELL0_UUID:
                error('Cell0 cannot be disabled or enabled.')
                return 5
            changes['disabled'] = disable
        if transport_url and _transport_url(transport_url) is None:
            return 2
        if database_connection and _database_url(database_connection) is None:
            return 2
        try:
            mappings.update_cell(self._api(), cell_uuid, **changes)
        except exception.CellMappingNotFound:
            error(_CELL_NOT_FOUND % cell_uuid)
            return 1
        except exception.CellMappingExists as e:
            error(e.format_message())
            return 3
        return 0

    @args('--cell_uuid', metavar='<cell_uuid>', required=True,
          help='The cell to delete.')
    @args('--force', action='store_true', default=False,
          help='Also delete its host mappings and the mappings of its '
               'deleted instances.')
    def delete_cell(self, cell_uuid, force=False):
        """Delete a cell mapping.

        Exit codes: 0 deleted, 1 no such cell, 2 hosts mapped (no
        --force), 3 live instances in the cell, 4 mappings of deleted
        instances remain (no --force).
        """
        try:
            mappings.delete_cell(self._api(), cell_uuid, force)
        except exception.CellMappingNotFound:
            error(_CELL_NOT_FOUND % cell_uuid)
            return 1
        except exception.CellNotEmpty as e:
            reason = e.kwargs['reason']
            if reason == 'hosts':
                error('There are existing hosts mapped to cell with uuid '
                      '%s.' % cell_uuid)
                return 2
            if reason == 'instances':
                error('There are existing instances mapped to cell with '
                      'uuid %s.' % cell_uuid)
                return 3
            error('There are instance mappings to cell with uuid %s, but '
                  'all instances have been deleted in the cell.' % cell_uuid)
            return 4
        return 0

    @args('--cell_uuid', metavar='<cell_uuid>',
          help='Only look in this cell.')
    @args('--verbose', action='store_true', default=False,
          help='Print what is checked and mapped.')
    @args('--strict', action='store_true', default=False,
          help='Fail (exit 1) unless at least one new host was mapped.')
    @args('--by-service', action='store_true', default=False,
          help='Look for nova-compute services rather than compute nodes.')
    def discover_hosts(self, cell_uuid=None, verbose=False, strict=False,
                       by_service=False):
        """Map the compute hosts that registered since the last run.

        Safe to run again or at the same time as another discovery.
        Exit codes: 0 done, 1 --strict and nothing new, or an error.
        """
        try:
            added = mappings.discover_hosts(
                self._api(), cell_uuid=cell_uuid, by_service=by_service,
                status=print if verbose else (lambda msg: None))
        except exception.CellMappingNotFound:
            error(_CELL_NOT_FOUND % cell_uuid)
            return 1
        except exception.NovaException as e:
            error(e.format_message())
            return 1
        return 1 if strict and not added else 0

    @args('--cell_uuid', metavar='<cell_uuid>',
          help='Only list the hosts of this cell.')
    def list_hosts(self, cell_uuid=None):
        """List the mapped hosts and their cells."""
        if cell_uuid:
            try:
                mappings.get_cell(self._api(), cell_uuid)
            except exception.CellMappingNotFound:
                error(_CELL_NOT_FOUND % cell_uuid)
                return 1
        rows = [[cell.name, cell.uuid, host] for cell, host in
                mappings.host_mappings(self._api(), cell_uuid)]
        print_table(['Cell Name', 'Cell UUID', 'Hostname'], rows)
        return 0

    @args('--cell_uuid', metavar='<cell_uuid>', required=True,
          help='The cell the host is mapped to.')
    @args('--host', metavar='<host>', required=True,
          help='The host to unmap.')
    def delete_host(self, cell_uuid, host):
        """Unmap a host that has no instances.

        Exit codes: 0 deleted, 1 no such cell, 2 no such host, 3 host in
        another cell, 4 host has instances.
        """
        try:
            mappings.delete_host(self._api(), cell_uuid, host)
        except exception.CellMappingNotFound:
            error(_CELL_NOT_FOUND % cell_uuid)
            return 1
        except exception.HostMappingNotFound:
            error('The host %s was not found.' % host)
            return 2
        except exception.HostMappingNotInCell as e:
            error(e.format_message())
            return 3
        except exception.HostHasInstances as e:
            error(e.format_message())
            return 4
        return 0
