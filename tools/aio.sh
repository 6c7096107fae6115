#!/usr/bin/env bash
# The set-up command of the README: from a fresh Debian 12 machine to a
# small but real cloud on this host, with a booted server.
#
#   tools/aio.sh          install what is missing, start everything, boot
#                         the server aio-demo; prints an openrc and its
#                         console URL.  Safe to run again: it reuses what
#                         is there and starts what is not running.
#   tools/aio.sh --stop   stop the servers' guests, the five daemons,
#                         Glance and Keystone (MariaDB, RabbitMQ and
#                         libvirtd stay: other programs may use them)
#
# The steps follow Nova's install guide: databases, Keystone's users,
# services and endpoints, nova-manage api_db sync, cell_v2 map_cell0,
# cell_v2 create_cell, db sync, the daemons, cell_v2 discover_hosts.
# Keystone and Glance are the real ones (from PyPI, under gunicorn, each
# on a SQLite file); nova-compute runs QEMU guests through libvirt.
#
# Everything lives under $NOVA_STATE (default ./state): configuration
# (etc/, written on every run; options of your own go into
# etc/nova/local.conf, read after nova.conf), passwords (etc/passwords),
# logs (log/), pid files (run/).
# Other settings, for a second cloud beside the first (the tests run
# one): AIO_HOST_IP (127.0.0.1: every service listens there and the
# catalog names it), AIO_API_PORT (8774), AIO_METADATA_PORT (8775),
# AIO_NOVNC_PORT (6080), AIO_KEYSTONE_PORT (5000), AIO_GLANCE_PORT
# (9292), AIO_DB_PREFIX (none: databases nova_api, nova, nova_cell0),
# AIO_RABBIT_VHOST (/), AIO_HOST ([DEFAULT] host; the host name),
# AIO_INSTANCES_PATH (/var/lib/nova/instances).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=$(realpath -m "${NOVA_STATE:-$TOP/state}")
export NOVA_LOGDIR=${NOVA_LOGDIR:-$STATE/log}
. "$TOP/tools/lib.sh"

HOST_IP=${AIO_HOST_IP:-127.0.0.1}
API_PORT=${AIO_API_PORT:-8774}
METADATA_PORT=${AIO_METADATA_PORT:-8775}
NOVNC_PORT=${AIO_NOVNC_PORT:-6080}
KEYSTONE_PORT=${AIO_KEYSTONE_PORT:-5000}
GLANCE_PORT=${AIO_GLANCE_PORT:-9292}
DB_PREFIX=${AIO_DB_PREFIX:-}
RABBIT_VHOST=${AIO_RABBIT_VHOST:-/}
INSTANCES=${AIO_INSTANCES_PATH:-/var/lib/nova/instances}

ETC=$STATE/etc
RUN=$STATE/run
CONF_FILE=$ETC/nova/nova.conf
LOCAL_CONF=$ETC/nova/local.conf
KEYSTONE_CONF=$ETC/keystone/keystone.conf
GLANCE_DIR=$ETC/glance
OPENRC=$STATE/openrc
AIO_CLOUD=("$VENV/bin/python" "$TOP/tools/aio_cloud.py")
CONF_ARGS=(--config-file "$CONF_FILE")
[ -f "$LOCAL_CONF" ] && CONF_ARGS+=(--config-file "$LOCAL_CONF")
MANAGE=("$VENV/bin/nova-manage" "${CONF_ARGS[@]}")
GUEST_JSON=$STATE/guest.json

export AIO_KEYSTONE_URL=http://$HOST_IP:$KEYSTONE_PORT
export AIO_COMPUTE_URL=http://$HOST_IP:$API_PORT/v2.1
export AIO_IMAGE_URL=http://$HOST_IP:$GLANCE_PORT

# --- passwords and configuration --------------------------------------------

load_passwords() {
    # Made once, kept in a file only root reads.
    local file=$ETC/passwords
    mkdir -p "$ETC"
    if [ ! -f "$file" ]; then
        (umask 077 && for name in ADMIN NOVA GLANCE DB; do
            echo "${name}_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')"
        done >"$file")
    fi
    . "$file"
    export AIO_ADMIN_PASSWORD=$ADMIN_PASSWORD AIO_NOVA_PASSWORD=$NOVA_PASSWORD
    export AIO_GLANCE_PASSWORD=$GLANCE_PASSWORD
    TRANSPORT_URL=rabbit://guest:guest@127.0.0.1:5672/${RABBIT_VHOST#/}
}

authtoken_section() {
    # authtoken_section user password: [keystone_authtoken] as in the
    # install guides of Nova and Glance.
    cat <<CONF
[keystone_authtoken]
www_authenticate_uri = $AIO_KEYSTONE_URL/
auth_url = $AIO_KEYSTONE_URL/
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $2
CONF
}

