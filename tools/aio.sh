#!/usr/bin/env bash
# The set-up command of the README: from a fresh Debian machine to a
# running all-in-one Nova, following the Nova install guide (create
# databases, nova.conf, nova-manage api_db sync, cell_v2 map_cell0,
# cell_v2 create_cell, db sync), then nova-aio in the foreground until
# Ctrl-C.  Safe to run again: it reuses what is there.
#
#   tools/aio.sh [--no-start]    (or AIO_START=0): prepare only
set -euo pipefail
. "$(dirname "$0")/lib.sh"

START=${AIO_START:-1}
for arg in "$@"; do
    case $arg in
        --no-start) START=0 ;;
        *) echo "usage: $0 [--no-start]" >&2; exit 2 ;;
    esac
done

STATE=${NOVA_STATE:-$TOP/state}
CONF_FILE=$STATE/etc/nova/nova.conf
DB_PASS=${NOVA_DB_PASS:-nova-db-secret}
MANAGE=("$VENV/bin/nova-manage" --config-file "$CONF_FILE")

write_config() {
    mkdir -p "$(dirname "$CONF_FILE")" "$STATE/lib" "$STATE/lock"
    if [ -f "$CONF_FILE" ]; then
        # A nova.conf written by an older aio.sh lacks these.
        ensure_option DEFAULT compute_driver fake.FakeDriver
        ensure_option api auth_strategy noauth2
        return 0
    fi
    cat >"$CONF_FILE" <<CONF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:5672/
state_path = $STATE/lib
log_dir = $LOGDIR
# Simulated hypervisor until the libvirt driver exists.
compute_driver = fake.FakeDriver

[api]
# No Keystone in the all-in-one: X-Auth-Token: <user>:<project> is trusted.
auth_strategy = noauth2

[api_database]
connection = mysql+pymysql://nova:$DB_PASS@127.0.0.1/nova_api?charset=utf8mb4

[database]
connection = mysql+pymysql://nova:$DB_PASS@127.0.0.1/nova?charset=utf8mb4

[oslo_concurrency]
lock_path = $STATE/lock
CONF
}

ensure_option() {
    # ensure_option section key value: append the option unless some
    # section sets the key (oslo.config merges repeated sections).
    grep -q "^$2 *=" "$CONF_FILE" ||
        printf '\n[%s]\n%s = %s\n' "$1" "$2" "$3" >>"$CONF_FILE"
}

create_databases() {
    mysql -uroot -h127.0.0.1 <<SQL
CREATE DATABASE IF NOT EXISTS nova_api;
CREATE DATABASE IF NOT EXISTS nova;
CREATE DATABASE IF NOT EXISTS nova_cell0;
CREATE USER IF NOT EXISTS 'nova'@'localhost' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS 'nova'@'%' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON nova_api.* TO 'nova'@'localhost';
GRANT ALL PRIVILEGES ON nova_api.* TO 'nova'@'%';
GRANT ALL PRIVILEGES ON nova.* TO 'nova'@'localhost';
GRANT ALL PRIVILEGES ON nova.* TO 'nova'@'%';
GRANT ALL PRIVILEGES ON nova_cell0.* TO 'nova'@'localhost';
GRANT ALL PRIVILEGES ON nova_cell0.* TO 'nova'@'%';
SQL
}

create_cell1() {
    # Not grep -q: quitting at the first match breaks nova-manage's pipe.
    "${MANAGE[@]}" cell_v2 list_cells | grep ' cell1 ' >/dev/null && return 0
    "${MANAGE[@]}" cell_v2 create_cell --name=cell1 --verbose
}

step "system packages" system_packages
step "MariaDB" start_mariadb
step "RabbitMQ" start_rabbitmq
step "Python environment ($VENV)" python_env
step "noVNC" novnc_env
step "nova.conf ($CONF_FILE)" write_config
step "databases nova_api, nova, nova_cell0" create_databases
step "nova-manage api_db sync" "${MANAGE[@]}" api_db sync
step "nova-manage cell_v2 map_cell0" "${MANAGE[@]}" cell_v2 map_cell0
step "nova-manage cell_v2 create_cell --name=cell1" create_cell1
step "nova-manage db sync" "${MANAGE[@]}" db sync
"${MANAGE[@]}" cell_v2 list_cells
echo
echo "nova.conf: $CONF_FILE"
if [ "$START" = 0 ]; then
    echo "try: $VENV/bin/nova-status --config-file $CONF_FILE upgrade check"
    echo "start the cloud: $VENV/bin/nova-aio --config-file $CONF_FILE"
    exit 0
fi
exec "$VENV/bin/nova-aio" --config-file "$CONF_FILE"
