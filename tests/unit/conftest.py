"""Fixtures of the unit tier: SQLite databases in a temporary folder."""

import pytest

from common.db import engines
from tests import fixtures


@pytest.fixture
def deployment(tmp_path):
    """nova.conf naming an API and a cell database, both SQLite files."""
    d = fixtures.Deployment(tmp_path, 'sqlite:///%s' % (tmp_path / 'api.db'),
                            'sqlite:///%s' % (tmp_path / 'nova.db'))
    yield d
    engines.dispose_all()
