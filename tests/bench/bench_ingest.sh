#!/usr/bin/env bash
# The ingest benchmark, end to end: the collector under wrk against its two ceilings on the same
# content, the database one (pgbench through the same SQL function) and the HTTP one (nginx
# answering 204 to the same POSTs), for term reports (~20 KB) and meeting events (small).
#
# Usage: tests/bench/bench_ingest.sh [--duration S] [--concurrency "64 256"] [--only KIND]
#                                    [--collector-only] [--pg-clients "8 16 32 64"]
#                                    [--pg-group-clients "4 8 16 32"] [--max-load L] [--perf]
#   --duration S         seconds of every measured run (default 15)
#   --concurrency LIST   wrk connections (-c) of the collector and nginx runs (default "64 256")
#   --only KIND          reports or meetings (default both)
#   --collector-only     no ceilings: for trying collector settings (MW_* below)
#   --pg-clients LIST    pgbench clients with one document per transaction (default "8 16 32 64")
#   --pg-group-clients LIST  pgbench clients with G documents per pipelined transaction, the
#                        collector's group commit, and for meeting events also G in one
#                        mw.ingest_meetings call, as the collector sends them (default
#                        "4 8 16 32"; "" to skip)
#   --max-load L         wait (5 min at most) for a 1-minute load average under L (default 1.5)
#   --perf               profile the middle third of each collector run: the collector with call
#                        graphs (perf record --call-graph dwarf) and the machine by process
# Environment: MW_BENCH_PG_PORT (default 55471), MW_BENCH_HTTP_PORT (default 18471: the
#   collector; nginx takes the next port), MW_BENCH_REPORT_GROUP (10) and MW_BENCH_MEETING_GROUP
#   (100): G per kind; MW_WORKERS (default here 2), MW_DB_CONNECTIONS (default here 1: the
#   best on 2 cores, see RESULTS.md; the collector's own default is 2), MW_BATCH_MAX and
#   MW_QUEUE_MAX (the collector's defaults) go to the collector.
# Needs wrk, pgbench, nginx, psql, python3, cmake (deploy/install-deps.sh installs them); installs
# nothing. Builds build-bench/ (Release) if needed, runs a private PostgreSQL in
# .mentorwatch/bench-pg, writes everything to .mentorwatch/bench-results/<time>/ and prints the
# table (also in summary.md there). Sends traffic to 127.0.0.1 only; stops what it started on
# exit, whatever the reason. Exit status 0 when every run was measured and every database check
# passed (the targets are reported, not enforced).
set -euo pipefail

usage() {
    sed -n '5,25p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

duration=15
concurrency="64 256"
kinds="reports meetings"
collector_only=0
pg_clients="8 16 32 64"
pg_group_clients="4 8 16 32"
max_load=1.5
perf=0
while (($# > 0)); do
    case "$1" in
    --duration) duration=${2:?}; shift ;;
    --concurrency) concurrency=${2:?}; shift ;;
    --only) kinds=${2:?}; shift ;;
    --collector-only) collector_only=1 ;;
    --pg-clients) pg_clients=${2?}; shift ;;
    --pg-group-clients) pg_group_clients=${2?}; shift ;;
    --max-load) max_load=${2:?}; shift ;;
    --perf) perf=1 ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
    shift
done
for k in $kinds; do
    [[ $k == reports || $k == meetings ]] || usage
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/bench_lib.sh
source "$here/bench_lib.sh"
root=$(cd "$here/../.." && pwd)
state=$root/.mentorwatch
build=$root/build-bench
pg_dir=$state/bench-pg
pg_port=${MW_BENCH_PG_PORT:-55471}
http_port=${MW_BENCH_HTTP_PORT:-18471}
nginx_port=$((http_port + 1))
nginx_dir=$state/bench-nginx
out=$state/bench-results/$(date -u +%Y%m%dT%H%M%SZ)
fixture=$out/fixture
db=mwbench
admin="host=127.0.0.1 port=$pg_port user=postgres"
dburl="$admin dbname=$db"
group_reports=${MW_BENCH_REPORT_GROUP:-10}
group_meetings=${MW_BENCH_MEETING_GROUP:-100}
# The server environment migrations/README.md recommends for the ingest: glibc keeps the jsonb
# parser's memory instead of returning it to the kernel after every document.
pg_tunables=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728

