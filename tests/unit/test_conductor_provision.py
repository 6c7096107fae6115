"""A create's one message: provision_instances stores the build
requests and queues their placement (1.7); against a conductor capped
below 1.7 the API casts schedule_and_build_instances as before.  A
compute's report asks for no record back (1.8)."""

import subprocess
import sys
import threading

from oslo_context import context as oslo_context
import oslo_messaging as messaging
import pytest

from common import conf
from common import context
from common import rpc
from nova_conductor import compute_task
from nova_conductor import rpcapi

CONF = conf.CONF


class RecordingConductor:
    """The calls' arguments; instance_update answers a record only when
    asked for one."""

    target = messaging.Target(version='1.8')

    def __init__(self):
        self.calls = []

    def provision_instances(self, ctxt, **kwargs):
        self.calls.append(kwargs)

    def instance_update(self, ctxt, **kwargs):
        self.calls.append(kwargs)
        return None if kwargs.get('record') is False else {'uuid': 'u1'}


@pytest.fixture
def conductor(monkeypatch):
    """A RecordingConductor served over the in-memory driver."""
    transport = messaging.get_rpc_transport(
        CONF, url='fake:/', allowed_remote_exmods=rpc.ALLOWED_EXMODS)
    monkeypatch.setattr(rpc, '_TRANSPORT', transport)
    endpoint = RecordingConductor()
    server = rpc.get_server(
        messaging.Target(topic=rpcapi.TOPIC, server='conductor1'),
        [endpoint])
    server.start()
    yield endpoint
    server.stop()
    server.wait()
    transport.cleanup()
    CONF.reset()


def _provision():
    return rpcapi.ConductorAPI().provision_instances(
        context.get_admin_context(), [{'uuid': 'u1'}], {'spec': 1}, [], [],
        admin_password='secret')


def test_conductor_queues_the_placement_itself(conductor):
    assert _provision() is True
    assert conductor.calls[0]['place'] is True
    assert conductor.calls[0]['admin_password'] == 'secret'


def test_a_conductor_capped_below_1_7_only_stores(conductor):
    CONF.set_override('conductor', '1.6', 'upgrade_levels')
    assert _provision() is False
    assert 'place' not in conductor.calls[0]
    assert 'admin_password' not in conductor.calls[0]


def test_placements_run_in_their_threads_with_the_request_id():
    seen = []
    done = threading.Event()

    def place(ctxt, uuids, builds, admin_password):
        seen.append((oslo_context.get_current().request_id, uuids,
                     builds, admin_password,
                     threading.current_thread().name))
        done.set()

    placements = compute_task.Placements(place)
    ctxt = context.RequestContext(request_id='req-abc', overwrite=False)
    placements.submit(ctxt, ['u1'], {'u1': 'build'}, 'pw')
    assert done.wait(10)
    placements.shutdown()
    request_id, uuids, builds, password, thread = seen[0]
    assert (request_id, uuids, builds, password) == (
        'req-abc', ['u1'], {'u1': 'build'}, 'pw')
    assert thread.startswith('placement')


def test_a_failed_placement_is_logged_and_the_next_one_runs(caplog):
    placed = []

    def place(ctxt, uuids, builds, admin_password):
        if uuids == ['bad']:
            raise RuntimeError('scheduler exploded')
        placed.append(uuids)

    placements = compute_task.Placements(place)
    ctxt = context.get_admin_context()
    placements.submit(ctxt, ['bad'], {}, None)
    placements.submit(ctxt, ['good'], {}, None)
    placements.shutdown()  # waits for both
    assert placed == [['good']]
    assert 'Placing servers bad failed' in caplog.text
    assert 'scheduler exploded' in caplog.text


def test_nothing_to_place_queues_nothing():
    calls = []
    placements = compute_task.Placements(lambda *args: calls.append(args))
    placements.submit(context.get_admin_context(), [], {}, None)
    placements.shutdown()
    assert calls == []


def _report():
    return rpcapi.ConductorAPI().instance_report(
        context.get_admin_context(), 'u1', {'vm_state': 'active'},
        expected={'task_state': ['spawning']},
        event={'event': 'build', 'result': 'Success'})


def test_a_compute_report_asks_for_no_record(conductor):
    assert _report() is None
    assert conductor.calls[0]['record'] is False
    assert conductor.calls[0]['event'] == {'event': 'build',
                                         'result': 'Success'}


def test_a_report_to_a_conductor_capped_below_1_8_is_an_update(
        conductor):
    CONF.set_override('conductor', '1.7', 'upgrade_levels')
    assert _report() is None
    assert 'record' not in conductor.calls[0]
    assert conductor.calls[0]['values'] == {'vm_state': 'active'}


def test_a_stuck_placement_does_not_keep_the_process_alive():
    """A conductor past its grace period exits even while a placement
    waits on a scheduler that never answers."""
    script = (
        'import threading\n'
        'from common import context\n'
        'from nova_conductor import compute_task\n'
        'stuck = threading.Event()\n'
        'placements = compute_task.Placements(\n'
        '    lambda *args: stuck.wait())\n'
        'placements.submit(context.get_admin_context(), ["u1"], {}, None)\n'
        'print("queued")\n')
    proc = subprocess.run([sys.executable, '-c', script],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['queued']
