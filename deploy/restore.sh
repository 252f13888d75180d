#!/usr/bin/env bash
# Restores a dump made by deploy/backup.sh into an empty database, all or nothing.
#
# Usage: deploy/restore.sh DUMP TARGET_URL [PG_RESTORE OPTIONS...]
#   TARGET_URL (libpq connection string) names a database that exists and holds nothing of
#   mentorwatch: create it first, e.g. `createdb -O mentorwatch mentorwatch`, and restore as
#   that owner. The restore is one transaction: any error leaves the target empty. Objects are
#   owned by the restoring user (--no-owner); GRANTs are restored, so the roles they name must
#   exist (pg_dumpall --roles-only from the old cluster), or pass --no-privileges.
#   Prints what was restored: schema version, schools, report versions, meeting events.
# Then point DATABASE_URL at the target and start the services (deploy/README.md, "Backup").
set -euo pipefail

die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

[[ $# -ge 2 ]] || die "usage: ${0##*/} DUMP TARGET_URL [PG_RESTORE OPTIONS...]"
dump=$1
target=$2
shift 2
[[ -r "$dump" ]] || die "cannot read $dump"
pg_restore --list -- "$dump" >/dev/null || die "$dump is not a pg_dump custom-format archive"

psql_target() {
    psql --no-psqlrc --no-password --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 \
        --dbname="$target" "$@"
}

existing=$(psql_target --command="SELECT count(*) FROM pg_namespace WHERE nspname = 'mw'
    OR (nspname = 'public' AND to_regclass('public.mw_schema_migrations') IS NOT NULL)")
[[ "$existing" == 0 ]] || die "the target database is not empty (it has mentorwatch's schema)"

pg_restore --no-password --single-transaction --exit-on-error --no-owner \
    --dbname="$target" "$@" -- "$dump"
# The planner's statistics are not in a dump.
psql_target --command="ANALYZE"

psql_target --field-separator=' ' --command="
    SELECT 'schema_version=' || (SELECT max(version) FROM public.mw_schema_migrations),
           'schools=' || (SELECT count(*) FROM mw.school),
           'report_versions=' || (SELECT count(*) FROM mw.report),
           'meeting_events=' || (SELECT count(*) FROM mw.meeting_event)"
