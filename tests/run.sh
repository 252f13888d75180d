#!/usr/bin/env bash
# The test command: installs what is missing, builds twice (normal, ASan+UBSan), runs every
# suite (unit and integration) against a private PostgreSQL, then memcheck over the unit tests.
#
# Usage: tests/run.sh [--quick] [--only REGEX]
#   --quick        normal build only: no ASan build, no valgrind pass
#   --only REGEX   run only the ctest tests matching REGEX (e.g. "unit\." or "test_push")
# Environment: MW_TEST_PG_PORT (default 55432), the private cluster's port; CI=true makes the
# dashboard's browser test (integration.test_dashboard) mandatory: elsewhere it is skipped, and
# noted in the summary, when node or chromium are missing. Its screenshots and downloads go to
# .mentorwatch/test-logs/browser-<build dir>/.
# Ends with one line "N passed, N failed" (Criterion tests over all suites and passes);
# exits non-zero when anything failed, including a build.
set -euo pipefail

usage() {
    sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

quick=0
only=""
while (($# > 0)); do
    case "$1" in
    --quick) quick=1 ;;
    --only)
        (($# >= 2)) || usage
        only=$2
        shift
        ;;
    --only=*) only=${1#--only=} ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
    shift
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
state=$root/.mentorwatch
pg_dir=$state/test-pg
pg_port=${MW_TEST_PG_PORT:-55432}
# The tests hand every program its database explicitly; one from the user's shell must not leak
# into a program that reads it (the checker stores results when DATABASE_URL is set).
unset DATABASE_URL
logs=$state/test-logs
pg_ctl=$root/deploy/pg-local.sh

step() { printf '\n==== %s ==== (%d:%02d)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

# ---- results -------------------------------------------------------------------------------

total_passed=0
total_skipped=0
total_failed=0
summary=()

# record NAME PASSED FAILED [NOTE]
record() {
    summary+=("$(printf '%-46s %5d passed %5d failed%s' "$1" "$2" "$3" "${4:+  ($4)}")")
    total_passed=$((total_passed + $2))
    total_failed=$((total_failed + $3))
}

# Criterion's "Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C" -> "P T-P"
# (a test crashed in its setup counts in both Failing and Crashing: T-P counts it once).
synthesis_counts() {
    sed 's/\x1b\[[0-9;]*m//g' | awk '
        /Synthesis: Tested:/ {
            for (i = 1; i <= NF; i++) {
                if ($i == "Tested:") t = $(i + 1)
                if ($i == "Passing:") { p += $(i + 1); f += t - $(i + 1) }
            }
            n++
        }
        END { if (n) print p, f; else print "none" }'
}

# Per test of a ctest run, from its LastTest.log: NAME STATUS PASSED FAILED SANITIZER_REPORTS
# SKIPPED (STATUS: Passed/Failed/NotRun; counts "-" when the output has no Criterion synthesis;
# SKIPPED counts the "[SKIP] reason" lines a test printed).
parse_ctest_log() {
    sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
        function flush() {
            if (name != "")
                print name, (notrun ? "NotRun" : status), (n ? p : "-"), (n ? f : "-"), san, skip
            name = ""; status = "Failed"; p = f = n = san = notrun = skip = 0
        }
        /^[0-9]+\/[0-9]+ Testing: / { flush(); name = $3 }
        /^Command: "" / { notrun = 1 }  # executable not built: ctest still logs "Test Passed."
        /Synthesis: Tested:/ {
            for (i = 1; i <= NF; i++) {
                if ($i == "Tested:") t = $(i + 1)
                if ($i == "Passing:") { p += $(i + 1); f += t - $(i + 1) }
            }
            n++
        }
        /ERROR: LeakSanitizer:/ { san++ }
        /^\[SKIP\] / { skip++ }
        /^Test Passed\./ { status = "Passed" }
        END { flush() }'
}

# ---- steps ---------------------------------------------------------------------------------

step "dependencies"
bash "$root/deploy/install-deps.sh"

rm -rf "$logs" "$state/test-tmp"
mkdir -p "$logs" "$state/test-tmp"
export TMPDIR=$state/test-tmp
export MW_TEST_OUTPUT_DIR=$logs # what tests keep: the browser test's screenshots and downloads

# build DIR [CMAKE ARGS...]: configure and build; false on failure (what built is kept).
build() {
    local dir=$1
    shift
    local log=$logs/build-${dir//\//_}.log
    step "build $dir $*"
    if cmake -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$log" 2>&1 &&
        cmake --build "$root/$dir" --parallel "$jobs" -- -k >>"$log" 2>&1; then
        echo "built $dir"
        return 0
    fi
    grep -E 'error|Error|undefined reference|CMake Error' "$log" | head -n 60 || true
    echo "---- last lines of $log ----"
    tail -n 25 "$log"
    return 1
}

builds=(build)
build build || record "build: build/" 0 1 "see $logs"
if ((!quick)); then
    builds+=(build-asan)
    build build-asan -DMW_SANITIZE=ON || record "build: build-asan/" 0 1 "see $logs"
fi

step "PostgreSQL on 127.0.0.1:$pg_port"
stop_pg() { "$pg_ctl" stop "$pg_dir" "$pg_port" || true; }
trap stop_pg EXIT
trap 'exit 130' INT TERM
if ! "$pg_ctl" start "$pg_dir" "$pg_port"; then
    echo "could not start PostgreSQL on port $pg_port (another server there? set MW_TEST_PG_PORT)"
    echo "0 passed, 1 failed"
    exit 1
fi
MW_TEST_PG_URL=$("$pg_ctl" url "$pg_dir" "$pg_port")
MW_TEST_PG_CTL="$(printf '%q %q %q' "$pg_ctl" "$pg_dir" "$pg_port")"
export MW_TEST_PG_URL MW_TEST_PG_CTL
# Databases left behind by failed tests of earlier runs.
for db in $(psql "$MW_TEST_PG_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'mwt\_%'"); do
    psql "$MW_TEST_PG_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
done

ctest_args=(--output-on-failure)
[[ -n "$only" ]] && ctest_args+=(-R "$only")

for b in "${builds[@]}"; do
    if [[ ! -f "$root/$b/CTestTestfile.cmake" ]]; then
        continue
    fi
    step "ctest in $b"
    san_env=()
    if [[ "$b" == build-asan ]]; then
        san_env=(ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_string_checks=1
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
    fi
    env "${san_env[@]}" ctest --test-dir "$root/$b" "${ctest_args[@]}" || true
    testlog=$root/$b/Testing/Temporary/LastTest.log
    [[ -f "$testlog" ]] || continue
    cp "$testlog" "$logs/ctest-$b.log"
    while read -r name status passed failed leaks skipped; do
        note=""
        total_skipped=$((total_skipped + skipped))
        ((skipped == 0)) || note="$skipped skipped: see the [SKIP] lines in $logs/ctest-$b.log"
        if [[ "$passed" == "-" ]]; then
            # Not a Criterion run (crashed before its synthesis, or not built): one test.
            if [[ "$status" == Passed ]]; then
                passed=1 failed=0
            elif [[ "$status" == NotRun ]]; then
                passed=0 failed=1 note="not built"
            else
                passed=0 failed=1 note="no Criterion synthesis"
            fi
        elif ((leaks > 0)); then
            # LeakSanitizer reports at a worker's exit, after Criterion counted the test passed.
            moved=$((leaks < passed ? leaks : passed))
            passed=$((passed - moved)) failed=$((failed + moved))
            note="$leaks LeakSanitizer report(s)"
        elif [[ "$status" != Passed && "$failed" -eq 0 ]]; then
            failed=1 note="exit status"
        fi
        record "$b: $name" "$passed" "$failed" "$note"
    done < <(parse_ctest_log "$testlog")
done

# Valgrind over the unit tests of the normal build. Criterion runs each test in a worker
# process it re-executes (fork + exec of the test binary), so --trace-children=yes is what puts
# the test code under memcheck; a worker's errors do not change Criterion's verdict or exit
# status, so each worker writes its own log and any "ERROR SUMMARY: n>0" counts as a failure.
if ((!quick)) && [[ -f "$root/build/CTestTestfile.cmake" ]]; then
    step "valgrind (memcheck) over the unit tests"
    vg_logs=$logs/valgrind
    # Follow the test binary's own workers, not the programs a test may run (sh, python3...).
    vg_skip='/usr/*,/bin/*,/sbin/*,/lib/*,/lib64/*,/opt/*,/snap/*,*/.pyenv/*,*/.local/*,*python*,*/sh,*/bash,*/env'
    mkdir -p "$vg_logs"
    list_args=(-L '^unit$')
    [[ -n "$only" ]] && list_args+=(-R "$only")
    mapfile -t units < <(ctest --test-dir "$root/build" -N "${list_args[@]}" --show-only=json-v1 |
        python3 -c '
import json, sys
for t in json.load(sys.stdin).get("tests", []):
    cmd = t.get("command") or []
    wd = next((p["value"] for p in t.get("properties", []) if p["name"] == "WORKING_DIRECTORY"), "")
    if cmd:
        print("\t".join([t["name"], wd] + cmd))')
    for line in "${units[@]}"; do
        IFS=$'\t' read -r -a fields <<<"$line"
        name=${fields[0]} wd=${fields[1]:-$root/build/tests}
        cmd=("${fields[@]:2}")
        if [[ ! -x "${cmd[0]}" ]]; then
            record "valgrind: $name" 0 1 "not built"
            continue
        fi
        rm -f "$vg_logs/$name".*.log
        out=$logs/valgrind-$name.out
        (cd "$wd" && timeout 1800 valgrind --tool=memcheck \
            --trace-children=yes --trace-children-skip="$vg_skip" \
            --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --track-origins=yes --num-callers=30 \
            --error-exitcode=99 --log-file="$vg_logs/$name.%p.log" \
            "${cmd[@]}") >"$out" 2>&1 && rc=0 || rc=$?
        read -r passed failed < <(synthesis_counts <"$out" | sed 's/^none$/- -/')
        bad=0
        for f in "$vg_logs/$name".*.log; do
            [[ -f "$f" ]] || continue
            if grep -Eq 'ERROR SUMMARY: [1-9]' "$f"; then
                bad=$((bad + 1))
                echo "---- valgrind: $name, $(grep -m1 -o 'Command: .*' "$f") ($f) ----"
                awk '!/^==[0-9]+== (Copyright|Using Valgrind|Memcheck, a memory|$)/ && n++ < 80' "$f"
            fi
        done
        note=""
        if [[ "$passed" == "-" ]]; then
            passed=0 failed=1 note="no Criterion synthesis (exit $rc)"
            tail -n 30 "$out"
        else
            if ((bad > 0)); then
                moved=$((bad < passed ? bad : passed))
                passed=$((passed - moved)) failed=$((failed + moved))
                note="$bad process(es) with memcheck errors"
            fi
            if ((rc != 0 && failed == 0)); then
                failed=1 note="exit $rc"
            fi
            ((failed == 0)) || tail -n 30 "$out"
        fi
        record "valgrind: $name" "$passed" "$failed" "$note"
    done
    ((${#units[@]} > 0)) || echo "no unit tests to run under valgrind"

    # The service itself under memcheck: the collector's end-to-end suite with every collector
    # started through valgrind. The fixture fails a test whose collector does not exit 0, and
    # --error-exitcode makes any memcheck error (leaks at exit included) such an exit.
    if [[ -z "$only" || "integration.test_collector" =~ $only ]] && [[ -x "$root/build/tests/test_collector" ]]; then
        step "valgrind (memcheck) over the collector, with its end-to-end suite"
        rm -f "$vg_logs"/collector.*.log
        out=$logs/valgrind-collector.out
        (cd "$root/build/tests" && MW_TEST_COLLECTOR_WRAPPER="valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30 --log-file=$vg_logs/collector.%p.log" \
            timeout 1800 ./test_collector --jobs 1) >"$out" 2>&1 && rc=0 || rc=$?
        read -r passed failed < <(synthesis_counts <"$out" | sed 's/^none$/0 1/')
        for f in "$vg_logs"/collector.*.log; do
            [[ -f "$f" ]] || continue
            if grep -Eq 'ERROR SUMMARY: [1-9]' "$f"; then
                echo "---- valgrind: collector ($f) ----"
                awk '!/^==[0-9]+== (Copyright|Using Valgrind|Memcheck, a memory|$)/ && n++ < 80' "$f"
            fi
        done
        ((failed == 0 && rc == 0)) || tail -n 40 "$out"
        ((rc == 0 || failed > 0)) || failed=1
        record "valgrind: collector (test_collector)" "$passed" "$failed"
    fi
fi

step "summary"
for line in "${summary[@]}"; do
    echo "$line"
done
if ((total_passed + total_failed + total_skipped == 0)); then
    echo "no test ran"
    total_failed=1
fi
echo "$total_passed passed, $total_failed failed"
((total_failed == 0))
