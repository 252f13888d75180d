/* One asynchronous PostgreSQL connection: non-blocking connect, pipeline mode, flush loop. */
#include "pgconn.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000

struct pgconn {
    struct event_base *base;
    char *conninfo;
    char *application_name;
    const struct pgconn_statement *statements;
    size_t n_statements;
    int statement_timeout_ms;
    pgconn_cb cb;
    void *cb_arg;

    PGconn *pg;              /* NULL while DOWN */
    enum pgconn_state state; /* changed only by set_state() */
    struct event *socket_ev; /* watches PQsocket(pg); re-armed by watch() */
    int watched_fd;
    short watched_what;
    struct event *retry_timer;
    int retry_delay_ms;
    int pending_syncs;   /* syncs sent and not yet received */
    bool need_flush;     /* PQflush returned 1: wait for writability too */
    uint64_t busy_since; /* start of the batch or of the connection attempt */
};

static const char *const state_names[] = {
    [PGCONN_DOWN] = "down",           [PGCONN_CONNECTING] = "connecting",
    [PGCONN_PREPARING] = "preparing", [PGCONN_IDLE] = "idle",
    [PGCONN_BUSY] = "busy",
};
static_assert(sizeof(state_names) / sizeof(state_names[0]) == PGCONN_STATE_MAX,
              "every connection state has a name");

static void on_socket(evutil_socket_t fd, short what, void *arg);
static void start_connect(struct pgconn *conn);

uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *pgconn_state_name(enum pgconn_state state)
{
    return state < PGCONN_STATE_MAX ? state_names[state] : "?";
}

enum pgconn_state pgconn_state(const struct pgconn *conn)
{
    return conn->state;
}

uint64_t pgconn_busy_since_ms(const struct pgconn *conn)
{
    return conn->busy_since;
}

static void set_state(struct pgconn *conn, enum pgconn_state state)
{
    if (conn->state != state)
        log_debug("pg_state", "from=%s to=%s", state_names[conn->state], state_names[state]);
    conn->state = state;
}

/* Arms the socket event for `what` (EV_READ and/or EV_WRITE), or disarms it for 0. */
static void watch(struct pgconn *conn, short what)
{
    int fd = conn->pg != NULL ? PQsocket(conn->pg) : -1;
    if (fd == conn->watched_fd && what == conn->watched_what)
        return;
    if (conn->socket_ev != NULL) {
        event_free(conn->socket_ev);
        conn->socket_ev = NULL;
    }
    conn->watched_fd = fd;
    conn->watched_what = what;
    if (fd < 0 || what == 0)
        return;
    conn->socket_ev = event_new(conn->base, fd, what | EV_PERSIST, on_socket, conn);
    if (conn->socket_ev == NULL || event_add(conn->socket_ev, NULL) != 0)
        log_error("pg_watch_failed", "fd=%d", fd);
}

static void close_pg(struct pgconn *conn)
{
    watch(conn, 0);
    if (conn->pg != NULL) {
        PQfinish(conn->pg);
        conn->pg = NULL;
    }
    conn->pending_syncs = 0;
    conn->need_flush = false;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start_connect(arg);
}

/* The one path to DOWN: closes, tells the owner once, schedules a reconnect. */
static void fail(struct pgconn *conn, const char *reason)
{
    enum pgconn_state was = conn->state;
    const char *pg_message = conn->pg != NULL ? PQerrorMessage(conn->pg) : "";
    log_warn("pg_down", "was=%s reason=\"%s\" detail=\"%.200s\" retry_ms=%d", state_names[was],
             reason, pg_message, conn->retry_delay_ms);
    close_pg(conn);
    set_state(conn, PGCONN_DOWN);
    struct timeval tv = {conn->retry_delay_ms / 1000, (conn->retry_delay_ms % 1000) * 1000};
    evtimer_add(conn->retry_timer, &tv);
    conn->retry_delay_ms =
        conn->retry_delay_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : conn->retry_delay_ms * 2;
    conn->cb(conn, PGCONN_EV_DOWN, NULL, conn->cb_arg);
}

