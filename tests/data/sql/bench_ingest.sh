#!/usr/bin/env bash
# Benchmark of mw.ingest_report with pgbench: a fresh database, migrated, N schools with a
# ~31 KB report each (bench_setup.sql), then pgbench with one document per transaction and with
# ten per transaction (the collector's group commit). Drops the database at the end.
#
# Usage: tests/data/sql/bench_ingest.sh ADMIN_CONNINFO [SECONDS] [CLIENTS] [SCHOOLS]
#   ADMIN_CONNINFO  a superuser's key=value conninfo, e.g. "host=127.0.0.1 port=55433 user=postgres"
#                   (no dbname: the script adds its own)
#   MWCTL           the mwctl binary used to migrate (default build/services/mwctl/mwctl);
#                   without it the migrations are applied with psql.
set -euo pipefail
admin=${1:?usage: bench_ingest.sh ADMIN_CONNINFO [SECONDS] [CLIENTS] [SCHOOLS]}
secs=${2:-60}
clients=${3:-4}
schools=${4:-2000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
db=mwbench_$$
mwctl=${MWCTL:-$root/build/services/mwctl/mwctl}

psql "$admin dbname=postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
trap 'psql "$admin dbname=postgres" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
if [[ -x "$mwctl" ]]; then
    "$mwctl" --database "$admin dbname=$db" migrate
else
    for f in "$root"/migrations/[0-9]*.sql; do
        psql "$admin dbname=$db" -qX -1 -v ON_ERROR_STOP=1 -f "$f"
    done
fi
psql "$admin dbname=$db" -qX -v schools="$schools" -f "$here/bench_setup.sql"
threads=$((clients < 2 ? 1 : 2))
for script in bench_ingest.pgbench bench_ingest_group10.pgbench; do
    docs=1
    [[ $script == *group10* ]] && docs=10
    echo "== $script: $clients clients, ${secs}s, $docs document(s) per transaction"
    out=$(pgbench "$admin dbname=$db" -n -M prepared -c "$clients" -j "$threads" -T "$secs" \
        -D schools="$schools" -f "$here/$script" 2>&1)
    echo "$out" | grep -E 'processed|failed|latency average|^tps'
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    awk -v t="$tps" -v d="$docs" 'BEGIN { printf "documents/s = %.0f\n", t * d }'
done
psql "$admin dbname=$db" -qXAt -c "SELECT 'stored: ' || count(*) || ' reports, ' || \
    pg_size_pretty(pg_database_size(current_database())) FROM mw.report"