# The collector's settings for the runs (exported: the collector reads its environment).
export MW_WORKERS=${MW_WORKERS:-2}
export MW_DB_CONNECTIONS=${MW_DB_CONNECTIONS:-1}


# ---- what was started, and the cleanup that stops it --------------------------------------

collector_pid=""
nginx_pid=""
pg_started=0
load_pids=() # wrk / pgbench of the run in progress
perf_pids=() # perf record of the run in progress (--perf)


cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local p
    for p in "${load_pids[@]}" "${perf_pids[@]}"; do stop_pid "$p" INT 3; done
    stop_pid "$collector_pid" TERM 25
    stop_pid "$nginx_pid" QUIT 5
    if ((pg_started)); then
        psql "$admin dbname=postgres" -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
            >/dev/null 2>&1 || true
        "$root/deploy/pg-local.sh" stop "$pg_dir" "$pg_port" >/dev/null 2>&1 || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- preconditions ----------------------------------------------------------------------------

missing=()
tools=(wrk pgbench psql nginx python3 cmake curl)
((perf)) && tools+=(perf)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
((${#missing[@]} == 0)) || die "missing ${missing[*]}: run deploy/install-deps.sh (Debian packages wrk, postgresql, nginx-light)"
nginx_bin=$(command -v nginx)
for p in "$http_port" "$nginx_port"; do
    port_free "$p" || die "127.0.0.1:$p is taken (MW_BENCH_HTTP_PORT chooses another)"
done

wait_for_quiet "$max_load"
mkdir -p "$out" "$fixture"
start_load=$(cut -d' ' -f1-3 /proc/loadavg)
log "results in $out; load average $start_load"
write_machine_header "$out/machine.txt" \
    "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2); $(pgbench --version); $(nginx -v 2>&1)" "$start_load"

# ---- build ------------------------------------------------------------------------------------

build_release "$root" "$build" "$out/build.log"
collector=$build/services/collector/collector
mwctl=$build/services/mwctl/mwctl
# The collector's CPU per document outside any I/O, stage by stage (ingest_cpu.c).
ingest_cpu=$build/ingest_cpu
cc -O2 -std=c11 -Wall -Wextra -I "$root/common" "$here/ingest_cpu.c" "$build/common/libmwcommon.a" \
    -lcjson -lcrypto -lpq -lpthread -o "$ingest_cpu" >>"$out/build.log" 2>&1 ||
    { tail -n 30 "$out/build.log"; die "could not build ingest_cpu.c"; }

# ---- PostgreSQL -------------------------------------------------------------------------------

log "PostgreSQL on 127.0.0.1:$pg_port ($pg_dir), GLIBC_TUNABLES=$pg_tunables"
# A restart, so that a server left running by an interrupted run gets the environment too.
"$root/deploy/pg-local.sh" stop "$pg_dir" "$pg_port" >/dev/null 2>&1 || true
pg_started=1
GLIBC_TUNABLES=$pg_tunables "$root/deploy/pg-local.sh" start "$pg_dir" "$pg_port" 2>>"$out/pg.log"
# migrations/README.md's settings for the server that takes the ingest (pg-local.sh keeps the
# rest: fsync and synchronous_commit on, shared_buffers 256MB, max_connections 200).
psql "$admin dbname=postgres" -qX -v ON_ERROR_STOP=1 \
    -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
    -c "ALTER SYSTEM SET checkpoint_timeout = '15min'" \
    -c "ALTER SYSTEM SET wal_compression = 'lz4'" \
    -c "SELECT pg_reload_conf()" >/dev/null
psql "$admin dbname=postgres" -qX -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null

# ---- fixture ----------------------------------------------------------------------------------

log "fixture: 1,000 schools, a ~20 KB report and a meeting event each (gen_report.py)"
python3 "$here/make_fixture.py" --schools 1000 --size 20000 "$fixture" >>"$out/setup.log"
"$mwctl" --database "$dburl" --log-level warn migrate >>"$out/setup.log"
"$mwctl" --database "$dburl" --log-level warn load-schools "$fixture/schools.csv" >>"$out/setup.log"
for d in $(seq 1 "$(wc -l <"$fixture/districts.txt")"); do
    "$mwctl" --database "$dburl" --log-level warn stage set --district "benchmark-rayon-$d" \
        --year 2024/2025 --stage intermediate --deadline 2030-12-31 >>"$out/setup.log"
done
psql "$dburl" -qX -v ON_ERROR_STOP=1 -c "CREATE SCHEMA bench" \
    -c "CREATE TABLE bench.report_src (code text, token text, body text)" \
    -c "CREATE TABLE bench.meeting_src (code text, token text, body text)"
# CSV with a quote character that never occurs: the JSON's backslashes stay as they are.
copy_tsv() { psql "$dburl" -qX -v ON_ERROR_STOP=1 -c "COPY $1 FROM STDIN (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')" <"$2"; }
copy_tsv bench.report_src "$fixture/reports.tsv"
copy_tsv bench.meeting_src "$fixture/meetings.tsv"
psql "$dburl" -qX -f "$here/setup.sql" >>"$out/setup.log"
log "$(tail -n 3 "$out/setup.log" | head -n 1 | tr -s ' ')"
for kind in $kinds; do
    "$ingest_cpu" "$fixture/$kind.tsv" 5 | sed "s/^/$kind /" >>"$out/ingest_cpu.txt"
done
log "collector CPU outside I/O (ingest_cpu): $(grep ' arena ' "$out/ingest_cpu.txt" | sed 's/.*| total //' | tr '\n' ';')"

# ---- nginx ------------------------------------------------------------------------------------

# nginx reads the whole body into its buffer before it answers: the mirror module reads it
# (mirror_request_body), then empty_gif refuses the POST with 405, turned into 204. A bare
# `return 204` answers as soon as the headers are in and discards the body as it arrives
# (checked: see RESULTS.md).
nginx_location='        location / {
            mirror /_read;
            mirror_request_body on;
            empty_gif;
            error_page 405 =204 @done;
        }
        location @done { return 204; }
        location = /_read { internal; return 204; }'

start_nginx() {
    rm -rf "$nginx_dir"
    mkdir -p "$nginx_dir/tmp"
    NGINX_DIR=$nginx_dir NGINX_PORT=$nginx_port NGINX_LOCATION=$nginx_location python3 -c '
import os, sys
t = open(sys.argv[1]).read()
for k in ("DIR", "PORT", "LOCATION"):
    t = t.replace("@%s@" % k, os.environ["NGINX_" + k])
open(sys.argv[2], "w").write(t)' "$here/nginx.conf.in" "$nginx_dir/nginx.conf"
    "$nginx_bin" -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -g 'daemon off;' \
        >"$out/nginx.log" 2>&1 &
    nginx_pid=$!
    local i
    for ((i = 0; i < 50; i++)); do
        curl -fsS -o /dev/null -X POST --data '{}' "http://127.0.0.1:$nginx_port/" 2>/dev/null &&
            return 0
        sleep 0.1
    done
    cat "$out/nginx.log" >&2
    die "nginx did not start"
}

# ---- the runs ---------------------------------------------------------------------------------

reset_db() { psql "$dburl" -qXAt -v ON_ERROR_STOP=1 -c "SELECT bench.reset()" -c "CHECKPOINT" >/dev/null; }

# cpu_busy_start / cpu_busy_pct [OURS]: the machine's CPU use (all cores) between the two calls,
# in percent, as BUSY/FOREIGN: FOREIGN is what processes other than ours (OURS: their CPU
# ticks, the same unit as /proc/stat's) took: other engineers' tests, say.
cpu_busy_start() { read -r _ cu cn cs ci cw cq csq cst _ </proc/stat; cpu0=("$cu" "$cn" "$cs" "$ci" "$cw" "$cq" "$csq" "$cst"); }
cpu_busy_pct() {
    local u n s i w q sq st
    read -r _ u n s i w q sq st _ </proc/stat
    awk -v a="${cpu0[*]}" -v b="$u $n $s $i $w $q $sq $st" -v ours="${1:-0}" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        for (k = 1; k <= 8; k++) { d = y[k] - x[k]; tot += d; if (k != 4 && k != 5) busy += d }
        f = tot ? 100 * (busy - ours) / tot : 0
        printf "%.0f/%.0f", tot ? 100 * busy / tot : 0, f < 0 ? 0 : f }'
}

# CPU time, in clock ticks, of what this benchmark runs: it tells what each document costs
# whatever else the machine does meanwhile. /proc/PID/stat: utime stime cutime cstime are
# fields 14-17 (counted after the ")" that ends the command name).
hz=$(getconf CLK_TCK)
proc_ticks() { # PID [with reaped children: 1]; 0 for a process that is gone (even meanwhile)
    local t
    t=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
        awk -v c="${2:-0}" '{ print $12 + $13 + (c ? $14 + $15 : 0) }')
    echo "${t:-0}"
}
tree_ticks() { # PID: the process with its reaped children, and its live children
    local t c
    t=$(proc_ticks "$1" 1)
    for c in $(pgrep -P "$1" || true); do t=$((t + $(proc_ticks "$c"))); done
    echo "$t"
}
pg_ticks() { tree_ticks "$(head -n 1 "$pg_dir/data/postmaster.pid")"; }
us_per() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "-" }'; }

