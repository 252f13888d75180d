/* Integration tests of the migration runner (common/migrate.c) against a real PostgreSQL. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db_util.h"
#include "migrate.h"

#define LOCK_KEY "7887893571837256052" /* the runner's advisory lock, see migrate.c */

static char *admin_url;   /* MW_TEST_PG_URL */
static char *db_name;     /* this test's database */
static char *db_url;      /* its conninfo */
static char tmp_dir[256]; /* this test's migrations directory, when it makes one */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_to(const char *url)
{
    char err[1024];
    PGconn *conn = db_connect(url, "test_migrate", err, sizeof(err));
    cr_assert(conn != NULL, "%s", err);
    PQsetNoticeProcessor(conn, quiet, NULL); /* "drop cascades to ..." */
    return conn;
}

static void exec_ok(PGconn *conn, const char *sql)
{
    char err[1024];
    cr_assert(db_exec(conn, sql, 0, NULL, err, sizeof(err)), "%s: %s", sql, err);
}

/* The first column of the first row of sql, as a long. */
static long query_long(PGconn *conn, const char *sql)
{
    char err[1024];
    PGresult *res = db_query(conn, sql, 0, NULL, err, sizeof(err));
    cr_assert(res != NULL, "%s: %s", sql, err);
    cr_assert(PQntuples(res) == 1, "%s: %d rows", sql, PQntuples(res));
    long v = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static void setup(void)
{
    const char *url = getenv("MW_TEST_PG_URL");
    cr_assert(url != NULL && url[0] != '\0',
              "MW_TEST_PG_URL is not set: run the tests through tests/run.sh, or export the "
              "conninfo of a PostgreSQL superuser (e.g. host=127.0.0.1 port=55433 user=postgres "
              "dbname=postgres)");
    admin_url = strdup(url);
    static int counter;
    cr_assert(asprintf(&db_name, "mwt_migrate_%d_%d", (int)getpid(), counter++) > 0);
    PGconn *admin = connect_to(admin_url);
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
    exec_ok(admin, sql);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", db_name);
    exec_ok(admin, sql);
    PQfinish(admin);
    db_url = db_url_with_dbname(admin_url, db_name);
    cr_assert(db_url != NULL);
    tmp_dir[0] = '\0';
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void teardown(void)
{
    if (tmp_dir[0] != '\0')
        rm_tree(tmp_dir);
    if (admin_url != NULL && db_name != NULL) {
        char err[1024];
        PGconn *admin = db_connect(admin_url, "test_migrate", err, sizeof(err));
        if (admin != NULL) {
            char sql[256];
            snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
            PQclear(PQexec(admin, sql));
            PQfinish(admin);
        }
    }
    free(db_url);
    free(db_name);
    free(admin_url);
    db_url = db_name = admin_url = NULL;
}

TestSuite(migrate, .init = setup, .fini = teardown, .timeout = 120);

/* ---- a scratch migrations directory --------------------------------------------------------- */

static const char *make_dir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof(tmp_dir), "%s/mwt-migrations-XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    cr_assert(mkdtemp(tmp_dir) != NULL, "mkdtemp %s", tmp_dir);
    return tmp_dir;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    cr_assert(fwrite(text, 1, strlen(text), f) == strlen(text));
    fclose(f);
}

/* Copies the real migrations with a version <= max_version into a scratch directory. */
static const char *copy_real(int max_version)
{
    const char *dir = make_dir();
    const char *src = mw_migrations_dir();
    DIR *d = opendir(src);
    cr_assert(d != NULL, "cannot open %s", src);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0 || atoi(e->d_name) > max_version)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", src, e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert(f != NULL, "cannot read %s", path);
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        write_file(dir, e->d_name, buf);
    }
    closedir(d);
    return dir;
}

static int count_real_files(int *newest)
{
    DIR *d = opendir(mw_migrations_dir());
    cr_assert(d != NULL, "cannot open %s", mw_migrations_dir());
    int n = 0;
    *newest = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0) {
            n++;
            if (atoi(e->d_name) > *newest)
                *newest = atoi(e->d_name);
        }
    }
    closedir(d);
    return n;
}

/* ---- tests -------------------------------------------------------------------------------- */

Test(migrate, fresh_database_gets_every_file)
{
    int newest, files = count_real_files(&newest);
    cr_assert(files >= 3, "expected the numbered files of %s", mw_migrations_dir());
    PGconn *conn = connect_to(db_url);
    struct mw_migrate_summary sum;
    char err[2048];
    cr_assert(mw_migrate(conn, NULL, &sum, err, sizeof(err)), "%s", err);
    cr_expect_eq(sum.applied, files);
    cr_expect_eq(sum.skipped, 0);
    cr_expect_eq(sum.db_version, newest);
    cr_expect_eq(sum.files_version, newest);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM public.mw_schema_migrations"), files);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM public.mw_schema_migrations "
                                  "WHERE sha256 ~ '^[0-9a-f]{64}$' AND applied_at <= now()"),
                 files);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM pg_proc WHERE proname IN "
                                  "('ingest_report', 'ingest_meeting', 'authenticate') "
                                  "AND pronamespace = 'mw'::regnamespace"),
                 3);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'mw' "
                                  "AND tablename IN ('region', 'district', 'school', 'stage', "
                                  "'api_token', 'report', 'report_slot', 'meeting_event')"),
                 8);
    PQfinish(conn);
}

