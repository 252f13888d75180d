/* Scale-out on loopback: two collectors sharing one PostgreSQL behind the deploy/ nginx site
 * (TLS, keep-alive upstream). Many schools push at once, retrying like mwctl push on network
 * errors, 429, 502, 503 and 504 with the same Idempotency-Key; one collector is SIGKILLed
 * halfway. Every acknowledged report is in the database exactly once, under the acknowledged
 * id, and nothing else is. Then the proxy's own answers: limits, rate, no collector left. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <libpq-fe.h>

#include "fixture.h"
#include "fixture_deploy.h"
#include "mwtest_nginx.h"

#define PUSHERS       12
#define DOCS_EACH     20
#define GIVE_UP_S     90.0
#define BACKOFF_MAX_S 2.0

/* Two collectors, the site rendered from deploy/nginx with them upstream, and its URL. */
struct cluster {
    struct fixture fx; /* fx.collector is collector A */
    struct mwtest_proc *b;
    struct mwtest_nginx *nginx;
    char *cert, *key;
    char *base_url; /* https://127.0.0.1:<port> */
    char *access_log;
};

static struct cluster cl;

static const char *const collector_env[] = {"MW_WORKERS=2", "MW_DB_CONNECTIONS=2", NULL};

/* Renders the deploy/ site for upstreams (with extra_env) and starts nginx with it. Without
 * proxy_failover the site is changed to never pass a request on to the next collector, so that
 * the clients' own retries are what saves the reports. */
static void start_proxy(struct cluster *c, const char *upstreams, const char *const *extra_env,
                        bool proxy_failover)
{
    fixture_tls_make(&c->cert, &c->key);
    int port = mwtest_free_port();
    c->access_log = mwtest_fmt("%s/site-%d.access", mwtest_temp_dir(), port);
    char *env_cert = mwtest_fmt("MW_PROXY_TLS_CERT=%s", c->cert);
    char *env_key = mwtest_fmt("MW_PROXY_TLS_KEY=%s", c->key);
    char *env_log = mwtest_fmt("MW_PROXY_ACCESS_LOG=%s", c->access_log);
    char *env_listen = mwtest_fmt("MW_PROXY_HTTPS_LISTEN=127.0.0.1:%d", port);
    char *env_upstreams = mwtest_fmt("MW_PROXY_UPSTREAMS=%s", upstreams);
    const char *env[16] = {env_cert,   env_key,       env_log,
                           env_listen, env_upstreams, "MW_PROXY_HTTP_LISTEN=off"};
    size_t n = 6;
    for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL && n < 15; i++)
        env[n++] = extra_env[i];
    env[n] = NULL;
    char *site = fixture_render_site(env);
    if (!proxy_failover) {
        char *directive = strstr(site, "proxy_next_upstream error non_idempotent;");
        cr_assert_not_null(directive, "the site passes failed requests on:\n%s", site);
        static const char off[] = "proxy_next_upstream off;";
        memset(directive, ' ', strlen("proxy_next_upstream error non_idempotent;"));
        memcpy(directive, off, sizeof(off) - 1);
    }
    c->nginx = mwtest_nginx_start(site, NULL);
    c->base_url = mwtest_fmt("https://127.0.0.1:%d", port);
    free(site);
    free(env_cert);
    free(env_key);
    free(env_log);
    free(env_listen);
    free(env_upstreams);
}

static void setup_two_collectors(bool proxy_failover)
{
    memset(&cl, 0, sizeof(cl));
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK); /* before any thread */
    fixture_setup(&cl.fx, "scaleout", collector_env);
    cl.b = mwtest_collector_start(cl.fx.db, collector_env);
    char *upstreams = mwtest_fmt("127.0.0.1:%d 127.0.0.1:%d", cl.fx.collector->port, cl.b->port);
    /* Every pusher comes from 127.0.0.1: the per-client limits must not be what is tested. */
    static const char *const generous[] = {"MW_PROXY_RATE=100000", "MW_PROXY_BURST=100000",
                                           "MW_PROXY_CONN_PER_CLIENT=1000", NULL};
    start_proxy(&cl, upstreams, generous, proxy_failover);
    free(upstreams);
}

