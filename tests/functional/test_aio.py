"""nova-aio as an operator runs it: a real process on MariaDB and
RabbitMQ that prepares the databases, starts the five daemons, maps the
compute host, and on Ctrl-C stops everything it started."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import uuid

import pytest
import sqlalchemy as sa

from common import service
from common.db import engines
from common.db import main_models
from common.db import mappings
from tests import fixtures
from tests.functional import daemons
from tests.functional import rabbit

HOST = 'aio'
REPORTING = ('nova-conductor', 'nova-scheduler', 'nova-compute',
             'nova-novncproxy')


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def deployment(tmp_path, mysql_db):
    """nova.conf on fresh databases with only cell0 mapped.

    cell0 lives in a database of the fixture, so it is mapped here;
    nova-aio creates cell1 and syncs the schemas itself.
    """
    (tmp_path / 'log').mkdir()  # nova-manage below logs there too
    with rabbit.vhost() as transport_url:
        deployment = fixtures.Deployment(
            tmp_path, mysql_db('api'), mysql_db('cell1'), transport_url)
        deployment.api_port = _free_port()
        deployment.novnc_port = _free_port()
        deployment.write_conf(transport_url, extra=textwrap.dedent("""
            [DEFAULT]
            control_exchange = nt_%(exchange)s
            host = %(host)s
            log_dir = %(log_dir)s
            report_interval = 1
            compute_driver = fake.FakeDriver
            enabled_apis = osapi_compute
            osapi_compute_listen = 127.0.0.1
            osapi_compute_listen_port = %(api_port)d
            osapi_compute_workers = 1
            metadata_listen = 127.0.0.1
            metadata_listen_port = %(metadata_port)d

            [api]
            auth_strategy = noauth2

            [vnc]
            novncproxy_host = 127.0.0.1
            novncproxy_port = %(novnc_port)d
            novncproxy_base_url = http://127.0.0.1:%(novnc_port)d/vnc_auto.html
            """) % {'exchange': uuid.uuid4().hex[:12], 'host': HOST,
                    'log_dir': tmp_path / 'log',
                    'api_port': deployment.api_port,
                    'metadata_port': _free_port(),
                    'novnc_port': deployment.novnc_port})
        conf_file = deployment.conf_file
        assert fixtures.manage_in_process(conf_file, 'api_db', 'sync') == 0
        assert fixtures.manage_in_process(
            conf_file, 'cell_v2', 'map_cell0', '--database_connection',
            mysql_db('cell0')) == 0
        yield deployment
        engines.dispose_all()


@pytest.fixture
def aio(deployment, tmp_path):
    """The running nova-aio and the file of its output.

    If the test fails halfway, everything it started is stopped here.
    """
    output = tmp_path / 'nova-aio.out'
    binary = os.path.join(os.path.dirname(sys.executable), 'nova-aio')
    with open(output, 'w') as out:
        proc = subprocess.Popen([binary, '--config-file',
                                 deployment.conf_file], cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT)
    proc.output = output
    yield proc
    children = _descendants(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pid in children:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _descendants(pid):
    """Pids of the children of ``pid``, of theirs, and so on."""
    children = {}
    for entry in filter(str.isdigit, os.listdir('/proc')):
        stat = _stat(int(entry))
        if stat:
            children.setdefault(int(stat[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _stat(pid):
    """State, parent pid, ... of /proc/<pid>/stat; None once gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()
    except OSError:
        return None


def _alive(pid):
    """Exists and is not a zombie waiting to be reaped."""
    stat = _stat(pid)
    return stat is not None and stat[0] != 'Z'


def _summary(proc):
    """nova-aio's output once it says the cloud is running"""
    text = proc.output.read_text()
    assert proc.poll() is None, 'nova-aio exited early:\n' + text
    return text if 'Nova all-in-one is running' in text else None


def _services_up(cell_url):
    with engines.reader(cell_url) as session:
        rows = session.scalars(sa.select(main_models.Service).where(
            main_models.Service.deleted == 0)).all()
    return {(row.binary, row.host): service.is_up(row) for row in rows}


def _get(port, path, headers=None):
    """(status, body) of a GET on 127.0.0.1."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    try:
        connection.request('GET', path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_nova_aio_runs_the_cloud_and_stops_it_on_ctrl_c(deployment, aio):
    summary = daemons.wait_for(lambda: _summary(aio), timeout=240)
    assert 'API:    http://127.0.0.1:%d/v2.1' % deployment.api_port \
        in summary
    assert 'noVNC:  http://127.0.0.1:%d/vnc_auto.html' % \
        deployment.novnc_port in summary
    up = _services_up(deployment.cell_url)
    assert all(up.get((binary, HOST)) for binary in REPORTING), up
    assert HOST in {host for _cell, host in
                    mappings.host_mappings(deployment.api_url)}
    assert _get(deployment.novnc_port, '/vnc_lite.html')[0] == 200
    status, body = _get(deployment.api_port, '/v2.1/os-services',
                        {'X-Auth-Token': 'admin:admin'})
    assert status == 200
    assert {s['binary'] for s in json.loads(body)['services']} == \
        set(REPORTING)

    children = _descendants(aio.pid)
    assert len(children) >= 5
    aio.send_signal(signal.SIGINT)
    assert aio.wait(timeout=60) == 0
    assert [pid for pid in children if _alive(pid)] == []
