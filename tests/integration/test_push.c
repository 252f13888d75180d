/* `mwctl push` against a scripted fake collector: retries, Idempotency-Key, exit codes. */
#include "mwtest.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORT "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"stage\": \"final\"}\n"
#define TOKEN  "mw_test-token-AbC123"

TestSuite(push, .timeout = 120);

/* A fake collector (tests/data/push/fake_server.py) following a script of answers. */
struct fake {
    struct mwtest_proc *proc;
    char *url;    /* base URL */
    char *record; /* one JSON line per attempt */
};

/* One attempt as the fake server saw it. */
struct seen {
    double t;
    char path[64], key[128], auth[128], type[64];
    long len;
};

static struct fake fake_start(const char *script)
{
    static int n;
    struct fake f;
    char *server = mwtest_data_path("push/fake_server.py");
    char *name = mwtest_fmt("attempts-%d.jsonl", n++);
    f.record = mwtest_temp_file(name, "", 0);
    int port = mwtest_free_port();
    char *port_s = mwtest_fmt("%d", port);
    f.url = mwtest_fmt("http://127.0.0.1:%d", port);
    char *health = mwtest_fmt("%s/healthz", f.url);
    const char *argv[] = {"python3", server, port_s, f.record, script, NULL};
    f.proc = mwtest_proc_start(argv, NULL, health);
    free(health);
    free(port_s);
    free(name);
    free(server);
    return f;
}

static void fake_stop(struct fake *f)
{
    mwtest_proc_free(f->proc);
    free(f->url);
    free(f->record);
}

static void copy_string(char *dst, size_t size, const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    snprintf(dst, size, "%s", cJSON_IsString(item) ? item->valuestring : "");
}

/* The attempts recorded so far (at most max); returns how many. */
static int attempts(const struct fake *f, struct seen *out, int max)
{
    char *text = mwtest_read_file(f->record, NULL);
    cr_assert_not_null(text, "cannot read %s", f->record);
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *doc = cJSON_Parse(line);
        cr_assert_not_null(doc, "bad record line: %s", line);
        struct seen *s = &out[n++];
        s->t = cJSON_GetObjectItemCaseSensitive(doc, "t")->valuedouble;
        s->len = (long)cJSON_GetObjectItemCaseSensitive(doc, "len")->valuedouble;
        copy_string(s->path, sizeof s->path, doc, "path");
        copy_string(s->key, sizeof s->key, doc, "key");
        copy_string(s->auth, sizeof s->auth, doc, "auth");
        copy_string(s->type, sizeof s->type, doc, "type");
        cJSON_Delete(doc);
    }
    free(text);
    return n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs `mwctl push ARGS...` with MW_TOKEN=TOKEN, no MW_URL, no proxy, then the entries of
 * extra_env (may be NULL), input on stdin (may be NULL); captures stdout and stderr. */
