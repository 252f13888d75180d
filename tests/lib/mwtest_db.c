/* mwtest: throwaway databases on the private cluster, and blocking SQL helpers. */
#include "mwtest.h"
#include "mwtest_internal.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <libpq-fe.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARAMS 32

static const char *admin_url(void)
{
    const char *url = getenv("MW_TEST_PG_URL");
    cr_assert(url != NULL && *url != '\0',
              "MW_TEST_PG_URL is not set: run the tests through tests/run.sh, or export the "
              "conninfo of a PostgreSQL superuser (deploy/pg-local.sh url DIR PORT)");
    return url;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_or_fail(const char *url)
{
    PGconn *conn = PQconnectdb(url);
    cr_assert(conn != NULL, "mwtest: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        char *msg = mwtest_xstrdup(PQerrorMessage(conn));
        PQfinish(conn);
        cr_assert_fail("mwtest: cannot connect to \"%s\": %s", url, msg);
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL); /* "does not exist, skipping" and such */
    return conn;
}

/* Appends key='value' (libpq quoting) to buf. */
static void append_conninfo(struct mwtest_buf *buf, const char *key, const char *value)
{
    if (buf->len > 0)
        mwtest_buf_append(buf, " ", 1);
    mwtest_buf_append(buf, key, strlen(key));
    mwtest_buf_append(buf, "='", 2);
    for (const char *p = value; *p; p++) {
        if (*p == '\'' || *p == '\\')
            mwtest_buf_append(buf, "\\", 1);
        mwtest_buf_append(buf, p, 1);
    }
    mwtest_buf_append(buf, "'", 1);
}

/* url with its dbname replaced (a key=value conninfo; url may also be a URI). */
static char *url_with_dbname(const char *url, const char *dbname)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    cr_assert(opts != NULL, "mwtest: cannot parse conninfo \"%s\": %s", url,
              err ? err : "out of memory");
    struct mwtest_buf buf = {0};
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val != NULL && strcmp(o->keyword, "dbname") != 0)
            append_conninfo(&buf, o->keyword, o->val);
    }
    append_conninfo(&buf, "dbname", dbname);
    PQconninfoFree(opts);
    return mwtest_buf_finish(&buf);
}

static char *dbname_of(const char *url)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    cr_assert(opts != NULL, "mwtest: cannot parse conninfo \"%s\": %s", url,
              err ? err : "out of memory");
    char *name = NULL;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "dbname") == 0 && o->val != NULL)
            name = mwtest_xstrdup(o->val);
    }
    PQconninfoFree(opts);
    cr_assert(name != NULL, "mwtest: conninfo \"%s\" names no database", url);
    return name;
}

static void admin_exec(PGconn *conn, const char *sql, const char *param, bool tolerate_error)
{
    const char *params[1] = {param};
    PGresult *res = PQexecParams(conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !tolerate_error) {
        char *msg = mwtest_xstrdup(PQresultErrorMessage(res));
        PQclear(res);
        cr_assert_fail("mwtest: %s: %s", sql, msg);
    }
    PQclear(res);
}

static char *quoted_identifier(PGconn *conn, const char *name)
{
    char *q = PQescapeIdentifier(conn, name, strlen(name));
    cr_assert(q != NULL, "mwtest: cannot quote %s: %s", name, PQerrorMessage(conn));
    char *copy = mwtest_xstrdup(q);
    PQfreemem(q);
    return copy;
}

static void migrate(const char *url)
{
    char *mwctl = mwtest_binary("services/mwctl/mwctl");
    if (access(mwctl, X_OK) != 0) {
        /* Until mwctl exists the database stays empty; tests of the schema will say so. */
        cr_log_warn("mwtest: %s not built: database left unmigrated", mwctl);
        free(mwctl);
        return;
    }
    free(mwctl);
    char *out = NULL;
    int rc = mwtest_mwctl(url, &out, "migrate", "--database", url);
    cr_assert(rc == 0, "mwtest: `mwctl migrate` failed (exit %d):\n%s", rc, out ? out : "");
    free(out);
}

