#!/usr/bin/env bash
# Upgrades an installation to a new release in the order that keeps the data safe: back up,
# migrate the schema with the new release's mwctl, switch to the new binaries, restart, wait
# until the collector is ready. A failed step stops the upgrade before the next one: the old
# binaries never see a half-migrated schema and the new ones never start on an old schema.
#
# Usage: deploy/upgrade.sh NEW_PREFIX
#   NEW_PREFIX is where the new release was installed, beside the running one, e.g.
#     cmake -S . -B build -DMW_TESTS=OFF && cmake --build build
#     cmake --install build --prefix /opt/mentorwatch-releases/2025.2
#     deploy/upgrade.sh /opt/mentorwatch-releases/2025.2
# Environment:
#   DATABASE_URL          the database (as the services')
#   MW_CURRENT            symlink to the running release, switched atomically (/opt/mentorwatch)
#   MW_BACKUP_DIR         where the pre-upgrade dump goes (deploy/backup.sh; default .)
#   MW_UPGRADE_NO_BACKUP  1: skip the dump (a test database, a backup taken just before)
#   MW_UPGRADE_RESTART    command that restarts the services
#                         (systemctl restart mentorwatch-collector mentorwatch-checker)
#   MW_UPGRADE_READY_URL  polled until it answers 200, 60 s at most
#                         (http://127.0.0.1:8080/readyz; empty: do not wait)
#   MW_UPGRADE_DB_USER    run as root, the backup and the migration run as this user
#                         (e.g. mentorwatch, for peer authentication); the switch and the
#                         restart need root
# Migrations only add (new tables, columns with defaults, new functions), so the old
# collector keeps serving while they run; a release whose notes say otherwise is upgraded
# with the services stopped first (systemctl stop ...), then this script.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
    echo "${0##*/}: $*" >&2
    exit 1
}
step() { echo "${0##*/}: $*"; }

[[ $# -eq 1 ]] || die "usage: ${0##*/} NEW_PREFIX"
new=$(cd "$1" && pwd) || die "no such directory: $1"
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set"
current=${MW_CURRENT:-/opt/mentorwatch}
restart=${MW_UPGRADE_RESTART:-systemctl restart mentorwatch-collector mentorwatch-checker}
ready_url=${MW_UPGRADE_READY_URL-http://127.0.0.1:8080/readyz}
mwctl=$new/bin/mwctl
migrations=$new/share/mentorwatch/migrations
[[ -x "$mwctl" ]] || die "$mwctl is not executable: is $new a mentorwatch release?"
[[ -d "$migrations" ]] || die "no $migrations"
if [[ -e "$current" && ! -L "$current" ]]; then
    die "$current is not a symlink: move the release into a directory and link it there"
fi

# The database steps, as MW_UPGRADE_DB_USER when given.
as_db_user=(env)
if [[ -n "${MW_UPGRADE_DB_USER:-}" ]]; then
    as_db_user=(runuser -u "$MW_UPGRADE_DB_USER" -- env)
fi
db_env=("DATABASE_URL=$DATABASE_URL" "MW_BACKUP_DIR=${MW_BACKUP_DIR:-.}")

if [[ "${MW_UPGRADE_NO_BACKUP:-0}" != 1 ]]; then
    step "1/4 backup"
    "${as_db_user[@]}" "${db_env[@]}" "$here/backup.sh" >/dev/null
else
    step "1/4 backup skipped (MW_UPGRADE_NO_BACKUP=1)"
fi

step "2/4 migrate with $mwctl"
"${as_db_user[@]}" "${db_env[@]}" "$mwctl" migrate --dir "$migrations" ||
    die "migration failed: the running release is untouched (restore the backup only if the log says the schema is damaged)"

step "3/4 switch $current -> $new"
previous=$(readlink -- "$current" 2>/dev/null || true)
ln -sfn -- "$new" "$current.upgrade"
mv -T -- "$current.upgrade" "$current"

step "4/4 restart: $restart"
if ! bash -c "$restart"; then
    die "restart failed; the previous release was ${previous:-unknown} (ln -sfn it back to $current)"
fi
if [[ -n "$ready_url" ]]; then
    for ((i = 0; i < 60; i++)); do
        if curl --silent --fail --max-time 2 --output /dev/null --noproxy '*' -- "$ready_url"; then
            step "ready: $ready_url"
            exit 0
        fi
        sleep 1
    done
    die "$ready_url is not ready after 60 s; the previous release was ${previous:-unknown}"
fi
step "done"
