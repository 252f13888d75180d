/* The checker's statement queue over one asynchronous PostgreSQL connection. */
#include "checkdb.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pgconn.h"

#define SWEEP_MS 250

static const char *const outcome_names[] = {
    [CHECKDB_OK] = "ok",
    [CHECKDB_ERROR] = "error",
    [CHECKDB_UNAVAILABLE] = "unavailable",
};
static_assert(sizeof(outcome_names) / sizeof(outcome_names[0]) == CHECKDB_OUTCOME_MAX,
              "every outcome has a name");

struct job {
    struct job *next;
    char *sql;
    int n_params;
    char *values[CHECKDB_MAX_PARAMS];
    checkdb_cb cb;
    void *arg;
    uint64_t queued_at;
};

struct checkdb {
    struct pgconn *conn;
    struct event *sweep_ev;
    int timeout_ms;
    struct job *head, *tail; /* waiting, oldest first */
    size_t queued;
    struct job *running; /* sent, until the connection is idle again or down */
    PGresult *result;    /* the running statement's last result */
    bool ever_up;        /* connected at least once */
};

const char *checkdb_outcome_name(enum checkdb_outcome o)
{
    return (unsigned)o < CHECKDB_OUTCOME_MAX ? outcome_names[o] : "?";
}

static void job_free(struct job *job)
{
    free(job->sql);
    for (int i = 0; i < job->n_params; i++)
        free(job->values[i]);
    free(job);
}

/* The one completion point of a statement: its callback, then it is gone. */
static void complete(struct job *job, enum checkdb_outcome outcome, const PGresult *res)
{
    job->cb(outcome, res, job->arg);
    job_free(job);
}

static struct job *pop(struct checkdb *db)
{
    struct job *job = db->head;
    if (job != NULL) {
        db->head = job->next;
        if (db->head == NULL)
            db->tail = NULL;
        db->queued--;
    }
    return job;
}

static void fail_waiting(struct checkdb *db, uint64_t older_than)
{
    while (db->head != NULL && db->head->queued_at < older_than)
        complete(pop(db), CHECKDB_UNAVAILABLE, NULL);
}

/* Sends the next statement when the connection is idle. */
static void pump(struct checkdb *db)
{
    if (db->running != NULL || db->head == NULL || pgconn_state(db->conn) != PGCONN_IDLE)
        return;
    struct job *job = pop(db);
    db->running = job;
    if (!pgconn_send_query(db->conn, job->sql, job->n_params, (const char *const *)job->values,
                           NULL, NULL) ||
        !pgconn_sync(db->conn)) {
        pgconn_drop(db->conn, "send failed"); /* fails the job through PGCONN_EV_DOWN */
        return;
    }
    pgconn_dispatch(db->conn);
}

static void finish_running(struct checkdb *db, bool lost)
{
    struct job *job = db->running;
    PGresult *res = db->result;
    db->running = NULL;
    db->result = NULL;
    if (job != NULL) {
        enum checkdb_outcome outcome = CHECKDB_UNAVAILABLE;
        if (!lost && res != NULL) {
            ExecStatusType st = PQresultStatus(res);
            outcome = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ? CHECKDB_OK : CHECKDB_ERROR;
            if (outcome == CHECKDB_ERROR)
                log_warn("db_statement_failed", "error=\"%.300s\"", PQresultErrorMessage(res));
        }
        complete(job, outcome, outcome == CHECKDB_UNAVAILABLE ? NULL : res);
    }
    PQclear(res);
}

static void on_conn(struct pgconn *conn, enum pgconn_event ev, PGresult *res, void *arg)
{
    struct checkdb *db = arg;
    (void)conn;
    switch (ev) {
    case PGCONN_EV_RESULT:
        if (db->result == NULL || PQresultStatus(db->result) == PGRES_TUPLES_OK ||
            PQresultStatus(db->result) == PGRES_COMMAND_OK) {
            PQclear(db->result); /* keep the first error, else the last result */
            db->result = res;
        } else {
            PQclear(res);
        }
        return;
    case PGCONN_EV_UP:
        db->ever_up = true;
        log_info("db_connected", "component=checker");
        pump(db);
        return;
    case PGCONN_EV_IDLE:
        finish_running(db, false);
        pump(db);
        return;
    case PGCONN_EV_DOWN:
        finish_running(db, true);
        if (!db->ever_up)
            fail_waiting(db, UINT64_MAX); /* cannot connect at all: say so at once */
        return;
    case PGCONN_EV_QUERY_END:
    case PGCONN_EV_SYNC:
    case PGCONN_EV_MAX:
        return;
    }
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    struct checkdb *db = arg;
    (void)fd;
    (void)what;
    uint64_t now = monotonic_ms();
    enum pgconn_state st = pgconn_state(db->conn);
    if ((st == PGCONN_BUSY || st == PGCONN_CONNECTING || st == PGCONN_PREPARING) &&
        now - pgconn_busy_since_ms(db->conn) > (uint64_t)db->timeout_ms)
        pgconn_drop(db->conn, "timeout");
    uint64_t wait_limit = 4 * (uint64_t)db->timeout_ms;
    if (now > wait_limit)
        fail_waiting(db, now - wait_limit);
}

struct checkdb *checkdb_new(struct event_base *base, const char *conninfo, int timeout_ms)
{
    struct checkdb *db = calloc(1, sizeof(*db));
    if (db == NULL)
        return NULL;
    db->timeout_ms = timeout_ms;
    db->sweep_ev = event_new(base, -1, EV_PERSIST, on_sweep, db);
    struct timeval tv = {0, SWEEP_MS * 1000};
    if (db->sweep_ev == NULL || event_add(db->sweep_ev, &tv) != 0) {
        checkdb_free(db);
        return NULL;
    }
    db->conn = pgconn_new(base, conninfo, "mentorwatch-checker", NULL, 0, timeout_ms, on_conn, db);
    if (db->conn == NULL) {
        checkdb_free(db);
        return NULL;
    }
    return db;
}

void checkdb_free(struct checkdb *db)
{
    if (db == NULL)
        return;
    pgconn_free(db->conn);
    if (db->running != NULL)
        job_free(db->running);
    PQclear(db->result);
    struct job *job;
    while ((job = pop(db)) != NULL)
        job_free(job);
    if (db->sweep_ev != NULL)
        event_free(db->sweep_ev);
    free(db);
}

bool checkdb_query(struct checkdb *db, const char *sql, int n_params, const char *const *values,
                   checkdb_cb cb, void *arg)
{
    assert(n_params >= 0 && n_params <= CHECKDB_MAX_PARAMS);
    struct job *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return false;
    job->sql = strdup(sql);
    job->n_params = n_params;
    job->cb = cb;
    job->arg = arg;
    job->queued_at = monotonic_ms();
    bool ok = job->sql != NULL;
    for (int i = 0; i < n_params; i++) {
        if (values[i] != NULL && (job->values[i] = strdup(values[i])) == NULL)
            ok = false;
    }
    if (!ok) {
        job_free(job);
        return false;
    }
    if (db->tail != NULL)
        db->tail->next = job;
    else
        db->head = job;
    db->tail = job;
    db->queued++;
    pump(db);
    return true;
}

size_t checkdb_pending(const struct checkdb *db)
{
    return db->queued + (db->running != NULL ? 1 : 0);
}
