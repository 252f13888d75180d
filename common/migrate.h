/* Schema migrations: applies migrations/NNNN_name.sql in order, each in one transaction. */
#ifndef MW_MIGRATE_H
#define MW_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/*
 * The record of applied files is the table public.mw_schema_migrations(version int primary
 * key, name text, applied_at timestamptz, sha256 text: hex of the file's bytes), created by the
 * runner. A file is applied together with its row in one transaction, so a failing file leaves
 * nothing behind; files must not contain BEGIN/COMMIT (the runner refuses a file that ends the
 * transaction, but what it committed stays). Runners serialise on a session advisory lock.
 */

/* File names: <digits>_<name>.sql, e.g. 0002_reports.sql; the digits are the version (>= 1). */

struct mw_migrate_summary {
    int applied;       /* files applied by this run */
    int skipped;       /* files that were applied before */
    int db_version;    /* newest version applied in the database after the run; 0: none */
    int files_version; /* newest version among the files */
};

/* The migrations directory: $MW_MIGRATIONS_DIR if set, else MW_SOURCE_DIR "/migrations". */
const char *mw_migrations_dir(void);

/*
 * Brings the database of conn up to the newest file of dir. Refuses (false, nothing applied)
 * when a file name is malformed or a version repeats, when an applied file was changed or is
 * missing, and when the database is newer than the newest file ("database is newer than this
 * mentorwatch"). On a failing file, the files before it stay applied. err says what and where
 * (file, line). summary may be NULL. conn must be idle (no transaction open).
 */
bool mw_migrate(PGconn *conn, const char *dir, struct mw_migrate_summary *summary, char *err,
                size_t err_len) __attribute__((warn_unused_result));

#endif
