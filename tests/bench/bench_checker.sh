#!/usr/bin/env bash
# The checker benchmark: N generated school websites (make_checker_sites.py) served by a private
# nginx on 127.0.0.1, checked by the checker (checker --once) and, in the same run, crawled by
# Debian's linkchecker and by wget --spider --recursive to the same depth with the same
# concurrency. Prints sites per minute, peak memory and the ratios.
#
# Usage: tests/bench/bench_checker.sh [--sites N] [--concurrency C] [--only "TOOLS"]
#                                     [--max-load L] [--perf]
#   --sites N          sites to generate and check (default 2000; e.g. 100 for a quick run)
#   --concurrency C    HTTP requests at once, every tool (default 32, the checker's default)
#   --only "TOOLS"     some of: checker checker-polite linkchecker wget (default all four)
#   --max-load L       wait (5 min at most) for a 1-minute load average under L (default 1.5)
#   --perf             profile the checker's run (perf record --call-graph dwarf)
# Environment: MW_BENCH_CHECKER_PORT (default 18530), nginx's port on 127.0.0.1.
#
# What "the same" means for each tool (RESULTS.md says it at length):
#   depth        3 links from the home page: the deepest document is home -> section -> card
#                -> file, or home -> /sveden/ -> section -> file. linkchecker -r 3, wget -l 3;
#                the checker's own bound (--max-depth 2, pages before the section) reaches the
#                same documents.
#   concurrency  C requests at once over all sites: checker --max-transfers C (and --per-host 2,
#                --sites-parallel 2C), linkchecker -t C (threads), wget: C processes at once,
#                one site each (xargs -P C).
#   politeness   none in the compared runs: checker --host-delay-ms 0; linkchecker's per-host
#                rate limit lifted (maxrequestspersecond, which needs the server's "LinkChecker"
#                header, sent by this nginx); wget --wait 0 (its default). "checker-polite" is
#                the checker with its defaults (250 ms between two requests to one host).
#   robots.txt   honoured by all three (every site has one); retries: 2 (wget --tries 3).
# Host names: every site is <name>.localhost. libcurl resolves *.localhost to the loopback itself;
#   wget and linkchecker go through this nginx as their HTTP proxy (absolute-form requests,
#   "GET http://school-0001.localhost:PORT/"), which nginx serves as the named virtual host: no
#   name is resolved, no hosts file, and every connection goes to 127.0.0.1:PORT.
# Needs nginx, wget, linkchecker, python3, cmake, /usr/bin/time (deploy/install-deps.sh installs
# them); installs nothing. Builds build-bench/ (Release) if needed, writes the sites to
# .mentorwatch/bench-checker-sites/N/, results to .mentorwatch/bench-results/<time>-checker/, and
# prints the table (also in summary.md there). Stops what it started on exit, whatever the
# reason. Exit status 0 when every run finished and the checker's findings match the sites.
set -euo pipefail

usage() {
    sed -n '7,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

sites=2000
conc=32
tools="checker checker-polite linkchecker wget"
max_load=1.5
perf=0
while (($# > 0)); do
    case "$1" in
    --sites) sites=${2:?}; shift ;;
    --concurrency) conc=${2:?}; shift ;;
    --only) tools=${2:?}; shift ;;
    --max-load) max_load=${2:?}; shift ;;
    --perf) perf=1 ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
    shift
done
[[ $sites =~ ^[1-9][0-9]*$ && $conc =~ ^[1-9][0-9]*$ ]] || usage
for t in $tools; do
    [[ $t =~ ^(checker|checker-polite|linkchecker|wget)$ ]] || usage
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/bench_lib.sh
source "$here/bench_lib.sh"
root=$(cd "$here/../.." && pwd)
state=$root/.mentorwatch
build=$root/build-bench
fixture=$state/bench-checker-sites/$sites
port=${MW_BENCH_CHECKER_PORT:-18530}
out=$state/bench-results/$(date -u +%Y%m%dT%H%M%SZ)-checker
nginx_dir=$out/nginx
depth=3


# ---- what was started, and the cleanup that stops it --------------------------------------

nginx_pid=""
run_pid=""     # the tool being measured (its /usr/bin/time)
sampler_pid="" # the memory sampler of that run
perf_pid=""


