"""Read every cell at once: the scatter-gather behind global listings.

os-services, os-hypervisors and, later, the server list and the
scheduler's host states need rows from every cell database.  The cells
are asked in parallel, each in its own thread, and a cell that fails or
does not answer within the timeout is reported rather than failing the
whole listing (Nova's ``scatter_gather_all_cells``).
"""

from concurrent import futures

from oslo_log import log as logging

from common.db import mappings

LOG = logging.getLogger(__name__)

# Seconds a listing waits for the slowest cell (Nova's CELL_TIMEOUT).
CELL_TIMEOUT = 60


class CellFailure:
    """What a cell gave instead of a result: an exception or a timeout."""

    def __init__(self, cell, error):
        self.cell = cell
        self.error = error

    def __repr__(self):
        return '<CellFailure %s: %s>' % (self.cell.uuid, self.error)


def cells_with_hosts(api_url):
    """Every cell mapping but cell0, which never has services or nodes."""
    return [cell for cell in mappings.list_cells(api_url)
            if not mappings.is_cell0(cell)]


def scatter_gather(cells, read, timeout=CELL_TIMEOUT):
    """``[(cell, read(cell) or CellFailure)]`` in the order of ``cells``.

    ``read`` gets a cell mapping and usually opens
    ``engines.reader(cell.database_connection)``.
    """
    if not cells:
        return []
    pool = futures.ThreadPoolExecutor(max_workers=len(cells),
                                      thread_name_prefix='cell-read')
    try:
        pending = [(cell, pool.submit(read, cell)) for cell in cells]
        done, _ = futures.wait([f for _, f in pending], timeout=timeout)
        return [(cell, _outcome(cell, future, done, timeout))
                for cell, future in pending]
    finally:
        # Do not wait for a hung cell: its thread ends when its query
        # does, and the caller has moved on.
        pool.shutdown(wait=False)


def _outcome(cell, future, done, timeout):
    if future not in done:
        return CellFailure(cell, TimeoutError(
            'no answer within %ss' % timeout))
    error = future.exception()
    return CellFailure(cell, error) if error else future.result()


def read_all_cells(api_url, read, timeout=CELL_TIMEOUT):
    """``[(cell, result)]`` of every cell with hosts that answered.

    Cells that failed are logged and left out, so one cell down does not
    hide the others (as Nova's services and hypervisors listings do).
    """
    answers = []
    for cell, result in scatter_gather(cells_with_hosts(api_url), read,
                                       timeout=timeout):
        if isinstance(result, CellFailure):
            LOG.warning('Cell %s (%s) did not respond and is skipped from '
                        'the results: %s', cell.name, cell.uuid,
                        result.error)
            continue
        answers.append((cell, result))
    return answers