Test(migrate, second_run_is_a_no_op)
{
    PGconn *conn = connect_to(db_url);
    struct mw_migrate_summary first, second;
    char err[2048];
    cr_assert(mw_migrate(conn, NULL, &first, err, sizeof(err)), "%s", err);
    long applied_at = query_long(conn, "SELECT count(*) FROM public.mw_schema_migrations");
    cr_assert(mw_migrate(conn, NULL, &second, err, sizeof(err)), "second run: %s", err);
    cr_expect_eq(second.applied, 0);
    cr_expect_eq(second.skipped, first.applied);
    cr_expect_eq(second.db_version, first.db_version);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM public.mw_schema_migrations"), applied_at);
    PQfinish(conn);
}

Test(migrate, changed_checksum_is_refused)
{
    const char *dir = copy_real(1000000);
    PGconn *conn = connect_to(db_url);
    char err[2048];
    cr_assert(mw_migrate(conn, dir, NULL, err, sizeof(err)), "%s", err);
    write_file(dir, "0001_core.sql", "-- edited after it was applied\nSELECT 1;\n");
    struct mw_migrate_summary sum;
    cr_assert_not(mw_migrate(conn, dir, &sum, err, sizeof(err)), "a changed file was accepted");
    cr_expect(strstr(err, "0001_core.sql") != NULL, "message names the file: %s", err);
    cr_expect(strstr(err, "changed after it was applied") != NULL, "message says why: %s", err);
    cr_expect_eq(sum.applied, 0);
    PQfinish(conn);
}

Test(migrate, newer_database_is_refused)
{
    PGconn *conn = connect_to(db_url);
    char err[2048];
    cr_assert(mw_migrate(conn, NULL, NULL, err, sizeof(err)), "%s", err);
    /* An older mentorwatch: only the first two files. */
    const char *dir = copy_real(2);
    struct mw_migrate_summary sum;
    cr_assert_not(mw_migrate(conn, dir, &sum, err, sizeof(err)), "an older runner went ahead");
    cr_expect(strstr(err, "database is newer than this mentorwatch") != NULL, "%s", err);
    /* A version from the future recorded by a newer mentorwatch. */
    exec_ok(conn, "INSERT INTO public.mw_schema_migrations (version, name, sha256) VALUES "
                  "(9999, '9999_future.sql', repeat('0', 64))");
    cr_assert_not(mw_migrate(conn, NULL, &sum, err, sizeof(err)));
    cr_expect(strstr(err, "database is newer than this mentorwatch") != NULL, "%s", err);
    cr_expect(strstr(err, "9999") != NULL, "%s", err);
    PQfinish(conn);
}

Test(migrate, a_failing_file_leaves_nothing)
{
    const char *dir = make_dir();
    write_file(dir, "0001_first.sql", "CREATE TABLE public.t_first (x int);\n");
    write_file(dir, "0002_broken.sql",
               "CREATE TABLE public.t_second (x int);\n"
               "INSERT INTO public.t_first VALUES (1);\n"
               "CREATE TABLE public.t_third (y no_such_type);\n");
    write_file(dir, "0003_after.sql", "CREATE TABLE public.t_after (x int);\n");
    PGconn *conn = connect_to(db_url);
    struct mw_migrate_summary sum;
    char err[2048];
    cr_assert_not(mw_migrate(conn, dir, &sum, err, sizeof(err)), "a broken file was applied");
    cr_expect(strstr(err, "0002_broken.sql") != NULL, "message names the file: %s", err);
    cr_expect(strstr(err, "line 3") != NULL, "message names the line: %s", err);
    cr_expect(strstr(err, "no_such_type") != NULL, "message has the server's reason: %s", err);
    cr_expect_eq(sum.applied, 1);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM public.mw_schema_migrations"), 1);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM public.t_first"), 0);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM pg_tables WHERE tablename IN "
                                  "('t_second', 't_third', 't_after')"),
                 0);
    cr_expect_eq(PQtransactionStatus(conn), PQTRANS_IDLE);
    /* Fixed, it goes in with the next one. */
    write_file(dir, "0002_broken.sql", "CREATE TABLE public.t_second (x int);\n");
    cr_assert(mw_migrate(conn, dir, &sum, err, sizeof(err)), "%s", err);
    cr_expect_eq(sum.applied, 2);
    cr_expect_eq(sum.skipped, 1);
    cr_expect_eq(sum.db_version, 3);
    PQfinish(conn);
}

