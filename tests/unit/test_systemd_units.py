"""The systemd units in etc/systemd/, as a distribution would ship them.

A unit that starts a binary setup.cfg does not install, or that lacks
what a graceful stop needs, fails only on a real host; here it fails
at once.
"""

import configparser
import pathlib
import shlex

import pytest

TOP = pathlib.Path(__file__).resolve().parents[2]
UNITS = TOP / 'etc' / 'systemd'
DAEMONS = ('nova-api', 'nova-scheduler', 'nova-conductor', 'nova-compute',
           'nova-novncproxy')
REQUIRED = {
    'Unit': ('Description', 'After', 'Wants'),
    'Service': ('Type', 'User', 'ExecStart', 'Restart', 'KillMode',
                'TimeoutStopSec'),
    'Install': ('WantedBy',),
}


def _parse(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path)
    return parser


def _console_scripts():
    setup = configparser.ConfigParser(interpolation=None)
    setup.read(TOP / 'setup.cfg')
    lines = setup['options.entry_points']['console_scripts'].splitlines()
    return {line.split('=')[0].strip() for line in lines if line.strip()}


def test_one_unit_per_daemon():
    assert sorted(p.stem for p in UNITS.glob('*.service')) == \
        sorted(DAEMONS)


@pytest.mark.parametrize('daemon', DAEMONS)
def test_unit_has_the_required_keys(daemon):
    unit = _parse(UNITS / ('%s.service' % daemon))
    for section, keys in REQUIRED.items():
        for key in keys:
            assert unit.get(section, key, fallback=''), (section, key)
    service = unit['Service']
    # The daemons never call sd_notify: 'notify' would hang the start.
    assert service['Type'] == 'simple'
    assert service['User'] == 'nova'
    assert service['Restart'] == 'on-failure'
    assert service['KillMode'] in ('process', 'mixed')
    # serve() lets in-flight calls finish for up to 60 s on SIGTERM.
    assert int(service['TimeoutStopSec']) > 60
    assert 'network-online.target' in unit['Unit']['After'].split()
    assert 'network-online.target' in unit['Unit']['Wants'].split()


@pytest.mark.parametrize('daemon', DAEMONS)
def test_unit_starts_its_console_script_with_nova_conf(daemon):
    argv = shlex.split(_parse(UNITS / ('%s.service' % daemon))
                       ['Service']['ExecStart'])
    assert argv[0] == '/usr/bin/%s' % daemon
    assert daemon in _console_scripts()
    assert argv[1:] == ['--config-file', '/etc/nova/nova.conf']


def test_compute_may_open_many_connections():
    service = _parse(UNITS / 'nova-compute.service')['Service']
    assert int(service['LimitNOFILE']) >= 65536
