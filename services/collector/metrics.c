/* Process-wide counters and histograms (relaxed atomics), in Prometheus text format. */
#include "metrics.h"

#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>

enum { STATUS_2XX, STATUS_3XX, STATUS_4XX, STATUS_5XX, STATUS_CLASS_MAX };

static const char *const route_names[] = {
    [ROUTE_REPORT_POST] = "report_post",
    [ROUTE_MEETING_POST] = "meeting_post",
    [ROUTE_READ] = "read",
    [ROUTE_OPS] = "ops",
    [ROUTE_STATIC] = "static",
    [ROUTE_UNKNOWN] = "unknown",
};
static_assert(sizeof(route_names) / sizeof(route_names[0]) == ROUTE_MAX, "route names");

static const char *const accept_names[][2] = {
    [ACCEPT_REPORT_CREATED] = {"report", "created"},
    [ACCEPT_REPORT_REPLAYED] = {"report", "replayed"},
    [ACCEPT_MEETING_CREATED] = {"meeting", "created"},
    [ACCEPT_MEETING_REPLAYED] = {"meeting", "replayed"},
};
static_assert(sizeof(accept_names) / sizeof(accept_names[0]) == ACCEPT_MAX, "accept names");

static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
#define BATCH_BUCKETS (sizeof(batch_bounds) / sizeof(batch_bounds[0]))
static const double latency_bounds_ms[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};
#define LATENCY_BUCKETS (sizeof(latency_bounds_ms) / sizeof(latency_bounds_ms[0]))

struct histogram {
    atomic_uint_fast64_t buckets[16]; /* cumulative is computed when rendering */
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum; /* in the unit of the bounds (jobs or microseconds) */
};

static atomic_uint_fast64_t requests[ROUTE_MAX][STATUS_CLASS_MAX];
static atomic_uint_fast64_t request_latency_us_sum[ROUTE_MAX];
static atomic_uint_fast64_t accepted[ACCEPT_MAX];
static atomic_uint_fast64_t batches_rolled_back;
static atomic_uint_fast64_t batch_statements;
static atomic_int_fast64_t db_connections;
static atomic_int_fast64_t client_connections;
static struct histogram batch_sizes, commit_latency;

static void observe(struct histogram *h, const double *bounds, size_t n, double value,
                    uint64_t sum_add)
{
    size_t i = 0;
    while (i < n && value > bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, sum_add, memory_order_relaxed);
}

void metrics_request(enum metrics_route route, int status, uint64_t latency_us)
{
    int cls = status >= 500   ? STATUS_5XX
              : status >= 400 ? STATUS_4XX
              : status >= 300 ? STATUS_3XX
                              : STATUS_2XX;
    atomic_fetch_add_explicit(&requests[route][cls], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&request_latency_us_sum[route], latency_us, memory_order_relaxed);
}

void metrics_accepted(enum metrics_accept what)
{
    atomic_fetch_add_explicit(&accepted[what], 1, memory_order_relaxed);
}

void metrics_observe_batch(int jobs, int statements, uint64_t latency_ms, bool committed)
{
    if (!committed) {
        atomic_fetch_add_explicit(&batches_rolled_back, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&batch_statements, (uint64_t)statements, memory_order_relaxed);
    observe(&batch_sizes, batch_bounds, BATCH_BUCKETS, jobs, (uint64_t)jobs);
    observe(&commit_latency, latency_bounds_ms, LATENCY_BUCKETS, (double)latency_ms,
            latency_ms * 1000u);
}

void metrics_db_connection(int delta)
{
    atomic_fetch_add_explicit(&db_connections, delta, memory_order_relaxed);
}

void metrics_client_connection(int delta)
{
    atomic_fetch_add_explicit(&client_connections, delta, memory_order_relaxed);
}

static void render_histogram(struct evbuffer *out, const char *name, const char *help,
                             struct histogram *h, const double *bounds, size_t n, double scale,
                             double sum_scale)
{
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= n; i++) {
        cumulative += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
        if (i < n)
            evbuffer_add_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i] * scale,
                                (unsigned long long)cumulative);
        else
            evbuffer_add_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name,
                                (unsigned long long)cumulative);
    }
    evbuffer_add_printf(out, "%s_sum %g\n%s_count %llu\n", name,
                        (double)atomic_load_explicit(&h->sum, memory_order_relaxed) * sum_scale,
                        name,
                        (unsigned long long)atomic_load_explicit(&h->count, memory_order_relaxed));
}

void metrics_render(struct evbuffer *out)
{
    static const char *const class_names[] = {"2xx", "3xx", "4xx", "5xx"};
    evbuffer_add_printf(out, "# HELP mw_http_requests_total HTTP requests answered.\n"
                             "# TYPE mw_http_requests_total counter\n");
    for (int r = 0; r < ROUTE_MAX; r++)
        for (int c = 0; c < STATUS_CLASS_MAX; c++)
            evbuffer_add_printf(
                out, "mw_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n", route_names[r],
                class_names[c],
                (unsigned long long)atomic_load_explicit(&requests[r][c], memory_order_relaxed));
    evbuffer_add_printf(out, "# HELP mw_http_request_seconds_sum Time spent answering.\n"
                             "# TYPE mw_http_request_seconds_sum counter\n");
    for (int r = 0; r < ROUTE_MAX; r++)
        evbuffer_add_printf(
            out, "mw_http_request_seconds_sum{route=\"%s\"} %.6f\n", route_names[r],
            (double)atomic_load_explicit(&request_latency_us_sum[r], memory_order_relaxed) / 1e6);
    evbuffer_add_printf(out, "# HELP mw_documents_accepted_total Documents acknowledged.\n"
                             "# TYPE mw_documents_accepted_total counter\n");
    for (int a = 0; a < ACCEPT_MAX; a++)
        evbuffer_add_printf(
            out, "mw_documents_accepted_total{kind=\"%s\",result=\"%s\"} %llu\n",
            accept_names[a][0], accept_names[a][1],
            (unsigned long long)atomic_load_explicit(&accepted[a], memory_order_relaxed));
    evbuffer_add_printf(
        out,
        "# HELP mw_batches_rolled_back_total Group-commit batches that did not commit.\n"
        "# TYPE mw_batches_rolled_back_total counter\nmw_batches_rolled_back_total %llu\n",
        (unsigned long long)atomic_load_explicit(&batches_rolled_back, memory_order_relaxed));
    evbuffer_add_printf(
        out,
        "# HELP mw_batch_statements_total Statements of committed batches (meeting events that "
        "arrive together take one).\n"
        "# TYPE mw_batch_statements_total counter\nmw_batch_statements_total %llu\n",
        (unsigned long long)atomic_load_explicit(&batch_statements, memory_order_relaxed));
    render_histogram(out, "mw_batch_size", "Documents per committed transaction.", &batch_sizes,
                     batch_bounds, BATCH_BUCKETS, 1, 1);
    render_histogram(out, "mw_commit_latency_seconds", "Time from sending a batch to its commit.",
                     &commit_latency, latency_bounds_ms, LATENCY_BUCKETS, 0.001, 1e-6);
    evbuffer_add_printf(
        out,
        "# HELP mw_db_connections PostgreSQL connections up.\n# TYPE mw_db_connections gauge\n"
        "mw_db_connections %lld\n"
        "# HELP mw_client_connections Open client connections.\n"
        "# TYPE mw_client_connections gauge\nmw_client_connections %lld\n",
        (long long)atomic_load_explicit(&db_connections, memory_order_relaxed),
        (long long)atomic_load_explicit(&client_connections, memory_order_relaxed));
}
