"""The daemons as real processes over RabbitMQ, writing through the
conductor into MariaDB: registration, heartbeats, up/down as the API
shows it, RabbitMQ and the database going away, SIGTERM."""

import os
import signal
import urllib.parse
import uuid

import pytest
import sqlalchemy as sa

from common import conf
from tests.functional import conftest
from tests.functional import daemons
from tests.functional import rabbit
from tests.functional import tcpproxy

COMPUTE_HOSTS = ['compute-0001', 'compute-0002', 'compute-0003']


@pytest.fixture
def cloud(tmp_path, mysql_db):
    with rabbit.vhost() as transport_url:
        c = daemons.Cloud(tmp_path, mysql_db, transport_url)
        # is_up() in this process judges with the cloud's
        # service_down_time.
        conf.CONF.set_override('service_down_time', 5)
        yield c
        c.stop_all()
        conf.CONF.clear_override('service_down_time')


@pytest.fixture
def proxies():
    made = []

    def make(port):
        proxy = tcpproxy.TCPProxy(('127.0.0.1', port))
        made.append(proxy)
        return proxy
    yield make
    for proxy in made:
        proxy.close()


def _states(cloud, version='2.1'):
    """{(binary, host): state} from GET /os-services."""
    resp = cloud.api('GET', '/os-services', version=version)
    assert resp.status_code == 200, resp.text
    return {(s['binary'], s['host']): s['state']
            for s in resp.json()['services']}


def _report_count(cloud, binary):
    return {s['binary']: s['report_count']
            for s in cloud.services()}.get(binary, 0)


def test_the_cloud_comes_up_and_a_killed_compute_goes_down(cloud):
    """The issue's acceptance test: conductor, scheduler, api and a
    compute process simulating three hosts."""
    compute_conf = cloud.conf_file(
        'compute.conf', '[DEFAULT]\nhost = compute\n'
        '[fake]\nhost_count = 3\nvcpus = 8\nmemory_mb = 8192\n')
    for binary in ('nova-conductor', 'nova-scheduler', 'nova-api'):
        cloud.start(binary)
    compute = cloud.start('nova-compute', compute_conf)
    cloud.wait_for_api()
    expected = {('nova-conductor', 'controller'),
                ('nova-scheduler', 'controller')} | {
        ('nova-compute', host) for host in COMPUTE_HOSTS}

    def all_up():
        """every service up in GET /os-services"""
        states = _states(cloud)
        return set(states) == expected and \
            set(states.values()) == {'up'}
    cloud.wait_for(all_up, timeout=90)
    cloud.wait_for(lambda: len(cloud.compute_nodes()) == 3)
    assert cloud.manage('cell_v2', 'discover_hosts') == 0

    resp = cloud.api('GET', '/os-hypervisors/detail')
    assert resp.status_code == 200, resp.text
    hypervisors = resp.json()['hypervisors']
    assert sorted(h['hypervisor_hostname'] for h in hypervisors) == \
        COMPUTE_HOSTS
    assert {(h['state'], h['status'], h['vcpus'], h['memory_mb'])
            for h in hypervisors} == {('up', 'enabled', 8, 8192)}

    compute.send_signal(signal.SIGKILL)
    compute.wait()

    def computes_down():
        """the killed compute's hosts down, the controller's services up"""
        states = _states(cloud)
        return all(states[('nova-compute', h)] == 'down'
                   for h in COMPUTE_HOSTS) and \
            states[('nova-conductor', 'controller')] == 'up'
    # Down within service_down_time (5 s) of the last beat.
    cloud.wait_for(computes_down, timeout=15)

    for binary in ('nova-api', 'nova-scheduler', 'nova-conductor'):
        proc = cloud.procs[binary]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, binary


def test_heartbeats_resume_when_rabbitmq_comes_back(cloud, proxies):
    """The scheduler reaches RabbitMQ through a proxy the test cuts: at
    start, then for longer than service_down_time, as a broker restart
    would."""
    broker = proxies(5672)
    via_proxy = urllib.parse.urlsplit(cloud.transport_url)._replace(
        netloc='guest:guest@%s' % broker.url_netloc())
    scheduler_conf = cloud.conf_file(
        'scheduler.conf', '[DEFAULT]\ntransport_url = %s\n'
        % urllib.parse.urlunsplit(via_proxy))
    cloud.start('nova-conductor')
    broker.cut()
    scheduler = cloud.start('nova-scheduler', scheduler_conf)

    def retrying():
        """the scheduler logging that it retries the broker"""
        log = cloud.log_dir / 'nova-scheduler.log'
        return log.exists() and 'Connection failed' in log.read_text()
    cloud.wait_for(retrying, timeout=30)
    assert scheduler.poll() is None
    broker.restore()
    key = ('nova-scheduler', 'controller')
    cloud.wait_for(lambda: cloud.up().get(key), timeout=90)

    broker.cut()
    cloud.wait_for(lambda: cloud.up()[key] is False, timeout=20)
    beats_while_cut = _report_count(cloud, 'nova-scheduler')
    broker.restore()

    def beating_again():
        """the scheduler beating again after the broker came back"""
        return cloud.up()[key] and \
            _report_count(cloud, 'nova-scheduler') >= beats_while_cut + 3
    cloud.wait_for(beating_again, timeout=90)
    assert scheduler.poll() is None


