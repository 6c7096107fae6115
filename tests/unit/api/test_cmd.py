"""nova-api's gunicorn settings, logging, and the WSGI module."""

import logging
import os
import subprocess
import sys

from gunicorn import config as gunicorn_config
from oslo_concurrency import processutils
import webob

from nova_api import api_version
from nova_api import cmd

CHECK_WSGI = """
import webob
from nova_api import wsgi
response = webob.Request.blank('/').get_response(wsgi.application)
print(response.status_int, response.json['versions'][1]['version'])
"""


def test_options_follow_nova_conf(config):
    config.config(osapi_compute_listen='::1', osapi_compute_listen_port=8999,
                  osapi_compute_workers=3)
    options = cmd.options(config.conf)
    assert options['bind'] == ['[::1]:8999']
    assert options['workers'] == 3
    assert options['worker_class'] == 'gthread'


def test_workers_default_to_cpu_count(config):
    assert cmd.options(config.conf)['workers'] == \
        processutils.get_worker_count()
    assert cmd.options(config.conf)['bind'] == ['0.0.0.0:8774']


def test_gunicorn_logs_through_the_root_logger():
    logger = cmd.OsloLogger(gunicorn_config.Config())
    assert logger.error_log.handlers == []
    assert logger.error_log.propagate
    assert logging.getLogger('gunicorn.access').propagate


def test_wsgi_module_reads_config_files_from_the_environment(deployment):
    deployment.write_conf(extra='[api]\nauth_strategy = noauth2\n')
    env = dict(os.environ, OS_NOVA_CONFIG_FILES=deployment.conf_file)
    proc = subprocess.run([sys.executable, '-c', CHECK_WSGI], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].split() == [
        '200', api_version.MAX_VERSION]


def test_master_leaves_the_api_to_its_workers(config):
    """The master reads nova.conf and forks; the API's ~70 MiB of code
    is imported and built in each worker only."""
    proc = subprocess.run(
        [sys.executable, '-c',
         'import sys; from nova_api import cmd; '
         'print("nova_api.app" in sys.modules, '
         'cmd.APIServer({}).cfg.preload_app)'],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['False', 'False']


def test_worker_builds_the_api(cloud):
    application = cmd.APIServer({}).load()
    response = webob.Request.blank('/').get_response(application)
    assert response.status_int == 200
    assert response.json['versions'][1]['version'] == api_version.MAX_VERSION
