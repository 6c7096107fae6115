"""Threads only: no daemon imports eventlet (~30 MiB a process), and
oslo.service runs its threading backend."""

import subprocess
import sys

import pytest

CHECK = """
import importlib, sys
importlib.import_module(sys.argv[1])
from oslo_service import backend
from oslo_service import loopingcall
print(sys.modules.get('eventlet'), 'dns' in sys.modules,
      backend.get_backend_type().value)
"""


@pytest.mark.parametrize('module', [
    'nova_api.app', 'nova_conductor.manager', 'nova_scheduler.manager',
    'nova_compute.manager', 'nova_novncproxy.cmd', 'common.cmd.manage'])
def test_daemon_runs_without_eventlet(module):
    proc = subprocess.run([sys.executable, '-c', CHECK, module],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['None', 'False', 'threading']
