#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and the demo: one cluster per DIR, on 127.0.0.1:PORT.
#
# Usage: deploy/pg-local.sh VERB DIR PORT      (or DIR PORT VERB, so "$MW_TEST_PG_CTL restart" works)
#   start    initdb if needed, start, wait until it accepts connections (idempotent)
#   stop     fast shutdown (idempotent)
#   restart  stop then start
#   crash    immediate shutdown, no checkpoint: the next start runs crash recovery
#   status   exit 0 and print pid/port when running, exit 3 when not
#   url      print the superuser's libpq conninfo (database postgres)
#
# Authentication is "trust" and the server listens on 127.0.0.1 and a unix socket only.
# As root the server runs as the `postgres` user (PostgreSQL refuses root); otherwise as the
# invoking user. When that user cannot reach DIR (a clone under /root, say) or DIR is too
# long for a unix socket path, the cluster lives in /var/tmp/mentorwatch-<hash of DIR> and
# DIR is a symlink to it.
set -euo pipefail

readonly VERBS=" start stop restart crash status url "
prog=${0##*/}

usage() {
    echo "usage: $prog start|stop|restart|crash|status|url DIR PORT" >&2
    exit 2
}
die() {
    echo "$prog: $*" >&2
    exit 1
}

[[ $# -eq 3 ]] || usage
if [[ "$VERBS" == *" $1 "* ]]; then
    verb=$1 dir=$2 port=$3
elif [[ "$VERBS" == *" $3 "* ]]; then
    dir=$1 port=$2 verb=$3
else
    usage
fi
if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
    die "bad port: $port"
fi
port=$((10#$port))
[[ -n "$dir" ]] || usage
[[ "$dir" == /* ]] || dir="$PWD/$dir"
while [[ "$dir" == */ && "$dir" != / ]]; do dir=${dir%/}; done

if [[ "$verb" == url ]]; then
    echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
    exit 0
fi

# --- the server's binaries and user --------------------------------------------------------

find_bindir() {
    if [[ -n "${MW_PG_BINDIR:-}" ]]; then
        echo "$MW_PG_BINDIR"
        return
    fi
    local d
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            echo "$d"
            return
        fi
    done
    if command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    die "no PostgreSQL server binaries (install the postgresql package: deploy/install-deps.sh)"
}
bindir=$(find_bindir)

if [[ "$(id -u)" -eq 0 ]]; then
    server_user=postgres
    id -u "$server_user" >/dev/null 2>&1 || die "running as root but there is no '$server_user' user"
else
    server_user=$(id -un)
fi

# Runs a command as the server's user, from / (the caller's directory may be unreadable to it).
as_server() {
    if [[ "$(id -u)" -eq 0 ]]; then
        (cd / && runuser -u "$server_user" -- env LC_ALL=C.UTF-8 "$@")
    else
        (cd / && env LC_ALL=C.UTF-8 "$@")
    fi
}

# --- where the cluster lives ---------------------------------------------------------------

# Prints the cluster's home (data/, the socket, server.log) if it exists; empty if none.
existing_home() {
    if [[ -L "$dir" ]]; then
        readlink -- "$dir"
    elif [[ -d "$dir/data" ]]; then
        echo "$dir"
    fi
}

socket_path_ok() {
    local sock="$1/.s.PGSQL.$port"
    ((${#sock} <= 100))
}

# Creates (if needed) and prints the cluster's home, owned by the server's user.
make_home() {
    local home
    home=$(existing_home)
    if [[ -z "$home" ]]; then
        mkdir -p -- "$dir"
        if as_server test -x "$(dirname -- "$dir")" && socket_path_ok "$dir"; then
            home=$dir
        else
            home=/var/tmp/mentorwatch-$(printf '%s' "$dir" | sha256sum | cut -c1-16)
            rmdir -- "$dir" 2>/dev/null ||
                die "$dir is not empty and holds no cluster: remove it"
            if [[ ! -d "$home" ]]; then
                mkdir -m 700 -- "$home"
            fi
            ln -s -- "$home" "$dir"
        fi
    fi
    [[ -d "$home" && ! -L "$home" ]] || die "cluster home $home is not a directory"
    if [[ "$(id -u)" -eq 0 ]]; then
        if [[ "$(stat -c %U -- "$home")" != "$server_user" ]]; then
            chown -R "$server_user:" -- "$home"
        fi
    elif [[ "$(stat -c %u -- "$home")" != "$(id -u)" ]]; then
        die "$home belongs to $(stat -c %U -- "$home"), not to $(id -un)"
    fi
    chmod 700 -- "$home"
    echo "$home"
}

init_cluster() {
    local home=$1
    [[ -f "$home/data/PG_VERSION" ]] && return 0
    echo "$prog: initdb in $home/data" >&2
    if ! as_server "$bindir/initdb" -D "$home/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 --no-instructions >"$home/initdb.log" 2>&1; then
        cat "$home/initdb.log" >&2
        die "initdb failed"
    fi
    # Durability stays on: tests check that accepted reports survive a crash.
    as_server tee -a "$home/data/postgresql.conf" >/dev/null <<EOF

# --- mentorwatch test cluster (deploy/pg-local.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$home'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 256MB
max_connections = 200
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
EOF
}

is_running() {
    local home=$1
    [[ -f "$home/data/PG_VERSION" ]] || return 1
    as_server "$bindir/pg_ctl" status -D "$home/data" >/dev/null 2>&1
}

# The port a running server listens on (line 4 of postmaster.pid).
running_port() {
    sed -n 4p "$1/data/postmaster.pid" 2>/dev/null || true
}

wait_ready() {
    local i
    for ((i = 0; i < 120; i++)); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then
            return 0
        fi
        sleep 0.5
    done
    return 1
}

do_start() {
    local home
    home=$(make_home)
    init_cluster "$home"
    if is_running "$home"; then
        local p
        p=$(running_port "$home")
        [[ "$p" == "$port" ]] || die "already running on port $p, not $port: stop it first"
    elif ! as_server "$bindir/pg_ctl" start -D "$home/data" -l "$home/server.log" -w -t 60 -s \
        -o "-p $port"; then
        tail -n 40 "$home/server.log" >&2 || true
        die "could not start the server (log: $home/server.log)"
    fi
    wait_ready || {
        tail -n 40 "$home/server.log" >&2 || true
        die "server did not accept connections on 127.0.0.1:$port"
    }
    echo "$prog: running on 127.0.0.1:$port, data in $home/data" >&2
}

do_stop() {
    local mode=$1 home
    home=$(existing_home)
    if [[ -z "$home" ]] || ! is_running "$home"; then
        return 0
    fi
    as_server "$bindir/pg_ctl" stop -D "$home/data" -m "$mode" -w -t 60 -s ||
        die "could not stop the server in $home/data"
}

case "$verb" in
start) do_start ;;
stop) do_stop fast ;;
crash) do_stop immediate ;;
restart)
    do_stop fast
    do_start
    ;;
status)
    home=$(existing_home)
    if [[ -z "$home" ]]; then
        echo "no cluster at $dir"
        exit 3
    fi
    if is_running "$home"; then
        echo "running: pid $(sed -n 1p "$home/data/postmaster.pid") port $(running_port "$home") data $home/data"
        exit 0
    fi
    echo "stopped: data $home/data"
    exit 3
    ;;
esac
