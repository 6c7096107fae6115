"""The layer rules, enforced: who may write the databases, and who may
import whom.

Only nova-conductor and nova-manage write.  The other daemons' code
never asks for a writing session (checked here on the source), and
their processes open every connection read-only (checked here on a
database, and in tests/functional on the real processes).
"""

import ast
import pathlib

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import engines
from tests import fixtures

TOP = pathlib.Path(__file__).resolve().parents[2]
READ_ONLY_PACKAGES = ('nova_api', 'nova_scheduler', 'nova_compute',
                      'nova_novncproxy')
DAEMONS = READ_ONLY_PACKAGES + ('nova_conductor',)


def _modules(package):
    return sorted((TOP / package).rglob('*.py'))


def _imports(path):
    """Every module name ``path`` imports (``from a import b`` -> a.b)."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from ('%s.%s' % (node.module, alias.name)
                        for alias in node.names)


def _attributes(path):
    tree = ast.parse(path.read_text(), str(path))
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)}


@pytest.mark.parametrize('package', READ_ONLY_PACKAGES)
def test_read_only_daemons_never_ask_for_a_writer(package):
    offenders = [str(path.relative_to(TOP)) for path in _modules(package)
                 if {'writer', 'allow_writes'} & _attributes(path)]
    assert offenders == []


@pytest.mark.parametrize('package', READ_ONLY_PACKAGES)
def test_read_only_daemons_import_no_writing_module(package):
    writing = ('common.db.archive', 'common.db.migration',
               'common.cmd.manage', 'nova_conductor.db',
               'nova_conductor.manager')
    offenders = sorted(
        '%s imports %s' % (path.relative_to(TOP), name)
        for path in _modules(package) for name in _imports(path)
        if name.startswith(writing))
    assert offenders == []


@pytest.mark.parametrize('package', ['nova_compute', 'nova_novncproxy'])
def test_compute_and_console_proxy_never_touch_a_database(package):
    offenders = sorted(
        '%s imports %s' % (path.relative_to(TOP), name)
        for path in _modules(package) for name in _imports(path)
        if name.startswith(('common.db', 'sqlalchemy')))
    assert offenders == []


@pytest.mark.parametrize('package', DAEMONS)
def test_no_daemon_imports_another_daemons_internals(package):
    """Across daemons only ``rpcapi`` modules may be imported."""
    others = tuple(d for d in DAEMONS if d != package)
    offenders = sorted(
        '%s imports %s' % (path.relative_to(TOP), name)
        for path in _modules(package) for name in _imports(path)
        if name.startswith(others) and name.split('.')[1:2] not in
        (['rpcapi'], []))
    assert offenders == []


@pytest.fixture
def read_only_process(monkeypatch, tmp_path):
    """This test process as nova-api sees it, on a fresh SQLite file."""
    url = 'sqlite:///%s' % (tmp_path / 'cell.db')
    with engines.writer(url) as session:
        session.execute(sa.text('CREATE TABLE t (x INTEGER)'))
    engines.get_engine(url).dispose()
    monkeypatch.setattr(engines, '_WRITES_ALLOWED', False)
    yield url
    engines.get_engine(url).dispose()


def test_a_read_only_process_gets_no_writer(read_only_process):
    with pytest.raises(exception.DatabaseWriteForbidden):
        with engines.writer(read_only_process):
            pass


def test_a_read_only_process_cannot_write_through_a_reader(
        read_only_process):
    with engines.reader(read_only_process) as session:
        assert session.execute(sa.text('SELECT COUNT(*) FROM t')).scalar() \
            == 0
        with pytest.raises(sa_exc.OperationalError, match='readonly'):
            session.execute(sa.text('INSERT INTO t VALUES (1)'))


@pytest.mark.parametrize('module', ['nova_compute.manager',
                                    'nova_novncproxy.cmd'])
def test_compute_and_console_proxy_load_no_database_driver(module):
    """Not even indirectly: SQLAlchemy and PyMySQL cost ~25 MiB."""
    assert fixtures.modules_loaded(module, ['sqlalchemy', 'pymysql']) == []
