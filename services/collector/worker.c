/* A worker: one thread with its own event loop, HTTP listener and database connections. */
#include "worker.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "connections.h"
#include "log.h"
#include "pgconn.h"
#include "request.h"
#include "routes.h"

#define JANITOR_PERIOD_MS 333 /* timeouts need no finer grain */
#define STATS_PERIOD_MS   60000
#define LISTEN_BACKLOG    1024

void worker_track_request(struct worker *w, struct request *r)
{
    r->prev = NULL;
    r->next = w->requests;
    if (w->requests != NULL)
        w->requests->prev = r;
    w->requests = r;
    w->n_requests++;
}

void worker_untrack_request(struct worker *w, struct request *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        w->requests = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    w->n_requests--;
}

static void on_janitor(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    uint64_t now = monotonic_ms();
    db_pool_sweep(w->db, now);
    connections_sweep(w, now);
    if (now >= w->next_stats_ms) {
        /* A periodic picture for operators who read logs rather than /metrics. */
        log_info("stats", "worker=%d connections=%d requests=%zu db_pending=%zu db_ready=%s",
                 w->index, w->n_connections, w->n_requests, db_pool_pending(w->db),
                 db_pool_ready(w->db) ? "yes" : "no");
        w->next_stats_ms = now + STATS_PERIOD_MS;
    }
    if (!w->draining)
        return;
    if (w->n_requests == 0 && db_pool_pending(w->db) == 0) {
        log_info("worker_drained", "worker=%d", w->index);
        event_base_loopexit(w->base, NULL);
    } else if (now > w->drain_deadline) {
        log_warn("worker_drain_timeout", "worker=%d requests=%zu", w->index, w->n_requests);
        event_base_loopexit(w->base, NULL);
    }
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    if (w->draining)
        return;
    w->draining = true;
    w->drain_deadline = monotonic_ms() + (uint64_t)w->cfg->shutdown_grace_s * 1000u;
    /* Close the socket rather than pause it: with SO_REUSEPORT a paused socket still gets
     * its share of new connections, which would then hang. */
    if (w->bound != NULL)
        evhttp_del_accept_socket(w->http, w->bound);
    w->bound = NULL;
    w->listener = NULL;
    log_info("worker_draining", "worker=%d requests=%zu", w->index, w->n_requests);
}

static struct evconnlistener *listen_on(struct worker *w)
{
    struct evutil_addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
    char port[8];
    snprintf(port, sizeof(port), "%d", w->cfg->listen_port);
    int rc = evutil_getaddrinfo(w->cfg->listen_host, port, &hints, &ai);
    if (rc != 0 || ai == NULL) {
        log_error("listen_resolve_failed", "host=%s error=\"%s\"", w->cfg->listen_host,
                  evutil_gai_strerror(rc));
        return NULL;
    }
    struct evconnlistener *l = evconnlistener_new_bind(
        w->base, NULL, NULL,
        LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        LISTEN_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
    evutil_freeaddrinfo(ai);
    if (l == NULL)
        log_error("listen_failed", "host=%s port=%d error=\"%s\"", w->cfg->listen_host,
                  w->cfg->listen_port, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    return l;
}

/* With epoll, the change list folds the read/write interest changes evhttp makes on each
 * request into one epoll_ctl per socket per loop turn. No fd is ever dup'ed here, the one case
 * the change list gets wrong. */
static struct event_base *new_event_base(void)
{
    struct event_config *config = event_config_new();
    if (config == NULL)
        return NULL;
    event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(config);
    event_config_free(config);
    return base;
}

bool worker_init(struct worker *w, int index, const struct collector_config *cfg)
{
    memset(w, 0, sizeof(*w));
    w->index = index;
    w->cfg = cfg;
    w->base = new_event_base();
    if (w->base == NULL)
        return false;
    w->http = evhttp_new(w->base);
    if (w->http == NULL)
        return false;
    evhttp_set_gencb(w->http, routes_dispatch, w);
    evhttp_set_max_body_size(w->http, cfg->max_body_bytes);
    evhttp_set_max_headers_size(w->http, cfg->max_header_bytes);
    evhttp_set_timeout(w->http, cfg->client_timeout_s);
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    evhttp_set_bevcb(w->http, connections_new_bev, w);
    w->listener = listen_on(w);
    if (w->listener == NULL)
        return false;
    w->bound = evhttp_bind_listener(w->http, w->listener);
    if (w->bound == NULL) {
        evconnlistener_free(w->listener);
        w->listener = NULL;
        return false;
    }
    w->db = db_pool_new(w->base, cfg);
    if (w->db == NULL)
        return false;
    w->next_stats_ms = monotonic_ms() + STATS_PERIOD_MS;
    w->janitor = event_new(w->base, -1, EV_PERSIST, on_janitor, w);
    w->stop_ev = event_new(w->base, -1, 0, on_stop, w);
    struct timeval period = {0, JANITOR_PERIOD_MS * 1000};
    if (w->janitor == NULL || w->stop_ev == NULL || event_add(w->janitor, &period) != 0)
        return false;
    return true;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    log_info("worker_started", "worker=%d", w->index);
    event_base_dispatch(w->base);
    log_info("worker_stopped", "worker=%d", w->index);
    return NULL;
}

bool worker_start(struct worker *w)
{
    return pthread_create(&w->thread, NULL, worker_main, w) == 0;
}

void worker_request_stop(struct worker *w)
{
    event_active(w->stop_ev, EV_TIMEOUT, 0);
}

void worker_join(struct worker *w)
{
    pthread_join(w->thread, NULL);
}

void worker_free(struct worker *w)
{
    /* Connections first: their close callbacks detach the requests still waiting on
     * the database; then the pool answers those jobs into the void. */
    w->draining = true; /* connections closing now must not re-enable accepting */
    w->listener = NULL; /* freed with the evhttp, before the connections */
    if (w->http != NULL)
        evhttp_free(w->http);
    connections_free(w);
    db_pool_free(w->db);
    json_arena_release(&w->json_arena);
    if (w->janitor != NULL)
        event_free(w->janitor);
    if (w->stop_ev != NULL)
        event_free(w->stop_ev);
    if (w->base != NULL)
        event_base_free(w->base);
    memset(w, 0, sizeof(*w));
}