static int run_push(const char *const *args, const char *const *extra_env, const char *input,
                    char **out, char **err)
{
    const char *argv[24];
    char *mwctl = mwtest_binary("services/mwctl/mwctl");
    int n = 0;
    argv[n++] = mwctl;
    argv[n++] = "push";
    for (int i = 0; args[i] != NULL; i++) {
        cr_assert(n < 23);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    const char *env[16] = {"MW_TOKEN=" TOKEN, "MW_URL",    "http_proxy", "https_proxy",
                           "HTTPS_PROXY",     "all_proxy", "ALL_PROXY"};
    int e = 7;
    for (int i = 0; extra_env != NULL && extra_env[i] != NULL; i++) {
        cr_assert(e < 15);
        env[e++] = extra_env[i];
    }
    env[e] = NULL;
    int rc = mwtest_run(argv, env, input, input ? strlen(input) : 0, out, err);
    free(mwctl);
    return rc;
}

static char *report_file(void)
{
    return mwtest_temp_file("report.json", REPORT, strlen(REPORT));
}

static bool is_hex_key(const char *key)
{
    if (strlen(key) != 32)
        return false;
    for (const char *p = key; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    return true;
}

Test(push, retries_drops_and_503_with_one_key_until_accepted)
{
    struct fake f = fake_start("drop,drop,503:1,201");
    char *file = report_file();
    const char *args[] = {"--url", f.url, "--max-time", "30", file, NULL};
    char *out, *err;
    double start = now_s();
    int rc = run_push(args, NULL, NULL, &out, &err);
    double took = now_s() - start;
    cr_assert_eq(rc, 0, "exit %d\nstdout: %s\nstderr: %s", rc, out, err);
    cr_assert(strstr(out, "accepted report id=44 version=3 replayed=no on_time=yes") != NULL,
              "stdout: %s", out);

    struct seen s[8];
    cr_assert_eq(attempts(&f, s, 8), 4);
    cr_assert(is_hex_key(s[0].key), "key \"%s\"", s[0].key);
    for (int i = 0; i < 4; i++) {
        cr_assert_str_eq(s[i].key, s[0].key, "attempt %d changed the key", i + 1);
        cr_assert_str_eq(s[i].path, "/api/v1/reports");
        cr_assert_str_eq(s[i].auth, "Bearer " TOKEN);
        cr_assert_str_eq(s[i].type, "application/json");
        cr_assert_eq(s[i].len, (long)strlen(REPORT));
    }
    /* Backoff 0.5 s then 1 s, each jittered down to at most half; then Retry-After: 1. */
    cr_assert_geq(s[1].t - s[0].t, 0.24, "gap %.3f", s[1].t - s[0].t);
    cr_assert_geq(s[2].t - s[1].t, 0.49, "gap %.3f", s[2].t - s[1].t);
    cr_assert_geq(s[3].t - s[2].t, 0.99, "Retry-After not honoured: %.3f", s[3].t - s[2].t);
    cr_assert_lt(took, 10.0);
    cr_assert(strstr(err, "retrying") != NULL, "stderr: %s", err);
    cr_assert(strstr(out, TOKEN) == NULL && strstr(err, TOKEN) == NULL, "token printed");
    free(out);
    free(err);
    free(file);
    fake_stop(&f);
}

Test(push, retry_after_on_429_is_honoured)
{
    struct fake f = fake_start("429:2,201");
    char *file = report_file();
    const char *args[] = {"--url", f.url, file, NULL};
    char *out, *err;
    int rc = run_push(args, NULL, NULL, &out, &err);
    cr_assert_eq(rc, 0, "exit %d\nstderr: %s", rc, err);
    struct seen s[4];
    cr_assert_eq(attempts(&f, s, 4), 2);
    cr_assert_str_eq(s[0].key, s[1].key);
    cr_assert_geq(s[1].t - s[0].t, 1.99, "waited only %.3f s", s[1].t - s[0].t);
    cr_assert(strstr(err, "(Retry-After)") != NULL, "stderr: %s", err);
    free(out);
    free(err);
    free(file);
    fake_stop(&f);
}

Test(push, client_errors_are_not_retried_and_problems_are_printed)
{
    struct fake f = fake_start("422");
    char *file = report_file();
    const char *args[] = {"--url", f.url, file, NULL};
    char *out, *err;
    int rc = run_push(args, NULL, NULL, &out, &err);
    cr_assert_eq(rc, 1, "exit %d\nstderr: %s", rc, err);
    struct seen s[4];
    cr_assert_eq(attempts(&f, s, 4), 1);
    cr_assert(strstr(err, "HTTP 422 validation_failed: Отчёт содержит ошибки") != NULL, "%s", err);
    cr_assert(strstr(err, "\n$.pairs[0].mentors[1]: Наставник с таким идентификатором не "
                          "указан в отчёте") != NULL,
              "stderr: %s", err);
    cr_assert(strstr(err, "\n$.staff: Обязательное поле отсутствует") != NULL, "stderr: %s", err);
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
    fake_stop(&f);

    const char *statuses[] = {"400", "401", "403", "404", "409", "413"};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        f = fake_start(statuses[i]);
        const char *again[] = {"--url", f.url, "--max-time", "20", file, NULL};
        rc = run_push(again, NULL, NULL, &out, &err);
        cr_assert_eq(rc, 1, "HTTP %s: exit %d\nstderr: %s", statuses[i], rc, err);
        cr_assert_eq(attempts(&f, s, 4), 1, "HTTP %s was retried", statuses[i]);
        free(out);
        free(err);
        fake_stop(&f);
    }
    free(file);
}

Test(push, gives_up_with_3_when_5xx_lasts_past_max_time)
{
    struct fake f = fake_start("500");
    char *file = report_file();
    const char *args[] = {"--url", f.url, "--max-time", "2", file, NULL};
    char *out, *err;
    double start = now_s();
    int rc = run_push(args, NULL, NULL, &out, &err);
    double took = now_s() - start;
    cr_assert_eq(rc, 3, "exit %d\nstderr: %s", rc, err);
    struct seen s[16];
    int n = attempts(&f, s, 16);
    cr_assert_geq(n, 2, "only %d attempt(s)", n);
    for (int i = 1; i < n; i++)
        cr_assert_str_eq(s[i].key, s[0].key);
    cr_assert_lt(took, 4.0, "took %.2f s", took);
    cr_assert(strstr(err, "giving up") != NULL, "stderr: %s", err);
    free(out);
    free(err);
    free(file);
    fake_stop(&f);
}

Test(push, retry_after_beyond_max_time_gives_up_at_once)
{
    struct fake f = fake_start("503:120");
    char *file = report_file();
    const char *args[] = {"--url", f.url, "--max-time", "5", file, NULL};
    char *out, *err;
    double start = now_s();
    int rc = run_push(args, NULL, NULL, &out, &err);
    cr_assert_eq(rc, 3, "exit %d\nstderr: %s", rc, err);
    cr_assert_lt(now_s() - start, 3.0);
    struct seen s[4];
    cr_assert_eq(attempts(&f, s, 4), 1);
    free(out);
    free(err);
    free(file);
    fake_stop(&f);
}

Test(push, unreachable_or_hanging_server_is_bounded_by_max_time)
{
    char *file = report_file();
    char *nobody = mwtest_fmt("http://127.0.0.1:%d", mwtest_free_port());
    const char *args[] = {"--url", nobody, "--max-time", "1.5", file, NULL};
    char *out, *err;
    double start = now_s();
    int rc = run_push(args, NULL, NULL, &out, &err);
    cr_assert_eq(rc, 3, "exit %d\nstderr: %s", rc, err);
    cr_assert_lt(now_s() - start, 4.0);
    cr_assert(strstr(err, "attempt 2") != NULL, "no retry: %s", err);
    free(out);
    free(err);

    struct fake f = fake_start("hang:30");
    const char *hang[] = {"--url", f.url, "--max-time", "2", file, NULL};
    start = now_s();
    rc = run_push(hang, NULL, NULL, &out, &err);
    cr_assert_eq(rc, 3, "exit %d\nstderr: %s", rc, err);
    cr_assert_lt(now_s() - start, 5.0, "an attempt outlived --max-time");
    free(out);
    free(err);
    fake_stop(&f);
    free(nobody);
    free(file);
}

Test(push, every_invocation_has_a_new_key_and_replays_are_reported)
{
    struct fake f = fake_start("201,200");
    char *file = report_file();
    char *slash = mwtest_fmt("%s/", f.url);
    const char *args[] = {"--url", slash, file, NULL};
    char *out, *err;
    cr_assert_eq(run_push(args, NULL, NULL, &out, &err), 0, "stderr: %s", err);
    cr_assert(strstr(out, "replayed=no") != NULL, "stdout: %s", out);
    free(out);
    free(err);
    cr_assert_eq(run_push(args, NULL, NULL, &out, &err), 0, "stderr: %s", err);
    cr_assert(strstr(out, "replayed=yes") != NULL, "stdout: %s", out);
    free(out);
    free(err);
    struct seen s[4];
    cr_assert_eq(attempts(&f, s, 4), 2);
    cr_assert_str_eq(s[1].path, "/api/v1/reports");
    cr_assert(is_hex_key(s[0].key) && is_hex_key(s[1].key));
    cr_assert_str_neq(s[0].key, s[1].key);
    free(slash);
    free(file);
    fake_stop(&f);
}

Test(push, meeting_from_stdin_with_token_file_never_shows_the_token)
{
    struct fake f = fake_start("201");
    const char *meeting = "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": "
                          "\"P1\", \"type\": \"regular\", \"date\": \"2024-11-12\", "
                          "\"feedback\": true}";
    char *token_file = mwtest_temp_file("token", "  secret-from-file\n", 19);
    char *env_url = mwtest_fmt("MW_URL=%s", f.url);
    const char *env[] = {"MW_TOKEN", env_url, NULL};
    const char *args[] = {"--meeting", "-v", "--token-file", token_file, "-", NULL};
    char *out, *err;
    int rc = run_push(args, env, meeting, &out, &err);
    cr_assert_eq(rc, 0, "exit %d\nstderr: %s", rc, err);
    cr_assert(strstr(out, "accepted meeting id=41 replayed=no") != NULL, "stdout: %s", out);
    struct seen s[2];
    cr_assert_eq(attempts(&f, s, 2), 1);
    cr_assert_str_eq(s[0].path, "/api/v1/meetings");
    cr_assert_str_eq(s[0].auth, "Bearer secret-from-file");
    cr_assert_eq(s[0].len, (long)strlen(meeting));
    char *key_line = mwtest_fmt("Idempotency-Key: %s", s[0].key);
    cr_assert(strstr(err, key_line) != NULL, "verbose output lacks the key: %s", err);
    cr_assert(strstr(out, "secret-from-file") == NULL && strstr(err, "secret-from-file") == NULL,
              "token printed");
    free(key_line);
    free(env_url);
    free(out);
    free(err);
    free(token_file);
    fake_stop(&f);
}

Test(push, usage_errors_exit_2)
{
    char *file = report_file();
    char *empty_token = mwtest_temp_file("empty-token", "\n", 1);
    const char *const cases[][8] = {
        {NULL},
        {file, file, NULL},
        {"--max-time", "0", file, NULL},
        {"--max-time", "soon", file, NULL},
        {"--url", "ftp://127.0.0.1/", file, NULL},
        {"--no-such-option", file, NULL},
        {"/nonexistent/report.json", NULL},
        {"--token-file", "/nonexistent/token", file, NULL},
        {"--token-file", empty_token, file, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out, *err;
        int rc = run_push(cases[i], NULL, NULL, &out, &err);
        cr_assert_eq(rc, 2, "case %zu: exit %d\nstderr: %s", i, rc, err);
        cr_assert_neq(err[0], '\0', "case %zu: no message", i);
        free(out);
        free(err);
    }
    const char *no_token[] = {file, NULL};
    char *out, *err;
    const char *unset_token[] = {"MW_TOKEN", NULL};
    cr_assert_eq(run_push(no_token, unset_token, NULL, &out, &err), 2);
    cr_assert(strstr(err, "MW_TOKEN") != NULL, "stderr: %s", err);
    free(out);
    free(err);
    const char *help[] = {"--help", NULL};
    cr_assert_eq(run_push(help, NULL, NULL, &out, &err), 0);
    cr_assert(strstr(out, "usage: mwctl push") != NULL);
    free(out);
    free(err);
    free(empty_token);
    free(file);
}
