/* Per-loop PostgreSQL connections, the job queues, and group commit of writes. */
#include "db_pool.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "pgconn.h"

const struct pgconn_statement db_statements[] = {
    {"ingest_report", "SELECT * FROM mw.ingest_report($1, $2, $3, $4)"},
    {"ingest_meeting", "SELECT * FROM mw.ingest_meeting($1, $2, $3, $4)"},
    {"authenticate", "SELECT * FROM mw.authenticate($1)"},
};
const size_t db_statements_count = sizeof(db_statements) / sizeof(db_statements[0]);

/* SQLSTATEs after which a whole batch may simply run again. */
static bool retryable_sqlstate(const char *state)
{
    return state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

/*
 * Errors that say something about the document itself (bad data, a constraint, our SQL):
 * only that job fails. Anything else (connection, shutdown, resources, cancel) is the
 * database's state, not the job's: the job is answered 503 or run again.
 */
static bool document_sqlstate(const char *state)
{
    static const char *const classes[] = {"22", "23", "42", "P0", "39", "2F", "44"};
    if (state == NULL)
        return false;
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (strncmp(state, classes[i], 2) == 0)
            return true;
    return false;
}

#define MAX_ATTEMPTS 3

struct job_queue {
    struct db_job *head, *tail;
    size_t length;
};

/* A connection with the batch it carries. */
struct slot {
    struct db_pool *pool;
    struct pgconn *conn;
    enum db_job_kind mode;
    struct db_job **batch; /* jobs in flight, in send order */
    int n;
    int query; /* index of the query whose results arrive now */
    bool begin_ok, commit_ok;
    int failed_job;       /* a write whose own statement failed, or -1 */
    bool up;              /* counted in the connections gauge */
    const char *sqlstate; /* of the first error in a write batch */
    uint64_t started;
};

struct db_pool {
    const struct collector_config *cfg;
    struct slot *slots;
    int n_slots;
    struct job_queue writes, reads;
    bool reads_turn; /* alternates with writes when both wait */
    size_t in_flight;
};

static void queue_push(struct job_queue *q, struct db_job *job)
{
    job->next = NULL;
    if (q->tail != NULL)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
    q->length++;
}

static void queue_push_front(struct job_queue *q, struct db_job *job)
{
    job->next = q->head;
    q->head = job;
    if (q->tail == NULL)
        q->tail = job;
    q->length++;
}

static struct db_job *queue_pop(struct job_queue *q)
{
    struct db_job *job = q->head;
    if (job == NULL)
        return NULL;
    q->head = job->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->length--;
    job->next = NULL;
    return job;
}

static void finish(struct db_job *job, enum db_outcome outcome, const PGresult *res)
{
    job->done(job, outcome, res);
}

static bool any_up(const struct db_pool *pool)
{
    for (int i = 0; i < pool->n_slots; i++) {
        if (pool->slots[i].conn == NULL)
            continue; /* still being created */
        enum pgconn_state s = pgconn_state(pool->slots[i].conn);
        if (s == PGCONN_IDLE || s == PGCONN_BUSY)
            return true;
    }
    return false;
}

/* Some connection is up or on its way up: a job may wait for it. */
static bool any_alive(const struct db_pool *pool)
{
    for (int i = 0; i < pool->n_slots; i++) {
        if (pool->slots[i].conn != NULL && pgconn_state(pool->slots[i].conn) != PGCONN_DOWN)
            return true;
    }
    return false;
}

bool db_pool_ready(const struct db_pool *pool)
{
    return any_up(pool);
}

size_t db_pool_pending(const struct db_pool *pool)
{
    return pool->writes.length + pool->reads.length + pool->in_flight;
}

static void fail_queue(struct job_queue *q)
{
    struct db_job *job;
    while ((job = queue_pop(q)) != NULL)
        finish(job, DB_UNAVAILABLE, NULL);
}

static bool send_job(struct slot *slot, struct db_job *job)
{
    if (job->statement != NULL)
        return pgconn_send_prepared(slot->conn, job->statement, job->n_params, job->values,
                                    job->lengths, job->formats);
    return pgconn_send_query(slot->conn, job->sql, job->n_params, job->values, job->lengths,
                             job->formats);
}

/* Takes up to batch_max jobs from `q` and sends them on the idle `slot`. */
static void start_batch(struct slot *slot, struct job_queue *q, enum db_job_kind mode)
{
    struct db_pool *pool = slot->pool;
    slot->mode = mode;
    slot->n = 0;
    slot->query = 0;
    slot->begin_ok = slot->commit_ok = false;
    slot->failed_job = -1;
    slot->sqlstate = NULL;
    while (slot->n < pool->cfg->batch_max && q->head != NULL) {
        struct db_job *job = queue_pop(q);
        job->attempts++;
        slot->batch[slot->n++] = job;
    }
    pool->in_flight += (size_t)slot->n;
    slot->started = monotonic_ms();

    bool ok = true;
    if (mode == DB_JOB_WRITE) {
        /* A sync between the statements and COMMIT: after an error the server skips only up
         * to it, so COMMIT always runs and ends the transaction (as a ROLLBACK when it
         * failed) instead of leaving the next batch in an aborted one. */
        ok = pgconn_send_query(slot->conn, "BEGIN", 0, NULL, NULL, NULL);
        for (int i = 0; ok && i < slot->n; i++)
            ok = send_job(slot, slot->batch[i]);
        ok = ok && pgconn_sync(slot->conn);
        ok = ok && pgconn_send_query(slot->conn, "COMMIT", 0, NULL, NULL, NULL);
        ok = ok && pgconn_sync(slot->conn);
    } else {
        for (int i = 0; ok && i < slot->n; i++)
            ok = send_job(slot, slot->batch[i]) && pgconn_sync(slot->conn);
    }
    if (!ok) {
        pgconn_drop(slot->conn, "send failed"); /* fails the batch through EV_DOWN */
        return;
    }
    pgconn_dispatch(slot->conn);
}

/* Gives queued work to idle connections. */
static void pump(struct db_pool *pool)
{
    for (int i = 0; i < pool->n_slots; i++) {
        struct slot *slot = &pool->slots[i];
        if (pgconn_state(slot->conn) != PGCONN_IDLE || slot->n > 0)
            continue;
        bool have_w = pool->writes.head != NULL, have_r = pool->reads.head != NULL;
        if (!have_w && !have_r)
            return;
        bool reads = have_r && (!have_w || pool->reads_turn);
        pool->reads_turn = !reads;
        start_batch(slot, reads ? &pool->reads : &pool->writes, reads ? DB_JOB_READ : DB_JOB_WRITE);
    }
}

/* Answers or requeues every job of the batch. slot->n stays set meanwhile, so a
 * done() callback that submits new work never gets this slot's batch array. */
static void settle_batch(struct slot *slot, bool lost)
{
    struct db_pool *pool = slot->pool;
    int n = slot->n;

    if (slot->mode == DB_JOB_READ) {
        /* Reads are answered as their results arrive; the rest were lost. */
        for (int i = slot->query; i < n; i++)
            finish(slot->batch[i], DB_UNAVAILABLE, NULL);
        return;
    }

    bool committed = !lost && slot->begin_ok && slot->commit_ok;
    metrics_observe_batch(n, monotonic_ms() - slot->started, committed);
    if (committed) {
        for (int i = 0; i < n; i++) {
            struct db_job *job = slot->batch[i];
            PGresult *res = job->held;
            job->held = NULL;
            finish(job, DB_OK, res);
            PQclear(res);
        }
        return;
    }
    /* Nothing of the batch is committed. A job whose own statement failed gets its
     * error; the others run again in a later batch, unless the link itself is gone. Their
     * attempt does not count then: another document's error is no fault of theirs, and each
     * such rollback answers one job, so however many of a batch fail, the rest get in. */
    bool again = !lost && (slot->failed_job >= 0 || retryable_sqlstate(slot->sqlstate));
    bool innocent = !lost && slot->failed_job >= 0;
    for (int i = n - 1; i >= 0; i--) {
        struct db_job *job = slot->batch[i];
        PGresult *res = job->held;
        job->held = NULL;
        if (innocent && i != slot->failed_job)
            job->attempts--;
        if (i == slot->failed_job && !lost)
            finish(job, DB_QUERY_ERROR, res);
        else if (again && job->attempts < MAX_ATTEMPTS)
            queue_push_front(&pool->writes, job);
        else
            finish(job, DB_UNAVAILABLE, NULL);
        PQclear(res);
    }
    if (!lost)
        log_warn("batch_rolled_back", "jobs=%d sqlstate=%s failed_job=%d", n,
                 slot->sqlstate ? slot->sqlstate : "-", slot->failed_job);
}

static void end_batch(struct slot *slot, bool lost)
{
    slot->pool->in_flight -= (size_t)slot->n;
    settle_batch(slot, lost);
    slot->n = 0;
}

static void on_write_result(struct slot *slot, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok && slot->sqlstate == NULL && st != PGRES_PIPELINE_ABORTED) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        slot->sqlstate = state != NULL ? strdup(state) : NULL; /* freed in on_event */
        log_warn("batch_statement_failed", "query=%d error=\"%.300s\"", slot->query,
                 PQresultErrorMessage(res));
    }
    if (slot->query == 0) {
        slot->begin_ok = ok;
    } else if (slot->query <= slot->n) {
        struct db_job *job = slot->batch[slot->query - 1];
        if (!ok && st != PGRES_PIPELINE_ABORTED && slot->failed_job < 0 &&
            document_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE)))
            slot->failed_job = slot->query - 1;
        PQclear(job->held);
        job->held = res;
        return;
    } else {
        /* After an error COMMIT still answers COMMAND_OK, with the tag ROLLBACK. */
        slot->commit_ok = ok && strcmp(PQcmdStatus(res), "COMMIT") == 0;
    }
    PQclear(res);
}