# run_timed OUT TIMES CMD...: runs CMD in the background of a subshell that records its CPU
# time (`times`: children's user and system) in TIMES; waits. (Load generators run in this
# shell, not in a $(...), so that cleanup can stop them; the subshell passes INT/TERM on.)
run_timed() {
    local o=$1 t=$2
    shift 2
    (
        trap 'kill -INT "$child" 2>/dev/null' INT TERM
        "$@" >"$o" 2>&1 &
        child=$!
        rc=0
        wait "$child" || rc=$?
        while kill -0 "$child" 2>/dev/null; do wait "$child" || rc=$?; done
        times >"$t.times" # not in a pipeline: a pipeline's subshell has no children
        exit "$rc"
    ) &
    load_pids=($!)
    local rc=0
    wait "${load_pids[0]}" || rc=$?
    load_pids=()
    sed -n 2p "$t.times" | awk -v hz="$hz" '{
        split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "%.0f\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }' >"$t"
    rm -f "$t.times"
    return "$rc"
}

# run_wrk NAME URL_PATH FIXTURE CONNECTIONS IDS_OUT PORT: one wrk run; its MWBENCH line in
# wrk_line, its CPU ticks in wrk_ticks.
run_wrk() {
    local name=$1 path=$2 file=$3 conns=$4 ids=$5 port=$6
    local tag
    tag=$(printf '%s%s' "$name" "$(date +%s)")
    run_timed "$out/$name.wrk.txt" "$out/$name.wrk.ticks" \
        wrk -t2 -c"$conns" -d"${duration}s" --timeout 30s --latency -s "$here/post_report.lua" \
        "http://127.0.0.1:$port" -- "$path" "$file" "$tag" 2 "$ids" ||
        { cat "$out/$name.wrk.txt" >&2; die "wrk failed ($name)"; }
    wrk_line=$(grep '^MWBENCH ' "$out/$name.wrk.txt") || die "no MWBENCH line from wrk ($name)"
    wrk_ticks=$(cat "$out/$name.wrk.ticks")
}

