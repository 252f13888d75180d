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

# Writes the machine, the tools (TOOLS: one line the caller makes), the start and the busiest
# processes to FILE.
write_machine_header() { # FILE TOOLS START_LOAD
    {
        echo "machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | sort -u | head -n 1), $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
        echo "tools: $2"
        echo "started: $(date -u +%FT%TZ), load average $3 (after waiting ${waited:-0}s)"
        echo "busiest processes at the start:"
        ps -eo pcpu,etime,comm --sort=-pcpu | head -n 8
    } >"$1"
}

# Configures (once) and builds the Release tree without tests; the log goes to LOG.
build_release() { # ROOT BUILD LOG [TARGET]
    log "build $2 (Release)"
    if [[ ! -f "$2/CMakeCache.txt" ]]; then
        cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DMW_TESTS=OFF >"$3" 2>&1 ||
            { tail -n 30 "$3"; die "cmake configure failed"; }
    fi
    cmake --build "$2" -j "$(nproc)" ${4:+--target "$4"} >>"$3" 2>&1 ||
        { tail -n 30 "$3"; die "build failed"; }
}
