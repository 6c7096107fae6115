"""The fake virt driver and how nova-compute chooses its driver."""

import json
import types

import pytest

from common import conf
from common import exception
from common import states
from nova_compute.virt import driver
from nova_compute.virt import fake

CONF = conf.CONF


@pytest.fixture(autouse=True)
def _reset_conf():
    yield
    CONF.reset()


def _instance(uuid='u1', vcpus=2, memory_mb=2048, root_gb=20,
              ephemeral_gb=5):
    return types.SimpleNamespace(uuid=uuid, name='instance-%s' % uuid,
                                 vcpus=vcpus, memory_mb=memory_mb,
                                 root_gb=root_gb, ephemeral_gb=ephemeral_gb)


def _driver(host='compute1'):
    drv = fake.FakeDriver()
    drv.init_host(host)
    return drv


def _spawn(drv, instance, power_on=True):
    drv.spawn(None, instance, {}, [], 'secret', {}, power_on=power_on)


def test_capacity_comes_from_the_fake_group():
    CONF.set_override('vcpus', 8, 'fake')
    CONF.set_override('memory_mb', 16384, 'fake')
    CONF.set_override('local_gb', 500, 'fake')
    CONF.set_override('hypervisor_type', 'QEMU', 'fake')
    CONF.set_override('hypervisor_version', 8002000, 'fake')
    res = _driver().get_available_resource('compute1')
    assert res == {
        'vcpus': 8, 'memory_mb': 16384, 'local_gb': 500, 'vcpus_used': 0,
        'memory_mb_used': 0, 'local_gb_used': 0, 'hypervisor_type': 'QEMU',
        'hypervisor_version': 8002000, 'hypervisor_hostname': 'compute1',
        'cpu_info': res['cpu_info'], 'disk_available_least': 500,
        'numa_topology': None,
        'supported_instances': [['x86_64', 'fake', 'hvm']]}
    assert json.loads(res['cpu_info'])['topology']['cores'] == 8


def test_usage_follows_spawn_and_destroy():
    drv = _driver()
    _spawn(drv, _instance('a'))
    _spawn(drv, _instance('b', vcpus=1, memory_mb=512, root_gb=1,
                          ephemeral_gb=0))
    res = drv.get_available_resource('compute1')
    assert (res['vcpus_used'], res['memory_mb_used'],
            res['local_gb_used']) == (3, 2560, 26)
    assert res['disk_available_least'] == 2048 - 26
    drv.destroy(None, _instance('a'), None)
    res = drv.get_available_resource('compute1')
    assert (res['vcpus_used'], res['memory_mb_used'],
            res['local_gb_used']) == (1, 512, 1)
    assert drv.list_instances() == ['instance-b']


def test_destroying_a_missing_guest_succeeds():
    _driver().destroy(None, _instance(), None)


def test_spawning_twice_is_refused():
    drv = _driver()
    _spawn(drv, _instance())
    with pytest.raises(exception.InstanceExists):
        _spawn(drv, _instance())


def test_power_states():
    drv = _driver()
    inst = _instance()
    _spawn(drv, inst, power_on=False)
    assert drv.get_info(inst).state == states.SHUTDOWN
    drv.power_on(None, inst, None)
    assert drv.get_info(inst).state == states.RUNNING
    drv.power_off(inst)
    assert drv.get_info(inst).state == states.SHUTDOWN
    drv.reboot(None, inst, None, 'HARD')
    assert drv.get_info(inst).state == states.RUNNING


def test_pause_and_suspend_states():
    drv = _driver()
    inst = _instance()
    _spawn(drv, inst)
    drv.pause(inst)
    assert drv.get_info(inst).state == states.PAUSED_POWER
    drv.unpause(inst)
    assert drv.get_info(inst).state == states.RUNNING
    drv.suspend(None, inst)
    assert drv.get_info(inst).state == states.SUSPENDED_POWER
    drv.resume(None, inst, None)
    assert drv.get_info(inst).state == states.RUNNING


def test_console_output_names_the_guest():
    drv = _driver()
    inst = _instance('u7')
    _spawn(drv, inst)
    output = drv.get_console_output(None, inst)
    assert 'u7' in output and output.endswith('instance-u7 login:\n')
    with pytest.raises(exception.InstanceNotFound):
        drv.get_console_output(None, _instance('u8'))


def test_unknown_guest_is_not_found():
    with pytest.raises(exception.InstanceNotFound, match='u9'):
        _driver().get_info(_instance('u9'))


def test_one_node_named_after_the_host():
    assert _driver('compute7').get_available_nodes() == ['compute7']


def test_node_name_from_the_fake_group_or_given():
    CONF.set_override('hypervisor_hostname', 'hv1', 'fake')
    assert _driver().get_available_nodes() == ['hv1']
    drv = fake.FakeDriver(nodename='hv9')
    drv.init_host('compute1')
    assert drv.get_available_nodes() == ['hv9']


def test_uptime_reads_like_uptime():
    line = _driver().get_host_uptime()
    assert ' up 0 days,  0:00,  0 users,  load average: ' in line


def test_load_the_fake_driver():
    drv = driver.load_compute_driver('fake.FakeDriver')
    assert isinstance(drv, fake.FakeDriver)


def test_load_without_a_driver_configured():
    with pytest.raises(driver.ComputeDriverNotSpecified,
                       match='Compute driver option required, but not '
                             'specified'):
        driver.load_compute_driver(None)


def test_load_an_unknown_driver_names_the_choices():
    with pytest.raises(driver.ComputeDriverUnknown) as err:
        driver.load_compute_driver('xenapi.XenAPIDriver')
    assert str(err.value) == (
        'compute_driver xenapi.XenAPIDriver is unknown; valid choices are: '
        'fake.FakeDriver, libvirt.LibvirtDriver')


def test_load_a_driver_whose_module_cannot_be_imported(monkeypatch):
    monkeypatch.setitem(driver.DRIVERS, 'libvirt.LibvirtDriver',
                        ('nova_compute.virt.nonexistent', 'LibvirtDriver'))
    with pytest.raises(driver.ComputeDriverNotAvailable,
                       match='^compute_driver libvirt.LibvirtDriver is not '
                             'available: No module named'):
        driver.load_compute_driver('libvirt.LibvirtDriver')


def test_the_contract_is_abstract():
    base = driver.ComputeDriver(None)
    with pytest.raises(NotImplementedError):
        base.spawn(None, _instance(), {}, [], None, {})
    with pytest.raises(NotImplementedError):
        base.get_available_nodes()
    with pytest.raises(NotImplementedError):
        base.get_console_output(None, _instance())
