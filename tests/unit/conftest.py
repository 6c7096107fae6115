"""Fixtures of the unit tier: SQLite databases in a temporary folder."""

import shutil

import pytest

from common.db import engines
from common.db import migration
from tests import fixtures


@pytest.fixture
def deployment(tmp_path):
    """nova.conf naming an API and a cell database, both SQLite files."""
    d = fixtures.Deployment(tmp_path, 'sqlite:///%s' % (tmp_path / 'api.db'),
                            'sqlite:///%s' % (tmp_path / 'nova.db'))
    yield d
    engines.dispose_all()


def migrated_template(tmp_path_factory, filename, tree):
    """A SQLite database migrated to the newest schema of ``tree``
    (migration.API or MAIN), once per run: tests copy it
    (``copy_template``) instead of migrating for each test."""
    path = tmp_path_factory.mktemp('template') / filename
    url = 'sqlite:///%s' % path
    migration.db_sync(url, tree)
    engines.get_engine(url).dispose()
    return path


def copy_template(template, url):
    """Make the SQLite database of ``url`` a copy of ``template``."""
    shutil.copy(template, url[len('sqlite:///'):])
    return url


@pytest.fixture(scope='session')
def _migrated_cell_db(tmp_path_factory):
    return migrated_template(tmp_path_factory, 'cell.db', migration.MAIN)


@pytest.fixture
def cell_db(deployment, _migrated_cell_db):
    """The deployment's cell database at the newest schema; its URL."""
    return copy_template(_migrated_cell_db, deployment.cell_url)
