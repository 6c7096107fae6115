"""The daemons as real processes over RabbitMQ, writing through the
conductor into MariaDB: registration, heartbeats, up/down, SIGTERM."""

import signal

import pytest

from common import conf
from tests.functional import daemons


@pytest.fixture
def cloud(tmp_path, mysql_db):
    c = daemons.Cloud(tmp_path, mysql_db)
    # is_up() in this process judges with the cloud's service_down_time.
    conf.CONF.set_override('service_down_time', 5)
    yield c
    c.stop_all()
    conf.CONF.clear_override('service_down_time')


def test_services_register_and_beat_through_the_conductor(cloud):
    cloud.start('nova-conductor')
    cloud.start('nova-scheduler')

    def beating():
        """conductor and scheduler rows with several heartbeats"""
        rows = {s['binary']: s for s in cloud.services()}
        return (set(rows) == {'nova-conductor', 'nova-scheduler'} and
                all(s['report_count'] >= 3 for s in rows.values()))
    daemons.wait_for(beating, timeout=90)
    assert all(cloud.up().values())


def test_a_dead_service_goes_down_and_sigterm_is_graceful(cloud):
    conductor = cloud.start('nova-conductor')
    scheduler = cloud.start('nova-scheduler')

    def both_up():
        """both services up"""
        up = cloud.up()
        return len(up) == 2 and all(up.values())
    daemons.wait_for(both_up, timeout=90)
    scheduler.send_signal(signal.SIGKILL)
    scheduler.wait()

    def scheduler_down():
        """the killed scheduler judged down, the conductor still up"""
        up = cloud.up()
        return up[('nova-scheduler', cloud.host)] is False and \
            up[('nova-conductor', cloud.host)] is True
    daemons.wait_for(scheduler_down, timeout=30)
    conductor.send_signal(signal.SIGTERM)
    assert conductor.wait(timeout=30) == 0