write_configs() {
    # Written on every run from the settings above: edit those, not the
    # files.
    mkdir -p "$ETC/nova" "$ETC/keystone" "$GLANCE_DIR" "$RUN" \
        "$STATE/lib" "$STATE/lock" "$STATE/keystone" "$STATE/glance"
    mkdir -p "$INSTANCES"
    # qemu runs as libvirt-qemu and must reach the instances' files.
    chmod 755 "$INSTANCES"
    write_nova_conf
    write_keystone_conf
    write_glance_conf
    write_openrc
}

write_nova_conf() {
    {
        cat <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
state_path = $STATE/lib
log_dir = $NOVA_LOGDIR
my_ip = $HOST_IP
${AIO_HOST:+host = $AIO_HOST}
compute_driver = libvirt.LibvirtDriver
instances_path = $INSTANCES
osapi_compute_listen = $HOST_IP
osapi_compute_listen_port = $API_PORT
# One API worker, like one conductor worker below: on one machine a
# second is no faster (doc/performance.md) and costs ~110 MiB.
osapi_compute_workers = 1
metadata_listen = $HOST_IP
metadata_listen_port = $METADATA_PORT

[api]
auth_strategy = keystone

[api_database]
connection = $(db_url nova_api)

[database]
connection = $(db_url nova)

[conductor]
# One process is plenty on one host, and saves ~110 MiB per worker.
workers = 1

[libvirt]
# KVM does not work in nested guests without vmx/svm: QEMU's TCG does.
virt_type = qemu

[vnc]
server_listen = $HOST_IP
server_proxyclient_address = $HOST_IP
novncproxy_host = $HOST_IP
novncproxy_port = $NOVNC_PORT
novncproxy_base_url = http://$HOST_IP:$NOVNC_PORT/vnc_lite.html

[oslo_concurrency]
lock_path = $STATE/lock

CONF
        authtoken_section nova "$NOVA_PASSWORD"
    } >"$CONF_FILE"
    chmod 600 "$CONF_FILE"
}

