/* Self-test of tests/lib: databases, SQL helpers, programs, background servers and HTTP. */
#include "mwtest.h"

#include <criterion/criterion.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(harness, .timeout = 120);

Test(harness, db_create_sql_helpers_and_drop)
{
    char *url = mwtest_db_create("Harness Self-Test!");
    char *name = mwtest_sql_str(url, "SELECT current_database()");
    cr_assert(name != NULL);
    cr_assert(strncmp(name, "mwt_harness_self_test_", 22) == 0, "database %s", name);
    char *mwctl = mwtest_binary("services/mwctl/mwctl");
    if (access(mwctl, X_OK) == 0) /* mwtest_db_create migrated it */
        cr_assert_eq(
            mwtest_sql_long(url, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", "mw"), 1);
    free(mwctl);

    mwtest_sql_exec(url, "CREATE TABLE t (id int PRIMARY KEY, label text)");
    cr_assert_eq(
        mwtest_sql_exec(url, "INSERT INTO t VALUES ($1, $2), ($3, $4)", "1", "один", "2", "два"),
        2);
    cr_assert_eq(mwtest_sql_long(url, "SELECT count(*) FROM t WHERE id >= $1", "1"), 2);
    char *label = mwtest_sql_str(url, "SELECT label FROM t WHERE id = $1", "2");
    cr_assert_str_eq(label, "два");
    free(label);
    cr_assert_null(mwtest_sql_str(url, "SELECT label FROM t WHERE id = 99"));
    cr_assert_eq(mwtest_sql_exec(url, "SELECT * FROM t"), 2);

    char *state = mwtest_sql_error(url, "INSERT INTO t VALUES ($1, 'again')", "1");
    cr_assert_str_eq(state, "23505");
    free(state);
    cr_assert_null(mwtest_sql_error(url, "SELECT 1"));

    const char *admin = getenv("MW_TEST_PG_URL");
    cr_assert_eq(
        mwtest_sql_long(admin, "SELECT count(*) FROM pg_database WHERE datname = $1", name), 1);
    mwtest_db_drop(url);
    cr_assert_eq(
        mwtest_sql_long(admin, "SELECT count(*) FROM pg_database WHERE datname = $1", name), 0);
    free(name);
}

Test(harness, db_create_gives_distinct_databases)
{
    char *a = mwtest_db_create("pair");
    char *b = mwtest_db_create("pair");
    cr_assert_str_neq(a, b);
    mwtest_sql_exec(a, "CREATE TABLE only_in_a (x int)");
    cr_assert_eq(
        mwtest_sql_long(b, "SELECT count(*) FROM pg_tables WHERE tablename = $1", "only_in_a"), 0);
    mwtest_db_drop(a);
    mwtest_db_drop(b);
}

Test(harness, pg_ctl_restart_keeps_committed_data)
{
    char *url = mwtest_db_create("restart");
    mwtest_sql_exec(url, "CREATE TABLE kept (v text)");
    mwtest_sql_exec(url, "INSERT INTO kept VALUES ($1)", "before crash");
    cr_assert_eq(mwtest_pg_ctl("status"), 0);
    cr_assert_eq(mwtest_pg_ctl("crash"), 0);
    cr_assert_neq(mwtest_pg_ctl("status"), 0);
    cr_assert_eq(mwtest_pg_ctl("start"), 0);
    cr_assert_eq(mwtest_pg_ctl("restart"), 0);
    char *v = mwtest_sql_str(url, "SELECT v FROM kept");
    cr_assert_str_eq(v, "before crash");
    free(v);
    mwtest_db_drop(url);
}

Test(harness, run_captures_output_status_and_environment)
{
    const char *argv[] = {"/bin/sh", "-c",
                          "cat; printf '%s|%s' \"$MWT_SET\" \"${HOME-unset}\" >&2; exit 3", NULL};
    const char *env[] = {"MWT_SET=yes", "HOME", NULL};
    char *out = NULL, *err = NULL;
    int rc = mwtest_run(argv, env, "input\n", 6, &out, &err);
    cr_assert_eq(rc, 3);
    cr_assert_str_eq(out, "input\n");
    cr_assert_str_eq(err, "yes|unset");
    free(out);
    free(err);

    const char *killed[] = {"/bin/sh", "-c", "kill -TERM $$", NULL};
    cr_assert_eq(mwtest_run(killed, NULL, NULL, 0, NULL, NULL), 128 + SIGTERM);
    const char *missing[] = {"/nonexistent/mwtest-binary", NULL};
    cr_assert_eq(mwtest_run(missing, NULL, NULL, 0, NULL, NULL), 127);
}

Test(harness, files_and_temp_dir)
{
    char *path = mwtest_temp_file("blob.bin", "a\0b", 3);
    size_t len = 0;
    char *data = mwtest_read_file(path, &len);
    cr_assert_eq(len, 3);
    cr_assert(memcmp(data, "a\0b", 4) == 0);
    cr_assert(strncmp(path, mwtest_temp_dir(), strlen(mwtest_temp_dir())) == 0);
    free(data);
    free(path);
    cr_assert_null(mwtest_read_file("/nonexistent/mwtest", NULL));
    char *script = mwtest_data_path("push/fake_server.py");
    char *text = mwtest_read_file(script, NULL);
    cr_assert_not_null(text, "%s", script);
    free(text);
    free(script);
}

Test(harness, http_against_a_throwaway_server)
{
    const char *dir = mwtest_temp_dir();
    free(mwtest_temp_file("hello.txt", "привет\n", strlen("привет\n")));
    int port = mwtest_free_port();
    char *port_s = mwtest_fmt("%d", port);
    const char *argv[] = {"python3",     "-m", "http.server", "--bind", "127.0.0.1",
                          "--directory", dir,  port_s,        NULL};
    char *base = mwtest_fmt("http://127.0.0.1:%d", port);
    char *health = mwtest_fmt("%s/hello.txt", base);
    struct mwtest_proc *srv = mwtest_proc_start(argv, NULL, health);
    cr_assert_eq(srv->port, 0);
    cr_assert_null(srv->base_url);

    struct mwtest_response r;
    cr_assert_eq(mwtest_http(&r, "GET", health, NULL, NULL, 0, NULL), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "привет\n");
    cr_assert_eq(r.body_len, strlen("привет\n"));
    cr_assert_str_eq(mwtest_header(&r, "content-length"), "13");
    cr_assert_not_null(mwtest_header(&r, "Content-Type"));
    cr_assert_null(mwtest_header(&r, "X-Not-There"));
    mwtest_response_free(&r);

    char *missing = mwtest_fmt("%s/nope", base);
    const char *hdrs[] = {"X-Test: 1", NULL};
    cr_assert_eq(mwtest_http(&r, "GET", missing, "secret-token", NULL, 0, hdrs), 0);
    cr_assert_eq(r.status, 404);
    mwtest_response_free(&r);
    cr_assert_eq(mwtest_http(&r, "POST", missing, NULL, "{}", 2, NULL), 0);
    cr_assert_eq(r.status, 501); /* http.server has no POST */
    mwtest_response_free(&r);

    cr_assert(mwtest_log_wait_for(srv, "\"GET /nope HTTP/1.1\" 404", 5000));
    cr_assert_not(mwtest_log_contains(srv, "never logged"));
    cr_assert_eq(mwtest_proc_wait(srv, 0), -1);
    int status = mwtest_proc_stop(srv, SIGTERM);
    cr_assert_eq(status, 128 + SIGTERM, "status %d", status);
    cr_assert_eq(mwtest_proc_stop(srv, SIGTERM), status);
    mwtest_proc_free(srv);

    /* Nobody listens there any more: no answer, a curl error. */
    cr_assert_neq(mwtest_http(&r, "GET", health, NULL, NULL, 0, NULL), 0);
    cr_assert_eq(r.status, 0);
    mwtest_response_free(&r);
    free(missing);
    free(health);
    free(base);
    free(port_s);
}

Test(harness, proc_that_exits_early_is_reported)
{
    const char *argv[] = {"/bin/sh", "-c", "echo giving up; exit 4", NULL};
    struct mwtest_proc *p = mwtest_proc_spawn(argv, NULL);
    cr_assert_eq(mwtest_proc_wait(p, 5000), 4);
    cr_assert(mwtest_log_contains(p, "giving up"));
    cr_assert_not(mwtest_proc_wait_healthy(p, "http://127.0.0.1:1/", 1000));
    mwtest_proc_free(p);
}