static void setup_cluster(void)
{
    setup_two_collectors(true);
}

static void setup_cluster_clients_retry(void)
{
    setup_two_collectors(false);
}

static void stop_collector(struct mwtest_proc **proc)
{
    if (*proc == NULL)
        return;
    int status = mwtest_proc_stop(*proc, SIGTERM);
    bool sanitizer =
        mwtest_log_contains(*proc, "Sanitizer") || mwtest_log_contains(*proc, "runtime error");
    if (status != 0 || sanitizer)
        mwtest_proc_dump_log(*proc);
    cr_expect_eq(status, 0, "the collector exits cleanly on SIGTERM");
    cr_expect(!sanitizer, "no sanitizer report in the collector's log");
    mwtest_proc_free(*proc);
    *proc = NULL;
}

static void teardown_cluster(void)
{
    mwtest_nginx_stop(cl.nginx);
    stop_collector(&cl.b);
    fixture_teardown(&cl.fx);
    free(cl.cert);
    free(cl.key);
    free(cl.base_url);
    free(cl.access_log);
    curl_global_cleanup();
}

TestSuite(scaleout, .timeout = 400);

/* ---- a pushing client ------------------------------------------------------------------------ */

struct answer {
    CURLcode rc;
    long status;
    char body[4096];
    size_t len;
    double retry_after; /* seconds; < 0 when absent */
};

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    struct answer *a = userdata;
    size_t len = size * n, room = sizeof(a->body) - 1 - a->len;
    memcpy(a->body + a->len, data, len < room ? len : room);
    a->len += len < room ? len : room;
    a->body[a->len] = '\0';
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    struct answer *a = userdata;
    size_t len = size * n;
    if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
        a->retry_after = strtod(data + 12, NULL);
    return len;
}

/* One request over the handle's kept-alive TLS connection: a POST of body, or a GET when
 * body is NULL. */
static void request(CURL *curl, const char *url, struct curl_slist *headers, const char *body,
                    size_t len, struct answer *a)
{
    memset(a, 0, sizeof(*a));
    a->retry_after = -1;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
    a->rc = curl_easy_perform(curl);
    if (a->rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
}

static CURL *client(const char *cert)
{
    CURL *curl = curl_easy_init();
    cr_assert_not_null(curl);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_CAINFO, cert);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    return curl;
}

