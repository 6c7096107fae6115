"""The configuration package: sample freshness, help texts, Nova's
defaults and parsing of a real nova.conf."""

import difflib
import os
import pathlib
import subprocess
import sys

from oslo_config import cfg
import oslo_messaging
from oslo_messaging import opts as messaging_opts
import pytest

from common import conf as nova_conf
from common import config
from common.conf import opts
from tests import fixtures

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / 'etc' / 'nova' / 'nova.conf.sample'
GENERATOR_CONF = REPO / 'etc' / 'nova' / 'nova-config-generator.conf'


@pytest.fixture
def conf():
    """A private ConfigOpts with every option, so the global CONF is
    never parsed by the tests."""
    conf = cfg.ConfigOpts()
    nova_conf.register_all(conf)
    yield conf
    conf.reset()


def test_sample_is_up_to_date(tmp_path):
    generator = pathlib.Path(sys.executable).parent / 'oslo-config-generator'
    out = tmp_path / 'nova.conf.sample'
    env = dict(os.environ)
    env.pop('OSLO_LOCK_PATH', None)  # default of [oslo_concurrency]
    proc = subprocess.run(
        [str(generator), '--config-file', str(GENERATOR_CONF),
         '--output-file', str(out)],
        cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    fresh = out.read_text().splitlines(keepends=True)
    committed = SAMPLE.read_text().splitlines(keepends=True)
    if fresh != committed:
        diff = ''.join(list(difflib.unified_diff(
            committed, fresh, 'committed', 'generated'))[:40])
        pytest.fail('etc/nova/nova.conf.sample is stale: run '
                    'tools/gen-config-sample.sh\n' + diff)


def test_sample_does_not_depend_on_this_machine():
    text = SAMPLE.read_text()
    assert '#host = <current_hostname>' in text
    assert '#my_ip = <host_ipv4>' in text
    assert str(REPO) not in text


def test_every_option_and_group_has_help():
    missing = []
    for group, group_opts in opts.list_opts():
        if isinstance(group, cfg.OptGroup) and not (group.help or '').strip():
            missing.append('[%s]' % group.name)
        name = getattr(group, 'name', group)
        missing.extend('%s.%s' % (name, opt.name) for opt in group_opts
                       if not (opt.help or '').strip())
    assert not missing, 'options without help: %s' % ', '.join(missing)


def test_default_group_is_listed_first():
    groups = [getattr(g, 'name', g) for g, _ in opts.list_opts()]
    assert groups[0] == 'DEFAULT'
    assert groups[1:] == sorted(groups[1:])


NOVA_DEFAULTS = [
    ('DEFAULT', 'report_interval', 10),
    ('DEFAULT', 'service_down_time', 60),
    ('DEFAULT', 'periodic_enable', True),
    ('DEFAULT', 'enabled_apis', ['osapi_compute', 'metadata']),
    ('DEFAULT', 'osapi_compute_listen', '0.0.0.0'),
    ('DEFAULT', 'osapi_compute_listen_port', 8774),
    ('DEFAULT', 'metadata_listen_port', 8775),
    ('DEFAULT', 'compute_driver', None),
    ('DEFAULT', 'shutdown_timeout', 60),
    ('DEFAULT', 'update_resources_interval', 0),
    ('DEFAULT', 'sync_power_state_interval', 600),
    ('DEFAULT', 'reserved_host_memory_mb', 512),
    ('DEFAULT', 'reserved_host_disk_mb', 0),
    ('DEFAULT', 'reserved_host_cpus', 0),
    ('DEFAULT', 'cpu_allocation_ratio', None),
    ('DEFAULT', 'initial_cpu_allocation_ratio', 16.0),
    ('DEFAULT', 'initial_ram_allocation_ratio', 1.5),
    ('DEFAULT', 'initial_disk_allocation_ratio', 1.0),
    ('DEFAULT', 'running_deleted_instance_action', 'reap'),
    ('DEFAULT', 'running_deleted_instance_poll_interval', 1800),
    ('DEFAULT', 'max_concurrent_builds', 10),
    ('DEFAULT', 'force_raw_images', True),
    ('DEFAULT', 'web', '/usr/share/spice-html5'),
    ('DEFAULT', 'control_exchange', 'nova'),
    ('api', 'auth_strategy', 'keystone'),
    ('api', 'max_limit', 1000),
    ('api', 'response_validation', 'warn'),
    ('wsgi', 'api_paste_config', 'api-paste.ini'),
    ('database', 'connection', None),
    ('api_database', 'connection', None),
    ('scheduler', 'max_attempts', 3),
    ('scheduler', 'discover_hosts_in_cells_interval', -1),
    ('scheduler', 'max_placement_results', 1000),
    ('scheduler', 'driver', 'filter_scheduler'),
    ('filter_scheduler', 'host_subset_size', 1),
    ('filter_scheduler', 'ram_weight_multiplier', 1.0),
    ('filter_scheduler', 'io_ops_weight_multiplier', -1.0),
    ('filter_scheduler', 'build_failure_weight_multiplier', 1000000.0),
    ('filter_scheduler', 'enabled_filters', [
        'AvailabilityZoneFilter', 'ComputeFilter', 'ComputeCapabilitiesFilter',
        'ImagePropertiesFilter', 'ServerGroupAntiAffinityFilter',
        'ServerGroupAffinityFilter']),
    ('compute', 'consecutive_build_service_disable_threshold', 10),
    ('compute', 'resource_provider_association_refresh', 300),
    ('compute', 'max_disk_devices_to_attach', -1),
    ('libvirt', 'virt_type', 'kvm'),
    ('libvirt', 'images_type', 'default'),
    ('libvirt', 'wait_soft_reboot_seconds', 120),
    ('image_cache', 'manager_interval', 2400),
    ('image_cache', 'subdirectory_name', '_base'),
    ('vnc', 'enabled', True),
    ('vnc', 'novncproxy_port', 6080),
    ('vnc', 'novncproxy_base_url', 'http://127.0.0.1:6080/vnc_auto.html'),
    ('vnc', 'auth_schemes', ['none']),
    ('consoleauth', 'token_ttl', 600),
    ('console', 'allowed_origins', []),
    ('quota', 'instances', 10),
    ('quota', 'cores', 20),
    ('quota', 'ram', 51200),
    ('quota', 'recheck_quota', True),
    ('glance', 'num_retries', 3),
    ('fake', 'host_count', 1),
    ('upgrade_levels', 'compute', None),
]


@pytest.mark.parametrize('group,name,default', NOVA_DEFAULTS)
def test_nova_defaults(conf, group, name, default):
    section = conf if group == 'DEFAULT' else conf[group]
    assert section[name] == default


@pytest.mark.parametrize('group,service_type', [
    ('glance', 'image'), ('placement', 'placement'),
    ('keystone', 'identity')])
def test_service_groups_list_keystoneauth_options(group, service_type):
    """The sample shows each service group's keystoneauth1 options,
    whichever daemon registers them."""
    listed = {getattr(g, 'name', g): {o.dest: o.default for o in group_opts}
              for g, group_opts in opts.list_opts()}
    assert listed[group]['service_type'] == service_type
    assert listed[group]['valid_interfaces'] == ['internal', 'public']
    assert {'auth_type', 'cafile', 'endpoint_override'} <= set(listed[group])


READ_GLANCE_OPTIONS = """
import sys
from common import config
conf = config.parse_args(['nova', '--config-file', sys.argv[1]])
from common import glance
print(conf.glance.service_type, conf.glance.endpoint_override,
      conf.glance.timeout)
"""


def test_glance_client_registers_and_reads_its_keystoneauth_options(
        tmp_path):
    """Registered after nova.conf was parsed, they still read it."""
    nova_conf_file = tmp_path / 'nova.conf'
    nova_conf_file.write_text('[glance]\nendpoint_override = '
                              'http://glance.example.com:9292\n'
                              'timeout = 7\n')
    proc = subprocess.run(
        [sys.executable, '-c', READ_GLANCE_OPTIONS, str(nova_conf_file)],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['image', 'http://glance.example.com:9292',
                                   '7.0']


@pytest.mark.parametrize('module', ['nova_conductor.manager',
                                    'nova_scheduler.manager',
                                    'nova_novncproxy.cmd'])
def test_daemons_calling_no_service_load_no_http_client(module):
    """keystoneauth1 and requests (~7 MiB) only where a service is
    called: nova-api and nova-compute (Glance)."""
    assert fixtures.modules_loaded(module,
                                   ['keystoneauth1', 'requests']) == []


def test_paths_interpolate(conf):
    conf([], default_config_files=[])
    assert conf.instances_path == conf.state_path + '/instances'
    assert conf.libvirt.snapshots_directory == (
        conf.instances_path + '/snapshots')


def test_library_options_are_readable(conf):
    conf([], default_config_files=[])
    assert 'lock_path' in conf.oslo_concurrency
    declared = {opt.name: opt.default
                for group, group_opts in messaging_opts.list_opts()
                if group is None for opt in group_opts}
    assert conf.transport_url == declared['transport_url']


def test_transport_can_be_created_after_registration(conf):
    # oslo.messaging registers its own option objects: ours must equal
    # them, or this raises DuplicateOptError.
    conf([], default_config_files=[])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake://')
    transport.cleanup()


def test_register_all_is_idempotent(conf):
    nova_conf.register_all(conf)


def test_parse_args_reads_nova_conf(tmp_path, conf):
    path = tmp_path / 'nova.conf'
    path.write_text(
        '[DEFAULT]\n'
        'transport_url = rabbit://nova:secret@mq:5672/\n'
        'host = compute-1\n'
        '[api_database]\n'
        'connection = mysql+pymysql://nova:secret@db/nova_api\n'
        '[database]\n'
        'connection = mysql+pymysql://nova:secret@db/nova_cell1\n')
    config.parse_args(['nova-compute', '--config-file', str(path)],
                      configure_logging=False, conf=conf)
    assert conf.transport_url == 'rabbit://nova:secret@mq:5672/'
    assert conf.host == 'compute-1'
    assert conf.api_database.connection == (
        'mysql+pymysql://nova:secret@db/nova_api')
    assert conf.database.connection == (
        'mysql+pymysql://nova:secret@db/nova_cell1')
    assert conf.prog == 'nova-compute'
    assert conf.project == 'nova'


def test_parse_args_default_files_and_reparse(tmp_path, conf):
    path = tmp_path / 'nova.conf'
    path.write_text('[DEFAULT]\ndebug = true\n[quota]\ninstances = 3\n')
    config.parse_args(['nova-api'], default_config_files=[str(path)],
                      configure_logging=False, conf=conf)
    assert conf.debug is True
    assert conf.quota.instances == 3
    # A second call (e.g. a test runner, or a re-exec) must not trip
    # over oslo.log's command-line options being registered again.
    config.parse_args(['nova-api'], default_config_files=[],
                      configure_logging=False, conf=conf)
    assert conf.quota.instances == 10


def test_invalid_choice_is_rejected(tmp_path, conf):
    path = tmp_path / 'nova.conf'
    path.write_text('[libvirt]\nvirt_type = xen\n')
    config.parse_args(['nova-compute'], default_config_files=[str(path)],
                      configure_logging=False, conf=conf)
    with pytest.raises(ValueError):
        _ = conf.libvirt.virt_type
