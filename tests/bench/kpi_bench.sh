#!/usr/bin/env bash
# The KPI endpoints at national scale: a database of 40,000 schools in 85 regions and 2,000
# districts with 5 years x 3 stages of reports (kpi_generate.sql), then every KPI endpoint at
# region and district level and a school's page under wrk, against the real collector.
#
# Usage: tests/bench/kpi_bench.sh ADMIN_CONNINFO [SECONDS]
#   ADMIN_CONNINFO  a superuser's key=value conninfo without dbname,
#                   e.g. "host=127.0.0.1 port=55520 user=postgres"
#   SECONDS         wrk's duration per endpoint (default 10)
# Environment:
#   MW_BENCH_DB       database name (default mwbench_kpi); kept afterwards for reruns
#   MW_BENCH_REUSE=1  reuse that database when it exists (skip the generation)
#   MW_BENCH_SCHOOLS, MW_BENCH_DISTRICTS, MW_BENCH_REGIONS, MW_BENCH_YEARS: the scale
#   MW_BENCH_PORT     the collector's port (default 18551)
#   MW_BENCH_CONNECTIONS  wrk connections (default 2, one per core; wrk threads: 2)
#   MW_BENCH_RANDOM_PAGE_COST  the database's random_page_cost (default 1.1: SSD, data
#                     cached; PostgreSQL's default of 4 makes the planner scan whole tables
#                     where a region needs a few hundred index probes)
set -euo pipefail
admin=${1:?usage: kpi_bench.sh ADMIN_CONNINFO [SECONDS]}
secs=${2:-10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
db=${MW_BENCH_DB:-mwbench_kpi}
schools=${MW_BENCH_SCHOOLS:-40000}
districts=${MW_BENCH_DISTRICTS:-2000}
regions=${MW_BENCH_REGIONS:-85}
years=${MW_BENCH_YEARS:-5}
port=${MW_BENCH_PORT:-18551}
conns=${MW_BENCH_CONNECTIONS:-2}
mwctl=${MWCTL:-$root/build/services/mwctl/mwctl}
collector=${COLLECTOR:-$root/build/services/collector/collector}
url="$admin dbname=$db"
psql_db() { psql "$url" -qXAt -v ON_ERROR_STOP=1 "$@"; }

exists=$(psql "$admin dbname=postgres" -qXAt -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")
if [[ "$exists" == 1 && "${MW_BENCH_REUSE:-0}" == 1 ]]; then
    echo "kpi_bench: reusing database $db"
else
    psql "$admin dbname=postgres" -qX -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    "$mwctl" --database "$url" migrate >/dev/null
    start=$SECONDS
    psql_db -v regions="$regions" -v districts="$districts" -v schools="$schools" \
        -v first_year=2020 -v years="$years" -v seed=0.42 -f "$here/kpi_generate.sql"
    echo "kpi_bench: tables filled in $((SECONDS - start)) s"
    # The summaries, with the function the ingest's trigger calls, in two parallel sessions.
    max_id=$(psql_db -c "SELECT max(id) FROM mw.report")
    chunk=20000
    summarise() { # every other chunk, starting at chunk $1
        local lo
        for ((lo = 1 + $1 * chunk; lo <= max_id; lo += 2 * chunk)); do
            psql_db -c "SET synchronous_commit = off" -c "INSERT INTO mw.kpi_report
                SELECT * FROM mw.kpi_report_compute(ARRAY(SELECT generate_series($lo, $((lo + chunk - 1)))::bigint))"
        done
    }
    summarise 0 &
    summarise 1
    wait
    echo "kpi_bench: summaries in $((SECONDS - start)) s"
    # The district sums (0008), from the schools' current summaries, as the migration does.
    psql_db -c "SELECT mw.kpi_rollup_rebuild(NULL)"
    echo "kpi_bench: district sums in $((SECONDS - start)) s"
    psql_db -c "VACUUM ANALYZE"
    echo "kpi_bench: generated in $((SECONDS - start)) s"
fi

psql_db -c "SELECT 'kpi_bench: ' || (SELECT count(*) FROM mw.school) || ' schools, ' ||
    (SELECT count(*) FROM mw.district) || ' districts, ' || (SELECT count(*) FROM mw.region) ||
    ' regions, ' || (SELECT count(*) FROM mw.report) || ' reports, ' ||
    (SELECT count(*) FROM mw.report_participant) || ' participants, ' ||
    (SELECT count(*) FROM mw.report_pair) || ' pairs, ' ||
    (SELECT count(*) FROM mw.report_roadmap_item) || ' roadmap items; database ' ||
    pg_size_pretty(pg_database_size(current_database()))"

# Who is measured: the largest and a median region and district, and one school of the
# median district. Tokens are known strings (their SHA-256 stored), for this database only.
read -r big_region mid_region < <(psql_db -F ' ' -c "
    WITH r AS (SELECT d.region_id, count(*) n FROM mw.school s JOIN mw.district d
               ON d.id = s.district_id GROUP BY 1)
    SELECT (SELECT region_id FROM r ORDER BY n DESC LIMIT 1),
           (SELECT region_id FROM r ORDER BY n OFFSET (SELECT count(*) / 2 FROM r) LIMIT 1)")
read -r big_district mid_district < <(psql_db -F ' ' -c "
    WITH d AS (SELECT district_id, count(*) n FROM mw.school GROUP BY 1)
    SELECT (SELECT district_id FROM d ORDER BY n DESC LIMIT 1),
           (SELECT district_id FROM d ORDER BY n OFFSET (SELECT count(*) / 2 FROM d) LIMIT 1)")
school=$(psql_db -c "SELECT code FROM mw.school WHERE district_id = $mid_district ORDER BY id LIMIT 1")
school_id=$(psql_db -c "SELECT id FROM mw.school WHERE code = '$school'")
psql_db -c "DELETE FROM mw.api_token WHERE label = 'kpi_bench'" -c "
    INSERT INTO mw.api_token (token_hash, role, region_id, district_id, school_id, label) VALUES
    (sha256('kpi-bench-region-big'), 'region', $big_region, NULL, NULL, 'kpi_bench'),
    (sha256('kpi-bench-region-mid'), 'region', $mid_region, NULL, NULL, 'kpi_bench'),
    (sha256('kpi-bench-district-big'), 'district', NULL, $big_district, NULL, 'kpi_bench'),
    (sha256('kpi-bench-district-mid'), 'district', NULL, $mid_district, NULL, 'kpi_bench'),
    (sha256('kpi-bench-school'), 'school', NULL, NULL, $school_id, 'kpi_bench')"
echo "kpi_bench: big region $(psql_db -c "SELECT count(*) FROM mw.school s JOIN mw.district d ON d.id = s.district_id WHERE d.region_id = $big_region") schools, median region $(psql_db -c "SELECT count(*) FROM mw.school s JOIN mw.district d ON d.id = s.district_id WHERE d.region_id = $mid_region") schools, big district $(psql_db -c "SELECT count(*) FROM mw.school WHERE district_id = $big_district") schools, median district $(psql_db -c "SELECT count(*) FROM mw.school WHERE district_id = $mid_district") schools"

psql_db -c "ALTER DATABASE $db SET random_page_cost = ${MW_BENCH_RANDOM_PAGE_COST:-1.1}"
log=$(mktemp)
DATABASE_URL="$url" MW_LISTEN="127.0.0.1:$port" MW_LOG_LEVEL=warn "$collector" >"$log" 2>&1 &
collector_pid=$!
trap 'kill $collector_pid 2>/dev/null; wait $collector_pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.2
done

year=$((2020 + years - 1))-$((2020 + years))
period="year=$year&stage=final"
base="http://127.0.0.1:$port/api/v1/kpi"
run() { # NAME TOKEN PATH
    local out
    out=$(MW_BENCH_TOKEN="$2" wrk -t2 -c"$conns" -d"${secs}s" -s "$here/kpi_wrk.lua" "$base/$3" |
        grep '^RESULT' || echo "RESULT failed")
    printf '%-34s %s\n' "$1" "${out#RESULT }"
}
echo "kpi_bench: wrk -t2 -c$conns -d${secs}s, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for who in big mid; do
    t=kpi-bench-region-$who
    run "region($who) summary" "$t" "summary?$period"
    run "region($who) districts" "$t" "districts?$period"
    run "region($who) schools" "$t" "schools?$period"
    run "region($who) series" "$t" "series"
    run "region($who) overdue" "$t" "overdue?$period"
    run "region($who) consent" "$t" "consent?$period"
done
for who in big mid; do
    t=kpi-bench-district-$who
    run "district($who) summary" "$t" "summary?$period"
    run "district($who) schools" "$t" "schools?$period"
    run "district($who) series" "$t" "series"
    run "district($who) overdue" "$t" "overdue?$period"
    run "district($who) consent" "$t" "consent?$period"
done
run "school page: summary" kpi-bench-school "summary?$period"
run "school page: series" kpi-bench-school "series"
run "school page: overdue" kpi-bench-school "overdue?$period"
run "district(big) schools.csv" kpi-bench-district-big "schools.csv?$period"
run "district(big) schools.xlsx" kpi-bench-district-big "schools.xlsx?$period"
echo "kpi_bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
