#!/usr/bin/env bash
# Regenerate etc/nova/nova.conf.sample and etc/nova/policy.yaml.sample;
# OSLO_LOCK_PATH is unset because it is the default of
# [oslo_concurrency] lock_path in the sample.
set -e
cd "$(dirname "$0")/.."
bin="${NOVA_VENV:-.venv}/bin"
env -u OSLO_LOCK_PATH "$bin/oslo-config-generator" --config-file etc/nova/nova-config-generator.conf
"$bin/oslopolicy-sample-generator" --config-file etc/nova/nova-policy-generator.conf
