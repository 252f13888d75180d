/*
 * The checker's database: statements run one after another on one asynchronous PostgreSQL
 * connection (common/pgconn) on the checker's event loop, so storing never blocks a fetch.
 */
#ifndef CHECKER_CHECKDB_H
#define CHECKER_CHECKDB_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>
#include <libpq-fe.h>

#define CHECKDB_MAX_PARAMS 6

enum checkdb_outcome {
    CHECKDB_OK,          /* `res` holds the statement's rows */
    CHECKDB_ERROR,       /* the statement failed; `res` holds the error */
    CHECKDB_UNAVAILABLE, /* no connection, timed out or lost: `res` is NULL */
    CHECKDB_OUTCOME_MAX
};

/* Called once per statement, from the event loop; `res` is valid during the call only. */
typedef void (*checkdb_cb)(enum checkdb_outcome outcome, const PGresult *res, void *arg);

struct checkdb;

/*
 * Connects at once. A statement runs longer than timeout_ms is cancelled by dropping the
 * connection (it reconnects); a statement waits at most 4 * timeout_ms for a connection.
 * Until the first connection succeeds a failure to connect fails every waiting statement.
 */
struct checkdb *checkdb_new(struct event_base *base, const char *conninfo, int timeout_ms);

/* Statements still queued or running are dropped without their callbacks. */
void checkdb_free(struct checkdb *db);

/* Queues one statement (values copied; NULL is SQL NULL). false only when out of memory. */
bool checkdb_query(struct checkdb *db, const char *sql, int n_params, const char *const *values,
                   checkdb_cb cb, void *arg) __attribute__((warn_unused_result));

/* Statements queued or running. */
size_t checkdb_pending(const struct checkdb *db);

const char *checkdb_outcome_name(enum checkdb_outcome o);

#endif
