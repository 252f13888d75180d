/* Dispatch of every HTTP request to its route by method and path. */
#include "routes.h"

#include <string.h>

#include "request.h"
#include "worker.h"

static void reply_simple(struct worker *w, struct evhttp_request *req, int status, const char *code,
                         const char *message)
{
    struct request *r = request_new(w, req, ROUTE_UNKNOWN, sizeof(struct request));
    if (r == NULL) {
        evhttp_send_error(req, 503, NULL);
        return;
    }
    if (status == 405)
        request_add_header(r, "Allow", "GET, POST");
    request_reply_error(r, status, code, message);
}

void routes_dispatch(struct evhttp_request *req, void *arg)
{
    struct worker *w = arg;
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (path == NULL || path[0] == '\0')
        path = "/";
    bool get = method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;
    bool post = method == EVHTTP_REQ_POST;

    if (w->draining) {
        /* A keep-alive client asking while we stop: tell it to come back (elsewhere). */
        struct request *r = request_new(w, req, ROUTE_UNKNOWN, sizeof(struct request));
        if (r == NULL) {
            evhttp_send_error(req, 503, NULL);
            return;
        }
        request_add_header(r, "Retry-After", "1");
        request_reply_error(r, 503, "shutting_down", "Сервис перезапускается, повторите запрос");
        return;
    }

    if (strcmp(path, "/api/v1/reports") == 0 && post) {
        route_post_report(w, req);
    } else if (strcmp(path, "/api/v1/meetings") == 0 && post) {
        route_post_meeting(w, req);
    } else if (strcmp(path, "/healthz") == 0 && get) {
        route_healthz(w, req);
    } else if (strcmp(path, "/readyz") == 0 && get) {
        route_readyz(w, req);
    } else if (strcmp(path, "/metrics") == 0 && get) {
        route_metrics(w, req);
    } else if (route_checks(w, req, path, get, post)) {
        return;
    } else if (get && route_kpi(w, req, path)) {
        return;
    } else if (get && route_read(w, req, path)) {
        return;
    } else if (strncmp(path, "/api/", 5) != 0) {
        route_static(w, req, path); /* the dashboard */
    } else if (strcmp(path, "/api/v1/reports") == 0 || strcmp(path, "/api/v1/meetings") == 0) {
        reply_simple(w, req, 405, "method_not_allowed", "Метод не поддерживается для этого адреса");
    } else {
        reply_simple(w, req, 404, "not_found", "Адрес не найден");
    }
}
