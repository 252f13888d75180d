/* Per-loop PostgreSQL connections, the job queues, and group commit of writes. */
#include "db_pool.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "pgconn.h"

const struct pgconn_statement db_statements[] = {
    {"ingest_report", "SELECT * FROM mw.ingest_report($1, $2, $3, $4)"},
    {"ingest_meeting", "SELECT * FROM mw.ingest_meeting($1, $2, $3, $4)"},
    {"ingest_meetings", "SELECT * FROM mw.ingest_meetings($1, $2, $3, $4)"},
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

/* One statement of a write batch: a job's own, or the combined one of a run of jobs. */
struct part {
    int first, count; /* the jobs it runs: batch[first .. first + count) */
    PGresult *res;    /* its result, kept until COMMIT */
};

/* A connection with the batch it carries. */
struct slot {
    struct db_pool *pool;
    struct pgconn *conn;
    enum db_job_kind mode;
    struct db_job **batch; /* jobs in flight, in send order */
    int n;
    struct part *parts; /* a write batch's statements, in send order */
    int n_parts;
    int query; /* index of the query whose results arrive now */
    bool begin_ok, commit_ok;
    int failed_part;      /* a write statement that failed for its document(s), or -1 */
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

/*
 * A one-dimensional array of `count` elements of type `elem` in PostgreSQL's binary format
 * (array_recv): the parameter `p` of each job. Returns its length, or -1 without memory.
 */
static int array_param(struct db_job *const *jobs, int count, int p, Oid elem, char **out)
{
    size_t size = 20;
    bool nulls = false;
    for (int k = 0; k < count; k++) {
        const struct db_job *job = jobs[k];
        nulls |= job->values[p] == NULL;
        if (job->values[p] != NULL)
            size += (size_t)(job->formats[p] ? job->lengths[p] : (int)strlen(job->values[p]));
        size += 4;
    }
    if (size > INT32_MAX || (*out = malloc(size)) == NULL)
        return -1;
    char *at = *out;
    uint32_t header[5] = {htonl(1), htonl(nulls), htonl(elem), htonl((uint32_t)count), htonl(1)};
    memcpy(at, header, sizeof(header));
    at += sizeof(header);
    for (int k = 0; k < count; k++) {
        const struct db_job *job = jobs[k];
        int len = job->values[p] == NULL ? -1
                  : job->formats[p]      ? job->lengths[p]
                                         : (int)strlen(job->values[p]);
        uint32_t be = htonl((uint32_t)len);
        memcpy(at, &be, 4);
        at += 4;
        if (len > 0) {
            memcpy(at, job->values[p], (size_t)len);
            at += len;
        }
    }
    return (int)size;
}

/* Sends the combined statement of a run of jobs: each parameter an array of theirs. */
static bool send_combined(struct slot *slot, struct db_job *const *jobs, int count)
{
    const struct db_job *first = jobs[0];
    char *values[DB_JOB_MAX_PARAMS] = {0};
    int lengths[DB_JOB_MAX_PARAMS], formats[DB_JOB_MAX_PARAMS];
    bool ok = true;
    for (int p = 0; ok && p < first->n_params; p++) {
        lengths[p] = array_param(jobs, count, p, first->combined_types[p], &values[p]);
        formats[p] = 1;
        ok = lengths[p] >= 0;
    }
    ok = ok && pgconn_send_prepared(slot->conn, first->combined_statement, first->n_params,
                                    (const char *const *)values, lengths, formats);
    for (int p = 0; p < first->n_params; p++)
        free(values[p]);
    return ok;
}

static bool combinable(const struct db_job *a, const struct db_job *b)
{
    return a->combined_statement != NULL && !a->solo && !b->solo &&
           b->combined_statement == a->combined_statement;
}

/* Splits a write batch into statements: runs of combinable jobs, the others one each. */
static void plan_parts(struct slot *slot)
{
    slot->n_parts = 0;
    for (int i = 0; i < slot->n;) {
        int j = i + 1;
        while (j < slot->n && combinable(slot->batch[i], slot->batch[j]))
            j++;
        slot->parts[slot->n_parts++] = (struct part){.first = i, .count = j - i};
        for (int k = i; k < j; k++)
            slot->batch[k]->row = j - i > 1 ? -1 : 0; /* -1: not answered yet */
        i = j;
    }
}

/* Takes up to batch_max jobs from `q` and sends them on the idle `slot`. */
static void start_batch(struct slot *slot, struct job_queue *q, enum db_job_kind mode)
{
    struct db_pool *pool = slot->pool;
    slot->mode = mode;
    slot->n = 0;
    slot->query = 0;
    slot->begin_ok = slot->commit_ok = false;
    slot->failed_part = -1;
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
        plan_parts(slot);
        ok = pgconn_send_query(slot->conn, "BEGIN", 0, NULL, NULL, NULL);
        for (int i = 0; ok && i < slot->n_parts; i++) {
            const struct part *part = &slot->parts[i];
            ok = part->count == 1 ? send_job(slot, slot->batch[part->first])
                                  : send_combined(slot, &slot->batch[part->first], part->count);
        }
        ok = ok && pgconn_sync(slot->conn);
        ok = ok && pgconn_send_query(slot->conn, "COMMIT", 0, NULL, NULL, NULL);
        ok = ok && pgconn_sync(slot->conn);
    } else {
        for (int i = 0; ok && i < slot->n; i++) {
            slot->batch[i]->row = 0;
            ok = send_job(slot, slot->batch[i]) && pgconn_sync(slot->conn);
        }
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

/* After COMMIT: answers the jobs of one statement with its result. */
static void answer_part(struct slot *slot, const struct part *part)
{
    struct db_job *const *jobs = &slot->batch[part->first];
    if (part->count == 1) {
        finish(jobs[0], DB_OK, part->res);
        return;
    }
    /* Rows first, answers after: done() may free a job. */
    int rows = PQntuples(part->res);
    for (int r = 0; r < rows; r++) {
        long ord = strtol(PQgetvalue(part->res, r, 0), NULL, 10);
        if (ord >= 1 && ord <= part->count && jobs[ord - 1]->row < 0)
            jobs[ord - 1]->row = r;
    }
    for (int k = 0; k < part->count; k++) {
        struct db_job *job = jobs[k];
        if (job->row >= 0) {
            finish(job, DB_OK, part->res);
            continue;
        }
        /* Committed or not, the statement did not say: the client must ask again. */
        log_error("combined_answer_missing", "statement=%s position=%d", job->combined_statement,
                  k + 1);
        job->row = 0;
        finish(job, DB_QUERY_ERROR, NULL);
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
    metrics_observe_batch(n, slot->n_parts, monotonic_ms() - slot->started, committed);
    if (committed) {
        for (int i = 0; i < slot->n_parts; i++)
            answer_part(slot, &slot->parts[i]);
        return;
    }
    /* Nothing of the batch is committed. A job whose own statement failed gets its error; a
     * combined statement that failed has its jobs run on their own, so that the failing one
     * is found. The others run again in a later batch, unless the link itself is gone. Their
     * attempt does not count then: another document's error is no fault of theirs, and each
     * such rollback answers one job or splits one group, so however many of a batch fail, the
     * rest get in. */
    int failed_job = -1;
    if (!lost && slot->failed_part >= 0) {
        const struct part *failed = &slot->parts[slot->failed_part];
        if (failed->count == 1)
            failed_job = failed->first;
        for (int k = failed->first; k < failed->first + failed->count; k++)
            slot->batch[k]->solo = true;
    }
    const PGresult *failed_res = failed_job >= 0 ? slot->parts[slot->failed_part].res : NULL;
    bool innocent = !lost && slot->failed_part >= 0;
    bool again = innocent || (!lost && retryable_sqlstate(slot->sqlstate));
    for (int i = n - 1; i >= 0; i--) {
        struct db_job *job = slot->batch[i];
        if (innocent && i != failed_job)
            job->attempts--;
        if (i == failed_job)
            finish(job, DB_QUERY_ERROR, failed_res);
        else if (again && job->attempts < MAX_ATTEMPTS)
            queue_push_front(&pool->writes, job);
        else
            finish(job, DB_UNAVAILABLE, NULL);
    }
    if (!lost)
        log_warn("batch_rolled_back", "jobs=%d statements=%d sqlstate=%s failed_statement=%d", n,
                 slot->n_parts, slot->sqlstate ? slot->sqlstate : "-", slot->failed_part);
}

static void end_batch(struct slot *slot, bool lost)
{
    slot->pool->in_flight -= (size_t)slot->n;
    settle_batch(slot, lost);
    for (int i = 0; i < slot->n_parts; i++) {
        PQclear(slot->parts[i].res);
        slot->parts[i].res = NULL;
    }
    slot->n_parts = 0;
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
    } else if (slot->query <= slot->n_parts) {
        struct part *part = &slot->parts[slot->query - 1];
        if (!ok && st != PGRES_PIPELINE_ABORTED && slot->failed_part < 0 &&
            document_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE)))
            slot->failed_part = slot->query - 1;
        PQclear(part->res);
        part->res = res;
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
        slot->parts = calloc((size_t)cfg->batch_max, sizeof(*slot->parts));
        if (slot->batch == NULL || slot->parts == NULL) {
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
        free(slot->parts);
    }
    free(pool->slots);
    free(pool);
}

void db_pool_submit(struct db_pool *pool, struct db_job *job)
{
    struct job_queue *q = job->kind == DB_JOB_WRITE ? &pool->writes : &pool->reads;
    job->attempts = 0;
    job->solo = false;
    job->row = 0;
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