def test_the_conductor_survives_its_database_going_away(cloud, proxies):
    """Calls fail while the cell database is unreachable; the conductor
    stays up and serves them again once it is back."""
    database = proxies(3306)
    url = sa.engine.make_url(cloud.cell_url).set(
        host='127.0.0.1', port=database.port)
    conductor_conf = cloud.conf_file(
        'conductor.conf', '[database]\nconnection = %s\n'
        % url.render_as_string(hide_password=False))
    conductor = cloud.start('nova-conductor', conductor_conf)
    cloud.start('nova-scheduler')
    key = ('nova-scheduler', 'controller')
    cloud.wait_for(lambda: cloud.up().get(key), timeout=90)

    database.cut()

    def heartbeats_failing():
        """the scheduler logging failed heartbeats"""
        log = (cloud.log_dir / 'nova-scheduler.log').read_text()
        return 'heartbeat failed' in log
    cloud.wait_for(heartbeats_failing, timeout=30)
    assert conductor.poll() is None
    beats_while_cut = _report_count(cloud, 'nova-scheduler')
    database.restore()
    cloud.wait_for(
        lambda: _report_count(cloud, 'nova-scheduler') >= beats_while_cut + 3,
        timeout=60)
    assert conductor.poll() is None
    # One line per failed call, naming the cause; no traceback.
    log = (cloud.log_dir / 'nova-conductor.log').read_text()
    assert 'the database is unavailable' in log
    assert 'Traceback' not in log


@pytest.fixture
def select_only_user(cloud):
    """A MariaDB user that may only SELECT, on the API database."""
    name = 'nt_ro_%s' % uuid.uuid4().hex[:8]
    database = sa.engine.make_url(cloud.api_url).database
    admin = conftest.admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE USER '%s'@'%%' IDENTIFIED BY 'ro'"
                             % name))
        conn.execute(sa.text("GRANT SELECT ON `%s`.* TO '%s'@'%%'"
                             % (database, name)))
    yield sa.engine.make_url(cloud.api_url).set(
        username=name, password='ro').render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text("DROP USER '%s'@'%%'" % name))
    admin.dispose()


def test_api_and_scheduler_run_on_a_select_only_database_user(
        cloud, select_only_user):
    """Writes the API asks for go through the conductor: nova-api and
    nova-scheduler run with a database user that can only read."""
    read_only = cloud.conf_file(
        'read-only.conf', '[api_database]\nconnection = %s\n'
        % select_only_user)
    cloud.start('nova-conductor')
    cloud.start('nova-scheduler', read_only)
    cloud.start('nova-api', read_only)
    cloud.start('nova-compute')
    cloud.wait_for_api()

    def all_up():
        """scheduler and compute up in GET /os-services"""
        states = _states(cloud)
        return states.get(('nova-scheduler', 'controller')) == 'up' and \
            states.get(('nova-compute', 'controller')) == 'up'
    cloud.wait_for(all_up, timeout=90)

    services = cloud.api('GET', '/os-services?binary=nova-compute',
                         version='2.53').json()['services']
    resp = cloud.api('PUT', '/os-services/%s' % services[0]['id'],
                     version='2.53',
                     json={'status': 'disabled', 'disabled_reason': 'test'})
    assert resp.status_code == 200, resp.text
    assert resp.json()['service']['status'] == 'disabled'
    row = {s['binary']: s for s in cloud.services()}['nova-compute']
    assert (row['disabled'], row['disabled_reason']) == (True, 'test')


def _children(pid):
    """Pids of the processes whose parent is ``pid``."""
    with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
        return [int(child) for child in f.read().split()]


def test_one_api_worker_is_the_api_process(cloud):
    """With osapi_compute_workers = 1 nova-api forks nothing; SIGHUP
    reloads mutable options (debug) and it goes on serving."""
    cloud.start('nova-conductor')
    debug = cloud.conf_file('debug.conf', '[DEFAULT]\ndebug = False\n')
    api = cloud.start('nova-api', debug)
    cloud.wait_for_api()
    assert _children(api.pid) == []
    log = cloud.log_dir / 'nova-api.log'

    def refused():
        """A member asking for the services: a policy failure, which
        nova-api logs at DEBUG."""
        resp = cloud.api('GET', '/os-services', token='demo:demo')
        assert resp.status_code == 403, resp.text
    refused()
    assert ' DEBUG ' not in log.read_text()

    debug.write_text('[DEFAULT]\ndebug = True\n')
    api.send_signal(signal.SIGHUP)
    cloud.wait_for(lambda: 'SIGHUP: reloading' in log.read_text() and
                   'Option DEFAULT.debug changed' in log.read_text())
    refused()
    assert ' DEBUG nova_api.policy ' in log.read_text()
    assert api.poll() is None
    api.send_signal(signal.SIGTERM)
    assert api.wait(timeout=60) == 0


def test_api_workers_are_forked_by_a_master(cloud):
    workers = cloud.conf_file('workers.conf',
                              '[DEFAULT]\nosapi_compute_workers = 2\n')
    api = cloud.start('nova-api', workers)
    cloud.wait_for_api()
    cloud.wait_for(lambda: len(_children(api.pid)) == 2)
    forked = _children(api.pid)
    assert cloud.api('GET', '/').status_code == 200
    api.send_signal(signal.SIGTERM)
    assert api.wait(timeout=60) == 0
    assert not any(os.path.exists('/proc/%d' % pid) for pid in forked)