void pgconn_drop(struct pgconn *conn, const char *reason)
{
    if (conn->state != PGCONN_DOWN)
        fail(conn, reason);
}

/* The manual's flush step: PQflush, and wait for writability while data remains. */
static bool flush(struct pgconn *conn)
{
    int rc = PQflush(conn->pg);
    if (rc < 0) {
        fail(conn, "flush failed");
        return false;
    }
    conn->need_flush = rc == 1;
    watch(conn, EV_READ | (conn->need_flush ? EV_WRITE : 0));
    return true;
}

static bool send_setup(struct pgconn *conn)
{
    char timeout[32];
    snprintf(timeout, sizeof(timeout), "%dms", conn->statement_timeout_ms);
    const char *params[] = {timeout};
    if (!PQsendQueryParams(conn->pg, "SELECT set_config('statement_timeout', $1, false)", 1, NULL,
                           params, NULL, NULL, 0))
        return false;
    for (size_t i = 0; i < conn->n_statements; i++) {
        if (!PQsendPrepare(conn->pg, conn->statements[i].name, conn->statements[i].sql, 0, NULL))
            return false;
    }
    return PQpipelineSync(conn->pg) == 1;
}

static void connect_step(struct pgconn *conn)
{
    switch (PQconnectPoll(conn->pg)) {
    case PGRES_POLLING_READING:
        watch(conn, EV_READ);
        return;
    case PGRES_POLLING_WRITING:
        watch(conn, EV_WRITE);
        return;
    case PGRES_POLLING_FAILED:
        fail(conn, "connect failed");
        return;
    case PGRES_POLLING_OK:
    default:
        break;
    }
    if (PQsetnonblocking(conn->pg, 1) != 0 || PQenterPipelineMode(conn->pg) != 1 ||
        !send_setup(conn)) {
        fail(conn, "session set-up failed");
        return;
    }
    set_state(conn, PGCONN_PREPARING);
    conn->pending_syncs = 1;
    flush(conn);
}

static void start_connect(struct pgconn *conn)
{
    const char *keywords[] = {"dbname", "application_name", "connect_timeout", NULL};
    const char *values[] = {conn->conninfo, conn->application_name, "10", NULL};
    conn->pg = PQconnectStartParams(keywords, values, 1);
    conn->busy_since = monotonic_ms();
    set_state(conn, PGCONN_CONNECTING);
    if (conn->pg == NULL || PQstatus(conn->pg) == CONNECTION_BAD) {
        fail(conn, "connect start failed");
        return;
    }
    connect_step(conn);
}

/* Delivers every result that is complete; true while the connection is healthy. */
static bool drain_results(struct pgconn *conn)
{
    while (conn->pending_syncs > 0 && !PQisBusy(conn->pg)) {
        PGresult *res = PQgetResult(conn->pg);
        if (res == NULL) {
            if (conn->state == PGCONN_BUSY)
                conn->cb(conn, PGCONN_EV_QUERY_END, NULL, conn->cb_arg);
            if (conn->state == PGCONN_DOWN)
                return false;
            continue;
        }
        ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            conn->pending_syncs--;
            if (conn->state == PGCONN_BUSY)
                conn->cb(conn, PGCONN_EV_SYNC, NULL, conn->cb_arg);
            if (conn->state == PGCONN_DOWN)
                return false;
            continue;
        }
        if (conn->state == PGCONN_PREPARING) {
            bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
            if (!ok)
                log_error("pg_setup_failed", "error=\"%.300s\"", PQresultErrorMessage(res));
            PQclear(res);
            if (!ok) {
                fail(conn, "session set-up refused (are the migrations applied?)");
                return false;
            }
            continue;
        }
        conn->cb(conn, PGCONN_EV_RESULT, res, conn->cb_arg); /* the handler owns res */
        if (conn->state == PGCONN_DOWN)
            return false;
    }
    if (PQstatus(conn->pg) == CONNECTION_BAD) {
        fail(conn, "connection lost");
        return false;
    }
    return true;
}

