#!/usr/bin/env bash
# The test command of the README: prepares what the tests need (Debian
# packages, MariaDB, RabbitMQ, the virtualenvs, libvirtd and QEMU) and
# runs every tier.
# Extra arguments go to pytest, e.g. tools/run-tests.sh tests/unit -x
set -euo pipefail
. "$(dirname "$0")/lib.sh"

step "system packages" system_packages
step "MariaDB" start_mariadb
step "RabbitMQ" start_rabbitmq
step "Python environment ($VENV)" python_env
step "Keystone ($KEYSTONE_VENV)" keystone_env
step "Glance ($GLANCE_VENV)" glance_env
step "libvirt and QEMU" libvirt_env
step "noVNC" novnc_env
step "libvirtd" start_libvirt
step "Chromium" chromium_env

cd "$TOP"
"$VENV/bin/ruff" check .
exec "$VENV/bin/pytest" "$@"
