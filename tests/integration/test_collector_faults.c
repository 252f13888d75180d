/* The collector under faults: PostgreSQL restarting mid-burst, the database away, limits,
 * slow clients, SIGTERM. Nothing acknowledged may be lost, nothing may be stored twice. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <signal.h>

#include "fixture.h"

static struct fixture fx;

static void setup(void)
{
    static const char *const env[] = {"MW_MAX_BODY=65536",     "MW_CLIENT_TIMEOUT=2",
                                      "MW_REQUEST_DEADLINE=4", "MW_WORKERS=2",
                                      "MW_DB_TIMEOUT_MS=5000", NULL};
    fixture_setup(&fx, "faults", env);
}

static void teardown(void)
{
    /* A test that stopped PostgreSQL must not leave it down for the next one. */
    mwtest_pg_ctl("start");
    fixture_teardown(&fx);
}

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 240);

#define BURST_THREADS 8
#define BURST_DOCS    30

struct pusher {
    int index;
    const char *token, *school;
    char keys[BURST_DOCS][48];
    long ids[BURST_DOCS];
    int acknowledged;
    int unavailable; /* 503 answers seen (then retried with the same key) */
    int network_errors;
    int unexpected;
    long last_unexpected_status;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pushes like the CLI does: one key per document, retried until an answer or 60 s. */
static void *push_burst(void *arg)
{
    struct pusher *p = arg;
    for (int i = 0; i < BURST_DOCS; i++) {
        snprintf(p->keys[i], sizeof(p->keys[i]), "burst-%d-%d", p->index, i);
        char *comment = mwtest_fmt("поток %d документ %d", p->index, i);
        size_t len;
        char *body = fixture_report(p->school, "2024/2025", "intermediate", comment, &len);
        double give_up = now_s() + 60;
        while (now_s() < give_up) {
            struct mwtest_response resp;
            int rc = fixture_post(&resp, &fx, "/api/v1/reports", p->token, body, len, p->keys[i]);
            long status = resp.status;
            cJSON *ans = rc == 0 ? cJSON_Parse(resp.body) : NULL;
            mwtest_response_free(&resp);
            if (status == 201 || status == 200) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(ans, "id");
                p->ids[i] = cJSON_IsNumber(id) ? (long)id->valuedouble : -1;
                p->acknowledged++;
                cJSON_Delete(ans);
                break;
            }
            cJSON_Delete(ans);
            if (status == 503)
                p->unavailable++;
            else if (rc != 0)
                p->network_errors++;
            else {
                p->unexpected++;
                p->last_unexpected_status = status;
                break;
            }
            usleep(100 * 1000);
        }
        free(body);
        free(comment);
    }
    return NULL;
}

Test(faults, postgres_restart_during_burst_loses_and_duplicates_nothing)
{
    struct mwtest_response warm;
    fixture_get(&warm, &fx, "/healthz", NULL); /* libcurl's global init, before threads */
    mwtest_response_free(&warm);

    struct pusher pushers[BURST_THREADS];
    pthread_t threads[BURST_THREADS];
    for (int t = 0; t < BURST_THREADS; t++) {
        memset(&pushers[t], 0, sizeof(pushers[t]));
        pushers[t].index = t;
        /* Two schools, so group-committed batches touch slots in varying order. */
        pushers[t].token = t % 2 ? fx.token_itl24 : fx.token_sosh14;
        pushers[t].school = t % 2 ? "ITL24" : "SOSH14";
        cr_assert_eq(pthread_create(&threads[t], NULL, push_burst, &pushers[t]), 0);
    }
    usleep(400 * 1000);
    cr_assert_eq(mwtest_pg_ctl("restart"), 0, "PostgreSQL restarted mid-burst");
    for (int t = 0; t < BURST_THREADS; t++)
        pthread_join(threads[t], NULL);

    int acknowledged = 0, unavailable = 0;
    for (int t = 0; t < BURST_THREADS; t++) {
        if (pushers[t].unexpected != 0 || pushers[t].acknowledged != BURST_DOCS) {
            mwtest_proc_dump_log(fx.collector);
            break;
        }
    }
    for (int t = 0; t < BURST_THREADS; t++) {
        struct pusher *p = &pushers[t];
        cr_assert_eq(p->unexpected, 0, "thread %d got status %ld", t, p->last_unexpected_status);
        cr_assert_eq(p->acknowledged, BURST_DOCS, "thread %d: every document acknowledged", t);
        acknowledged += p->acknowledged;
        unavailable += p->unavailable;
        for (int i = 0; i < BURST_DOCS; i++) {
            char *id = mwtest_sql_str(fx.db,
                                      "SELECT string_agg(id::text, ',') FROM mw.report "
                                      "WHERE idempotency_key = $1",
                                      p->keys[i]);
            cr_assert_not_null(id, "acknowledged document %s is in the database", p->keys[i]);
            char expected[32];
            snprintf(expected, sizeof(expected), "%ld", p->ids[i]);
            cr_assert_str_eq(id, expected, "stored exactly once, under the acknowledged id");
            free(id);
        }
    }
    cr_assert_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report WHERE version > $1", "0"),
                 acknowledged, "nothing stored that was not acknowledged");
    /* Versions of a slot stay gapless and unique. */
    cr_assert_eq(
        mwtest_sql_long(fx.db,
                        "SELECT count(*) FROM (SELECT school_id, max(version) m, count(*) c "
                        "FROM mw.report GROUP BY school_id) v WHERE m <> c AND $1",
                        "true"),
        0);
    cr_log_info("burst: %d acknowledged, %d answers 503 during the restart", acknowledged,
                unavailable);
    /* The collector reconnected by itself. */
    struct mwtest_response resp;
    fixture_get(&resp, &fx, "/readyz", NULL);
    cr_assert_eq(resp.status, 200);
    mwtest_response_free(&resp);
}

