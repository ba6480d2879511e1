#!/usr/bin/env bash
# A private sshd for the remote-dataset tests (issue 21): its own config, host key and authorized client key, on a free
# port of 127.0.0.1 only; no system service, no root login, no password.
#   tests/ssh/sshd.sh start DIR    makes DIR (new or empty), starts the daemon and prints KEY=VALUE lines on stdout:
#                                  PORT, USER (the login), HOME (a folder that user can write, for test data),
#                                  IDENTITY (the client's private key), KNOWN_HOSTS (a known_hosts file trusting the host
#                                  as [127.0.0.1]:PORT and [localhost]:PORT), HOST_KEY_FINGERPRINT (SHA256:…), PIDFILE.
#   tests/ssh/sshd.sh drop DIR     ends every open connection (the listener keeps running): a dropped network link.
#   tests/ssh/sshd.sh rekey DIR    restarts the daemon on the same port with a NEW host key; prints HOST_KEY_FINGERPRINT.
#   tests/ssh/sshd.sh freeze DIR   stops (SIGSTOP) the daemon and every connection without closing anything: a host that
#                                  went silent (TCP still accepts and acknowledges, nothing answers).
#   tests/ssh/sshd.sh thaw DIR     continues them (SIGCONT).
#   tests/ssh/sshd.sh stop DIR     stops the daemon and its connections and deletes DIR.
# Uses Debian's openssh-server (/usr/sbin/sshd). sshd runs unprivileged: as root, as the system user `trainplat-ssh`
# (made here if missing, shell /bin/sh, no password), which is also the login; as anyone else, as that user. HOME is
# world-writable (mode 1777) so that files the tests write as root are readable and uploads by the login can land there.
set -euo pipefail

die() {
    echo "tests/ssh/sshd.sh: error: $1" >&2
    [ -n "${2:-}" ] && echo "  hint: $2" >&2
    exit 2
}

sshd_bin=/usr/sbin/sshd
[ -x "$sshd_bin" ] || die "no $sshd_bin" "install Debian's openssh-server (apt-get install -y openssh-server); ./test.sh does"
service_user=trainplat-ssh

as_login() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$service_user" -- "$@"
    else
        "$@"
    fi
}

login_user() {
    if [ "$(id -u)" = 0 ]; then
        echo "$service_user"
    else
        id -un
    fi
}