# The tool runs in its own process group (set -m below), so that xargs' wget processes and
# linkchecker's threads go with it.
stop_group() {
    local pid=$1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -s TERM -- "-$pid" 2>/dev/null || true
    stop_pid "$pid" TERM 5
    kill -s KILL -- "-$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$perf_pid" INT 5
    stop_group "$run_pid"
    stop_pid "$sampler_pid" TERM 2
    stop_pid "$nginx_pid" QUIT 5
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- preconditions ----------------------------------------------------------------------------

missing=()
needed=(nginx wget linkchecker python3 cmake curl)
((perf)) && needed+=(perf)
for tool in "${needed[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -x /usr/bin/time ]] || missing+=(/usr/bin/time)
((${#missing[@]} == 0)) || die "missing ${missing[*]}: run deploy/install-deps.sh (Debian packages nginx-light, wget, linkchecker, time)"
port_free "$port" || die "127.0.0.1:$port is taken (MW_BENCH_CHECKER_PORT chooses another)"

wait_for_quiet "$max_load"
mkdir -p "$out"
start_load=$(cut -d' ' -f1-3 /proc/loadavg)
log "results in $out; load average $start_load"
write_machine_header "$out/machine.txt" \
    "$(nginx -v 2>&1); $(wget --version | head -n 1); $(linkchecker --version 2>/dev/null | head -n 1); $(curl --version | head -n 1 | cut -d' ' -f1-2)" "$start_load"

# ---- build ------------------------------------------------------------------------------------

build_release "$root" "$build" "$out/build.log" checker
checker=$build/services/checker/checker

# ---- the sites and nginx ----------------------------------------------------------------------

# Made again only when the generator or its arguments changed (2,000 sites take a minute or two).
stamp="$(sha256sum <"$here/make_checker_sites.py" | cut -d' ' -f1) --sites $sites --port $port"
if [[ -f $fixture/summary.json && "$(cat "$fixture/stamp" 2>/dev/null)" == "$stamp" ]]; then
    log "fixture: $sites sites in $fixture (made before by the same generator)"
else
    log "fixture: $sites sites (make_checker_sites.py) in $fixture"
    rm -f "$fixture/stamp"
    python3 "$here/make_checker_sites.py" --sites "$sites" --port "$port" "$fixture" >/dev/null
    echo "$stamp" >"$fixture/stamp"
fi
cp "$fixture/summary.json" "$out/fixture.json"
cp "$fixture/expected.tsv" "$out/"

# One server for every site: the site is the host name's first label. "LinkChecker" lifts
# linkchecker's per-host rate limit (see the header of this file).
mkdir -p "$nginx_dir/tmp"
cat >"$nginx_dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
$( ((EUID == 0)) && echo "user root;" || true)
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format bench '\$host \$status \$body_bytes_sent "\$request"';
    access_log $nginx_dir/access.log bench buffer=256k flush=1s;
    client_body_temp_path $nginx_dir/tmp/body;
    proxy_temp_path $nginx_dir/tmp/proxy;
    fastcgi_temp_path $nginx_dir/tmp/fastcgi;
    uwsgi_temp_path $nginx_dir/tmp/uwsgi;
    scgi_temp_path $nginx_dir/tmp/scgi;
    keepalive_requests 10000;
    absolute_redirect off;
    server {
        listen 127.0.0.1:$port default_server;
        server_name _;
        location = /healthz { default_type text/plain; return 200 "ok\n"; }
        location / { return 404; }
    }
    server {
        listen 127.0.0.1:$port;
        server_name ~^(?<site>school-[0-9]+)\.localhost\$;
        root $fixture/sites/\$site;
        add_header LinkChecker benchmark always;
        location = /file/card { default_type text/html; try_files /file/card_\$arg_id.html =404; }
        location = /file/download {
            try_files /file/download_\$arg_id.pdf /file/download_\$arg_id.docx =404;
        }
    }
}
EOF
nginx -p "$nginx_dir/" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log" >"$out/nginx.log" 2>&1 &
nginx_pid=$!
for ((i = 0; i < 50; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null ||
    { cat "$out/nginx.log" "$nginx_dir/error.log" >&2; die "nginx did not start"; }
first_site=$(head -n 1 "$fixture/urls.txt")
curl -fsS -o /dev/null --connect-to "::127.0.0.1:$port" "$first_site" ||
    die "nginx does not serve $first_site"

# ---- measuring one run ------------------------------------------------------------------------

hz=$(getconf CLK_TCK)
# CPU ticks of the whole machine (busy) and of nginx's processes, for what others took.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
proc_ticks() { # PID: utime + stime + reaped children
    [[ -r /proc/$1/stat ]] || { echo 0; return; }
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 + $14 + $15 }'
}
nginx_ticks() {
    local t=0 p
    for p in $nginx_pid $(pgrep -P "$nginx_pid" || true); do t=$((t + $(proc_ticks "$p"))); done
    echo "$t"
}

# sample_rss ROOT_PID OUT: every 0.2 s, the sum of the RSS of ROOT_PID's process tree; writes
# the largest sum (kB) to OUT when stopped.
sample_rss() {
    local rootpid=$1 outfile=$2 peak=0 now
    trap 'echo "$peak" >"$outfile"; exit 0' TERM
    while kill -0 "$rootpid" 2>/dev/null; do
        now=$(ps -eo pid=,ppid=,rss= | awk -v r="$rootpid" '
            { parent[$1] = $2; rss[$1] = $3 }
            END {
                for (p in parent) {
                    q = p
                    for (i = 0; i < 10 && q != r && q in parent; i++) q = parent[q]
                    if (q == r) s += rss[p]
                }
                print s + 0 }')
        ((now > peak)) && peak=$now
        echo "$peak" >"$outfile"
        sleep 0.2
    done
}

declare -A res # res[tool.key]
# measure NAME CMD...: runs CMD under /usr/bin/time -v in its own process group; records wall
# time, CPU, peak RSS (one process and the sampled tree), what the other processes on the
# machine took meanwhile, and the slice of nginx's access log the run made.
measure() {
    local name=$1
    shift
    log "$name: ${*:1:3} ..."
    kill -USR1 "$nginx_pid" 2>/dev/null || true # reopen: the log so far is flushed
    sleep 1.2
    local log_from
    log_from=$(stat -c %s "$nginx_dir/access.log" 2>/dev/null || echo 0)
    local load_before b0 n0 t0 t1
    load_before=$(load1)
    b0=$(busy_ticks) n0=$(nginx_ticks)
    t0=$(date +%s.%N)
    set -m
    /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" &
    run_pid=$!
    set +m
    sample_rss "$run_pid" "$out/$name.rss" &
    sampler_pid=$!
    if ((perf)) && [[ $name == checker ]]; then
        local cpid
        for ((i = 0; i < 50; i++)); do
            cpid=$(pgrep -P "$run_pid" -x checker || true)
            [[ -n $cpid ]] && break
            sleep 0.05
        done
        if [[ -n $cpid ]]; then
            perf record -q -F 999 --call-graph dwarf,16384 -p "$cpid" -o "$out/checker.perf" \
                >"$out/perf.log" 2>&1 &
            perf_pid=$!
        fi
    fi
    local rc=0
    wait "$run_pid" || rc=$?
    t1=$(date +%s.%N)
    run_pid=""
    if [[ -n $perf_pid ]]; then
        stop_pid "$perf_pid" INT 20
        perf_pid=""
    fi
    stop_pid "$sampler_pid" TERM 2
    sampler_pid=""
    local b1 n1
    b1=$(busy_ticks) n1=$(nginx_ticks)
    kill -USR1 "$nginx_pid" 2>/dev/null || true
    sleep 1.2
    tail -c +"$((log_from + 1))" "$nginx_dir/access.log" >"$out/$name.access.log"

    local wall user sys maxrss
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    user=$(sed -n 's/^\s*User time (seconds): //p' "$out/$name.time")
    sys=$(sed -n 's/^\s*System time (seconds): //p' "$out/$name.time")
    maxrss=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$out/$name.time")
    res[$name.rc]=$rc
    res[$name.wall]=$wall
    res[$name.cpu]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
    res[$name.maxrss]=$maxrss
    res[$name.treerss]=$(cat "$out/$name.rss" 2>/dev/null || echo 0)
    res[$name.load]=$load_before
    res[$name.nginx_cpu]=$(awk -v t=$((n1 - n0)) -v hz="$hz" 'BEGIN { printf "%.1f", t / hz }')
    # Cores the rest of the machine used meanwhile: busy time minus this tool's and nginx's.
    res[$name.others]=$(awk -v b=$((b1 - b0)) -v n=$((n1 - n0)) -v c="${res[$name.cpu]}" \
        -v hz="$hz" -v w="$wall" 'BEGIN { o = (b - n) / hz - c; if (o < 0) o = 0; printf "%.2f", o / w }')
    # What the run asked nginx for: requests, documents (files), 404s, bytes sent.
    read -r reqs docs nf bytes < <(awk '
        { n++; bytes += $3; if ($2 == 404) nf++
          if ($0 ~ /\.(pdf|docx)[ ?]|\/file\/download\?/) d++ }
        END { print n + 0, d + 0, nf + 0, bytes + 0 }' "$out/$name.access.log")
    res[$name.requests]=$reqs
    res[$name.docs]=$docs
    res[$name.404]=$nf
    res[$name.bytes]=$bytes
    log "  $name: exit $rc, ${wall}s, CPU ${res[$name.cpu]}s, max RSS ${maxrss} kB (tree ${res[$name.treerss]} kB), $reqs requests ($docs to documents, $nf answered 404), others used ${res[$name.others]} cores, load before $load_before"
}

# ---- the runs ---------------------------------------------------------------------------------

failures=0
expected_docs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["documents"])' "$out/fixture.json")
expected_broken=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["broken"])' "$out/fixture.json")
checker_common=(--once --schools "$fixture/schools.csv" --allow-private --log-level info)

# The checker's findings against the sites: every school printed, its section found, each
# document found or broken as generated, its missing codes as generated.
check_findings() {
    local name=$1
    python3 - "$out/$name.stdout" "$fixture/expected.tsv" >"$out/$name.check" <<'EOF'
import json, sys
expected = {}
with open(sys.argv[2]) as f:
    next(f)
    for line in f:
        school, layout, charset, docs, broken, missing = line.rstrip("\n").split("\t")
        expected[school] = (int(docs), int(broken), missing.split(",") if missing else [])
seen = set()
found = broken = no_section = wrong = 0
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        seen.add(r["school"])
        docs, nbroken, missing = expected[r["school"]]
        f_ = sum(1 for d in r["documents"] if d["status"] == "found")
        b_ = sum(1 for d in r["documents"] if d["status"] == "broken")
        found += f_
        broken += b_
        no_section += r["section_url"] is None
        if (f_, b_, sorted(r["missing"])) != (docs - nbroken, nbroken, sorted(missing)):
            wrong += 1
            if wrong <= 5:
                print("mismatch %s: found %d broken %d missing %s; expected %d %d %s"
                      % (r["school"], f_, b_, r["missing"], docs - nbroken, nbroken, missing),
                      file=sys.stderr)
print("printed=%d unprinted=%d no_section=%d found=%d broken=%d wrong_sites=%d"
      % (len(seen), len(set(expected) - seen), no_section, found, broken, wrong))
EOF
    cat "$out/$name.check"
}

for tool in $tools; do
    case $tool in
    checker)
        measure checker "$checker" "${checker_common[@]}" --max-transfers "$conc" --per-host 2 \
            --sites-parallel $((2 * conc)) --host-delay-ms 0
        ;;
    checker-polite)
        measure checker-polite "$checker" "${checker_common[@]}" --max-transfers "$conc"
        ;;
    linkchecker)
        cat >"$out/linkcheckerrc" <<EOF
[checking]
threads=$conc
recursionlevel=$depth
timeout=30
maxrequestspersecond=100000
[filtering]
checkextern=0
# Every site is internal at the first pattern tried: without it, each URL is matched against
# the one pattern linkchecker adds per start URL in turn (2,000 regular expressions).
internlinks=^http://school-[0-9]+\.localhost[:/]
[output]
warnings=0
status=0
EOF
        # linkchecker run as root drops to "nobody": its output directory must be writable.
        mkdir -p "$out/linkchecker-out" && chmod 1777 "$out/linkchecker-out"
        # No proxy bypass: a no_proxy of "localhost" would match every *.localhost site.
        measure linkchecker env -u no_proxy -u NO_PROXY http_proxy="http://127.0.0.1:$port/" \
            HOME="$out" linkchecker -f "$out/linkcheckerrc" --stdin --no-status --no-warnings \
            -o none -F "csv/utf-8/$out/linkchecker-out/linkchecker.csv" <"$fixture/urls.txt"
        ;;
    wget)
        mkdir -p "$out/wget-logs" "$out/wget-tmp"
        awk -v d="$out/wget-logs" '{ printf "%s/%06d.log %s\n", d, NR, $0 }' "$fixture/urls.txt" \
            >"$out/wget-input.txt"
        measure wget env -u no_proxy -u NO_PROXY xargs -P "$conc" -n 2 -a "$out/wget-input.txt" \
            sh -c 'exec wget --spider --recursive --level='"$depth"' --no-verbose --tries=3 \
                --timeout=30 --wait=0 -e robots=on -e use_proxy=on \
                -e http_proxy=http://127.0.0.1:'"$port"'/ -P "'"$out"'/wget-tmp" -o "$0" "$1"'
        rm -rf "$out/wget-tmp"
        ;;
    esac
    [[ ${res[$tool.rc]} == 0 || $tool == wget || $tool == linkchecker ]] ||
        { log "  $tool failed: $(tail -n 3 "$out/$tool.stderr")"; failures=$((failures + 1)); }