Test(faults, database_away_gives_503_with_retry_after_then_recovers)
{
    size_t len;
    char *body = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, &len);
    cr_assert_eq(mwtest_pg_ctl("stop"), 0);
    struct mwtest_response resp;
    double t0 = now_s();
    fixture_post(&resp, &fx, "/api/v1/reports", fx.token_sosh14, body, len, "away-1");
    cr_assert_eq(resp.status, 503, "%s", resp.body);
    cr_assert_not_null(mwtest_header(&resp, "Retry-After"));
    cr_assert_lt(now_s() - t0, 6.0, "no hung request");
    cJSON *ans = cJSON_Parse(resp.body);
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(ans, "code")->valuestring,
                     "database_unavailable");
    cJSON_Delete(ans);
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, "/readyz", NULL);
    cr_assert_eq(resp.status, 503);
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, "/healthz", NULL);
    cr_assert_eq(resp.status, 200, "alive while the database is away");
    mwtest_response_free(&resp);

    cr_assert_eq(mwtest_pg_ctl("start"), 0);
    double give_up = now_s() + 15;
    long status = 0;
    while (now_s() < give_up && status != 201) {
        fixture_post(&resp, &fx, "/api/v1/reports", fx.token_sosh14, body, len, "away-1");
        status = resp.status;
        mwtest_response_free(&resp);
        usleep(200 * 1000);
    }
    cr_assert_eq(status, 201, "accepted again after reconnection");
    cr_assert_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report WHERE idempotency_key = $1",
                                 "away-1"),
                 1);
    free(body);
}

Test(faults, oversize_body_is_413_and_stores_nothing)
{
    size_t len = 100 * 1024;
    char *body = malloc(len);
    memset(body, ' ', len);
    body[0] = '{';
    body[len - 1] = '}';
    struct mwtest_response resp;
    fixture_post(&resp, &fx, "/api/v1/reports", fx.token_sosh14, body, len, NULL);
    cr_assert_eq(resp.status, 413);
    mwtest_response_free(&resp);
    cr_assert_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report WHERE version > $1", "0"),
                 0);
    free(body);
    /* The service goes on. */
    fixture_get(&resp, &fx, "/healthz", NULL);
    cr_assert_eq(resp.status, 200);
    mwtest_response_free(&resp);
}

static int connect_collector(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)fx.collector->port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

Test(faults, slow_client_is_dropped_after_the_timeout)
{
    int fd = connect_collector();
    const char partial[] =
        "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
    cr_assert_eq(write(fd, partial, sizeof(partial) - 1), (ssize_t)sizeof(partial) - 1);
    double t0 = now_s();
    char buf[512];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        ; /* evhttp may answer 408/400 before closing */
    double waited = now_s() - t0;
    cr_assert_eq(n, 0, "the collector closed the connection");
    cr_assert_lt(waited, 8.0, "dropped within the client timeout (2 s) plus a sweep");
    close(fd);
}

Test(faults, huge_headers_are_refused)
{
    int fd = connect_collector();
    size_t big = 64 * 1024;
    char *req = malloc(big + 128);
    int n = snprintf(req, 128, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + n, 'a', big);
    memcpy(req + n + big, "\r\n\r\n", 4);
    ssize_t ignored = write(fd, req, (size_t)n + big + 4);
    (void)ignored;
    char buf[256] = {0};
    ssize_t got = read(fd, buf, sizeof(buf) - 1);
    cr_assert(got <= 0 || strstr(buf, " 200 ") == NULL, "refused: %s", buf);
    close(fd);
    free(req);
}

struct slow_push {
    const char *body;
    size_t len;
    long status;
};

static void *push_once(void *arg)
{
    struct slow_push *sp = arg;
    struct mwtest_response resp;
    fixture_post(&resp, &fx, "/api/v1/reports", fx.token_sosh14, sp->body, sp->len, "slow-1");
    sp->status = resp.status;
    mwtest_response_free(&resp);
    return NULL;
}

