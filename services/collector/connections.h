/* Client connections of a worker: the cap, the request each carries, and their deadlines. */
#ifndef COLLECTOR_CONNECTIONS_H
#define COLLECTOR_CONNECTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

struct worker;
struct request;

/*
 * One accepted connection. evhttp owns the socket and the evhttp_connection; we learn of
 * its end through the connection's close callback, which is ours alone (so it also
 * detaches the request in flight: never touch a freed evhttp_request).
 */
struct client_conn {
    struct worker *worker;
    struct bufferevent *bev;         /* ours to create (evhttp_set_bevcb), evhttp's to free */
    struct evhttp_connection *evcon; /* known once attached, right after the accept */
    int fd;
    struct request *pending; /* the request being answered, or NULL */
    uint64_t idle_since;     /* monotonic ms: accepted, or last reply sent */
    struct client_conn *prev, *next;
};

/* evhttp_set_bevcb callback; `arg` is the worker. Counts the connection, pauses accepting
 * at the cap. */
struct bufferevent *connections_new_bev(struct event_base *base, void *arg);

/* The connection carrying `evcon`, or NULL (e.g. not yet attached). */
struct client_conn *connections_find(struct worker *w, struct evhttp_connection *evcon);

/* Closes connections that have held a partial request longer than the request deadline
 * (a slow drip that evhttp's inactivity timeout never catches). */
void connections_sweep(struct worker *w, uint64_t now_ms);

/* Frees the worker's lookup table; the connections themselves go with evhttp_free. */
void connections_free(struct worker *w);

#endif
