"""The compute API behind a real Keystone, driven by openstackclient.

nova-api validates Keystone v3 tokens with keystonemiddleware; users of
two projects (see tests/functional/keystone.py) act through the
``openstack`` CLI found in the catalog, as an operator and two tenants
would.
"""

import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
import pytest

from common import conf
from tests.functional import daemons
from tests.functional import rabbit
from tests.functional.keystone_fixture import keystone  # noqa: F401


@pytest.fixture
def cloud(tmp_path, mysql_db, keystone):  # noqa: F811
    with rabbit.vhost() as transport_url:
        c = daemons.Cloud(tmp_path, mysql_db, transport_url)
        keystone.set_compute_endpoint(
            'http://127.0.0.1:%d/v2.1' % c.api_port)
        api_conf = c.conf_file(
            'api.conf', '[api]\nauth_strategy = keystone\n' +
            keystone.authtoken_conf())
        conf.CONF.set_override('service_down_time', 5)
        c.start('nova-conductor')
        c.start('nova-scheduler')
        c.start('nova-compute')
        c.start('nova-api', api_conf)
        c.wait_for_api()
        c.wait_for(lambda: len(c.compute_nodes()) == 1, timeout=90)
        assert c.manage('cell_v2', 'discover_hosts') == 0
        yield c
        c.stop_all()
        conf.CONF.clear_override('service_down_time')


def _cli(keystone, user, project, *args):  # noqa: F811
    """``openstack <args> -f json`` as ``user``; the decoded output."""
    return json.loads(keystone.openstack(user, project, *args, '-f', 'json'))


def test_admin_manages_the_cloud(cloud, keystone):  # noqa: F811
    services = _cli(keystone, 'admin', 'admin', 'compute', 'service',
                    'list')
    assert {(s['Binary'], s['State']) for s in services} >= {
        ('nova-conductor', 'up'), ('nova-scheduler', 'up'),
        ('nova-compute', 'up')}
    hypervisors = _cli(keystone, 'admin', 'admin', 'hypervisor', 'list')
    assert [h['Hypervisor Hostname'] for h in hypervisors] == ['controller']

    flavor = _cli(keystone, 'admin', 'admin', 'flavor', 'create',
                  '--ram', '512', '--disk', '1', '--vcpus', '1', 'm1.tiny')
    assert (flavor['name'], flavor['ram']) == ('m1.tiny', 512)
    listed = _cli(keystone, 'admin', 'admin', 'flavor', 'list')
    assert [f['Name'] for f in listed] == ['m1.tiny']
    shown = _cli(keystone, 'admin', 'admin', 'flavor', 'show', 'm1.tiny')
    assert shown['id'] == flavor['id']
    keystone.openstack('admin', 'admin', 'flavor', 'delete', 'm1.tiny')
    assert _cli(keystone, 'admin', 'admin', 'flavor', 'list') == []

    keystone.openstack('admin', 'admin', 'quota', 'set', '--instances',
                       '7', 'project-a')
    quota = _cli(keystone, 'admin', 'admin', 'quota', 'show', '--compute',
                 'project-a')
    assert _quota_value(quota, 'instances') == 7

    zones = _cli(keystone, 'admin', 'admin', 'availability', 'zone',
                 'list', '--compute')
    assert ('nova', 'available') in {
        (z['Zone Name'], z['Zone Status']) for z in zones}


def _quota_value(quota, resource):
    """openstackclient prints quotas as a dict or as rows, by version."""
    if isinstance(quota, dict):
        return quota[resource]
    return {row['Resource']: row['Limit'] for row in quota}[resource]


def test_members_are_refused_admin_calls(cloud, keystone):  # noqa: F811
    for args in (('compute', 'service', 'list'),
                 ('hypervisor', 'list'),
                 ('flavor', 'create', '--ram', '1', '--disk', '1',
                  '--vcpus', '1', 'mine')):
        with pytest.raises(AssertionError, match='403'):
            keystone.openstack('alice', 'project-a', *args)


def test_projects_do_not_see_each_other(cloud, keystone,  # noqa: F811
                                        tmp_path):
    key_file = tmp_path / 'alice.pub'
    key_file.write_bytes(ed25519.Ed25519PrivateKey.generate().public_key(
    ).public_bytes(serialization.Encoding.OpenSSH,
                   serialization.PublicFormat.OpenSSH) + b' alice\n')
    keystone.openstack('alice', 'project-a', 'keypair', 'create',
                       '--public-key', str(key_file), 'alice-key')
    group = _cli(keystone, 'alice', 'project-a', 'server', 'group',
                 'create', '--policy', 'anti-affinity', 'alice-group')

    assert [k['Name'] for k in _cli(keystone, 'alice', 'project-a',
                                    'keypair', 'list')] == ['alice-key']
    assert [g['ID'] for g in _cli(keystone, 'alice', 'project-a', 'server',
                                  'group', 'list')] == [group['id']]
    assert _cli(keystone, 'bob', 'project-b', 'keypair', 'list') == []
    assert _cli(keystone, 'bob', 'project-b', 'server', 'group',
                'list') == []
    # Nova refuses another project's group (403); the client then looks
    # it up by name among bob's own and finds nothing.
    with pytest.raises(AssertionError, match='No ServerGroup found'):
        keystone.openstack('bob', 'project-b', 'server', 'group', 'show',
                           group['id'])
    keystone.openstack('alice', 'project-a', 'keypair', 'delete',
                       'alice-key')
    assert _cli(keystone, 'alice', 'project-a', 'keypair', 'list') == []
