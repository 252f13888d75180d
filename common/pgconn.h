/* One asynchronous PostgreSQL connection in pipeline mode, driven by a libevent loop. */
#ifndef MW_PGCONN_H
#define MW_PGCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

struct pgconn;

/* What the connection tells its owner; one handler takes them all. */
enum pgconn_event {
    PGCONN_EV_UP,        /* connected and statements prepared: idle, ready for a batch */
    PGCONN_EV_RESULT,    /* one result of the batch in flight */
    PGCONN_EV_QUERY_END, /* all results of the current query were delivered */
    PGCONN_EV_SYNC,      /* a pipeline sync point was reached */
    PGCONN_EV_IDLE,      /* every sync of the batch arrived: the connection is idle again */
    PGCONN_EV_DOWN,      /* the connection failed or was dropped; a batch in flight is lost */
    PGCONN_EV_MAX
};

enum pgconn_state {
    PGCONN_DOWN,       /* waiting for the reconnect timer */
    PGCONN_CONNECTING, /* PQconnectPoll in progress */
    PGCONN_PREPARING,  /* session set-up pipeline in flight */
    PGCONN_IDLE,       /* ready for a batch */
    PGCONN_BUSY,       /* a batch is in flight */
    PGCONN_STATE_MAX
};

/* For PGCONN_EV_RESULT the handler owns `res` and must PQclear it; otherwise res is NULL. */
typedef void (*pgconn_cb)(struct pgconn *conn, enum pgconn_event ev, PGresult *res, void *arg);

/* A statement prepared on every (re)connection, so batches send only names and values. */
struct pgconn_statement {
    const char *name;
    const char *sql;
};

/*
 * Creates the connection and starts connecting at once. `statements` must outlive
 * the connection. `statement_timeout_ms` is set for the session; `application_name`
 * (copied) names the program in pg_stat_activity.
 */
struct pgconn *pgconn_new(struct event_base *base, const char *conninfo,
                          const char *application_name, const struct pgconn_statement *statements,
                          size_t n_statements, int statement_timeout_ms, pgconn_cb cb, void *arg);
void pgconn_free(struct pgconn *conn);

enum pgconn_state pgconn_state(const struct pgconn *conn);
const char *pgconn_state_name(enum pgconn_state state);

/* Monotonic milliseconds when the current batch (or connection attempt) started. */
uint64_t pgconn_busy_since_ms(const struct pgconn *conn);

/*
 * Building a batch on an idle connection: queue statements, each query followed by
 * its results and a QUERY_END; a sync closes an implicit transaction. Then
 * pgconn_dispatch flushes and marks the connection busy. A false return means
 * the connection broke: the caller calls pgconn_drop, which reports PGCONN_EV_DOWN.
 * The owner may call pgconn_drop from inside its handler, never pgconn_free.
 */
bool pgconn_send_prepared(struct pgconn *conn, const char *name, int n_params,
                          const char *const *values, const int *lengths, const int *formats)
    __attribute__((warn_unused_result));
bool pgconn_send_query(struct pgconn *conn, const char *sql, int n_params,
                       const char *const *values, const int *lengths, const int *formats)
    __attribute__((warn_unused_result));
bool pgconn_sync(struct pgconn *conn) __attribute__((warn_unused_result));
void pgconn_dispatch(struct pgconn *conn);

/* Drops the connection (e.g. a batch took too long); it reconnects by itself. */
void pgconn_drop(struct pgconn *conn, const char *reason);

/* Monotonic clock in milliseconds, shared by the services' timeouts. */
uint64_t monotonic_ms(void);

#endif
