"""Build requests: what ``create`` hands back is what ``load`` reads."""

import datetime

from common.db import engines
from nova_conductor.db import build_requests

SPEC = {'num_instances': 2, 'flavor': {'name': 'm1.tiny'}}
BDMS = [{'boot_index': 0, 'source_type': 'image'}]


def _record(uuid):
    return {'uuid': uuid, 'project_id': 'p', 'user_id': 'u',
            'display_name': 'vm', 'metadata': {'k': 'v'},
            'created_at': datetime.datetime(2026, 11, 21, 12, 0, 1),
            'updated_at': None, 'launched_at': None, 'terminated_at': None,
            'deleted_at': None, 'fault': None}


def test_create_returns_the_build_requests_as_load_reads_them(api_db):
    uuids = ['c0a4d0a6-0000-4000-8000-00000000000%d' % i for i in (1, 2)]
    created = api_db.write(build_requests.create,
                           [_record(u) for u in uuids], SPEC, BDMS, ['t'])
    with engines.reader(api_db.url) as session:
        loaded = build_requests.load(session, uuids)
    assert created == loaded
    record, bdms, tags, spec = created[uuids[1]]
    assert record['created_at'] == datetime.datetime(2026, 11, 21, 12, 0, 1)
    assert spec == dict(SPEC, instance_uuid=uuids[1])
    assert (bdms, tags) == (BDMS, ['t'])
