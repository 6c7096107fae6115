"""A service taking itself out of scheduling and back in (a compute
whose hypervisor went away and came back), judged by the conductor in
one write: the operator's own disable always stays."""

import oslo_messaging as messaging
import pytest
import sqlalchemy as sa

from common import conf
from common import context
from common import exception
from common.db import engines
from common.db import main_models as main
from nova_conductor import manager
from nova_conductor.db import services

LOST = 'Connection to libvirt lost: end of file'


@pytest.fixture
def service_id(cell_db):
    with engines.writer(cell_db) as session:
        return services.register(session, 'cmp1', 'nova-compute',
                                 'compute')['id']


def _write(url, func, *args):
    with engines.writer(url) as session:
        return func(session, *args)


def _status(service):
    return service['disabled'], service['disabled_reason']


def _stored(url, service_id):
    with engines.reader(url) as session:
        return tuple(session.execute(sa.select(
            main.Service.disabled, main.Service.disabled_reason).where(
                main.Service.id == service_id)).one())


def test_a_service_disables_itself_with_the_auto_reason(cell_db,
                                                        service_id):
    service = _write(cell_db, services.set_host_enabled, service_id,
                     False, LOST)
    assert _status(service) == (True, 'AUTO: ' + LOST)
    assert _stored(cell_db, service_id) == (True, 'AUTO: ' + LOST)


def test_it_enables_itself_again(cell_db, service_id):
    _write(cell_db, services.set_host_enabled, service_id, False, LOST)
    service = _write(cell_db, services.set_host_enabled, service_id, True)
    assert _status(service) == (False, None)
    assert _stored(cell_db, service_id) == (False, None)


def test_an_enabled_service_stays_enabled(cell_db, service_id):
    """What a compute's start-up does to a service nothing disabled."""
    service = _write(cell_db, services.set_host_enabled, service_id, True)
    assert _status(service) == (False, None)


@pytest.mark.parametrize('reason', ['maintenance', None,
                                    'AUTOMATIC: not the prefix'])
def test_an_operator_disable_stays_through_loss_and_return(
        cell_db, service_id, reason):
    _write(cell_db, services.update, service_id,
           {'disabled': True, 'disabled_reason': reason})
    lost = _write(cell_db, services.set_host_enabled, service_id, False,
                  LOST)
    assert _status(lost) == (True, reason)
    back = _write(cell_db, services.set_host_enabled, service_id, True)
    assert _status(back) == (True, reason)
    assert _stored(cell_db, service_id) == (True, reason)


def test_an_operator_reason_given_during_the_outage_stays(cell_db,
                                                          service_id):
    """The operator's reason replaces the service's own: the service
    is the operator's to enable now."""
    _write(cell_db, services.set_host_enabled, service_id, False, LOST)
    _write(cell_db, services.update, service_id,
           {'disabled_reason': 'disk replaced'})
    back = _write(cell_db, services.set_host_enabled, service_id, True)
    assert _status(back) == (True, 'disk replaced')


def test_a_second_loss_keeps_the_first_reason(cell_db, service_id):
    _write(cell_db, services.set_host_enabled, service_id, False, LOST)
    again = _write(cell_db, services.set_host_enabled, service_id, False,
                   'Failed to connect to libvirt: no socket')
    assert _status(again) == (True, 'AUTO: ' + LOST)


def test_a_long_reason_is_cut_to_the_column(cell_db, service_id):
    service = _write(cell_db, services.set_host_enabled, service_id,
                     False, 'x' * 300)
    assert service['disabled_reason'] == ('AUTO: ' + 'x' * 300)[:255]


def test_the_conductor_writes_its_own_cell(deployment, cell_db,
                                           service_id):
    """The compute does not know its cell: the conductor it reaches is
    its cell's, and writes the cell database of its nova.conf."""
    conf.CONF.set_override('connection', deployment.api_url,
                           group='api_database')
    conf.CONF.set_override('connection', cell_db, group='database')
    try:
        conductor = manager.ConductorManager()
        ctxt = context.get_admin_context()
        service = conductor.service_set_host_enabled(ctxt, service_id,
                                                     False, LOST)
        with pytest.raises(messaging.ExpectedException) as raised:
            conductor.service_set_host_enabled(ctxt, service_id + 1, True)
    finally:
        conf.CONF.reset()
    assert _status(service) == (True, 'AUTO: ' + LOST)
    assert _stored(cell_db, service_id) == (True, 'AUTO: ' + LOST)
    assert raised.value.exc_info[0] is exception.ServiceNotFound