done

# ---- findings ---------------------------------------------------------------------------------

declare -A broken_found
for tool in checker checker-polite; do
    [[ -n ${res[$tool.rc]:-} ]] || continue
    line=$(check_findings "$tool")
    res[$tool.check]=$line
    broken_found[$tool]=$(sed 's/.* broken=\([0-9]*\).*/\1/' <<<"$line")
    [[ $line == *" unprinted=0 no_section=0 "*"wrong_sites=0" ]] || failures=$((failures + 1))
    log "  $tool findings: $line"
done
if [[ -n ${res[linkchecker.rc]:-} ]]; then
    # The CSV has one row per failed URL (after its ";"-separated header and comments).
    broken_found[linkchecker]=$(grep -c ';404 Not Found;' "$out/linkchecker-out/linkchecker.csv" || true)
fi
if [[ -n ${res[wget.rc]:-} ]]; then
    broken_found[wget]=$(cat "$out"/wget-logs/*.log |
        awk '/^Found [0-9]+ broken link/ { s += $2 } END { print s + 0 }')
fi

# ---- the table --------------------------------------------------------------------------------

per_min() { awk -v n="$sites" -v w="$1" 'BEGIN { if (w > 0) printf "%.0f", n / w * 60; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.1f", a / b; else print "-" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
base_rate=$([[ -n ${res[checker.wall]:-} ]] && per_min "${res[checker.wall]}" || echo 0)
base_rss=${res[checker.maxrss]:-0}
{
    echo "| tool | sites/min | checker's ratio | peak RSS MB (one process) | peak RSS MB (all its processes, sampled) | checker's RSS ratio | wall s | CPU s | CPU ms/site | requests | KB sent per site | to documents | 404s | broken links reported | nginx CPU s | others' cores | load before |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for tool in checker checker-polite linkchecker wget; do
        [[ -n ${res[$tool.rc]:-} ]] || continue
        rate=$(per_min "${res[$tool.wall]}")
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "$tool" "$rate" "$(ratio "$base_rate" "$rate")" "$(mb "${res[$tool.maxrss]}")" \
            "$(mb "${res[$tool.treerss]}")" "$(ratio "${res[$tool.maxrss]}" "$base_rss")" \
            "${res[$tool.wall]}" "${res[$tool.cpu]}" \
            "$(awk -v c="${res[$tool.cpu]}" -v n="$sites" 'BEGIN { printf "%.1f", c * 1000 / n }')" \
            "${res[$tool.requests]}" \
            "$(awk -v b="${res[$tool.bytes]}" -v n="$sites" 'BEGIN { printf "%.0f", b / 1024 / n }')" \
            "${res[$tool.docs]}" "${res[$tool.404]}" \
            "${broken_found[$tool]:--}" "${res[$tool.nginx_cpu]}" "${res[$tool.others]}" \
            "${res[$tool.load]}"
    done
    echo
    echo "sites: $(cat "$out/fixture.json"); expected broken links: $expected_broken of $expected_docs documents"
    for tool in checker checker-polite; do
        [[ -n ${res[$tool.check]:-} ]] && echo "$tool findings: ${res[$tool.check]}"
    done
    for tool in linkchecker wget; do
        [[ -n ${res[$tool.rc]:-} ]] && echo "$tool exit status: ${res[$tool.rc]} (non-zero when it found broken links)"
    done
    echo "same for every tool: depth $depth, $conc requests at once, robots.txt honoured, no delay between requests to a host (except checker-polite: the checker's defaults, 250 ms)"
    dirty=$(git -C "$root" status --porcelain -- services common CMakeLists.txt 2>/dev/null | awk '{ print $2 }' | tr '\n' ' ')
    echo "source: $(git -C "$root" rev-parse --short HEAD)${dirty:+ + uncommitted changes in $dirty}"
    head -n 3 "$out/machine.txt"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/summary.md"
if ((perf)) && [[ -f $out/checker.perf ]]; then
    perf report -i "$out/checker.perf" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n 60 >"$out/checker-perf-top.txt" || true
    perf report -i "$out/checker.perf" --children --sort sym --stdio -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n 80 >"$out/checker-perf-inclusive.txt" || true
fi
echo
cat "$out/summary.md"
echo
log "details: $out"
((failures == 0))
