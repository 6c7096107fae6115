"""os-server-external-events: other services telling Nova about a
server (Neutron about ports, Cinder about volumes, Cyborg about
accelerators).

Each event gets its own answer: ``code`` 200 when accepted, 404 for a
server Nova does not know (or deleted), 422 for one on no host, 400 for
a volume-extended, power-update or accelerator-request-bound event
without its ``tag``.  The request is 200 when every event was
accepted, 207 when some were not, 404 when none was.  New event names:
volume-extended (2.51), power-update (2.76), accelerator-request-bound
(2.82), volume-reimaged (2.93).

Not done yet: accepted events are only logged.  Nova casts them to the
compute hosts of their servers (both hosts of a server being migrated)
and starts an instance action for volume-extended (extend_volume) and
power-update (start or stop); that waits for nova-compute to handle
``external_instance_event``.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
import sqlalchemy as sa
import webob
import webob.exc

from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from nova_api import base
from nova_api import policy
from nova_api import validation

LOG = logging.getLogger(__name__)
POLICY = 'os_compute_api:os-server-external-events:%s'
NETWORK_EVENTS = ('network-changed', 'network-vif-plugged',
                  'network-vif-unplugged', 'network-vif-deleted')
TAG_REQUIRED = ('volume-extended', 'power-update',
                'accelerator-request-bound')
STATUSES = ('failed', 'completed', 'in-progress')


def _create_schema(*names):
    event = {
        'type': 'object',
        'properties': {
            'server_uuid': {'type': 'string', 'format': 'uuid'},
            'name': {'type': 'string', 'enum': list(names)},
            'status': {'type': 'string', 'enum': list(STATUSES)},
            'tag': {'type': 'string', 'maxLength': 255},
        },
        'required': ['server_uuid', 'name'],
        'additionalProperties': False,
    }
    return {
        'type': 'object',
        'properties': {
            'events': {'type': 'array', 'minItems': 1, 'items': event},
        },
        'required': ['events'],
        'additionalProperties': False,
    }


create = _create_schema(*NETWORK_EVENTS)
create_v251 = _create_schema(*NETWORK_EVENTS, 'volume-extended')
create_v276 = _create_schema(*NETWORK_EVENTS, 'volume-extended',
                             'power-update')
create_v282 = _create_schema(*NETWORK_EVENTS, 'volume-extended',
                             'power-update', 'accelerator-request-bound')
create_v293 = _create_schema(*NETWORK_EVENTS, 'volume-extended',
                             'power-update', 'accelerator-request-bound',
                             'volume-reimaged')


class ServerExternalEventsController(base.APIBase):

    @validation.schema(create, '2.0', '2.50')
    @validation.schema(create_v251, '2.51', '2.75')
    @validation.schema(create_v276, '2.76', '2.81')
    @validation.schema(create_v282, '2.82', '2.92')
    @validation.schema(create_v293, '2.93')
    def create(self, req, body):
        policy.authorize(req.nova_context, POLICY % 'create', {})
        events = body['events']
        hosts = self._hosts({event['server_uuid'] for event in events})
        for event in events:
            _answer(event, hosts)
        if all(event['code'] != 200 for event in events):
            raise webob.exc.HTTPNotFound(
                explanation='No instances found for any event')
        failed = any(event['code'] != 200 for event in events)
        return _json(207 if failed else 200, {'events': events})

    def _hosts(self, uuids):
        """{uuid: host or None} of the servers that exist in a cell, not
        deleted.  A service asks about any project's servers."""
        with engines.reader(self.api_url) as session:
            rows = session.execute(
                sa.select(api.InstanceMapping.instance_uuid, api.CellMapping)
                .join(api.CellMapping,
                      api.CellMapping.id == api.InstanceMapping.cell_id)
                .where(api.InstanceMapping.instance_uuid.in_(uuids))).all()
        by_cell = {}
        for uuid, cell in rows:
            by_cell.setdefault(cell.database_connection, []).append(uuid)
        hosts = {}
        for url, cell_uuids in by_cell.items():
            with engines.reader(url) as session:
                hosts.update(session.execute(
                    sa.select(main.Instance.uuid, main.Instance.host).where(
                        main.Instance.uuid.in_(cell_uuids),
                        main.Instance.deleted == 0)).all())
        return hosts


def _answer(event, hosts):
    """Set the event's ``status`` and ``code`` in place."""
    uuid, name, tag = event['server_uuid'], event['name'], event.get('tag')
    if uuid not in hosts:
        LOG.debug('Dropping event %s:%s for unknown instance %s', name, tag,
                  uuid)
        code = 404
    elif name in TAG_REQUIRED and tag is None:
        LOG.debug('Event tag is missing for instance %s. Dropping event %s',
                  uuid, name)
        code = 400
    elif hosts[uuid]:
        LOG.info('Creating event %s:%s for instance %s on %s', name, tag,
                 uuid, hosts[uuid])
        code = 200
    else:
        LOG.debug('Unable to find a host for instance %s. Dropping event %s',
                  uuid, name)
        code = 422
    event['status'] = 'completed' if code == 200 else 'failed'
    event['code'] = code


def _json(code, body):
    """A JSON response whose status depends on the outcome."""
    response = webob.Response(status=code, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(body)
    return response
