"""How the conductor finds the cell of a server it is asked to write."""

import oslo_messaging as messaging
import pytest

from common import conf
from common import context
from common import exception
from nova_conductor import manager


def test_a_server_deleted_with_its_mapping_is_not_found(deployment, api_db):
    """A compute's late write (a lifecycle event after a delete) about a
    server whose mapping is gone gets InstanceNotFound, which the
    compute expects, not InstanceMappingNotFound."""
    conf.CONF.set_override('connection', api_db.url, group='api_database')
    conf.CONF.set_override('connection', deployment.cell_url,
                           group='database')
    conductor = manager.ConductorManager()
    with pytest.raises(messaging.ExpectedException) as raised:
        conductor.instance_update(
            context.get_admin_context(),
            '9f3a4c1e-0000-4000-8000-000000000001', {'power_state': 4},
            expected={'task_state': [None]})
    conf.CONF.reset()
    assert raised.value.exc_info[0] is exception.InstanceNotFound