# field LINE KEY: the value of KEY=value in a line of key=value pairs.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

# pgbench_run KIND CLIENTS GROUP [one]: one pgbench run; pg_docs = documents/s, or "failed".
# "one": the GROUP meeting events in one call of mw.ingest_meetings, as the collector sends them.
pgbench_run() {
    local kind=$1 clients=$2 group=$3 one=${4:-} script table
    if [[ $kind == reports ]]; then script=$here/ingest_report.pgbench table=mw.report; else
        script=$here/ingest_meeting.pgbench table=mw.meeting_event; fi
    local name=pgbench-$kind-g$group-c$clients
    if [[ $one == one ]]; then
        script=$here/ingest_meetings.pgbench name=$name-one
    elif ((group > 1)); then
        # G documents, BEGIN and COMMIT in one pipeline, as the collector sends a batch.
        {
            printf "%s\n" "\\startpipeline"
            echo 'BEGIN;'
            for ((i = 0; i < group; i++)); do grep -v '^--' "$script"; done
            echo 'COMMIT;'
            printf "%s\n" "\\endpipeline"
        } >"$out/$name.pgbench"
        script=$out/$name.pgbench
    fi
    reset_db
    local threads=$((clients < 2 ? 1 : 2))
    cpu_busy_start
    local pg0 pg1 rc=0
    pg0=$(pg_ticks)
    run_timed "$out/$name.txt" "$out/$name.ticks" \
        pgbench "$dburl" -n -M prepared -c "$clients" -j "$threads" -T "$duration" \
        -D schools=1000 -D clients="$clients" -D tag="p$group-$clients-$(date +%s)" -D k=0 \
        -D group="$group" \
        -f "$script" || rc=$?
    pg1=$(pg_ticks)
    local busy
    busy=$(cpu_busy_pct $((pg1 - pg0 + $(cat "$out/$name.ticks"))))
    local tps processed stored
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out/$name.txt")
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out/$name.txt")
    stored=$(psql "$dburl" -qXAtc "SELECT count(*) FROM $table")
    if ((rc != 0)) || [[ -z "$tps" ]]; then
        log "  $name: pgbench failed (see $out/$name.txt)"
        pg_docs=failed
        return
    fi
    local docs
    docs=$(awk -v t="$tps" -v g="$group" 'BEGIN { printf "%.0f", t * g }')
    local check=ok
    ((stored == processed * group)) || check="MISMATCH stored=$stored expected=$((processed * group))"
    local pg_us client_us
    pg_us=$(us_per $((pg1 - pg0)) $((processed * group)))
    client_us=$(us_per "$(cat "$out/$name.ticks")" $((processed * group)))
    log "  pgbench $kind: $clients clients, $group/transaction${one:+ in one statement}: $docs documents/s (CPU/doc: PostgreSQL $pg_us µs, pgbench $client_us µs; machine busy/foreign ${busy}%; check $check)"
    echo "$kind $clients $group${one:+/one} $docs $pg_us $client_us $busy $check" >>"$out/pgbench.txt"
    if [[ $check == ok ]] && ((docs > ${pg_best_docs:-0})); then
        pg_best_docs=$docs pg_best_cpu="$pg_us $client_us"
    fi
    pg_docs=$docs
    [[ $check == ok ]] || pg_docs=failed
}

