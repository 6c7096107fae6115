"""common.db.cells: every cell read at once, failures set aside."""

import threading
import types

from common.db import cells


def _cell(name):
    return types.SimpleNamespace(uuid=name, name=name)


def test_results_keep_cell_order_and_failures_are_marked():
    def read(cell):
        if cell.name == 'bad':
            raise RuntimeError('database gone')
        return cell.name.upper()

    results = cells.scatter_gather([_cell('a'), _cell('bad'), _cell('c')],
                                   read)
    assert [(c.name, r) for c, r in results if isinstance(r, str)] == [
        ('a', 'A'), ('c', 'C')]
    failure = results[1][1]
    assert isinstance(failure, cells.CellFailure)
    assert str(failure.error) == 'database gone'


def test_a_hung_cell_times_out():
    release = threading.Event()

    def read(cell):
        if cell.name == 'slow':
            release.wait(5)
        return cell.name

    try:
        results = cells.scatter_gather([_cell('slow'), _cell('fast')], read,
                                       timeout=0.2)
    finally:
        release.set()
    assert isinstance(results[0][1], cells.CellFailure)
    assert isinstance(results[0][1].error, TimeoutError)
    assert results[1][1] == 'fast'


def test_read_all_cells_skips_cell0_and_failed_cells(cloud, caplog):
    cloud.add_cell2()

    def read(cell):
        if cell.name == 'cell2':
            raise RuntimeError('unreachable')
        return cell.name

    assert [r for _c, r in cells.read_all_cells(cloud.api_url, read)] == [
        'cell1']
    assert 'cell2' in caplog.text and 'unreachable' in caplog.text
