"""The README's first command, and the openstack CLI against its cloud.

tools/aio.sh runs as a new user runs it, beside any cloud already on
this machine: its own state directory, ports, databases, RabbitMQ
virtual host and host name (the AIO_* settings it documents), real
Keystone and Glance, the five daemons, a QEMU guest through the host's
libvirtd.  It must end with a booted server and its console URL; then
the ``openstack`` commands of an operator's first hour run against it
from the printed openrc, and their output is checked.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import uuid

import pytest
import requests

from tests.functional import daemons
from tests.functional import vnc
from tests.integration import guest_image

try:
    import libvirt
except ImportError:  # the libvirtd fixture skips the tier
    libvirt = None

TOP = pathlib.Path(__file__).resolve().parents[2]
AIO = TOP / 'tools' / 'aio.sh'
# Package installs are done by then; the rest takes ~1-3 minutes.
AIO_TIMEOUT = 900
CLI_TIMEOUT = 300


class AllInOne:
    """One tools/aio.sh cloud, told apart from others by its AIO_*."""

    def __init__(self, state, instances):
        tag = uuid.uuid4().hex[:8]
        self.state = state
        self.host = 'aio-it-%s' % tag
        self.db_prefix = 'aio_%s_' % tag
        self.vhost = 'aio-%s' % tag
        # Domains of this cloud only, whatever other clouds run here.
        self.domain_prefix = 'aio-it-%s-' % tag
        self.env = dict(
            {k: v for k, v in os.environ.items()
             if not k.startswith(('OS_', 'AIO_', 'NOVA_'))},
            NOVA_STATE=str(state), AIO_HOST=self.host,
            AIO_DB_PREFIX=self.db_prefix, AIO_RABBIT_VHOST=self.vhost,
            AIO_INSTANCES_PATH=str(instances),
            **{'AIO_%s_PORT' % name: str(daemons.free_port())
               for name in ('API', 'METADATA', 'NOVNC', 'KEYSTONE',
                            'GLANCE')})
        local = state / 'etc' / 'nova' / 'local.conf'
        local.parent.mkdir(parents=True)
        local.write_text('[DEFAULT]\ninstance_name_template = %s%%(uuid)s\n'
                         % self.domain_prefix)

    def run(self, *args):
        proc = subprocess.run(
            ['bash', str(AIO), *args], env=self.env, capture_output=True,
            text=True, timeout=AIO_TIMEOUT)
        assert proc.returncode == 0, '%s\n%s\n%s' % (
            proc.stdout, proc.stderr, self.logs())
        return proc.stdout

    def openstack(self, *args, check=True):
        """``openstack`` with the openrc aio.sh wrote; its stdout."""
        env = dict(self.env, **self.openrc())
        cli = os.path.join(os.path.dirname(sys.executable), 'openstack')
        proc = subprocess.run([cli, *args], env=env, capture_output=True,
                              text=True, timeout=CLI_TIMEOUT)
        if check:
            assert proc.returncode == 0, 'openstack %s: %s' % (
                ' '.join(args), proc.stderr)
        return proc

    def json(self, *args):
        return json.loads(self.openstack(*args, '-f', 'json').stdout)

    def openrc(self):
        exports = re.findall(r'^export (OS_\w+)=(.*)$',
                             (self.state / 'openrc').read_text(), re.M)
        return dict(exports)

    def server(self, name):
        return self.json('server', 'show', name)

    def wait_status(self, name, status):
        daemons.wait_for(
            lambda: self.server(name)['status'] == status and
            self.server(name)['OS-EXT-STS:task_state'] is None,
            timeout=180, interval=1)

    def logs(self):
        log_dir = self.state / 'log'
        if not log_dir.is_dir():
            return ''
        tails = []
        for path in sorted(log_dir.glob('*.log')):
            lines = path.read_text(errors='replace').splitlines()[-15:]
            tails.append('==> %s <==\n%s' % (path.name, '\n'.join(lines)))
        return '\n'.join(tails)

    def remove_leftovers(self):
        """What --stop leaves by design: domains, databases, vhost."""
        conn = libvirt.open('qemu:///system')
        try:
            for dom in conn.listAllDomains():
                if dom.name().startswith(self.domain_prefix):
                    if dom.isActive():
                        dom.destroy()
                    dom.undefineFlags(
                        libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        finally:
            conn.close()
        drop = ''.join('DROP DATABASE IF EXISTS %s%s;' % (self.db_prefix, db)
                       for db in ('nova_api', 'nova', 'nova_cell0'))
        subprocess.run(['mysql', '-uroot', '-h127.0.0.1', '-e', drop],
                       check=False)
        subprocess.run(['rabbitmqctl', '-q', 'delete_vhost', self.vhost],
                       check=False, capture_output=True)


@pytest.fixture(scope='module')
def aio(tmp_path_factory, libvirtd, guest_dir):
    """tools/aio.sh run once; stopped and removed after the module."""
    instances = guest_dir / 'aio-instances'
    cloud = AllInOne(tmp_path_factory.mktemp('aio'), instances)
    try:
        cloud.output = cloud.run()
        yield cloud
    finally:
        try:
            cloud.run('--stop')
        finally:
            cloud.remove_leftovers()


def test_aio_ends_with_a_booted_server_and_its_console_url(aio):
    assert 'The cloud is up' in aio.output
    url = re.search(r'console of aio-demo:\s+(\S+)', aio.output).group(1)
    port = aio.env['AIO_NOVNC_PORT']
    assert re.fullmatch(r'http://127\.0\.0\.1:%s/vnc_lite\.html\?path='
                        r'%%3Ftoken%%3D[0-9a-f-]{36}' % port, url), url
    demo = aio.server('aio-demo')
    assert (demo['status'], demo['OS-EXT-SRV-ATTR:host']) == (
        'ACTIVE', aio.host)
    log = aio.openstack('console', 'log', 'show', 'aio-demo').stdout
    assert guest_image.MARKER in log
    # What a browser gets: noVNC's page, then the guest's screen (its
    # QEMU names the domain in the RFB handshake).
    page = requests.get(url, timeout=30)
    assert page.status_code == 200 and 'noVNC' in page.text
    assert aio.domain_prefix + demo['id'] in vnc.desktop_name(url)


def test_openstack_cli_lists_what_the_operator_expects(aio):
    flavors = {f['Name']: f for f in aio.json('flavor', 'list')}
    assert set(flavors) == {'m1.tiny', 'm1.small', 'm1.medium', 'm1.large',
                            'm1.xlarge'}
    assert (flavors['m1.tiny']['RAM'], flavors['m1.tiny']['VCPUs']) == (
        512, 1)
    services = {(s['Binary'], s['Host']): s
                for s in aio.json('compute', 'service', 'list')}
    for binary in ('nova-conductor', 'nova-scheduler', 'nova-compute'):
        assert services[(binary, aio.host)]['State'] == 'up'
        assert services[(binary, aio.host)]['Status'] == 'enabled'
    hypervisors = aio.json('hypervisor', 'list')
    assert [(h['Hypervisor Type'], h['State']) for h in hypervisors] == [
        ('QEMU', 'up')]
    zones = {z['Zone Name']: z['Zone Status']
             for z in aio.json('availability', 'zone', 'list')}
    assert zones == {'nova': 'available', 'internal': 'available'}


def test_server_lifecycle_through_the_openstack_cli(aio):
    image = json.loads((aio.state / 'guest.json').read_text())
    created = aio.json('server', 'create', '--image', 'novaclone-guest',
                       '--flavor', 'm1.tiny', '--no-network',
                       '--wait', 'cli-server')
    assert created['status'] == 'ACTIVE'
    listed = {s['Name']: s for s in aio.json('server', 'list')}
    assert listed['cli-server']['Status'] == 'ACTIVE'
    assert listed['cli-server']['Image'] == 'novaclone-guest'
    daemons.wait_for(
        lambda: image['marker'] in aio.openstack(
            'console', 'log', 'show', '--lines', '20', 'cli-server').stdout,
        timeout=180, interval=2)

    aio.openstack('server', 'stop', 'cli-server')
    aio.wait_status('cli-server', 'SHUTOFF')
    assert aio.server('cli-server')['OS-EXT-STS:power_state'] == 4  # SHUTDOWN
    aio.openstack('server', 'start', 'cli-server')
    aio.wait_status('cli-server', 'ACTIVE')
    aio.openstack('server', 'reboot', 'cli-server')  # SOFT, the default
    aio.wait_status('cli-server', 'ACTIVE')
    actions = [a['Action'] for a in aio.json(
        'server', 'event', 'list', 'cli-server')]
    assert sorted(actions) == ['create', 'reboot', 'start', 'stop']

    console = aio.json('console', 'url', 'show', 'cli-server')
    assert (console['protocol'], console['type']) == ('vnc', 'novnc')
    assert console['url'].startswith(
        'http://127.0.0.1:%s/vnc_lite.html' % aio.env['AIO_NOVNC_PORT'])

    aio.openstack('server', 'delete', '--wait', 'cli-server')
    gone = aio.openstack('server', 'show', 'cli-server', check=False)
    assert gone.returncode != 0
    assert 'No Server found for cli-server' in gone.stderr


def test_a_network_by_name_is_not_found_without_a_network_service(aio):
    """--network names a network; there is none here (--no-network boots
    without one), and the CLI says so, as against a real Nova."""
    refused = aio.openstack('server', 'create', '--image', 'novaclone-guest',
                            '--flavor', 'm1.tiny', '--network', 'none',
                            'no-such-network', check=False)
    assert refused.returncode != 0
    assert 'none not found' in refused.stderr
    assert aio.json('server', 'list', '--name', 'no-such-network') == []


def test_running_aio_again_reuses_the_cloud(aio):
    demo = aio.server('aio-demo')
    again = aio.run()
    assert 'The cloud is up' in again
    servers = aio.json('server', 'list', '--name', '^aio-demo$')
    assert [s['ID'] for s in servers] == [demo['id']]