static void on_event(struct pgconn *conn, enum pgconn_event ev, PGresult *res, void *arg)
{
    struct slot *slot = arg;
    struct db_pool *pool = slot->pool;
    (void)conn;
    switch (ev) {
    case PGCONN_EV_RESULT:
        if (slot->mode == DB_JOB_WRITE) {
            on_write_result(slot, res);
        } else if (slot->query < slot->n) {
            ExecStatusType st = PQresultStatus(res);
            bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
            enum db_outcome outcome = ok ? DB_OK
                                      : document_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE))
                                          ? DB_QUERY_ERROR
                                          : DB_UNAVAILABLE;
            finish(slot->batch[slot->query], outcome, res);
            PQclear(res);
        } else {
            PQclear(res);
        }
        return;
    case PGCONN_EV_QUERY_END:
        slot->query++;
        return;
    case PGCONN_EV_SYNC:
        return;
    case PGCONN_EV_IDLE:
        if (slot->n > 0) {
            end_batch(slot, false);
            free((void *)slot->sqlstate);
            slot->sqlstate = NULL;
        }
        pump(pool);
        return;
    case PGCONN_EV_UP:
        slot->up = true;
        metrics_db_connection(+1);
        log_info("db_connected", "slot=%d", (int)(slot - pool->slots));
        pump(pool);
        return;
    case PGCONN_EV_DOWN:
        if (slot->up) {
            slot->up = false;
            metrics_db_connection(-1);
        }
        if (slot->n > 0)
            end_batch(slot, true);
        free((void *)slot->sqlstate);
        slot->sqlstate = NULL;
        if (!any_up(pool)) {
            /* Nobody can serve the queue soon: answer 503 now rather than hang. */
            fail_queue(&pool->writes);
            fail_queue(&pool->reads);
        }
        return;
    case PGCONN_EV_MAX:
        return;
    }
}

