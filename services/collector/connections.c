/* Client connections of a worker: the cap, the request each carries, and their deadlines. */
#include "connections.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "metrics.h"
#include "pgconn.h"
#include "request.h"
#include "worker.h"

static void set_accepting(struct worker *w)
{
    if (w->listener == NULL || w->draining)
        return;
    bool below_cap = w->n_connections < w->cfg->max_connections;
    if (below_cap && w->accept_paused) {
        evconnlistener_enable(w->listener);
        w->accept_paused = false;
    } else if (!below_cap && !w->accept_paused) {
        evconnlistener_disable(w->listener);
        w->accept_paused = true;
        log_warn("connection_cap_reached", "worker=%d connections=%d", w->index, w->n_connections);
    }
}

static bool index_fd(struct worker *w, int fd, struct client_conn *c)
{
    if (fd < 0)
        return false;
    if ((size_t)fd >= w->conn_by_fd_size) {
        size_t size = w->conn_by_fd_size ? w->conn_by_fd_size : 256;
        while (size <= (size_t)fd)
            size *= 2;
        struct client_conn **grown = realloc(w->conn_by_fd, size * sizeof(*grown));
        if (grown == NULL)
            return false;
        memset(grown + w->conn_by_fd_size, 0, (size - w->conn_by_fd_size) * sizeof(*grown));
        w->conn_by_fd = grown;
        w->conn_by_fd_size = size;
    }
    w->conn_by_fd[fd] = c;
    return true;
}

static void forget(struct client_conn *c)
{
    struct worker *w = c->worker;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    if (c->fd >= 0 && (size_t)c->fd < w->conn_by_fd_size && w->conn_by_fd[c->fd] == c)
        w->conn_by_fd[c->fd] = NULL;
    w->n_connections--;
    metrics_client_connection(-1);
    set_accepting(w);
    free(c);
}

/* evhttp is freeing the connection: detach the request still waiting for its reply. */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct client_conn *c = arg;
    (void)evcon;
    if (c->pending != NULL) {
        log_info("client_gone", "worker=%d method=%s path=%s", c->worker->index, c->pending->method,
                 c->pending->path ? c->pending->path : "-");
        c->pending->req = NULL;
        c->pending->conn = NULL;
    }
    forget(c);
}

/* Runs in the accept's loop iteration, after evhttp has built its connection on our bev. */
static void attach(evutil_socket_t fd, short what, void *arg)
{
    struct client_conn *c = arg;
    (void)fd;
    (void)what;
    bufferevent_event_cb eventcb = NULL;
    void *cbarg = NULL;
    bufferevent_getcb(c->bev, NULL, NULL, &eventcb, &cbarg);
    if (eventcb == NULL) {
        /* Already freed by evhttp (its free clears the callbacks before our decref). */
        bufferevent_decref(c->bev);
        c->fd = -1;
        forget(c);
        return;
    }
    /* In libevent 2.1 the callback argument of an evhttp bufferevent is its connection. */
    c->evcon = cbarg;
    c->fd = bufferevent_getfd(c->bev);
    /* Answers larger than a few segments otherwise end with a partial segment that Nagle holds
     * until the client's delayed ACK (~40 ms on Linux). */
    int one = 1;
    if (c->fd >= 0)
        (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    index_fd(c->worker, c->fd, c);
    evhttp_connection_set_closecb(c->evcon, on_close, c);
    bufferevent_decref(c->bev);
}

struct bufferevent *connections_new_bev(struct event_base *base, void *arg)
{
    struct worker *w = arg;
    struct client_conn *c = calloc(1, sizeof(*c));
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (c == NULL || bev == NULL) {
        free(c);
        return bev; /* evhttp serves it uncounted rather than fail the accept */
    }
    c->worker = w;
    c->bev = bev;
    c->fd = -1;
    c->idle_since = monotonic_ms();
    bufferevent_incref(bev); /* kept alive until attach() has looked at it */
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    w->n_connections++;
    metrics_client_connection(+1);
    set_accepting(w);
    if (event_base_once(base, -1, EV_TIMEOUT, attach, c, NULL) != 0) {
        log_error("connection_attach_failed", "worker=%d", w->index);
        bufferevent_decref(bev);
    }
    return bev;
}

struct client_conn *connections_find(struct worker *w, struct evhttp_connection *evcon)
{
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    int fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd < 0 || (size_t)fd >= w->conn_by_fd_size)
        return NULL;
    struct client_conn *c = w->conn_by_fd[fd];
    return c != NULL && c->evcon == evcon ? c : NULL;
}

void connections_sweep(struct worker *w, uint64_t now_ms)
{
    uint64_t deadline = (uint64_t)w->cfg->request_deadline_s * 1000u;
    struct client_conn *c = w->conns;
    while (c != NULL) {
        struct client_conn *next = c->next;
        /* Idle keep-alive connections are evhttp's timeout's business; a connection that
         * sends bytes slowly forever is ours: it never becomes a request we could time. */
        if (c->pending == NULL && c->evcon != NULL && now_ms - c->idle_since > deadline) {
            log_info("client_too_slow", "worker=%d fd=%d", w->index, c->fd);
            evhttp_connection_free(c->evcon); /* calls on_close, which frees c */
        }
        c = next;
    }
}

void connections_free(struct worker *w)
{
    free(w->conn_by_fd);
    w->conn_by_fd = NULL;
    w->conn_by_fd_size = 0;
}
