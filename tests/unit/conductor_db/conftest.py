"""An API database per test, copied from one migrated once per run.

Each test calls the conductor's write functions the way the conductor
does (one writer transaction per call) and reads back what was stored
through a separate reader session.
"""

import pytest
import sqlalchemy as sa

from common.db import api_models as api
from common.db import engines
from common.db import migration
from tests.unit import conftest as unit_conftest


@pytest.fixture(scope='session')
def _migrated_api_db(tmp_path_factory):
    return unit_conftest.migrated_template(tmp_path_factory, 'api.db',
                                           migration.API)


@pytest.fixture
def api_db(deployment, _migrated_api_db):
    """The deployment's API database, at the newest schema."""
    return Database(unit_conftest.copy_template(_migrated_api_db,
                                                deployment.api_url))


class Database:
    """Call write functions in a transaction; read the tables back."""

    def __init__(self, url):
        self.url = url

    def write(self, func, *args, **kwargs):
        """``func(session, ...)`` in its own writer transaction."""
        with engines.writer(self.url) as session:
            return func(session, *args, **kwargs)

    def rows(self, model, *columns):
        """Every row of ``model`` as tuples of ``columns``, sorted."""
        with engines.reader(self.url) as session:
            return sorted(tuple(row) for row in session.execute(
                sa.select(*(getattr(model, c) for c in columns))))

    def count(self, model):
        with engines.reader(self.url) as session:
            return session.scalar(sa.select(sa.func.count()).select_from(
                model))

    def snapshot(self):
        """Every row of every table: compared before and after a refused
        write to show that nothing was stored."""
        with engines.reader(self.url) as session:
            return {table.name: sorted(
                tuple(row) for row in session.execute(sa.select(table)))
                for table in api.ApiBase.metadata.sorted_tables}