static void become_idle(struct pgconn *conn)
{
    enum pgconn_state was = conn->state;
    set_state(conn, PGCONN_IDLE);
    conn->retry_delay_ms = RECONNECT_MIN_MS;
    watch(conn, EV_READ); /* notices a server that goes away while idle */
    conn->cb(conn, was == PGCONN_PREPARING ? PGCONN_EV_UP : PGCONN_EV_IDLE, NULL, conn->cb_arg);
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
    struct pgconn *conn = arg;
    (void)fd;
    if (conn->state == PGCONN_CONNECTING) {
        connect_step(conn);
        return;
    }
    if ((what & EV_READ) && PQconsumeInput(conn->pg) == 0) {
        fail(conn, "read failed");
        return;
    }
    if (conn->state == PGCONN_IDLE) {
        /* Nothing is expected: only a notice, or the server closing on us. */
        if (PQstatus(conn->pg) == CONNECTION_BAD)
            fail(conn, "connection lost while idle");
        return;
    }
    if (!drain_results(conn))
        return;
    if (conn->pending_syncs == 0) {
        become_idle(conn);
        return;
    }
    /* Results and flushing interleave: after reading, try to send the rest. */
    if ((what & EV_WRITE) || conn->need_flush)
        flush(conn);
}

struct pgconn *pgconn_new(struct event_base *base, const char *conninfo,
                          const char *application_name, const struct pgconn_statement *statements,
                          size_t n_statements, int statement_timeout_ms, pgconn_cb cb, void *arg)
{
    struct pgconn *conn = calloc(1, sizeof(*conn));
    if (conn == NULL)
        return NULL;
    conn->base = base;
    conn->conninfo = strdup(conninfo);
    conn->application_name = strdup(application_name);
    conn->statements = statements;
    conn->n_statements = n_statements;
    conn->statement_timeout_ms = statement_timeout_ms;
    conn->cb = cb;
    conn->cb_arg = arg;
    conn->watched_fd = -1;
    conn->retry_delay_ms = RECONNECT_MIN_MS;
    conn->state = PGCONN_DOWN;
    conn->retry_timer = evtimer_new(base, on_retry, conn);
    if (conn->conninfo == NULL || conn->application_name == NULL || conn->retry_timer == NULL) {
        pgconn_free(conn);
        return NULL;
    }
    start_connect(conn);
    return conn;
}

void pgconn_free(struct pgconn *conn)
{
    if (conn == NULL)
        return;
    close_pg(conn);
    if (conn->retry_timer != NULL)
        event_free(conn->retry_timer);
    free(conn->conninfo);
    free(conn->application_name);
    free(conn);
}

bool pgconn_send_prepared(struct pgconn *conn, const char *name, int n_params,
                          const char *const *values, const int *lengths, const int *formats)
{
    assert(conn->state == PGCONN_IDLE);
    return PQsendQueryPrepared(conn->pg, name, n_params, values, lengths, formats, 0) == 1;
}

bool pgconn_send_query(struct pgconn *conn, const char *sql, int n_params,
                       const char *const *values, const int *lengths, const int *formats)
{
    assert(conn->state == PGCONN_IDLE);
    return PQsendQueryParams(conn->pg, sql, n_params, NULL, values, lengths, formats, 0) == 1;
}

bool pgconn_sync(struct pgconn *conn)
{
    assert(conn->state == PGCONN_IDLE);
    if (PQpipelineSync(conn->pg) != 1)
        return false;
    conn->pending_syncs++;
    return true;
}

void pgconn_dispatch(struct pgconn *conn)
{
    assert(conn->state == PGCONN_IDLE && conn->pending_syncs > 0);
    set_state(conn, PGCONN_BUSY);
    conn->busy_since = monotonic_ms();
    flush(conn);
}
