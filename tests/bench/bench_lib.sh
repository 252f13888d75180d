# shellcheck shell=bash
# Shell helpers the benchmark scripts share (sourced by bench_ingest.sh and bench_checker.sh).

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

stop_pid() { # PID [SIGNAL] [SECONDS]: signal, wait, then SIGKILL
    local pid=$1 sig=${2:-TERM} secs=${3:-10} i
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -s KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits (5 minutes at most) for a 1-minute load average at most MAX; sets `waited` (seconds).
wait_for_quiet() { # MAX
    waited=0
    while awk -v l="$(load1)" -v m="$1" 'BEGIN { exit !(l > m) }' && ((waited < 300)); do
        log "load average $(load1) > $1 (other work on the machine): waiting 30 s"
        sleep 30
        waited=$((waited + 30))
    done
}