ensure_service_user() {
    [ "$(id -u)" = 0 ] || return 0
    if ! id "$service_user" >/dev/null 2>&1; then
        useradd --system --home-dir "/var/lib/$service_user" --shell /bin/sh "$service_user" 2>/dev/null \
            || id "$service_user" >/dev/null 2>&1 || die "could not create the user $service_user"
    fi
    # Its login folder (where scp-style relative paths start): made here, so that a login never warns about it.
    local home
    home=$(getent passwd "$service_user" | cut -d: -f6)
    if [ "$home" = "/var/lib/$service_user" ] && [ ! -d "$home" ]; then
        mkdir -p "$home" && chown "$service_user" "$home" && chmod 755 "$home"
    fi
    # useradd leaves the password field '!' (a locked account), which sshd without PAM refuses even for a key: '*' is
    # "no password" without the lock.
    usermod -p '*' "$service_user" 2>/dev/null || true
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() {
    local port=$1 i
    for i in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

fingerprint() {
    ssh-keygen -l -E sha256 -f "$1" | awk '{print $2}'
}

write_known_hosts() {
    local dir=$1 port=$2
    local key
    key=$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")
    printf '[127.0.0.1]:%s %s\n[localhost]:%s %s\n' "$port" "$key" "$port" "$key" >"$dir/known_hosts"
}

new_host_key() {
    local dir=$1
    rm -f "$dir/host_ed25519" "$dir/host_ed25519.pub"
    ssh-keygen -q -t ed25519 -N '' -C trainplat-test-host -f "$dir/host_ed25519"
    if [ "$(id -u)" = 0 ]; then
        chown "$service_user" "$dir/host_ed25519" "$dir/host_ed25519.pub"
    fi
    chmod 600 "$dir/host_ed25519"
}

start_daemon() {
    local dir=$1
    if ! as_login "$sshd_bin" -f "$dir/sshd_config" -E "$dir/sshd.log"; then
        cat "$dir/sshd.log" >&2 2>/dev/null || true
        die "sshd did not start (above)"
    fi
    local port
    port=$(cat "$dir/port")
    wait_for_port "$port" || { cat "$dir/sshd.log" >&2 2>/dev/null || true; die "sshd is not listening on 127.0.0.1:$port (log above)"; }
    # The pid file is written just before the daemon listens.
    local i
    for i in $(seq 1 100); do
        [ -s "$dir/sshd.pid" ] && break
        sleep 0.02
    done
}

# Every process below PID, deepest last: a connection is [priv] -> USER@notty -> the session's command, and the
# unprivileged child keeps the connection open when only [priv] (the listener's child) is killed.
descendants() {
    local child
    for child in $(pgrep -P "$1" 2>/dev/null || true); do
        echo "$child"
        descendants "$child"
    done
}

kill_connections() {
    local pids
    pids=$(descendants "$1")
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

stop_daemon() {
    local dir=$1 pid
    [ -f "$dir/sshd.pid" ] || return 0
    pid=$(cat "$dir/sshd.pid" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    kill_connections "$pid"
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true # a frozen daemon takes its TERM once continued
    local i
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/sshd.pid"
}

print_settings() {
    local dir=$1
    echo "PORT=$(cat "$dir/port")"
    echo "USER=$(login_user)"
    echo "HOME=$dir/home"
    echo "IDENTITY=$dir/client_ed25519"
    echo "KNOWN_HOSTS=$dir/known_hosts"
    echo "HOST_KEY_FINGERPRINT=$(fingerprint "$dir/host_ed25519.pub")"
    echo "PIDFILE=$dir/sshd.pid"
}

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || die "usage: tests/ssh/sshd.sh start|drop|freeze|thaw|rekey|stop DIR"

case "$command" in
    stop)
        stop_daemon "$dir"
        rm -rf "$dir"
        exit 0
        ;;
    drop)
        [ -f "$dir/sshd.pid" ] || die "no sshd runs in $dir"
        kill_connections "$(cat "$dir/sshd.pid")"
        exit 0
        ;;
    freeze | thaw)
        [ -f "$dir/sshd.pid" ] || die "no sshd runs in $dir"
        pid=$(cat "$dir/sshd.pid")
        signal=$([ "$command" = freeze ] && echo STOP || echo CONT)
        # shellcheck disable=SC2046
        kill -"$signal" "$pid" $(descendants "$pid") 2>/dev/null || true
        exit 0
        ;;
    rekey)
        [ -f "$dir/port" ] || die "no sshd was started in $dir"
        stop_daemon "$dir"
        new_host_key "$dir"
        start_daemon "$dir"
        echo "HOST_KEY_FINGERPRINT=$(fingerprint "$dir/host_ed25519.pub")"
        exit 0
        ;;
    start) ;;
    *) die "unknown command '$command'" "usage: tests/ssh/sshd.sh start|drop|freeze|thaw|rekey|stop DIR" ;;
esac

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ -z "$(ls -A "$dir")" ] || die "$dir is not empty" "give a new folder; tests/ssh/sshd.sh stop $dir removes an old one"
ensure_service_user
if [ "$(id -u)" = 0 ]; then
    chmod 755 "$dir"    # a mktemp folder is root's alone: the daemon's user must reach its config and keys
    runuser -u "$service_user" -- test -x "$dir" 2>/dev/null || die "the user $service_user cannot reach $dir (a folder above it is private)" \
        "give a folder made by mktemp -d itself, e.g. tests/ssh/sshd.sh start \"\$(mktemp -d)\""
fi

port=$(free_port)
echo "$port" >"$dir/port"
mkdir -p "$dir/home"
chmod 1777 "$dir/home"
new_host_key "$dir"
ssh-keygen -q -t ed25519 -N '' -C trainplat-test-client -f "$dir/client_ed25519"
cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
chmod 644 "$dir/authorized_keys"
write_known_hosts "$dir" "$port"
user=$(login_user)
cat >"$dir/sshd_config" <<CONFIG
# A private sshd for trainplat's tests: loopback only, one login, keys only.
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AllowUsers $user
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
MaxStartups 200
MaxSessions 50
Subsystem sftp internal-sftp
LogLevel ERROR
CONFIG
if [ "$(id -u)" = 0 ]; then
    chown "$service_user" "$dir/sshd_config"
    touch "$dir/sshd.log" && chown "$service_user" "$dir/sshd.log"
    chown "$service_user" "$dir"
fi
start_daemon "$dir"
print_settings "$dir"
