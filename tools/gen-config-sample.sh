#!/usr/bin/env bash
# Regenerate etc/nova/nova.conf.sample; OSLO_LOCK_PATH is unset because
# it is the default of [oslo_concurrency] lock_path in the sample.
cd "$(dirname "$0")/.." && env -u OSLO_LOCK_PATH "${NOVA_VENV:-.venv}/bin/oslo-config-generator" --config-file etc/nova/nova-config-generator.conf
