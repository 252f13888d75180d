/* Per-loop PostgreSQL connections, the job queues, and group commit of writes. */
#ifndef COLLECTOR_DB_POOL_H
#define COLLECTOR_DB_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "config.h"
#include "pgconn.h"

#define DB_JOB_MAX_PARAMS 6

enum db_job_kind {
    DB_JOB_WRITE, /* committed together with other writes; answered after COMMIT */
    DB_JOB_READ,  /* its own implicit transaction */
};

enum db_outcome {
    DB_OK,          /* `res` holds the statement's result */
    DB_QUERY_ERROR, /* the statement failed; `res` holds the error */
    DB_UNAVAILABLE, /* no connection, queue full, timeout or connection lost: retry later */
};

/*
 * One statement to run. The submitter owns the job and everything it points to
 * until done() is called, exactly once. done() may run inside db_pool_submit.
 */
struct db_job {
    enum db_job_kind kind;
    const char *statement; /* prepared statement name, or NULL to send `sql` */
    const char *sql;
    int n_params;
    const char *values[DB_JOB_MAX_PARAMS];
    int lengths[DB_JOB_MAX_PARAMS];
    int formats[DB_JOB_MAX_PARAMS];
    /*
     * Optional, for writes: a prepared statement that runs many jobs like this one at once.
     * Its parameters are arrays of this job's, with the element types `combined_types`; it
     * returns one row per job, whose first column is the job's 1-based position in the
     * arrays. A text-format parameter must be of a type whose binary form is its text.
     */
    const char *combined_statement;
    const Oid *combined_types;
    /* `res`'s row that answers the job, read by done(): 0 unless it ran combined. */
    int row;
    void (*done)(struct db_job *job, enum db_outcome outcome, const PGresult *res);

    /* Owned by the pool while the job is queued or in flight. */
    struct db_job *next;
    uint64_t queued_at; /* monotonic ms, for the queue timeout */
    int attempts;       /* batches it was part of */
    bool solo;          /* its combined statement failed: it runs on its own from now on */
};

struct db_pool;

/* Statements every connection prepares (name, SQL). */
extern const struct pgconn_statement db_statements[];
extern const size_t db_statements_count;

struct db_pool *db_pool_new(struct event_base *base, const struct collector_config *cfg);
void db_pool_free(struct db_pool *pool);

void db_pool_submit(struct db_pool *pool, struct db_job *job);

/* True when at least one connection is up. */
bool db_pool_ready(const struct db_pool *pool);

/* Jobs queued or in flight (SIGTERM waits for zero). */
size_t db_pool_pending(const struct db_pool *pool);

/* Periodic sweep: drops connections whose batch is too slow, expires queued jobs. */
void db_pool_sweep(struct db_pool *pool, uint64_t now_ms);

#endif