struct db_pool *db_pool_new(struct event_base *base, const struct collector_config *cfg)
{
    struct db_pool *pool = calloc(1, sizeof(*pool));
    if (pool == NULL)
        return NULL;
    pool->cfg = cfg;
    pool->n_slots = cfg->db_connections;
    pool->slots = calloc((size_t)pool->n_slots, sizeof(*pool->slots));
    if (pool->slots == NULL) {
        free(pool);
        return NULL;
    }
    for (int i = 0; i < pool->n_slots; i++) {
        struct slot *slot = &pool->slots[i];
        slot->pool = pool;
        slot->batch = calloc((size_t)cfg->batch_max, sizeof(*slot->batch));
        if (slot->batch == NULL) {
            db_pool_free(pool);
            return NULL;
        }
    }
    for (int i = 0; i < pool->n_slots; i++) {
        struct slot *slot = &pool->slots[i];
        slot->conn = pgconn_new(base, cfg->database_url, "mentorwatch-collector", db_statements,
                                db_statements_count, cfg->db_timeout_ms, on_event, slot);
        if (slot->conn == NULL) {
            db_pool_free(pool);
            return NULL;
        }
    }
    return pool;
}

void db_pool_free(struct db_pool *pool)
{
    if (pool == NULL)
        return;
    fail_queue(&pool->writes);
    fail_queue(&pool->reads);
    for (int i = 0; i < pool->n_slots; i++) {
        struct slot *slot = &pool->slots[i];
        if (slot->conn != NULL) {
            if (slot->n > 0)
                end_batch(slot, true);
            if (slot->up)
                metrics_db_connection(-1);
            pgconn_free(slot->conn);
        }
        free((void *)slot->sqlstate);
        free(slot->batch);
    }
    free(pool->slots);
    free(pool);
}

void db_pool_submit(struct db_pool *pool, struct db_job *job)
{
    struct job_queue *q = job->kind == DB_JOB_WRITE ? &pool->writes : &pool->reads;
    job->held = NULL;
    job->attempts = 0;
    if (!any_alive(pool) || q->length >= (size_t)pool->cfg->queue_max) {
        finish(job, DB_UNAVAILABLE, NULL);
        return;
    }
    job->queued_at = monotonic_ms();
    queue_push(q, job);
    pump(pool);
}

static void expire_queue(struct job_queue *q, uint64_t deadline)
{
    /* Oldest first: stop at the first job young enough. */
    while (q->head != NULL && q->head->queued_at < deadline)
        finish(queue_pop(q), DB_UNAVAILABLE, NULL);
}

void db_pool_sweep(struct db_pool *pool, uint64_t now_ms)
{
    uint64_t limit = (uint64_t)pool->cfg->db_timeout_ms;
    for (int i = 0; i < pool->n_slots; i++) {
        struct slot *slot = &pool->slots[i];
        enum pgconn_state st = pgconn_state(slot->conn);
        if ((st == PGCONN_BUSY || st == PGCONN_CONNECTING || st == PGCONN_PREPARING) &&
            now_ms - pgconn_busy_since_ms(slot->conn) > limit)
            pgconn_drop(slot->conn, "timeout");
    }
    if (now_ms > limit) {
        expire_queue(&pool->writes, now_ms - limit);
        expire_queue(&pool->reads, now_ms - limit);
    }
}
