/* Schema migrations runner: lists, checksums and applies the migration files under a lock. */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "db_util.h"
#include "log.h"

#ifndef MW_SOURCE_DIR
#define MW_SOURCE_DIR "."
#endif

/* pg_advisory_lock key of the runner: "mwmigrat" in ASCII. */
#define MIGRATE_LOCK_KEY       "7887893571837256052"
#define MIGRATE_MAX_FILES      10000
#define MIGRATE_MAX_FILE_BYTES (64L * 1024 * 1024)

struct migration {
    int version;
    char *name; /* file name, e.g. "0002_reports.sql" */
    char *path;
    char sha256[65]; /* hex of the file's bytes */
    char *sql;       /* the file's text, NUL-terminated */
    size_t sql_len;
};

struct applied {
    int version;
    char *name;
    char *sha256;
};

const char *mw_migrations_dir(void)
{
    const char *env = getenv("MW_MIGRATIONS_DIR");
    if (env != NULL && env[0] != '\0')
        return env;
    return MW_SOURCE_DIR "/migrations";
}

static void free_migrations(struct migration *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].name);
        free(m[i].path);
        free(m[i].sql);
    }
    free(m);
}

static void free_applied(struct applied *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].name);
        free(a[i].sha256);
    }
    free(a);
}

/* "<digits>_<name>.sql" -> version; -1 when the name does not have that shape. */
static int parse_file_name(const char *name)
{
    size_t len = strlen(name);
    if (len < 7 || strcmp(name + len - 4, ".sql") != 0)
        return -1;
    size_t i = 0;
    long version = 0;
    while (name[i] >= '0' && name[i] <= '9') {
        version = version * 10 + (name[i] - '0');
        if (version > 1000000)
            return -1;
        i++;
    }
    if (i == 0 || name[i] != '_' || i + 1 >= len - 4)
        return -1;
    for (size_t j = i + 1; j < len - 4; j++) {
        char c = name[j];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return -1;
    }
    return version >= 1 ? (int)version : -1;
}

static int compare_migrations(const void *a, const void *b)
{
    const struct migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

static bool sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return false;
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    return true;
}

static char *read_whole_file(const char *path, size_t *len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used + 4096 + 1 > cap) {
            cap = cap == 0 ? 16384 : cap * 2;
            char *nbuf = realloc(buf, cap);
            if (nbuf == NULL) {
                snprintf(err, err_len, "%s: out of memory", path);
                goto fail;
            }
            buf = nbuf;
        }
        size_t n = fread(buf + used, 1, cap - used - 1, f);
        used += n;
        if (used > (size_t)MIGRATE_MAX_FILE_BYTES) {
            snprintf(err, err_len, "%s: larger than %ld bytes", path, MIGRATE_MAX_FILE_BYTES);
            goto fail;
        }
        if (n == 0) {
            if (ferror(f)) {
                snprintf(err, err_len, "%s: read error", path);
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    buf[used] = '\0';
    if (strlen(buf) != used) {
        snprintf(err, err_len, "%s: contains a NUL byte", path);
        free(buf);
        return NULL;
    }
    *len = used;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

/* Reads every migration file of dir, sorted by version. */
static bool load_files(const char *dir, struct migration **out, size_t *count, char *err,
                       size_t err_len)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, err_len, "migrations directory %s: %s", dir, strerror(errno));
        return false;
    }
    struct migration *m = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue; /* README, editor files: not migrations */
        int version = parse_file_name(e->d_name);
        if (version < 0) {
            snprintf(err, err_len,
                     "%s/%s: a migration's name must be <number>_<name>.sql, e.g. 0004_views.sql",
                     dir, e->d_name);
            ok = false;
            break;
        }
        if (n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            struct migration *nm = cap <= MIGRATE_MAX_FILES ? realloc(m, cap * sizeof(*m)) : NULL;
            if (nm == NULL) {
                snprintf(err, err_len, "%s: too many files or out of memory", dir);
                ok = false;
                break;
            }
            m = nm;
        }
        struct migration *cur = &m[n];
        memset(cur, 0, sizeof(*cur));
        n++;
        cur->version = version;
        cur->name = strdup(e->d_name);
        if (cur->name == NULL || asprintf(&cur->path, "%s/%s", dir, e->d_name) < 0) {
            cur->path = NULL;
            snprintf(err, err_len, "out of memory");
            ok = false;
            break;
        }
        cur->sql = read_whole_file(cur->path, &cur->sql_len, err, err_len);
        if (cur->sql == NULL) {
            ok = false;
            break;
        }
        if (!sha256_hex(cur->sql, cur->sql_len, cur->sha256)) {
            snprintf(err, err_len, "%s: cannot compute SHA-256", cur->path);
            ok = false;
        }
    }
    closedir(d);
    if (ok && n > 0) {
        qsort(m, n, sizeof(*m), compare_migrations);
        for (size_t i = 1; i < n; i++) {
            if (m[i].version == m[i - 1].version) {
                snprintf(err, err_len, "%s and %s have the same version %d", m[i - 1].path,
                         m[i].path, m[i].version);
                ok = false;
                break;
            }
        }
    }
    if (ok && n == 0) {
        snprintf(err, err_len, "migrations directory %s has no <number>_<name>.sql file", dir);
        ok = false;
    }
    if (!ok) {
        free_migrations(m, n);
        return false;
    }
    *out = m;
    *count = n;
    return true;
}

