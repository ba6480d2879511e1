#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests (the team store, issue 20):
#   tests/pg/start.sh DIR          creates a cluster in DIR (a new, empty or missing folder), starts it on a free local port
#                                  and prints its connection string on stdout, e.g.
#                                    export TRAINPLAT_TEST_PG="$(tests/pg/start.sh /tmp/trainplat-pg)"
#   tests/pg/start.sh --stop DIR   stops that cluster and deletes DIR.
# Uses Debian's postgresql (initdb and pg_ctl under /usr/lib/postgresql/*/bin, the newest; or on PATH). PostgreSQL refuses
# to run as root, so as root the cluster is made and run as the unprivileged user `nobody` (the data folder is theirs).
# The superuser `trainplat` has a random password (host connections use scram-sha-256, so a wrong password is refused,
# as on a real server); the database `trainplat` is empty. Durability is off (fsync): the cluster lives for one test run.
set -euo pipefail

die() {
    echo "tests/pg/start.sh: error: $1" >&2
    [ -n "${2:-}" ] && echo "  hint: $2" >&2
    exit 2
}

bin=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
        bin=$candidate
        break
    fi
done
if [ -z "$bin" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    bin=$(dirname "$(command -v initdb)")
fi
[ -n "$bin" ] || die "no PostgreSQL server programs (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH" \
    "install Debian's postgresql (apt-get install -y postgresql), or point TRAINPLAT_TEST_PG at a server of your own"

# As root, run the server programs as `nobody`.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u nobody -- "$@"
        else
            setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
        fi
    else
        "$@"
    fi
}

if [ "${1:-}" = "--stop" ]; then
    dir=${2:?usage: tests/pg/start.sh --stop DIR}
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit 0
fi

dir=${1:?usage: tests/pg/start.sh DIR   (or --stop DIR)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ -z "$(ls -A "$dir")" ] || die "$dir is not empty" "give a new folder; tests/pg/start.sh --stop $dir removes an old cluster"

password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$dir/data" "$dir/socket"
printf '%s\n' "$password" >"$dir/pwfile"
if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- test -x "$(dirname "$dir")" 2>/dev/null || die "the user nobody cannot reach $dir (a folder above it is private)" \
        "give a folder made by mktemp -d itself, e.g. tests/pg/start.sh \"\$(mktemp -d)\""
    chmod 755 "$dir"    # a mktemp folder is root's alone: `nobody` must reach the data folder inside it
    chown -R nobody "$dir"    # the data folder, the socket folder and the server log
fi

if ! as_owner "$bin/initdb" -D "$dir/data" -U trainplat --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed in $dir/data (above)"
fi
rm -f "$dir/pwfile"

if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 2>&1; then
    cat "$dir/server.log" >&2 || true
    die "the server did not start on port $port (log above)"
fi

if ! as_owner "$bin/psql" -h "$dir/socket" -p "$port" -U trainplat -d postgres -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE trainplat" >/dev/null 2>"$dir/createdb.log"; then
    cat "$dir/createdb.log" >&2
    die "could not create the database trainplat"
fi

echo "Host=127.0.0.1;Port=$port;Username=trainplat;Password=$password;Database=trainplat"