# The collector, fresh for every run (its peak RSS per scenario).
start_collector() {
    local name=$1
    env DATABASE_URL="$dburl" MW_LISTEN="127.0.0.1:$http_port" MW_LOG_LEVEL=warn \
        "$collector" >"$out/$name.collector.log" 2>&1 &
    collector_pid=$!
    local i
    for ((i = 0; i < 100; i++)); do
        curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null && return 0
        kill -0 "$collector_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$out/$name.collector.log" >&2
    die "the collector did not become ready"
}


# check_db KIND IDS_FILE C201 INFLIGHT: "ok", "ok (+N unacknowledged)" or "MISMATCH ...".
check_db() {
    local kind=$1 ids=$2 c201=$3 inflight=$4 table
    [[ $kind == reports ]] && table=mw.report || table=mw.meeting_event
    # Requests in flight when wrk stopped may still commit: wait until the count stands still.
    local prev=-1 now i
    for ((i = 0; i < 40; i++)); do
        now=$(psql "$dburl" -qXAtc "SELECT count(*) FROM $table")
        [[ "$now" == "$prev" ]] && break
        prev=$now
        sleep 0.5
    done
    local res
    res=$(psql "$dburl" -qXAt -F' ' -v ON_ERROR_STOP=1 \
        -c "CREATE TEMP TABLE acked (id bigint)" -c "COPY acked FROM STDIN" \
        -c "SELECT (SELECT count(*) FROM $table),
                   (SELECT count(*) FROM acked), (SELECT count(DISTINCT id) FROM acked),
                   (SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM $table t WHERE t.id = a.id)),
                   (SELECT count(*) FROM $table t WHERE NOT EXISTS (SELECT 1 FROM acked a WHERE a.id = t.id))" \
        <"$ids")
    local stored acked distinct lost unacked
    read -r stored acked distinct lost unacked <<<"$res"
    echo "$kind stored=$stored acked_ids=$acked distinct=$distinct c201=$c201 lost=$lost unacknowledged=$unacked in_flight_at_stop=$inflight" \
        >>"$out/dbcheck.txt"
    if ((lost == 0 && acked == c201 && distinct == acked && unacked <= inflight)); then
        if ((unacked == 0)); then echo "ok"; else echo "ok (+$unacked in flight)"; fi
    else
        echo "MISMATCH stored=$stored 201=$c201 lost=$lost unacked=$unacked"
    fi
}