/* GET path through the proxy on a new connection. */
static void get(const char *cert, const char *path, struct answer *a)
{
    CURL *curl = client(cert);
    char *url = mwtest_fmt("%s%s", cl.base_url, path);
    request(curl, url, NULL, NULL, 0, a);
    free(url);
    curl_easy_cleanup(curl);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static atomic_int acknowledged_total;

struct pusher {
    int index;
    const char *token, *school, *stage;
    char keys[DOCS_EACH][48];
    long ids[DOCS_EACH];
    int acknowledged;
    int retried; /* attempts answered by a network error, 429 or 5xx, then sent again */
    int unexpected;
    char last_unexpected[160];
};

/* Whether mwctl push would send the same document again after this answer. */
static bool retryable(const struct answer *a)
{
    return a->rc != CURLE_OK || a->status == 429 || a->status == 502 || a->status == 503 ||
           a->status == 504;
}

static void *push_all(void *arg)
{
    struct pusher *p = arg;
    CURL *curl = client(cl.cert);
    char *url = mwtest_fmt("%s/api/v1/reports", cl.base_url);
    char *auth = mwtest_fmt("Authorization: Bearer %s", p->token);
    unsigned seed = (unsigned)p->index * 7919u + 1;
    for (int i = 0; i < DOCS_EACH; i++) {
        snprintf(p->keys[i], sizeof(p->keys[i]), "scale-%d-%d", p->index, i);
        char *comment = mwtest_fmt("клиент %d документ %d", p->index, i);
        size_t len;
        char *body = fixture_report(p->school, "2024/2025", p->stage, comment, &len);
        char *key = mwtest_fmt("Idempotency-Key: %s", p->keys[i]);
        struct curl_slist *headers = curl_slist_append(NULL, auth);
        headers = curl_slist_append(headers, key);
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Expect:");
        double give_up = now_s() + GIVE_UP_S, backoff = 0.05;
        struct answer a;
        for (;;) {
            request(curl, url, headers, body, len, &a);
            if (!retryable(&a) || now_s() > give_up)
                break;
            p->retried++;
            double wait =
                a.retry_after >= 0 && a.retry_after < BACKOFF_MAX_S ? a.retry_after : backoff;
            wait *= 0.5 + (double)(rand_r(&seed) % 1000) / 1000.0; /* jitter */
            usleep((useconds_t)(wait * 1e6));
            backoff = backoff * 2 < BACKOFF_MAX_S ? backoff * 2 : BACKOFF_MAX_S;
        }
        cJSON *ans = a.rc == CURLE_OK ? cJSON_Parse(a.body) : NULL;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(ans, "id");
        if ((a.status == 201 || a.status == 200) && cJSON_IsNumber(id)) {
            p->ids[i] = (long)id->valuedouble;
            p->acknowledged++;
            atomic_fetch_add(&acknowledged_total, 1);
        } else {
            p->ids[i] = -1;
            p->unexpected++;
            snprintf(p->last_unexpected, sizeof(p->last_unexpected), "curl %d, status %ld: %.100s",
                     (int)a.rc, a.status, a.body);
        }
        cJSON_Delete(ans);
        curl_slist_free_all(headers);
        free(key);
        free(body);
        free(comment);
    }
    free(auth);
    free(url);
    curl_easy_cleanup(curl);
    return NULL;
}

/* How many logged requests the site's access log has that contain both needles. */
static int count_log(const char *needle1, const char *needle2)
{
    char *log = mwtest_read_file(cl.access_log, NULL);
    int n = 0;
    for (char *line = log ? strtok(log, "\n") : NULL; line != NULL; line = strtok(NULL, "\n"))
        n += strstr(line, needle1) != NULL && strstr(line, needle2) != NULL;
    free(log);
    return n;
}

/* The pushes, the kill, and the checks; returns how many attempts clients had to repeat. */
static int push_with_a_collector_killed_halfway(void)
{
    atomic_store(&acknowledged_total, 0);
    static const char *const stages[] = {"entry", "intermediate", "final"};
    struct pusher pushers[PUSHERS];
    pthread_t threads[PUSHERS];
    for (int t = 0; t < PUSHERS; t++) {
        memset(&pushers[t], 0, sizeof(pushers[t]));
        pushers[t].index = t;
        /* Three schools and three stages: concurrent versions of the same slots. */
        pushers[t].token = t % 3 == 0   ? cl.fx.token_sosh14
                           : t % 3 == 1 ? cl.fx.token_itl24
                                        : cl.fx.token_other1;
        pushers[t].school = t % 3 == 0 ? "SOSH14" : t % 3 == 1 ? "ITL24" : "OTHER1";
        pushers[t].stage = stages[(t / 3) % 3];
        cr_assert_eq(pthread_create(&threads[t], NULL, push_all, &pushers[t]), 0);
    }

    /* Halfway through, collector A dies without a chance to answer or close anything. */
    const int total = PUSHERS * DOCS_EACH;
    double until = now_s() + GIVE_UP_S;
    while (atomic_load(&acknowledged_total) < total / 2 && now_s() < until)
        usleep(2000);
    int at_kill = atomic_load(&acknowledged_total);
    /* The site's log: "upstream=<addresses tried> ustatus=<their answers>". */
    int a_port = cl.fx.collector->port;
    char *a_upstream = mwtest_fmt("upstream=127.0.0.1:%d ustatus=201", a_port);
    char *b_upstream = mwtest_fmt("127.0.0.1:%d ustatus=201", cl.b->port);
    cr_assert_eq(kill(cl.fx.collector->pid, SIGKILL), 0);
    for (int t = 0; t < PUSHERS; t++)
        pthread_join(threads[t], NULL);
    cr_expect_eq(mwtest_proc_wait(cl.fx.collector, 5000), 128 + SIGKILL, "A was killed");
    mwtest_proc_free(cl.fx.collector);
    cl.fx.collector = NULL;

    int acknowledged = 0, retried = 0;
    for (int t = 0; t < PUSHERS; t++) {
        struct pusher *p = &pushers[t];
        cr_expect_eq(p->unexpected, 0, "pusher %d: %s", t, p->last_unexpected);
        acknowledged += p->acknowledged;
        retried += p->retried;
    }
    cr_assert_eq(acknowledged, total, "every report acknowledged in the end");

    /* Exactly once, under the acknowledged id: one connection, one query per key. */
    PGconn *db = PQconnectdb(cl.fx.db);
    cr_assert_eq(PQstatus(db), CONNECTION_OK, "%s", PQerrorMessage(db));
    int wrong = 0;
    for (int t = 0; t < PUSHERS; t++) {
        for (int i = 0; i < DOCS_EACH; i++) {
            const char *params[] = {pushers[t].keys[i]};
            PGresult *res = PQexecParams(db,
                                         "SELECT string_agg(id::text, ',') FROM mw.report "
                                         "WHERE idempotency_key = $1",
                                         1, NULL, params, NULL, NULL, 0);
            cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
            char expected[32];
            snprintf(expected, sizeof(expected), "%ld", pushers[t].ids[i]);
            if (PQgetisnull(res, 0, 0) || strcmp(PQgetvalue(res, 0, 0), expected) != 0) {
                cr_log_error("key %s: acknowledged id %s, stored ids \"%s\"", pushers[t].keys[i],
                             expected, PQgetvalue(res, 0, 0));
                wrong++;
            }
            PQclear(res);
        }
    }
    PQfinish(db);
    cr_expect_eq(wrong, 0, "every acknowledged report stored once under its id");
    cr_expect_eq(
        mwtest_sql_long(cl.fx.db, "SELECT count(*) FROM mw.report WHERE version > $1", "0"), total,
        "nothing stored that was not acknowledged");
    cr_expect_eq(mwtest_sql_long(cl.fx.db,
                                 "SELECT count(*) FROM (SELECT school_id, academic_year, stage, "
                                 "max(version) m, count(*) c FROM mw.report GROUP BY 1, 2, 3) v "
                                 "WHERE m <> c AND $1",
                                 "true"),
                 0, "versions of every slot are gapless");

    /* Both collectors took reports; B alone after the kill, and it still serves. */
    int by_a = count_log(a_upstream, "POST /api/v1/reports");
    int by_b = count_log(b_upstream, "POST /api/v1/reports");
    cr_expect_gt(by_a, 0, "collector A stored reports before it was killed");
    cr_expect_gt(by_b, 0, "collector B stored reports");
    struct answer a;
    get(cl.cert, "/readyz", &a);
    cr_expect_eq(a.status, 200, "ready through the proxy with one collector left");
    char *both = mwtest_fmt("upstream=127.0.0.1:%d, 127.0.0.1:%d ", a_port, cl.b->port);
    int failovers = count_log(both, "POST /api/v1/reports");
    cr_log_info("scale-out: %d reports, %d acknowledged before the kill, %d attempts repeated by "
                "clients, %d passed from A to B by nginx; stored by A %d, by B %d",
                total, at_kill, retried, failovers, by_a, by_b);
    free(both);
    free(a_upstream);
    free(b_upstream);
    return retried;
}

Test(scaleout, collector_killed_halfway_loses_and_duplicates_no_acknowledged_report,
     .init = setup_cluster, .fini = teardown_cluster)
{
    push_with_a_collector_killed_halfway();
}

Test(scaleout, without_the_proxy_failover_client_retries_still_store_each_report_once,
     .init = setup_cluster_clients_retry, .fini = teardown_cluster)
{
    int retried = push_with_a_collector_killed_halfway();
    cr_expect_gt(retried, 0, "clients saw the dead collector and sent again");
}

/* ---- the proxy's own answers ------------------------------------------------------------------
 */

/* One collector behind the site rendered with proxy_env. */
static void setup_one_collector(const char *const *proxy_env)
{
    memset(&cl, 0, sizeof(cl));
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    fixture_setup(&cl.fx, "proxy", NULL);
    char *upstream = mwtest_fmt("127.0.0.1:%d", cl.fx.collector->port);
    start_proxy(&cl, upstream, proxy_env, true);
    free(upstream);
}

static void setup_limited(void)
{
    static const char *const limits[] = {"MW_MAX_BODY=65536", "MW_PROXY_RATE=1", "MW_PROXY_BURST=2",
                                         NULL};
    setup_one_collector(limits);
}

Test(proxy, limits_body_size_and_request_rate_per_client, .init = setup_limited,
     .fini = teardown_cluster, .timeout = 120)
{
    struct answer a;
    get(cl.cert, "/healthz", &a);
    cr_assert_eq(a.rc, CURLE_OK, "TLS with the test certificate: %s", curl_easy_strerror(a.rc));
    cr_expect_eq(a.status, 200, "the collector answers through the proxy");

    /* Larger than MW_MAX_BODY: nginx refuses it before any collector sees it. */
    size_t len = 70000;
    char *body = malloc(len);
    memset(body, ' ', len);
    body[0] = '{';
    body[len - 1] = '}';
    CURL *curl = client(cl.cert);
    char *url = mwtest_fmt("%s/api/v1/reports", cl.base_url);
    char *auth = mwtest_fmt("Authorization: Bearer %s", cl.fx.token_sosh14);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, "Expect:");
    request(curl, url, headers, body, len, &a);
    cr_expect_eq(a.status, 413);
    cr_expect_eq(count_log("\" 413 ", "upstream=- "), 1, "answered by nginx itself");
    cr_expect_eq(mwtest_sql_long(cl.fx.db, "SELECT count(*) FROM mw.report WHERE $1", "true"), 0);

    /* Not for the public. */
    get(cl.cert, "/metrics", &a);
    cr_expect_eq(a.status, 404);

    /* 1 request a second, 2 more at once: a quick series gets 429 with advice. */
    int limited = 0;
    for (int i = 0; i < 8; i++) {
        request(curl, url, headers, "{}", 2, &a);
        if (a.status == 429) {
            limited++;
            cr_expect_geq(a.retry_after, 1.0, "Retry-After on 429");
            cr_expect_not_null(strstr(a.body, "\"too_many_requests\""), "%s", a.body);
        }
    }
    cr_expect_geq(limited, 4, "the rate limit answered 429 (%d of 8)", limited);
    curl_slist_free_all(headers);
    free(auth);
    free(url);
    free(body);
    curl_easy_cleanup(curl);
}

static void setup_single(void)
{
    setup_one_collector(NULL);
}

Test(proxy, no_collector_left_is_503_with_retry_after, .init = setup_single,
     .fini = teardown_cluster, .timeout = 120)
{
    struct answer a;
    get(cl.cert, "/readyz", &a);
    cr_expect_eq(a.status, 200);
    stop_collector(&cl.fx.collector);
    get(cl.cert, "/readyz", &a);
    cr_expect_eq(a.status, 503, "nginx's 502 becomes the contract's 503");
    cr_expect_geq(a.retry_after, 1.0, "with Retry-After");
    cr_expect_not_null(strstr(a.body, "\"service_unavailable\""), "%s", a.body);
}