static bool load_applied(PGconn *conn, struct applied **out, size_t *count, char *err,
                         size_t err_len)
{
    char dberr[1024];
    PGresult *res = db_query(conn,
                             "SELECT version, name, sha256 FROM public.mw_schema_migrations "
                             "ORDER BY version",
                             0, NULL, dberr, sizeof(dberr));
    if (res == NULL) {
        snprintf(err, err_len, "reading public.mw_schema_migrations: %s", dberr);
        return false;
    }
    int rows = PQntuples(res);
    struct applied *a = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*a));
    if (a == NULL) {
        PQclear(res);
        snprintf(err, err_len, "out of memory");
        return false;
    }
    for (int i = 0; i < rows; i++) {
        a[i].version = atoi(PQgetvalue(res, i, 0));
        a[i].name = strdup(PQgetvalue(res, i, 1));
        a[i].sha256 = strdup(PQgetvalue(res, i, 2));
        if (a[i].name == NULL || a[i].sha256 == NULL) {
            free_applied(a, (size_t)rows);
            PQclear(res);
            snprintf(err, err_len, "out of memory");
            return false;
        }
    }
    PQclear(res);
    *out = a;
    *count = (size_t)rows;
    return true;
}

static const struct migration *find_file(const struct migration *m, size_t n, int version)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].version == version)
            return &m[i];
    }
    return NULL;
}

static bool is_applied(const struct applied *a, size_t n, int version)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].version == version)
            return true;
    }
    return false;
}

/* 1-based line of a 1-based character position in sql (the server counts characters). */
static int line_of_position(const char *sql, long position)
{
    int line = 1;
    long chars = 0;
    for (const unsigned char *p = (const unsigned char *)sql; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars >= position)
            break;
        if (*p == '\n')
            line++;
    }
    return line;
}

/* Applies one file and records it, in one transaction. */
static bool apply_one(PGconn *conn, const struct migration *m, char *err, size_t err_len)
{
    char dberr[2048];
    if (!db_exec(conn, "BEGIN", 0, NULL, dberr, sizeof(dberr))) {
        snprintf(err, err_len, "%s: BEGIN failed: %s", m->name, dberr);
        return false;
    }
    PGresult *res = PQexec(conn, m->sql);
    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        db_format_error(conn, res, dberr, sizeof(dberr));
        const char *pos = res != NULL ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
        if (pos != NULL)
            snprintf(err, err_len, "%s: line %d: %s", m->path, line_of_position(m->sql, atol(pos)),
                     dberr);
        else
            snprintf(err, err_len, "%s: %s", m->path, dberr);
        PQclear(res);
        PQclear(PQexec(conn, "ROLLBACK"));
        return false;
    }
    PQclear(res);
    if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
        snprintf(err, err_len,
                 "%s: the file ended the runner's transaction (does it contain COMMIT or "
                 "ROLLBACK?); what it committed stays, and it is not recorded as applied",
                 m->path);
        PQclear(PQexec(conn, "ROLLBACK"));
        return false;
    }
    char version[16];
    snprintf(version, sizeof(version), "%d", m->version);
    const char *params[] = {version, m->name, m->sha256};
    if (!db_exec(conn,
                 "INSERT INTO public.mw_schema_migrations (version, name, applied_at, sha256) "
                 "VALUES ($1, $2, clock_timestamp(), $3)",
                 3, params, dberr, sizeof(dberr)) ||
        !db_exec(conn, "COMMIT", 0, NULL, dberr, sizeof(dberr))) {
        snprintf(err, err_len, "%s: recording it failed: %s", m->name, dberr);
        PQclear(PQexec(conn, "ROLLBACK"));
        return false;
    }
    return true;
}