Test(faults, sigterm_finishes_in_flight_work_and_exits_cleanly)
{
    size_t len1, len2;
    char *v1 = fixture_report("SOSH14", "2024/2025", "intermediate", "v1", &len1);
    char *v2 = fixture_report("SOSH14", "2024/2025", "intermediate", "v2", &len2);
    struct mwtest_response resp;
    fixture_post(&resp, &fx, "/api/v1/reports", fx.token_sosh14, v1, len1, NULL);
    cr_assert_eq(resp.status, 201);
    mwtest_response_free(&resp);

    /* Hold the report's slot so the correction waits inside the database. */
    PGconn *blocker = PQconnectdb(fx.db);
    cr_assert_eq(PQstatus(blocker), CONNECTION_OK);
    PQclear(PQexec(blocker, "BEGIN"));
    PGresult *lock = PQexec(blocker, "SELECT 1 FROM mw.report_slot FOR UPDATE");
    cr_assert_eq(PQresultStatus(lock), PGRES_TUPLES_OK);
    PQclear(lock);

    struct slow_push sp = {v2, len2, 0};
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, push_once, &sp), 0);
    usleep(500 * 1000); /* the correction is now in flight */
    kill(fx.collector->pid, SIGTERM);
    cr_assert(mwtest_log_wait_for(fx.collector, "event=worker_draining", 5000));
    cr_assert_eq(mwtest_proc_wait(fx.collector, 500), -1, "still draining while work is in flight");

    PQclear(PQexec(blocker, "COMMIT"));
    PQfinish(blocker);
    pthread_join(thread, NULL);
    cr_assert_eq(sp.status, 201, "the in-flight correction was committed and acknowledged");
    int status = mwtest_proc_stop(fx.collector, 0);
    cr_assert_eq(status, 0, "clean exit on SIGTERM");
    cr_assert(mwtest_log_contains(fx.collector, "event=collector_stopped"));
    cr_assert_eq(mwtest_sql_long(fx.db, "SELECT max(version) FROM mw.report WHERE $1", "true"), 2);
    free(v1);
    free(v2);
}

Test(faults, slow_drip_is_cut_at_the_request_deadline)
{
    /* One byte a second never trips the 2 s inactivity timeout; the 4 s deadline cuts it. */
    int fd = connect_collector();
    const char head[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: aaaaaaaaaaaaaaaa";
    double t0 = now_s();
    bool cut = false;
    for (size_t i = 0; i < sizeof(head) - 1; i++) {
        if (write(fd, head + i, 1) != 1) {
            cut = true;
            break;
        }
        struct timeval tv = {1, 0};
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(fd, &rd);
        if (select(fd + 1, &rd, NULL, NULL, &tv) > 0) {
            char c;
            if (read(fd, &c, 1) <= 0) {
                cut = true;
                break;
            }
        }
    }
    double waited = now_s() - t0;
    close(fd);
    cr_assert(cut, "the dripping client was disconnected");
    cr_assert_lt(waited, 9.0, "cut near the 4 s deadline, not at the end of the drip (%.1f s)",
                 waited);
    cr_assert_gt(waited, 3.0, "not before the deadline (%.1f s)", waited);
}

static struct fixture capped;

static void setup_capped(void)
{
    static const char *const env[] = {"MW_WORKERS=1", "MW_MAX_CONNECTIONS=3", NULL};
    fixture_setup(&capped, "cap", env);
}

static void teardown_capped(void)
{
    fixture_teardown(&capped);
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static bool answered_within(int fd, int ms)
{
    const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
        return false;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    if (select(fd + 1, &rd, NULL, NULL, &tv) <= 0)
        return false;
    char buf[256] = {0};
    return read(fd, buf, sizeof(buf) - 1) > 0 && strstr(buf, " 200 ") != NULL;
}

Test(limits, connections_beyond_the_cap_wait_until_one_closes, .init = setup_capped,
     .fini = teardown_capped, .timeout = 60)
{
    int port = capped.collector->port;
    int held[3];
    for (int i = 0; i < 3; i++)
        held[i] = connect_port(port);
    usleep(200 * 1000);
    int extra = connect_port(port); /* the kernel's backlog takes it */
    cr_assert(!answered_within(extra, 700), "a fourth connection is not served at the cap");
    cr_assert(answered_within(held[0], 2000), "the held connections are served");
    close(held[1]);
    char buf[256] = {0};
    struct timeval tv = {3, 0};
    setsockopt(extra, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    cr_assert_gt(read(extra, buf, sizeof(buf) - 1), 0, "served once a slot is free");
    cr_assert_not_null(strstr(buf, " 200 "), "%s", buf);
    close(extra);
    close(held[0]);
    close(held[2]);
}
