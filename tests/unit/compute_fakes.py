"""An in-memory conductor and the managers built on it, for the unit
tests of ComputeManager and its power-state sync."""

import types

from common import exception
from nova_compute import manager
from nova_compute.virt import fake


class StateConductor:
    """The conductor's reads and writes of servers, kept in memory: an
    update happens only when the server's states are as ``expected``,
    as the real conductor's conditional write does.  ``record`` is the
    first server, 'u1'; ``add`` adds others."""

    def __init__(self, **record):
        self.records, self.deleted = {}, set()
        self.events, self.faults, self.writes, self.actions = [], [], [], []
        self.add(**record)

    def add(self, **record):
        record = dict(dict(
            uuid='u1', name='instance-u1', vcpus=1, memory_mb=512,
            root_gb=1, ephemeral_gb=0, host='compute1', vm_state='active',
            task_state=None, power_state=1, system_metadata={}), **record)
        self.records[record['uuid']] = record
        return record

    @property
    def record(self):
        return self.records['u1']

    def _live(self, instance_uuid):
        try:
            return self.records[instance_uuid]
        except KeyError:
            raise exception.InstanceNotFound(instance_id=instance_uuid)

    def instance_get_all_by_host(self, ctxt, host, full=False):
        return [dict(r) for r in self.records.values() if r['host'] == host]

    def instances_deleted(self, ctxt, instance_uuids, older_than=0):
        return [u for u in instance_uuids if u in self.deleted]

    def instance_update(self, ctxt, instance_uuid, values, expected=None,
                        event=None, action=None):
        record = self._live(instance_uuid)
        for attr, allowed in (expected or {}).items():
            if record[attr] not in allowed:
                raise exception.UnexpectedTaskStateError(
                    instance_uuid=instance_uuid, expected=allowed,
                    actual=record[attr])
        record.update(values)
        self.writes.append(values)
        if action:
            self.actions.append(action)
        if event:
            self.events.append((event['event'],
                                event.get('result', 'start')))
        return dict(record)

    def instance_report(self, ctxt, instance_uuid, values, expected=None,
                        event=None, action=None):
        self.instance_update(ctxt, instance_uuid, values, expected=expected,
                             event=event, action=action)

    def instance_destroy(self, ctxt, instance_uuid, event=None):
        del self.records[self._live(instance_uuid)['uuid']]
        self.deleted.add(instance_uuid)
        self.events.append((event['event'], 'Success'))

    def instance_fault_create(self, ctxt, instance_uuid, message, code=500,
                              details=None, host=None):
        self.faults.append((message, host))

    def action_event_start(self, ctxt, instance_uuid, event, host):
        self.events.append((event, 'start'))

    def action_event_finish(self, ctxt, instance_uuid, event, result,
                            exc_tb=None):
        self.events.append((event, result))


def compute_with(task_state, power_state=None, **record):
    """A manager whose conductor holds a server the API has given
    ``task_state``, its guest spawned on the fake driver."""
    conductor = StateConductor(task_state=task_state, **record)
    compute = manager.ComputeManager('compute1', fake.FakeDriver(),
                                     conductor)
    compute.driver.init_host('compute1')
    guest = types.SimpleNamespace(**conductor.record)
    compute.driver.spawn(None, guest, {}, [], None, {})
    if power_state is not None:
        compute.driver._guest(guest).state = power_state
    return compute, conductor, guest


def settled(conductor):
    return tuple(conductor.record[k] for k in ('vm_state', 'task_state',
                                               'power_state'))


def host_with(*servers):
    """A manager on 'compute1' and a conductor holding ``servers``:
    (record values, guest power state or None for no guest)."""
    conductor = StateConductor(**servers[0][0])
    compute = manager.ComputeManager('compute1', fake.FakeDriver(),
                                     conductor)
    compute.driver.init_host('compute1')
    for values, power_state in servers:
        record = conductor.add(**values)
        if power_state is not None:
            guest = types.SimpleNamespace(**record)
            compute.driver.spawn(None, guest, {}, [], None, {})
            compute.driver._guest(guest).state = power_state
    return compute, conductor


def guest_state(compute, uuid='u1'):
    return compute._power_state(types.SimpleNamespace(uuid=uuid))