/* Everything after the lock is taken: checks, then applies. */
static bool migrate_locked(PGconn *conn, const char *dir, struct mw_migrate_summary *sum, char *err,
                           size_t err_len)
{
    char dberr[1024];
    if (!db_exec(conn,
                 "CREATE TABLE IF NOT EXISTS public.mw_schema_migrations ("
                 " version int PRIMARY KEY CHECK (version >= 1),"
                 " name text NOT NULL,"
                 " applied_at timestamptz NOT NULL DEFAULT now(),"
                 " sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'))",
                 0, NULL, dberr, sizeof(dberr))) {
        snprintf(err, err_len, "creating public.mw_schema_migrations: %s", dberr);
        return false;
    }

    struct migration *files = NULL;
    size_t nfiles = 0;
    if (!load_files(dir, &files, &nfiles, err, err_len))
        return false;
    struct applied *done = NULL;
    size_t ndone = 0;
    if (!load_applied(conn, &done, &ndone, err, err_len)) {
        free_migrations(files, nfiles);
        return false;
    }

    bool ok = true;
    sum->files_version = files[nfiles - 1].version;
    sum->db_version = ndone > 0 ? done[ndone - 1].version : 0;
    if (sum->db_version > sum->files_version) {
        snprintf(err, err_len,
                 "database is newer than this mentorwatch: it has migration %d (%s) applied, "
                 "the newest here is %d (%s in %s); use a newer mentorwatch",
                 sum->db_version, done[ndone - 1].name, sum->files_version, files[nfiles - 1].name,
                 dir);
        ok = false;
    }
    for (size_t i = 0; ok && i < ndone; i++) {
        const struct migration *f = find_file(files, nfiles, done[i].version);
        if (f == NULL) {
            snprintf(err, err_len,
                     "migration %d (%s) is applied in the database but missing from %s",
                     done[i].version, done[i].name, dir);
            ok = false;
        } else if (strcmp(f->sha256, done[i].sha256) != 0) {
            snprintf(err, err_len,
                     "%s was changed after it was applied (sha256 applied %.12s..., file "
                     "%.12s...): an applied migration must never change; restore it and put the "
                     "change in a new migration",
                     f->path, done[i].sha256, f->sha256);
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < nfiles; i++) {
        if (is_applied(done, ndone, files[i].version)) {
            sum->skipped++;
            continue;
        }
        if (!apply_one(conn, &files[i], err, err_len)) {
            ok = false;
            break;
        }
        sum->applied++;
        if (files[i].version > sum->db_version)
            sum->db_version = files[i].version;
        log_info("migration_applied", "version=%d file=%s sha256=%.12s", files[i].version,
                 files[i].name, files[i].sha256);
    }
    free_applied(done, ndone);
    free_migrations(files, nfiles);
    return ok;
}

bool mw_migrate(PGconn *conn, const char *dir, struct mw_migrate_summary *summary, char *err,
                size_t err_len)
{
    struct mw_migrate_summary local = {0};
    struct mw_migrate_summary *sum = summary != NULL ? summary : &local;
    memset(sum, 0, sizeof(*sum));
    if (dir == NULL)
        dir = mw_migrations_dir();
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        snprintf(err, err_len, "the connection is not idle (a transaction is open)");
        return false;
    }

    char dberr[1024];
    if (!db_exec(conn, "SET client_min_messages = warning", 0, NULL, dberr, sizeof(dberr))) {
        snprintf(err, err_len, "%s", dberr);
        return false;
    }
    PGresult *res = db_query(conn, "SELECT pg_try_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL,
                             dberr, sizeof(dberr));
    if (res == NULL) {
        snprintf(err, err_len, "taking the migration lock: %s", dberr);
        return false;
    }
    bool got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!got) {
        log_info("migration_waiting", "reason=\"another runner holds the migration lock\"");
        if (!db_exec(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, dberr,
                     sizeof(dberr))) {
            snprintf(err, err_len, "waiting for the migration lock: %s", dberr);
            return false;
        }
    }

    bool ok = migrate_locked(conn, dir, sum, err, err_len);

    if (!db_exec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL, dberr,
                 sizeof(dberr)) &&
        ok) {
        snprintf(err, err_len, "releasing the migration lock: %s", dberr);
        ok = false;
    }
    return ok;
}