char *mwtest_db_create_empty(const char *tag)
{
    static unsigned counter;
    char clean[24];
    size_t n = 0;
    for (const char *p = tag ? tag : "db"; *p && n < sizeof clean - 1; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        clean[n++] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '_';
    }
    clean[n] = '\0';
    char *name = mwtest_fmt("mwt_%s_%d_%u", clean, (int)getpid(), counter++);

    PGconn *conn = connect_or_fail(admin_url());
    char *ident = quoted_identifier(conn, name);
    /* A leftover of an earlier run with the same pid would make CREATE fail. */
    char *drop = mwtest_fmt("DROP DATABASE IF EXISTS %s WITH (FORCE)", ident);
    admin_exec(conn, drop, NULL, false);
    char *create = mwtest_fmt("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", ident);
    admin_exec(conn, create, NULL, false);
    free(drop);
    free(create);
    free(ident);
    PQfinish(conn);

    char *url = url_with_dbname(admin_url(), name);
    free(name);
    return url;
}

char *mwtest_db_create(const char *tag)
{
    char *url = mwtest_db_create_empty(tag);
    migrate(url);
    return url;
}

void mwtest_db_drop(char *url)
{
    if (url == NULL)
        return;
    char *name = dbname_of(url);
    PGconn *conn = connect_or_fail(admin_url());
    admin_exec(conn,
               "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE datname = $1 AND pid <> pg_backend_pid()",
               name, false);
    char *ident = quoted_identifier(conn, name);
    char *drop = mwtest_fmt("DROP DATABASE IF EXISTS %s WITH (FORCE)", ident);
    admin_exec(conn, drop, NULL, false);
    free(drop);
    free(ident);
    PQfinish(conn);
    free(name);
    free(url);
}

int mwtest_pg_ctl(const char *verb)
{
    const char *ctl = getenv("MW_TEST_PG_CTL");
    cr_assert(ctl != NULL && *ctl != '\0',
              "MW_TEST_PG_CTL is not set: run the tests through tests/run.sh");
    char *cmd = mwtest_fmt("%s %s", ctl, verb);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    int rc = mwtest_run(argv, NULL, NULL, 0, NULL, NULL);
    free(cmd);
    return rc;
}

/* ---- SQL helpers ------------------------------------------------------------------------- */

/* Runs sql with the NULL-terminated string parameters in ap; the result is the caller's. */
static PGresult *run_query(const char *url, const char *sql, va_list ap)
{
    const char *params[MAX_PARAMS];
    int n = 0;
    const char *p;
    while ((p = va_arg(ap, const char *)) != NULL) {
        cr_assert(n < MAX_PARAMS, "mwtest: more than %d parameters", MAX_PARAMS);
        params[n++] = p;
    }
    PGconn *conn = connect_or_fail(url);
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    PQfinish(conn);
    cr_assert(res != NULL, "mwtest: out of memory");
    return res;
}

static void check_ok(PGresult *res, const char *sql)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return;
    char *msg = mwtest_xstrdup(PQresultErrorMessage(res));
    PQclear(res);
    cr_assert_fail("mwtest: query failed: %s\n%s", sql, msg);
}

long mwtest_sql_exec_(const char *url, const char *sql, ...)
{
    va_list ap;
    va_start(ap, sql);
    PGresult *res = run_query(url, sql, ap);
    va_end(ap);
    check_ok(res, sql);
    long n = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : atol(PQcmdTuples(res));
    PQclear(res);
    return n;
}

char *mwtest_sql_str_(const char *url, const char *sql, ...)
{
    va_list ap;
    va_start(ap, sql);
    PGresult *res = run_query(url, sql, ap);
    va_end(ap);
    check_ok(res, sql);
    char *value = NULL;
    if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
        value = mwtest_xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return value;
}

long mwtest_sql_long_(const char *url, const char *sql, ...)
{
    va_list ap;
    va_start(ap, sql);
    PGresult *res = run_query(url, sql, ap);
    va_end(ap);
    check_ok(res, sql);
    bool have = PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0);
    char *text = have ? mwtest_xstrdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    cr_assert(have, "mwtest: no value from: %s", sql);
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    bool ok = errno == 0 && end != text && *end == '\0';
    cr_assert(ok, "mwtest: \"%s\" is not an integer, from: %s", text, sql);
    free(text);
    return v;
}

char *mwtest_sql_error_(const char *url, const char *sql, ...)
{
    va_list ap;
    va_start(ap, sql);
    PGresult *res = run_query(url, sql, ap);
    va_end(ap);
    ExecStatusType st = PQresultStatus(res);
    char *state = NULL;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        state = mwtest_xstrdup(s ? s : "XX000");
    }
    PQclear(res);
    return state;
}
