#!/usr/bin/env bash
# Backs up the mentorwatch database: pg_dump in PostgreSQL's custom format (-Fc), checked.
#
# Usage: deploy/backup.sh [FILE]
#   Dumps $DATABASE_URL into FILE, or into $MW_BACKUP_DIR/mentorwatch-<UTC time>.dump, checks
#   that pg_restore can read the dump's table of contents, and prints the dump's path. In
#   MW_BACKUP_DIR only the newest $MW_BACKUP_KEEP dumps are kept.
# Environment:
#   DATABASE_URL    libpq connection string of the database (as the collector's)
#   MW_BACKUP_DIR   where dumps go without FILE (default: the current directory)
#   MW_BACKUP_KEEP  dumps of MW_BACKUP_DIR to keep, 0 keeps all (default 14)
# The dump holds personal data (152-ФЗ): it is written with mode 0600; store it encrypted.
# Restore with deploy/restore.sh; roles (GRANTs of dashboards' read-only users) are not in a
# database's dump: keep `pg_dumpall --roles-only` beside it.
set -euo pipefail

die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

[[ $# -le 1 ]] || die "usage: ${0##*/} [FILE]"
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set"
keep=${MW_BACKUP_KEEP:-14}
[[ "$keep" =~ ^[0-9]+$ ]] || die "MW_BACKUP_KEEP=$keep is not a number"
dir=${MW_BACKUP_DIR:-.}

if [[ $# -eq 1 ]]; then
    file=$1
    rotate=0
else
    mkdir -p -- "$dir"
    file=$dir/mentorwatch-$(date -u +%Y%m%dT%H%M%S.%3NZ).dump
    rotate=1
fi
[[ ! -e "$file" ]] || die "$file exists: not overwriting a backup"

umask 077
partial=$file.partial
trap 'rm -f -- "$partial"' EXIT
# A consistent snapshot (one repeatable-read transaction); the service keeps running.
pg_dump --format=custom --no-password --dbname="$DATABASE_URL" --file="$partial"
pg_restore --list -- "$partial" >/dev/null || die "the dump $partial cannot be read back"
mv -- "$partial" "$file"
trap - EXIT

if ((rotate && keep > 0)); then
    # Names sort by time; the newest $keep stay.
    mapfile -t old < <(find "$dir" -maxdepth 1 -name 'mentorwatch-*.dump' -printf '%f\n' |
        sort -r | tail -n +"$((keep + 1))")
    for name in "${old[@]}"; do
        rm -f -- "${dir:?}/$name"
    done
fi
echo "$file"
