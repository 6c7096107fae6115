"""The server list's SQL on MariaDB: regular expression filters (the
server's REGEXP, case-insensitive as SQLite's stand-in), tag filters,
and pages that follow each other without gaps or repeats under keyset
pagination, NULLs included."""

import datetime
import types
import uuid

import pytest

from common.db import engines
from common.db import main_models as main
from common.db import migration
from nova_api import instance_list

T0 = datetime.datetime(2026, 1, 1)
NAMES = ('Web-1', 'web-2', 'db-1', None, 'cache', None, 'Web-3')


@pytest.fixture
def cell(mysql_db):
    """Seven instances: created a second apart, some without a name,
    tagged by their index's parity."""
    url = mysql_db('cell1')
    migration.db_sync(url, migration.MAIN)
    with engines.writer(url) as session:
        for i, name in enumerate(NAMES):
            instance_uuid = str(uuid.uuid4())
            session.add(main.Instance(
                uuid=instance_uuid, display_name=name, project_id='p1',
                user_id='u1', vm_state='active', deleted=0,
                created_at=T0 + datetime.timedelta(seconds=i // 2)))
            session.add(main.Tag(resource_id=instance_uuid,
                                 tag='even' if i % 2 == 0 else 'odd'))
            if i < 2:
                session.add(main.Tag(resource_id=instance_uuid, tag='top'))
    return types.SimpleNamespace(database_connection=url)


def _names(cell, filters, order=None, limit=100, marker_values=None):
    order = order or instance_list.sort_params(['display_name', 'uuid'],
                                               ['asc', 'asc'])
    found = instance_list._read_cell(cell, dict(filters, deleted=False),
                                     order, limit, marker_values, True)
    return [server.record['display_name'] for server in found]


def test_regex_filters_ignore_case(cell):
    assert _names(cell, {'display_name': 'web'}) == [
        'Web-1', 'web-2', 'Web-3']
    assert _names(cell, {'display_name': '^db-[0-9]$'}) == ['db-1']


def test_tag_filters(cell):
    assert _names(cell, {'tags': ['top', 'even']}) == ['Web-1']
    assert _names(cell, {'tags-any': ['top']}) == ['Web-1', 'web-2']
    assert len(_names(cell, {'not-tags': ['top', 'even']})) == 6
    assert _names(cell, {'not-tags-any': ['odd', 'top']}) == [
        'cache', 'db-1', 'Web-3']


@pytest.mark.parametrize('keys, dirs', [
    (['display_name'], ['asc']),
    (['display_name'], ['desc']),
    (['created_at', 'display_name'], ['asc', 'desc']),
])
def test_pages_follow_each_other(cell, keys, dirs):
    order = instance_list.sort_params(*instance_list._with_uuid(keys, dirs))
    everything = instance_list._read_cell(cell, {'deleted': False}, order,
                                          100, None, False)
    seen, marker = [], None
    while True:
        page = instance_list._read_cell(cell, {'deleted': False}, order, 2,
                                        marker, False)
        if not page:
            break
        seen += [server.uuid for server in page]
        marker = [page[-1].record[key] for key, _dir in order]
    assert seen == [server.uuid for server in everything]
    assert len(seen) == len(NAMES)