declare -A ceiling ceiling_how ceiling_cpu result
failures=0
echo "kind clients group documents_per_s pg_cpu_us_per_doc pgbench_cpu_us_per_doc machine_busy/foreign_pct check" >"$out/pgbench.txt"
[[ $collector_only == 1 ]] || start_nginx

for kind in $kinds; do
    if [[ $kind == reports ]]; then path=/api/v1/reports file=$fixture/reports.tsv group=$group_reports; else
        path=/api/v1/meetings file=$fixture/meetings.tsv group=$group_meetings; fi

    # The database ceiling: the best pgbench throughput over the variants.
    if ((!collector_only)); then
        log "$kind: database ceiling (pgbench, ${duration}s each)"
        best=0 how="" pg_best_docs=0 pg_best_cpu="- -"
        for c in $pg_clients; do
            pgbench_run "$kind" "$c" 1
            d=$pg_docs
            [[ $d == failed ]] && { failures=$((failures + 1)); continue; }
            ((d > best)) && best=$d how="-c $c, 1/tx"
        done
        for c in $pg_group_clients; do
            pgbench_run "$kind" "$c" "$group"
            d=$pg_docs
            [[ $d == failed ]] && { failures=$((failures + 1)); continue; }
            ((d > best)) && best=$d how="-c $c, $group/tx pipelined"
        done
        # Meeting events: also as the collector sends them, G in one statement.
        for c in $([[ $kind == meetings ]] && echo "$pg_group_clients"); do
            pgbench_run "$kind" "$c" "$group" one
            d=$pg_docs
            [[ $d == failed ]] && { failures=$((failures + 1)); continue; }
            ((d > best)) && best=$d how="-c $c, $group/tx in one statement"
        done
        ceiling[$kind]=$best ceiling_how[$kind]=$how ceiling_cpu[$kind]=$pg_best_cpu
    fi

    for c in $concurrency; do
        name=$kind-c$c
        # The collector.
        reset_db
        start_collector "$name"
        log "$name: collector (wrk -t2 -c$c -d${duration}s)"
        ticks0=$(proc_ticks "$collector_pid")
        pg0=$(pg_ticks)
        load_before=$(load1)
        cpu_busy_start
        perf_pids=()
        if ((perf)); then
            third=$(((duration + 2) / 3))
            (sleep "$third" && exec perf record -q -F 1999 --call-graph dwarf,8192 \
                -p "$collector_pid" -o "$out/$name.collector.perf" -- sleep "$third") \
                >>"$out/$name.perf.log" 2>&1 &
            perf_pids+=($!)
            (sleep "$third" && exec perf stat -x, -e raw_syscalls:sys_enter,context-switches \
                -p "$collector_pid" -o "$out/$name.collector.perfstat" -- sleep "$third") \
                >>"$out/$name.perf.log" 2>&1 &
            perf_pids+=($!)
            (sleep "$third" && exec perf record -q -a -F 499 -o "$out/$name.machine.perf" \
                -- sleep "$third") >>"$out/$name.perf.log" 2>&1 &
            perf_pids+=($!)
        fi
        run_wrk "$name" "$path" "$file" "$c" "$out/$name.ids" "$http_port"
        line=$wrk_line
        for p in "${perf_pids[@]}"; do wait "$p" || true; done
        perf_pids=()
        ticks1=$(proc_ticks "$collector_pid")
        pg1=$(pg_ticks)
        busy=$(cpu_busy_pct $((ticks1 - ticks0 + pg1 - pg0 + wrk_ticks)))
        rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$collector_pid/status")
        metrics=$(curl -fsS "http://127.0.0.1:$http_port/metrics" || true)
        printf '%s\n' "$metrics" >"$out/$name.metrics"
        c201=$(field "$line" c201)
        sent=$(field "$line" sent)
        requests=$(field "$line" requests)
        check=$(check_db "$kind" "$out/$name.ids" "$c201" "$((sent - requests))")
        stop_pid "$collector_pid" TERM 25
        collector_pid=""
        [[ $check == ok* ]] || failures=$((failures + 1))
        batch=$(awk '/^mw_batch_size_sum/ { s = $2 } /^mw_batch_size_count/ { n = $2 }
            END { if (n) printf "%.1f", s / n; else print "-" }' <<<"$metrics")
        cpu_us=$(us_per $((ticks1 - ticks0)) "$c201")
        pg_us=$(us_per $((pg1 - pg0)) "$c201")
        wrk_us=$(us_per "$wrk_ticks" "$c201")
        if ((perf)); then
            perf report -i "$out/$name.machine.perf" --sort comm --stdio 2>/dev/null |
                grep -v '^#' | grep -v '^$' | head -n 12 >"$out/$name.machine-split.txt" || true
            perf report -i "$out/$name.collector.perf" --no-children --sort dso,sym --stdio \
                -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 60 \
                >"$out/$name.collector-top.txt" || true
            perf report -i "$out/$name.collector.perf" --children --sort sym --stdio \
                -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 80 \
                >"$out/$name.collector-inclusive.txt" || true
        fi
        result[$name]="$line busy=$busy rss_kb=$rss batch=$batch collector_cpu_us=$cpu_us pg_cpu_us=$pg_us wrk_cpu_us=$wrk_us load_before=$load_before check=$check"
        log "  $(field "$line" c201) created in ${duration}s, p50 $(field "$line" p50_us) µs, p99 $(field "$line" p99_us) µs, other $(field "$line" other), statuses $(field "$line" statuses); db: $check; mean batch $batch; CPU/doc: collector $cpu_us µs, PostgreSQL $pg_us µs, wrk $wrk_us µs; collector peak RSS ${rss} kB; machine busy/foreign ${busy}%"

        # nginx, the same requests.
        if ((!collector_only)); then
            log "$name: nginx"
            cpu_busy_start
            ng0=$(tree_ticks "$nginx_pid")
            run_wrk "nginx-$name" "$path" "$file" "$c" "" "$nginx_port"
            ng1=$(tree_ticks "$nginx_pid")
            nline=$wrk_line
            nbusy=$(cpu_busy_pct $((ng1 - ng0 + wrk_ticks)))
            n2xx=$(field "$nline" c2xx)
            result[nginx-$name]="$nline busy=$nbusy nginx_cpu_us=$(us_per $((ng1 - ng0)) "$n2xx") wrk_cpu_us=$(us_per "$wrk_ticks" "$n2xx")"
            log "  nginx: $n2xx answered 2xx, other $(field "$nline" other), p50 $(field "$nline" p50_us) µs; CPU/request: nginx $(us_per $((ng1 - ng0)) "$n2xx") µs, wrk $(us_per "$wrk_ticks" "$n2xx") µs"
        fi
    done
done

# ---- the table --------------------------------------------------------------------------------

rate() { awk -v n="$1" -v us="$2" 'BEGIN { if (us > 0) printf "%.0f", n / (us / 1e6); else print 0 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
{
    echo "| scenario | collector req/s | p50 ms | p99 ms | p99/p50 | pgbench ceiling/s | ratio | nginx ceiling/s | ratio | DB count check |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for kind in $kinds; do
        for c in $concurrency; do
            name=$kind-c$c
            r=${result[$name]}
            rps=$(rate "$(field "$r" c201)" "$(field "$r" duration_us)")
            p50=$(field "$r" p50_us) p99=$(field "$r" p99_us)
            pg=${ceiling[$kind]:-}
            ng=""
            [[ -n "${result[nginx-$name]:-}" ]] &&
                ng=$(rate "$(field "${result[nginx-$name]}" c2xx)" "$(field "${result[nginx-$name]}" duration_us)")
            printf '| %s c%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$kind" "$c" "$rps" \
                "$(ms "$p50")" "$(ms "$p99")" "$(ratio "$p99" "$p50")" "${pg:--}" \
                "$(ratio "$rps" "${pg:-0}")" "${ng:--}" "$(ratio "$rps" "${ng:-0}")" \
                "$(sed 's/.* check=//' <<<"$r")"
        done
    done
    echo
    for kind in $kinds; do
        [[ -n "${ceiling[$kind]:-}" ]] && echo "pgbench ceiling, $kind: ${ceiling[$kind]}/s (${ceiling_how[$kind]}); every variant in pgbench.txt"
    done
    echo
    echo "| scenario | non-201 answers | wrk errors (connect/read/write/timeout) | mean batch | CPU µs/doc: collector / PostgreSQL / wrk | pgbench best, CPU µs/doc: PostgreSQL / pgbench | CPU-cost ratio to pgbench, with / without wrk | nginx run, CPU µs/req: nginx / wrk | nginx p50 / p99 ms | collector peak RSS MB | machine CPU busy/foreign % | load before |"
    echo "|---|---|---|---:|---|---|---|---|---|---:|---:|---:|"
    for kind in $kinds; do
        for c in $concurrency; do
            name=$kind-c$c
            r=${result[$name]} n=${result[nginx-$name]:-}
            read -r pgc pbc <<<"${ceiling_cpu[$kind]:-- -}"
            cc_=$(field "$r" collector_cpu_us) pc_=$(field "$r" pg_cpu_us) wc_=$(field "$r" wrk_cpu_us)
            # What the ratio would be if both runs had the cores to themselves: the CPU one
            # pgbench document costs over the CPU one collector document costs.
            cost=$(awk -v a="$pgc" -v b="$pbc" -v c="$cc_" -v p="$pc_" -v w="$wc_" 'BEGIN {
                if (a + 0 > 0 && c + p > 0) printf "%.2f / %.2f", (a + b) / (c + p + w), (a + b) / (c + p)
                else print "-" }')
            printf '| %s c%s | %s | %s/%s/%s/%s | %s | %s / %s / %s | %s / %s | %s | %s | %s | %s | %s | %s |\n' \
                "$kind" "$c" "$(field "$r" other) ($(field "$r" statuses))" \
                "$(field "$r" errors_connect)" "$(field "$r" errors_read)" \
                "$(field "$r" errors_write)" "$(field "$r" errors_timeout)" "$(field "$r" batch)" \
                "$cc_" "$pc_" "$wc_" "$pgc" "$pbc" "$cost" \
                "$([[ -n $n ]] && echo "$(field "$n" nginx_cpu_us) / $(field "$n" wrk_cpu_us)" || echo -)" \
                "$([[ -n $n ]] && echo "$(ms "$(field "$n" p50_us)") / $(ms "$(field "$n" p99_us)")" || echo -)" \
                "$(awk -v k="$(field "$r" rss_kb)" 'BEGIN { printf "%.1f", k / 1024 }')" \
                "$(field "$r" busy)" "$(field "$r" load_before)"
        done
    done
    echo
    echo "collector CPU per document outside I/O (ingest_cpu.c, µs, single thread; arena = what the collector does, common/json_arena.h; malloc = without it):"
    sed 's/^/    /' "$out/ingest_cpu.txt"
    echo
    dirty=$(git -C "$root" status --porcelain -- services common migrations CMakeLists.txt 2>/dev/null | awk '{ print $2 }' | tr '\n' ' ')
    echo "source: $(git -C "$root" rev-parse --short HEAD)${dirty:+ + uncommitted changes in $dirty}"
    head -n 3 "$out/machine.txt"
    echo "collector: MW_WORKERS=$MW_WORKERS MW_DB_CONNECTIONS=$MW_DB_CONNECTIONS MW_BATCH_MAX=${MW_BATCH_MAX:-default (128)}; wrk -t2 -d${duration}s; load average at start $start_load, at end $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/summary.md"
echo
cat "$out/summary.md"
echo
log "details: $out"
((failures == 0))
