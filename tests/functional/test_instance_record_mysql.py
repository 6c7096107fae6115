"""instance_record.load on MariaDB: its side tables come back as JSON
aggregates (JSON_OBJECTAGG, JSON_ARRAYAGG), which must escape what
they carry and must not be cut at the server's group_concat_max_len
(1 MiB by default): ``common.db.engines`` lifts it."""

import sqlalchemy as sa

from common import instance_record
from common.db import engines
from common.db import main_models as main
from common.db import migration
from tests.unit import test_instance_record


def test_core_rows_and_orm_objects_load_alike(mysql_db):
    url = mysql_db('cell')
    migration.db_sync(url, migration.MAIN)
    test_instance_record.check_load(url)


def test_aggregates_are_not_cut(mysql_db):
    """15,000 tags of 80 characters: over 1 MiB of JSON for one server,
    which MariaDB's JSON_ARRAYAGG would cut short (into valid JSON)."""
    url = mysql_db('cell')
    migration.db_sync(url, migration.MAIN)
    uuid = test_instance_record.BARE
    tags = ['%05d%s' % (i, 't' * 75) for i in range(15000)]
    with engines.writer(url) as session:
        session.add(main.Instance(uuid=uuid, project_id='p',
                                  vm_state='active'))
        session.flush()
        session.execute(sa.insert(main.Tag), [
            {'resource_id': uuid, 'tag': tag} for tag in tags])
    table = main.Instance.__table__
    with engines.reader(url) as session:
        [record] = instance_record.load(
            session, session.execute(sa.select(table)).all())
    assert sorted(record['tags']) == tags
