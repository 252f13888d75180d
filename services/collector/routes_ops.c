/* Operational endpoints: /healthz (alive), /readyz (can serve), /metrics (Prometheus). */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "request.h"
#include "routes.h"
#include "worker.h"

void route_healthz(struct worker *w, struct evhttp_request *req)
{
    struct request *r = request_new(w, req, ROUTE_OPS, sizeof(struct request));
    if (r == NULL) {
        evhttp_send_error(req, 503, NULL);
        return;
    }
    request_reply_json(r, 200, "{\"status\":\"ok\"}");
}

void route_readyz(struct worker *w, struct evhttp_request *req)
{
    struct request *r = request_new(w, req, ROUTE_OPS, sizeof(struct request));
    if (r == NULL) {
        evhttp_send_error(req, 503, NULL);
        return;
    }
    if (w->draining) {
        request_reply_json(r, 503, "{\"status\":\"stopping\"}");
    } else if (!db_pool_ready(w->db)) {
        request_add_header(r, "Retry-After", "2");
        request_reply_json(r, 503, "{\"status\":\"database_unavailable\"}");
    } else {
        request_reply_json(r, 200, "{\"status\":\"ready\"}");
    }
}

void route_metrics(struct worker *w, struct evhttp_request *req)
{
    struct request *r = request_new(w, req, ROUTE_OPS, sizeof(struct request));
    if (r == NULL) {
        evhttp_send_error(req, 503, NULL);
        return;
    }
    struct evbuffer *buf = evbuffer_new();
    if (buf == NULL) {
        request_reply_error(r, 503, "overloaded", "Сервер перегружен");
        return;
    }
    metrics_render(buf);
    size_t len = evbuffer_get_length(buf);
    const char *text = (const char *)evbuffer_pullup(buf, -1);
    request_finish(r, 200, "text/plain; version=0.0.4; charset=utf-8", text ? text : "",
                   text ? len : 0);
    evbuffer_free(buf);
}
