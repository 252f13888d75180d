/* GET/HEAD of the dashboard's files (every path outside /api/), served from memory. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "request.h"
#include "routes.h"
#include "static_files.h"
#include "worker.h"

/* Loaded by main before the workers start and freed after they stop: read-only in between,
 * so the worker threads share it without locks. */
static struct static_files *dashboard_files;

/* Everything the dashboard needs is served from here: the browser may load nothing else. */
static const char content_security_policy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool routes_static_load(const char *dir)
{
    dashboard_files = static_files_load(dir);
    return dashboard_files != NULL;
}

void routes_static_free(void)
{
    static_files_free(dashboard_files);
    dashboard_files = NULL;
}

/* If-Modified-Since as browsers send it: our own Last-Modified back (IMF-fixdate). */
static bool modified_since(const char *value, time_t mtime)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0')
        return true;
    return mtime > timegm(&tm);
}

static bool not_modified(struct request *r, const struct static_file *f)
{
    const char *if_none_match = request_header(r, "If-None-Match");
    if (if_none_match != NULL) /* RFC 9110 §13.2.2: it takes precedence */
        return static_etag_matches(if_none_match, f->etag);
    const char *if_modified_since = request_header(r, "If-Modified-Since");
    return if_modified_since != NULL && !modified_since(if_modified_since, f->mtime);
}

void route_static(struct worker *w, struct evhttp_request *req, const char *path)
{
    struct request *r = request_new(w, req, ROUTE_STATIC, sizeof(struct request));
    if (r == NULL) {
        evhttp_send_error(req, 503, NULL);
        return;
    }
    if (!static_path_valid(path)) {
        request_reply_error(r, 400, "invalid_path", "Недопустимый адрес файла");
        return;
    }
    const struct static_file *f = static_files_find(dashboard_files, path);
    if (f == NULL) {
        request_reply_error(r, 404, "not_found", "Адрес не найден");
        return;
    }
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
        request_add_header(r, "Allow", "GET, HEAD");
        request_reply_error(r, 405, "method_not_allowed",
                            "Метод не поддерживается для этого адреса");
        return;
    }
    /* no-cache: revalidated on every use (a 304 costs nothing), so a new version of the
     * dashboard is seen at once without versioned file names. */
    request_add_header(r, "Cache-Control", "no-cache");
    request_add_header(r, "ETag", f->etag);
    request_add_header(r, "Last-Modified", f->last_modified);
    request_add_header(r, "Content-Security-Policy", content_security_policy);
    request_add_header(r, "Referrer-Policy", "no-referrer");
    if (not_modified(r, f)) {
        request_finish(r, 304, f->content_type, NULL, 0);
        return;
    }
    if (method == EVHTTP_REQ_HEAD) {
        /* libevent sends no body for HEAD and so adds no Content-Length: give the GET's. */
        char length[24];
        snprintf(length, sizeof(length), "%zu", f->len);
        request_add_header(r, "Content-Length", length);
        request_finish(r, 200, f->content_type, NULL, 0);
        return;
    }
    request_finish(r, 200, f->content_type, (const char *)f->data, f->len);
}