Test(migrate, a_file_that_commits_is_refused)
{
    const char *dir = make_dir();
    write_file(dir, "0001_commits.sql", "CREATE TABLE public.t_x (x int);\nCOMMIT;\n");
    PGconn *conn = connect_to(db_url);
    char err[2048];
    cr_assert_not(mw_migrate(conn, dir, NULL, err, sizeof(err)));
    cr_expect(strstr(err, "COMMIT") != NULL, "%s", err);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM public.mw_schema_migrations"), 0);
    PQfinish(conn);
}

Test(migrate, malformed_names_and_duplicate_versions_are_refused)
{
    const char *dir = make_dir();
    write_file(dir, "0001_ok.sql", "CREATE TABLE public.t_ok (x int);\n");
    write_file(dir, "core.sql", "SELECT 1;\n");
    PGconn *conn = connect_to(db_url);
    char err[2048];
    cr_assert_not(mw_migrate(conn, dir, NULL, err, sizeof(err)));
    cr_expect(strstr(err, "core.sql") != NULL, "%s", err);
    char path[512];
    snprintf(path, sizeof(path), "%s/core.sql", dir);
    unlink(path);
    write_file(dir, "01_again.sql", "SELECT 1;\n");
    cr_assert_not(mw_migrate(conn, dir, NULL, err, sizeof(err)));
    cr_expect(strstr(err, "same version 1") != NULL, "%s", err);
    cr_expect_eq(query_long(conn, "SELECT count(*) FROM pg_tables WHERE tablename = 't_ok'"), 0);
    PQfinish(conn);
}

Test(migrate, environment_overrides_the_directory)
{
    setenv("MW_MIGRATIONS_DIR", "/nonexistent/migrations", 1);
    cr_expect_str_eq(mw_migrations_dir(), "/nonexistent/migrations");
    PGconn *conn = connect_to(db_url);
    char err[2048];
    cr_assert_not(mw_migrate(conn, NULL, NULL, err, sizeof(err)));
    cr_expect(strstr(err, "/nonexistent/migrations") != NULL, "%s", err);
    unsetenv("MW_MIGRATIONS_DIR");
    cr_expect(strstr(mw_migrations_dir(), "/migrations") != NULL);
    PQfinish(conn);
}

struct runner {
    const char *url;
    bool ok;
    bool done;
    char err[2048];
    pthread_mutex_t mu;
};

static void *run_migrate(void *arg)
{
    struct runner *r = arg;
    char err[1024];
    PGconn *conn = db_connect(r->url, "test_migrate", err, sizeof(err));
    bool ok = conn != NULL && mw_migrate(conn, NULL, NULL, r->err, sizeof(r->err));
    PQfinish(conn);
    pthread_mutex_lock(&r->mu);
    r->ok = ok;
    r->done = true;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static bool runner_done(struct runner *r)
{
    pthread_mutex_lock(&r->mu);
    bool done = r->done;
    pthread_mutex_unlock(&r->mu);
    return done;
}

Test(migrate, runners_take_turns_on_the_advisory_lock)
{
    PGconn *holder = connect_to(db_url);
    exec_ok(holder, "SELECT pg_advisory_lock(" LOCK_KEY ")");
    struct runner r = {.url = db_url, .mu = PTHREAD_MUTEX_INITIALIZER};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, run_migrate, &r), 0);
    struct timespec wait = {0, 500 * 1000 * 1000};
    nanosleep(&wait, NULL);
    cr_expect_not(runner_done(&r), "the runner did not wait for the lock");
    cr_expect_eq(query_long(holder, "SELECT count(*) FROM pg_tables WHERE schemaname = 'mw'"), 0);
    exec_ok(holder, "SELECT pg_advisory_unlock(" LOCK_KEY ")");
    pthread_join(th, NULL);
    cr_assert(r.ok, "%s", r.err);
    cr_expect_gt(query_long(holder, "SELECT count(*) FROM pg_tables WHERE schemaname = 'mw'"), 5);
    /* Two at once: both succeed, the files are applied once. */
    exec_ok(holder, "DROP SCHEMA mw CASCADE");
    exec_ok(holder, "DROP SCHEMA kpi CASCADE"); /* the BI views of 0006 */
    exec_ok(holder, "DROP TABLE public.mw_schema_migrations");
    struct runner a = {.url = db_url, .mu = PTHREAD_MUTEX_INITIALIZER};
    struct runner b = {.url = db_url, .mu = PTHREAD_MUTEX_INITIALIZER};
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, run_migrate, &a), 0);
    cr_assert_eq(pthread_create(&tb, NULL, run_migrate, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_expect(a.ok, "%s", a.err);
    cr_expect(b.ok, "%s", b.err);
    int newest, files = count_real_files(&newest);
    cr_expect_eq(query_long(holder, "SELECT count(*) FROM public.mw_schema_migrations"), files);
    PQfinish(holder);
}
