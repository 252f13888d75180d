/* A worker: one thread with its own event loop, HTTP listener and database connections. */
#ifndef COLLECTOR_WORKER_H
#define COLLECTOR_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "config.h"
#include "db_pool.h"
#include "json_arena.h"

struct request;
struct client_conn;

struct worker {
    int index;
    const struct collector_config *cfg;
    struct event_base *base;
    struct evhttp *http;
    struct evconnlistener *listener;   /* SO_REUSEPORT: every worker accepts on the port */
    struct evhttp_bound_socket *bound; /* the listener as evhttp holds it; NULL once closed */
    struct db_pool *db;
    struct event *janitor;        /* periodic sweep: DB timeouts, draining */
    struct event *stop_ev;        /* activated from the main thread on SIGTERM */
    struct json_arena json_arena; /* cJSON trees of the request being parsed (json_arena.h) */
    pthread_t thread;

    bool draining;            /* not accepting; exits once in-flight work is done */
    uint64_t drain_deadline;  /* monotonic ms */
    struct request *requests; /* in flight (doubly linked) */
    size_t n_requests;
    int n_connections;               /* open client connections */
    bool accept_paused;              /* at the connection cap */
    struct client_conn *conns;       /* every open connection (doubly linked) */
    struct client_conn **conn_by_fd; /* lookup from a request's socket */
    size_t conn_by_fd_size;
    uint64_t next_stats_ms; /* when the janitor logs the next stats line */
};

/* Creates the loop, binds the port, connects to the database. False on failure. */
bool worker_init(struct worker *w, int index, const struct collector_config *cfg)
    __attribute__((warn_unused_result));
bool worker_start(struct worker *w) __attribute__((warn_unused_result));
/* Thread-safe: asks the worker to stop accepting and exit when drained. */
void worker_request_stop(struct worker *w);
void worker_join(struct worker *w);
void worker_free(struct worker *w);

void worker_track_request(struct worker *w, struct request *r);
void worker_untrack_request(struct worker *w, struct request *r);

#endif
