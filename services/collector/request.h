/* One HTTP request in flight: its context, its deferred reply, its single teardown. */
#ifndef COLLECTOR_REQUEST_H
#define COLLECTOR_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>

#include "metrics.h"

struct worker;
struct problem_list;

/*
 * Owned by the route that created it until request_finish(). `req` becomes NULL
 * when the client goes away first; the reply is then dropped, the context kept
 * until its database work ends (never free what a pending callback may touch).
 */
struct request {
    struct worker *worker;
    struct evhttp_request *req;
    struct client_conn *conn; /* NULL once the client is gone */
    enum metrics_route route;
    uint64_t started_us;
    char method[8];
    char *path;                  /* decoded path without the query string */
    struct request *prev, *next; /* the worker's list of requests in flight */
};

struct request *request_new(struct worker *worker, struct evhttp_request *req,
                            enum metrics_route route, size_t size);

/* Sends the reply (if the client is still there), logs it, and frees the context. */
void request_finish(struct request *r, int status, const char *content_type, const char *body,
                    size_t len);
/* The same with a malloc'd body that the reply takes over: sent without a copy (a region's
 * school table is 1.5 MB), freed once written or when the client is gone. */
void request_finish_owned(struct request *r, int status, const char *content_type, char *body,
                          size_t len);

/* Shorthands over request_finish. `body` is a NUL-terminated JSON text. */
void request_reply_json(struct request *r, int status, const char *body);
/* 200 with `value` printed (and deleted); 500 when it is NULL or cannot be printed. */
struct cJSON;
void request_reply_cjson(struct request *r, struct cJSON *value);
void request_reply_error(struct request *r, int status, const char *code, const char *message);
void request_reply_problems(struct request *r, int status, const char *code, const char *message,
                            const struct problem_list *problems);
/* 503 with Retry-After: the database is away or overloaded. */
void request_reply_unavailable(struct request *r);

/* Adds a response header (ignored when the client is gone). */
void request_add_header(struct request *r, const char *name, const char *value);

/* The "Authorization: Bearer" token's SHA-256; false if absent or malformed. */
bool request_token_hash(struct request *r, unsigned char out[32]);

/* A request header, or NULL. */
const char *request_header(struct request *r, const char *name);

/* The value of query parameter `name` (malloc'd, decoded), or NULL. */
char *request_query_param(struct request *r, const char *name);

uint64_t now_us(void);

#endif
