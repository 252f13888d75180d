/* The collector's HTTP routes: one entry point that dispatches on method and path. */
#ifndef COLLECTOR_ROUTES_H
#define COLLECTOR_ROUTES_H

#include <stdbool.h>

#include <event2/http.h>

struct worker;

/* evhttp's generic callback; `arg` is the worker. */
void routes_dispatch(struct evhttp_request *req, void *arg);

/* One handler per route family, each in its own file. */
void route_post_report(struct worker *w, struct evhttp_request *req);  /* routes_ingest.c */
void route_post_meeting(struct worker *w, struct evhttp_request *req); /* routes_ingest.c */
void route_healthz(struct worker *w, struct evhttp_request *req);      /* routes_ops.c */
void route_readyz(struct worker *w, struct evhttp_request *req);       /* routes_ops.c */
void route_metrics(struct worker *w, struct evhttp_request *req);      /* routes_ops.c */
/* GET /api/v1/...: district and school reads (routes_read.c); false if no route matched. */
int route_read(struct worker *w, struct evhttp_request *req, const char *path);
/* GET /api/v1/kpi/...: indicators and their exports (routes_kpi.c); false if no route matched. */
int route_kpi(struct worker *w, struct evhttp_request *req, const char *path);
/* The dashboard's files (routes_static.c): loaded by main before the workers start (false only
 * when out of memory; a missing directory is logged and serves nothing), freed after. */
bool routes_static_load(const char *dir) __attribute__((warn_unused_result));
void routes_static_free(void);
/* Any path outside /api/: a file (GET, HEAD, 304), 400 for a path that may not name one, 404. */
void route_static(struct worker *w, struct evhttp_request *req, const char *path);
/* /api/v1/site-checks, /api/v1/schools/{code}/site-check, /api/v1/required-documents
 * (routes_checks.c); false if no route matched. */
int route_checks(struct worker *w, struct evhttp_request *req, const char *path, bool get,
                 bool post);

#endif
