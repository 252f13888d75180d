/* One HTTP request in flight: its context, its deferred reply, its single teardown. */
#include "request.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>

#include <cjson/cJSON.h>

#include "connections.h"
#include "log.h"
#include "pgconn.h"
#include "problems.h"
#include "token.h"
#include "worker.h"

uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct request *request_new(struct worker *worker, struct evhttp_request *req,
                            enum metrics_route route, size_t size)
{
    struct request *r = calloc(1, size < sizeof(*r) ? sizeof(*r) : size);
    if (r == NULL)
        return NULL;
    r->worker = worker;
    r->req = req;
    r->route = route;
    r->started_us = now_us();
    const char *m = "?";
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET:
        m = "GET";
        break;
    case EVHTTP_REQ_POST:
        m = "POST";
        break;
    case EVHTTP_REQ_HEAD:
        m = "HEAD";
        break;
    default:
        m = "OTHER";
        break;
    }
    snprintf(r->method, sizeof(r->method), "%s", m);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    r->path = evhttp_uridecode(path ? path : "/", 0, NULL);
    r->conn = connections_find(worker, evhttp_request_get_connection(req));
    if (r->conn != NULL)
        r->conn->pending = r;
    worker_track_request(worker, r);
    return r;
}

void request_add_header(struct request *r, const char *name, const char *value)
{
    if (r->req != NULL)
        evhttp_add_header(evhttp_request_get_output_headers(r->req), name, value);
}

static void free_body(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* Adds the body to the reply: copied, or (owned) handed over to be freed once sent. */
static void add_body(struct evbuffer *out, const char *body, size_t len, bool owned)
{
    if (len == 0 || (owned && evbuffer_add_reference(out, body, len, free_body, NULL) == 0))
        return;
    evbuffer_add(out, body, len);
    if (owned)
        free((void *)body);
}

static void finish(struct request *r, int status, const char *content_type, const char *body,
                   size_t len, bool owned)
{
    uint64_t elapsed = now_us() - r->started_us;
    metrics_request(r->route, status, elapsed);
    if (r->req != NULL) {
        struct evkeyvalq *headers = evhttp_request_get_output_headers(r->req);
        evhttp_add_header(headers, "Content-Type", content_type);
        if (evhttp_find_header(headers, "Cache-Control") == NULL) /* API answers: never cached */
            evhttp_add_header(headers, "Cache-Control", "no-store");
        evhttp_add_header(headers, "X-Content-Type-Options", "nosniff");
        if (r->worker->draining)
            evhttp_add_header(headers, "Connection", "close");
        add_body(evhttp_request_get_output_buffer(r->req), body, len, owned);
        if (r->conn != NULL) {
            r->conn->pending = NULL;
            r->conn->idle_since = monotonic_ms();
        }
        evhttp_send_reply(r->req, status, NULL, NULL);
    } else if (owned) {
        free((void *)body);
    }
    log_info("http", "worker=%d method=%s path=%s status=%d us=%llu%s", r->worker->index, r->method,
             r->path ? r->path : "-", status, (unsigned long long)elapsed,
             r->req == NULL ? " client=gone" : "");
    worker_untrack_request(r->worker, r);
    free(r->path);
    free(r);
}

void request_finish(struct request *r, int status, const char *content_type, const char *body,
                    size_t len)
{
    finish(r, status, content_type, body, len, false);
}

void request_finish_owned(struct request *r, int status, const char *content_type, char *body,
                          size_t len)
{
    finish(r, status, content_type, body, len, true);
}

void request_reply_json(struct request *r, int status, const char *body)
{
    request_finish(r, status, "application/json; charset=utf-8", body, strlen(body));
}

void request_reply_cjson(struct request *r, cJSON *value)
{
    char *text = value ? cJSON_PrintUnformatted(value) : NULL;
    cJSON_Delete(value);
    if (text == NULL) {
        request_reply_error(r, 500, "internal_error", "Внутренняя ошибка сервера");
        return;
    }
    request_reply_json(r, 200, text);
    free(text);
}

void request_reply_problems(struct request *r, int status, const char *code, const char *message,
                            const struct problem_list *problems)
{
    char *body = problems_to_json(problems, code, message);
    if (body == NULL) {
        request_reply_json(r, 500,
                           "{\"code\":\"internal_error\",\"message\":\"Внутренняя "
                           "ошибка сервера\",\"errors\":[]}");
        return;
    }
    request_reply_json(r, status, body);
    free(body);
}

void request_reply_error(struct request *r, int status, const char *code, const char *message)
{
    struct problem_list none;
    problems_init(&none);
    request_reply_problems(r, status, code, message, &none);
    problems_free(&none);
}

void request_reply_unavailable(struct request *r)
{
    request_add_header(r, "Retry-After", "2");
    request_reply_error(r, 503, "database_unavailable",
                        "База данных временно недоступна или перегружена, повторите запрос позже");
}

const char *request_header(struct request *r, const char *name)
{
    if (r->req == NULL)
        return NULL;
    return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

bool request_token_hash(struct request *r, unsigned char out[32])
{
    const char *auth = request_header(r, "Authorization");
    size_t len;
    const char *token = auth ? token_from_authorization(auth, &len) : NULL;
    if (token == NULL)
        return false;
    token_hash(token, len, out);
    return true;
}

char *request_query_param(struct request *r, const char *name)
{
    if (r->req == NULL)
        return NULL;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(r->req);
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    if (query == NULL)
        return NULL;
    struct evkeyvalq params;
    TAILQ_INIT(&params);
    char *value = NULL;
    if (evhttp_parse_query_str(query, &params) == 0) {
        const char *v = evhttp_find_header(&params, name);
        if (v != NULL)
            value = strdup(v);
    }
    evhttp_clear_headers(&params);
    return value;
}
