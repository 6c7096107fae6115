# Shared steps of the set-up and test commands: each is idempotent, so
# running a command twice costs a few seconds, not a reinstall.
# Sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${NOVA_VENV:-$TOP/.venv}
LOGDIR=${NOVA_LOGDIR:-$TOP/state/log}
mkdir -p "$LOGDIR"

step() {
    # step "what" command...: one line per step with its duration; on
    # failure, the step's name and where its log is.
    local what=$1; shift
    local log="$LOGDIR/setup-$(echo "$what" | tr -c 'a-zA-Z0-9' '-').log"
    local t0=$SECONDS
    if "$@" >"$log" 2>&1; then
        printf '%-46s ok (%ds)\n' "$what" $((SECONDS - t0))
    else
        printf '%-46s FAILED (%ds), log: %s\n' "$what" $((SECONDS - t0)) "$log"
        tail -n 20 "$log" | sed 's/^/    /'
        return 1
    fi
}

_apt_updated=""
apt_install() {
    # apt_install pkg...: install the Debian packages that are missing.
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ -z "$_apt_updated" ]; then apt-get update -q && _apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

system_packages() {
    apt_install mariadb-server rabbitmq-server python3-venv
}

_wait_for() {
    # _wait_for seconds command...: poll until the command succeeds.
    local limit=$1; shift
    local i
    for ((i = 0; i < limit * 2; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    "$@"
}

start_mariadb() {
    mysqladmin -uroot -h127.0.0.1 ping >/dev/null 2>&1 && return 0
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    _wait_for 60 mysqladmin -uroot -h127.0.0.1 ping
}

# Each RPC server holds one AMQP connection, and nova-compute simulating
# N hosts runs N of them: the broker needs more than the usual 1,024
# file descriptors.  rabbitmq-server switches user through su, whose
# pam_limits applies limits.d rather than the caller's ulimit.
RABBIT_NOFILE=20000

start_rabbitmq() {
    _raise_rabbit_nofile
    if _rabbit_up; then
        _rabbit_fd_limit_ok && return 0
        # Running with the old limit: restart to take the new one.
        rabbitmqctl -q stop >/dev/null 2>&1
    elif (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
        # The port answers but the broker lost its database (seen after
        # it ran out of file descriptors): only a restart mends it.
        rabbitmqctl -q stop >/dev/null 2>&1
    fi
    rabbitmq-server -detached
    _wait_for 90 _rabbit_up
}

_raise_rabbit_nofile() {
    local limits=/etc/security/limits.d/rabbitmq.conf
    [ -f "$limits" ] && return 0
    printf 'rabbitmq soft nofile %s\nrabbitmq hard nofile %s\n' \
        "$RABBIT_NOFILE" "$RABBIT_NOFILE" >"$limits"
}

_rabbit_fd_limit_ok() {
    local pid
    pid=$(pgrep -u rabbitmq -f beam.smp | head -1)
    [ -n "$pid" ] || return 1
    local limit
    limit=$(awk '/Max open files/ {print $4}' "/proc/$pid/limits")
    [ "$limit" -ge "$RABBIT_NOFILE" ]
}

_rabbit_up() {
    # list_vhosts fails on a broker whose database is broken even when
    # the node answers and the port is open.
    rabbitmqctl -q await_startup --timeout 1 && \
        rabbitmqctl -q list_vhosts | grep -qx / && \
        (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null
}

python_env() {
    # Reinstall only when the declared dependencies changed.
    local stamp="$VENV/.novaclone-deps"
    local want
    want=$(cat "$TOP/setup.cfg" "$TOP/pyproject.toml" | sha1sum | cut -d' ' -f1)
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        "$VENV/bin/pip" install -q --upgrade pip &&
        "$VENV/bin/pip" install -q -e "$TOP[test]" &&
        echo "$want" >"$stamp"
    fi
}

# Keystone, for the functional tests' real identity service
# (tests/functional/keystone.py), lives in a virtualenv of its own: it
# pins oslo.* and SQLAlchemy versions that must not move ours.
KEYSTONE_VENV=${NOVA_KEYSTONE_VENV:-$TOP/.venv-keystone}
KEYSTONE_PACKAGES="keystone==30.0.0 gunicorn==27.0.1"

keystone_env() {
    _pinned_env "$KEYSTONE_VENV" "$KEYSTONE_PACKAGES"
}

_pinned_env() {
    # _pinned_env venv "pkg==version ...": a virtualenv holding exactly
    # these pins; reinstalled only when the pins changed.
    local venv=$1 packages=$2
    local stamp="$venv/.novaclone-deps"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$packages" ]; then
        "$venv/bin/pip" install -q --upgrade pip &&
        # shellcheck disable=SC2086  # one word per package
        "$venv/bin/pip" install -q $packages &&
        echo "$packages" >"$stamp"
    fi
}

# Glance, for the tests' real image service (tests/glance_fixture.py),
# also lives in a virtualenv of its own, for the same reason; it does
# not share Keystone's: each service's pins may move on their own.
GLANCE_VENV=${NOVA_GLANCE_VENV:-$TOP/.venv-glance}
GLANCE_PACKAGES="glance==33.0.0 gunicorn==27.0.1"

glance_env() {
    _pinned_env "$GLANCE_VENV" "$GLANCE_PACKAGES"
}

# libvirt and QEMU, for the libvirt driver and tests/integration.  The
# test guest is built from Debian packages too (tests/integration/
# guest_image.py): a kernel fetched with apt-get download, a busybox
# initramfs packed with cpio.
LIBVIRT_PACKAGES="libvirt-daemon-system libvirt-dev qemu-system-x86 qemu-utils
    pkg-config gcc cpio busybox-static"
LIBVIRT_URI=qemu:///system

libvirt_env() {
    # shellcheck disable=SC2086  # one word per package
    apt_install $LIBVIRT_PACKAGES || return 1
    # The binding compiles against the installed libvirt (libvirt-dev),
    # so it is not a pip dependency of the project.
    "$VENV/bin/python" -c 'import libvirt' 2>/dev/null ||
        "$VENV/bin/pip" install -q libvirt-python
}

# noVNC, the browser side of the consoles nova-novncproxy serves
# ([DEFAULT] web, /usr/share/novnc by default for that daemon).
novnc_env() {
    apt_install novnc
}

start_libvirt() {
    # No systemd here: the daemons start by hand, virtlogd first since
    # libvirtd hands it each guest's console log.
    _libvirt_up && return 0
    pgrep -x virtlogd >/dev/null || virtlogd -d || return 1
    pgrep -x libvirtd >/dev/null || libvirtd -d || return 1
    _wait_for 30 _libvirt_up
}

_libvirt_up() {
    virsh -q -c "$LIBVIRT_URI" version >/dev/null 2>&1
}

# Headless Chromium, for the end-to-end console test
# (tests/integration/test_console_browser.py), which drives it through
# its DevTools protocol (tests/integration/chromium.py).
chromium_env() {
    apt_install chromium
}