write_keystone_conf() {
    cat >"$KEYSTONE_CONF" <<CONF
[DEFAULT]
log_file = $NOVA_LOGDIR/keystone.log

[database]
connection = sqlite:///$STATE/keystone/keystone.sqlite

[token]
provider = fernet

[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys

[fernet_receipts]
key_repository = $STATE/keystone/fernet-keys

[credential]
key_repository = $STATE/keystone/credential-keys
CONF
    chmod 600 "$KEYSTONE_CONF"
}

write_glance_conf() {
    # Glance reads glance-api.conf and its paste file from
    # OS_GLANCE_CONFIG_DIR; the keystone flavor of the shipped pipeline
    # validates tokens.
    cp "$GLANCE_VENV/etc/glance/glance-api-paste.ini" "$GLANCE_DIR/"
    {
        cat <<CONF
[DEFAULT]
log_file = $NOVA_LOGDIR/glance-api.log
enabled_backends = fs:file

[database]
connection = sqlite:///$STATE/glance/glance.sqlite

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $STATE/glance/images

[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging

[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks

[paste_deploy]
flavor = keystone
config_file = $GLANCE_DIR/glance-api-paste.ini

CONF
        authtoken_section glance "$GLANCE_PASSWORD"
    } >"$GLANCE_DIR/glance-api.conf"
    chmod 600 "$GLANCE_DIR/glance-api.conf"
}

write_openrc() {
    (umask 077 && cat >"$OPENRC" <<RC
# source $OPENRC: the openstack CLI as the cloud's admin
export OS_AUTH_URL=$AIO_KEYSTONE_URL/v3
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
RC
    )
}

# --- databases ---------------------------------------------------------------

create_databases() {
    # 'nova'@'%' as in the install guide: MariaDB may see the daemons
    # as 127.0.0.1 rather than localhost.
    local sql="" user name
    for user in "'nova'@'localhost'" "'nova'@'%'"; do
        sql+="CREATE USER IF NOT EXISTS $user;
ALTER USER $user IDENTIFIED BY '$DB_PASSWORD';
"
        for name in nova_api nova nova_cell0; do
            sql+="CREATE DATABASE IF NOT EXISTS $DB_PREFIX$name;
GRANT ALL PRIVILEGES ON $DB_PREFIX$name.* TO $user;
"
        done
    done
    mysql -uroot -h127.0.0.1 <<<"$sql"
}

db_url() {
    echo "mysql+pymysql://nova:$DB_PASSWORD@127.0.0.1/$DB_PREFIX$1?charset=utf8mb4"
}

cell_uuid() {
    # Not grep: quitting at the first match breaks nova-manage's pipe.
    "${MANAGE[@]}" cell_v2 list_cells |
        awk -F'|' -v name="$1" '$2 ~ "^ *" name " *$" {gsub(/ /, "", $3); print $3}'
}

# A run after the state folder was removed has new passwords: the
# mappings made before get the new URLs.
map_cell0() {
    local uuid
    uuid=$(cell_uuid cell0)
    if [ -n "$uuid" ]; then
        "${MANAGE[@]}" cell_v2 update_cell --cell_uuid "$uuid" \
            --database_connection "$(db_url nova_cell0)"
    else
        "${MANAGE[@]}" cell_v2 map_cell0 --database_connection "$(db_url nova_cell0)"
    fi
}

create_cell1() {
    local uuid
    uuid=$(cell_uuid cell1)
    if [ -n "$uuid" ]; then
        "${MANAGE[@]}" cell_v2 update_cell --cell_uuid "$uuid" \
            --transport-url "$TRANSPORT_URL" --database_connection "$(db_url nova)"
    else
        "${MANAGE[@]}" cell_v2 create_cell --name=cell1 --verbose
    fi
}

rabbit_vhost() {
    rabbitmqctl -q list_vhosts | grep -qxF "$RABBIT_VHOST" ||
        rabbitmqctl -q add_vhost "$RABBIT_VHOST"
    rabbitmqctl -q set_permissions -p "$RABBIT_VHOST" guest '.*' '.*' '.*'
}

# --- background services -----------------------------------------------------

running() {
    # running name: whether the process of run/<name>.pid is alive.
    local pid
    pid=$(cat "$RUN/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}

stop_pid() {
    # stop_pid name: SIGTERM, then SIGKILL after 60 s.
    local pid i
    pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null || { rm -f "$RUN/$1.pid"; return 0; }
    for ((i = 0; i < 600; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$RUN/$1.pid"
}

serve() {
    # serve name venv module port workers threads: the service's WSGI
    # application under gunicorn, in the background.
    local name=$1 venv=$2 module=$3 port=$4 workers=$5 threads=$6
    running "$name" && return 0
    if (exec 3<>"/dev/tcp/$HOST_IP/$port") 2>/dev/null; then
        echo "$HOST_IP:$port is taken by another program (not ours:" \
            "no live $RUN/$name.pid); stop it or set AIO_${name^^}_PORT" >&2
        return 1
    fi
    WSGI_APPLICATION_MODULE=$module "$venv/bin/gunicorn" --daemon \
        --pid "$RUN/$name.pid" --bind "$HOST_IP:$port" \
        --workers "$workers" --threads "$threads" --no-control-socket \
        --pythonpath "$TOP/tools" --chdir "$STATE/$name" \
        --error-logfile "$NOVA_LOGDIR/$name-gunicorn.log" \
        --access-logfile "$NOVA_LOGDIR/$name-access.log" \
        wsgi_shim:application
    "${AIO_CLOUD[@]}" wait "http://$HOST_IP:$port/" 120
    running "$name"
}

done_for() {
    # done_for stamp pins: whether a set-up step already ran for these
    # package pins (keystone-manage and glance-manage take seconds per
    # command; a new release needs its db_sync).
    [ "$(cat "$1" 2>/dev/null)" = "$2" ]
}

keystone_setup() {
    local done=$STATE/keystone/set-up
    done_for "$done" "$KEYSTONE_PACKAGES" && return 0
    local manage=("$KEYSTONE_VENV/bin/keystone-manage" --config-file "$KEYSTONE_CONF")
    local owner=(--keystone-user "$(id -un)" --keystone-group "$(id -gn)")
    # Both leave existing keys alone.
    "${manage[@]}" fernet_setup "${owner[@]}"
    "${manage[@]}" credential_setup "${owner[@]}"
    "${manage[@]}" db_sync
    "${manage[@]}" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
        --bootstrap-public-url "$AIO_KEYSTONE_URL/v3/" \
        --bootstrap-internal-url "$AIO_KEYSTONE_URL/v3/" \
        --bootstrap-admin-url "$AIO_KEYSTONE_URL/v3/" \
        --bootstrap-region-id RegionOne
    echo "$KEYSTONE_PACKAGES" >"$done"
}

start_keystone() {
    OS_KEYSTONE_CONFIG_FILES=$KEYSTONE_CONF serve keystone "$KEYSTONE_VENV" \
        keystone.wsgi.api "$KEYSTONE_PORT" 2 1
}

glance_setup() {
    local done=$STATE/glance/set-up
    done_for "$done" "$GLANCE_PACKAGES" && return 0
    "$GLANCE_VENV/bin/glance-manage" --config-dir "$GLANCE_DIR" db_sync
    echo "$GLANCE_PACKAGES" >"$done"
}

start_glance() {
    OS_GLANCE_CONFIG_DIR=$GLANCE_DIR serve glance "$GLANCE_VENV" \
        glance.wsgi.api "$GLANCE_PORT" 1 4
}

start_nova() {
    # nova-aio runs the five daemons and stops them on SIGTERM; it says
    # "is running" once all are up and the host is mapped.
    local out=$NOVA_LOGDIR/nova-aio.out
    running nova-aio && return 0
    : >"$out"
    setsid "$VENV/bin/nova-aio" "${CONF_ARGS[@]}" \
        </dev/null >"$out" 2>&1 &
    echo $! >"$RUN/nova-aio.pid"
    local i
    for ((i = 0; i < 1800; i++)); do
        grep -q 'is running' "$out" && return 0
        running nova-aio || break
        sleep 0.1
    done
    cat "$out"
    return 1
}

build_guest() {
    # The integration tests' guest: a Debian kernel and a busybox
    # initramfs, cached under /var/lib/nova-test-images.
    (cd "$TOP" && "$VENV/bin/python" -m tests.integration.guest_image) \
        >"$GUEST_JSON.tmp"
    mv "$GUEST_JSON.tmp" "$GUEST_JSON"
}

hypervisor_packages() {
    # shellcheck disable=SC2086  # one word per package
    apt_install novnc $LIBVIRT_PACKAGES
}

wait_all() {
    # wait_all pid...: wait for each; fail if any failed.
    local pid failed=0
    for pid; do wait "$pid" || failed=1; done
    return $failed
}

# --- the two commands --------------------------------------------------------

start() {
    local t0=$SECONDS
    step "system packages" system_packages
    # The longest steps, at once: Debian's packages and three virtualenvs.
    local jobs=()
    step "libvirt, QEMU, noVNC packages" hypervisor_packages & jobs+=($!)
    step "Python environment ($VENV)" python_env & jobs+=($!)
    step "Keystone environment" keystone_env & jobs+=($!)
    step "Glance environment" glance_env & jobs+=($!)
    wait_all "${jobs[@]}"
    step "MariaDB" start_mariadb
    step "RabbitMQ" start_rabbitmq
    [ "$RABBIT_VHOST" = / ] ||
        step "RabbitMQ virtual host $RABBIT_VHOST" rabbit_vhost
    step "libvirt-python" libvirt_env
    step "libvirtd" start_libvirt
    step "test guest (Debian kernel, busybox)" build_guest
    load_passwords
    step "configuration ($ETC)" write_configs
    step "databases ${DB_PREFIX}nova_api, ${DB_PREFIX}nova, ${DB_PREFIX}nova_cell0" create_databases
    step "keystone-manage db_sync, bootstrap" keystone_setup
    step "Keystone on $AIO_KEYSTONE_URL" start_keystone
    step "Keystone: users nova, glance; endpoints" "${AIO_CLOUD[@]}" identity
    step "glance-manage db_sync" glance_setup
    step "Glance on $AIO_IMAGE_URL" start_glance
    step "nova-manage api_db sync" "${MANAGE[@]}" api_db sync
    step "nova-manage cell_v2 map_cell0" map_cell0
    step "nova-manage cell_v2 create_cell --name=cell1" create_cell1
    step "nova-manage db sync" "${MANAGE[@]}" db sync
    step "nova daemons, cell_v2 discover_hosts" start_nova
    step "image novaclone-guest in Glance" "${AIO_CLOUD[@]}" image "$GUEST_JSON"
    step "flavors m1.tiny ... m1.xlarge" "${AIO_CLOUD[@]}" flavors
    step "server aio-demo ACTIVE" "${AIO_CLOUD[@]}" server
    step "aio-demo booted (its console log)" "${AIO_CLOUD[@]}" booted "$GUEST_JSON"
    local url
    url=$("${AIO_CLOUD[@]}" console)
    cat <<DONE

The cloud is up ($((SECONDS - t0)) s).
  source $OPENRC          # then: openstack server list
  console of aio-demo:    $url
  API:                    $AIO_COMPUTE_URL
  logs:                   $NOVA_LOGDIR
  stop everything:        $0 --stop
DONE
}

stop() {
    load_passwords
    if running nova-aio; then
        step "stop the servers' guests" "${AIO_CLOUD[@]}" stop-servers || true
    fi
    step "stop the nova daemons" stop_pid nova-aio
    step "stop Glance" stop_pid glance
    step "stop Keystone" stop_pid keystone
}

case "${1:-}" in
    "") start ;;
    --stop) stop ;;
    *) echo "usage: $0 [--stop]" >&2; exit 2 ;;
esac
