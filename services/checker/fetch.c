/* libcurl multi_socket on libevent: transfers, sockets, the timer, the one completion point. */
#include "fetch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "hostq.h"
#include "log.h"
#include "netguard.h"
#include "robots.h"
#include "urlutil.h"

#define BODY_INITIAL (16 * 1024)

/* A request from submit to its callback: queued in its host, then running, maybe queued again. */
struct fetch_req {
    struct hostq_item item; /* first: the host queue's link */
    struct fetcher *f;
    struct host *host;
    char *url;
    enum fetch_mode mode;
    bool range;
    bool robots_txt; /* the fetcher's own robots.txt request for host */
    uint64_t deadline;
    uint64_t submitted;
    fetch_cb cb;
    void *arg;
    int attempts;
    enum fetch_error early; /* failed before starting (bad URL, robots, deadline) */
    struct fetch_req *next_failed;
};

/* One running transfer: CURLOPT_PRIVATE of its easy handle. */
struct transfer {
    struct fetch_req *req;
    CURL *easy;
    struct curl_slist *headers;
    unsigned char *body;
    size_t len, cap, limit;
    bool limit_set, truncated, refused;
    enum addr_class refused_class;
    char errbuf[CURL_ERROR_SIZE];
    struct transfer *prev, *next; /* the fetcher's list of running transfers */
};

/* One socket libcurl asked us to watch: attached with curl_multi_assign. */
struct sockwatch {
    struct fetcher *f;
    curl_socket_t fd;
    struct event *ev;
};

struct fetcher {
    struct event_base *base;
    CURLM *multi;
    struct event *timer_ev;    /* libcurl's one timer; its callback runs socket_action */
    struct event *dispatch_ev; /* starts queued requests; re-armed for host delays */
    struct fetch_config cfg;
    char *user_agent, *robots_token, *ca_file;
    struct hostq *hosts;
    struct fetch_req *failed;   /* to be answered from the dispatch event */
    struct transfer *transfers; /* running: in the multi handle */
    int running;
    struct fetch_stats stats;
};

static const char *const error_names[] = {
    [FETCH_OK] = "ok",
    [FETCH_ERR_TIMEOUT] = "timeout",
    [FETCH_ERR_ADDRESS_REFUSED] = "address_refused",
    [FETCH_ERR_DNS] = "dns_failed",
    [FETCH_ERR_CONNECT] = "connect_failed",
    [FETCH_ERR_TLS] = "tls_failed",
    [FETCH_ERR_TOO_MANY_REDIRECTS] = "too_many_redirects",
    [FETCH_ERR_PROTOCOL] = "unsupported_protocol",
    [FETCH_ERR_ROBOTS] = "robots_disallowed",
    [FETCH_ERR_DEADLINE] = "site_deadline",
    [FETCH_ERR_BAD_URL] = "bad_url",
    [FETCH_ERR_TRANSFER] = "transfer_failed",
    [FETCH_ERR_NO_MEMORY] = "no_memory",
};
static_assert(sizeof(error_names) / sizeof(error_names[0]) == FETCH_ERROR_MAX,
              "every fetch error has a name");

static const char *const mode_names[] = {[FETCH_PAGE] = "page", [FETCH_DOCUMENT] = "document"};
static_assert(sizeof(mode_names) / sizeof(mode_names[0]) == FETCH_MODE_MAX,
              "every fetch mode has a name");

const char *fetch_error_name(enum fetch_error e)
{
    return (unsigned)e < FETCH_ERROR_MAX ? error_names[e] : "?";
}

const char *fetch_mode_name(enum fetch_mode m)
{
    return (unsigned)m < FETCH_MODE_MAX ? mode_names[m] : "?";
}

uint64_t fetch_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void schedule_dispatch(struct fetcher *f)
{
    event_active(f->dispatch_ev, EV_TIMEOUT, 0);
}

static void req_free(struct fetch_req *req)
{
    if (req != NULL) {
        free(req->url);
        free(req);
    }
}

static void transfer_free(struct transfer *t)
{
    if (t == NULL)
        return;
    if (t->easy != NULL)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->body);
    free(t);
}

/* ---- libcurl callbacks ----------------------------------------------------------------------- */

/* Bytes as they arrive (decompressed, so a compression bomb is cut like any long page). */
static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    struct fetcher *f = t->req->f;
    size_t n = size * nmemb;
    if (!t->limit_set) {
        t->limit_set = true;
        t->limit = f->cfg.page_max_bytes;
        if (t->req->mode == FETCH_DOCUMENT) {
            /* A document needs its first bytes; a page standing for one is read as a page,
             * unless the link named a file: then HTML in its place is an error page. */
            char *ct = NULL;
            bool html = curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
                        ct != NULL && (strstr(ct, "html") != NULL);
            if (!html || t->req->range)
                t->limit = f->cfg.doc_max_bytes;
        }
    }
    size_t room = t->limit - t->len;
    size_t take = n < room ? n : room;
    if (take > 0 && t->len + take + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : BODY_INITIAL;
        while (cap < t->len + take + 1)
            cap *= 2;
        if (cap > t->limit + 1)
            cap = t->limit + 1;
        unsigned char *p = realloc(t->body, cap);
        if (p == NULL)
            return CURL_WRITEFUNC_ERROR;
        t->body = p;
        t->cap = cap;
    }
    if (take > 0) {
        memcpy(t->body + t->len, data, take);
        t->len += take;
        f->stats.bytes += take;
    }
    if (take < n) {
        t->truncated = true; /* enough read: stop the transfer here */
        return CURL_WRITEFUNC_ERROR;
    }
    return n;
}

/* Every connection, redirects included, passes here: the address check. */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose,
                                    struct curl_sockaddr *address)
{
    struct transfer *t = clientp;
    (void)purpose;
    enum addr_class c = netguard_classify(&address->addr, address->addrlen);
    if (!netguard_allowed(c, t->req->f->cfg.allow_private)) {
        t->refused = true;
        t->refused_class = c;
        t->req->f->stats.refused++;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

static void check_completed(struct fetcher *f);
static void deliver(struct fetcher *f, struct fetch_req *req, const struct fetch_result *res);

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
    struct sockwatch *w = arg;
    struct fetcher *f = w->f; /* w may be freed inside socket_action */
    int action =
        ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
    int running;
    CURLMcode mc = curl_multi_socket_action(f->multi, fd, action, &running);
    if (mc != CURLM_OK)
        log_error("curl_multi_failed", "call=socket_action fd=%d error=\"%s\"", (int)fd,
                  curl_multi_strerror(mc));
    check_completed(f);
}

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct fetcher *f = userp;
    struct sockwatch *w = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (w != NULL) {
            event_free(w->ev);
            free(w);
        }
        return 0;
    }
    if (w == NULL) {
        w = calloc(1, sizeof(*w));
        if (w == NULL)
            return -1;
        w->f = f;
        w->fd = s;
        CURLMcode mc = curl_multi_assign(f->multi, s, w);
        if (mc != CURLM_OK) {
            log_error("curl_multi_failed", "call=assign error=\"%s\"", curl_multi_strerror(mc));
            free(w);
            return -1;
        }
    } else {
        event_free(w->ev);
        w->ev = NULL;
    }
    short kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) |
                         ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
    w->ev = event_new(f->base, s, kind, on_socket_event, w);
    if (w->ev == NULL || event_add(w->ev, NULL) != 0) {
        log_error("event_failed", "call=socket_watch fd=%d", (int)s);
        return -1;
    }
    return 0;
}

/* libcurl's timer: never calls libcurl; it arms (or fires at once) the timer event. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct fetcher *f = userp;
    (void)multi;
    if (timeout_ms < 0) {
        evtimer_del(f->timer_ev);
    } else if (timeout_ms == 0) {
        event_active(f->timer_ev, EV_TIMEOUT, 0);
    } else {
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        if (evtimer_add(f->timer_ev, &tv) != 0) {
            log_error("event_failed", "call=timer_add");
            return -1;
        }
    }
    return 0;
}

static void on_timer_event(evutil_socket_t fd, short what, void *arg)
{
    struct fetcher *f = arg;
    (void)fd;
    (void)what;
    int running;
    CURLMcode mc = curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    if (mc != CURLM_OK)
        log_error("curl_multi_failed", "call=socket_action_timeout error=\"%s\"",
                  curl_multi_strerror(mc));
    check_completed(f);
}

/* ---- starting transfers ---------------------------------------------------------------------- */

#define SETOPT(easy, opt, val)                                                                     \
    do {                                                                                           \
        if (ok && curl_easy_setopt((easy), (opt), (val)) != CURLE_OK) {                            \
            log_error("curl_setopt_failed", "option=%s", #opt);                                    \
            ok = false;                                                                            \
        }                                                                                          \
    } while (0)

static bool configure(struct fetcher *f, struct transfer *t, uint64_t now)
{
    const struct fetch_config *c = &f->cfg;
    struct fetch_req *req = t->req;
    CURL *e = t->easy;
    bool ok = true;
    long timeout = c->timeout_ms;
    if (req->deadline != 0 && (long)(req->deadline - now) < timeout)
        timeout = (long)(req->deadline - now);
    char range[48];
    snprintf(range, sizeof(range), "0-%zu", c->doc_range_bytes - 1);
    t->headers = curl_slist_append(NULL, "Accept-Language: ru, en;q=0.5");
    ok = t->headers != NULL;
    SETOPT(e, CURLOPT_URL, req->url);
    SETOPT(e, CURLOPT_PRIVATE, t);
    SETOPT(e, CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(e, CURLOPT_WRITEDATA, t);
    SETOPT(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SETOPT(e, CURLOPT_OPENSOCKETDATA, t);
    SETOPT(e, CURLOPT_ERRORBUFFER, t->errbuf);
    SETOPT(e, CURLOPT_NOSIGNAL, 1L);
    SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SETOPT(e, CURLOPT_FOLLOWLOCATION, 1L);
    SETOPT(e, CURLOPT_MAXREDIRS, (long)c->max_redirects);
    SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    SETOPT(e, CURLOPT_TIMEOUT_MS, timeout > 1 ? timeout : 1L);
    SETOPT(e, CURLOPT_LOW_SPEED_LIMIT, (long)c->low_speed_limit);
    SETOPT(e, CURLOPT_LOW_SPEED_TIME, (long)c->low_speed_time_s);
    SETOPT(e, CURLOPT_USERAGENT, f->user_agent);
    SETOPT(e, CURLOPT_HTTPHEADER, t->headers);
    SETOPT(e, CURLOPT_FILETIME, 1L);
    if (c->ca_file != NULL)
        SETOPT(e, CURLOPT_CAINFO, c->ca_file);
    if (req->mode == FETCH_PAGE)
        SETOPT(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding libcurl can decode */
    if (req->mode == FETCH_DOCUMENT && req->range)
        SETOPT(e, CURLOPT_RANGE, range);
    return ok;
}

static void fail_later(struct fetcher *f, struct fetch_req *req, enum fetch_error error)
{
    req->early = error;
    req->next_failed = f->failed;
    f->failed = req;
    schedule_dispatch(f);
}

static void start(struct fetcher *f, struct fetch_req *req, uint64_t now)
{
    struct transfer *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        fail_later(f, req, FETCH_ERR_NO_MEMORY);
        return;
    }
    t->req = req;
    t->easy = curl_easy_init();
    if (t->easy == NULL || !configure(f, t, now)) {
        transfer_free(t);
        fail_later(f, req, FETCH_ERR_NO_MEMORY);
        return;
    }
    CURLMcode mc = curl_multi_add_handle(f->multi, t->easy);
    if (mc != CURLM_OK) {
        log_error("curl_multi_failed", "call=add_handle error=\"%s\"", curl_multi_strerror(mc));
        transfer_free(t);
        fail_later(f, req, FETCH_ERR_TRANSFER);
        return;
    }
    req->attempts++;
    t->next = f->transfers;
    if (f->transfers != NULL)
        f->transfers->prev = t;
    f->transfers = t;
    /* The moment the transfer really starts: `now` was read before this dispatch's earlier
     * starts, and the next one to the host must come a full delay after this one. */
    hostq_started(req->host, fetch_now_ms());
    f->running++;
    f->stats.started++;
    log_debug("fetch_start", "url=\"%s\" mode=%s attempt=%d", req->url, fetch_mode_name(req->mode),
              req->attempts);
}

static void on_dispatch(evutil_socket_t fd, short what, void *arg)
{
    struct fetcher *f = arg;
    (void)fd;
    (void)what;
    uint64_t now = fetch_now_ms(), wake = 0;
    while (f->running < f->cfg.max_transfers) {
        struct host *host;
        struct hostq_item *it = hostq_pop(f->hosts, now, &host, &wake);
        if (it == NULL)
            break;
        struct fetch_req *req = (struct fetch_req *)it;
        if (req->deadline != 0 && now >= req->deadline) {
            fail_later(f, req, FETCH_ERR_DEADLINE);
            continue;
        }
        if (!req->robots_txt && host->robots != NULL) {
            char *pq = url_path_query(req->url);
            bool allowed = pq == NULL || robots_allowed(host->robots, pq);
            free(pq);
            if (!allowed) {
                f->stats.robots_denied++;
                fail_later(f, req, FETCH_ERR_ROBOTS);
                continue;
            }
        }
        start(f, req, now);
    }
    if (wake != 0 && wake > now) {
        struct timeval tv = {(long)((wake - now) / 1000), (long)((wake - now) % 1000) * 1000};
        if (evtimer_add(f->dispatch_ev, &tv) != 0)
            log_error("event_failed", "call=dispatch_timer");
    }
    /* Requests that never started get their answer now, outside any libcurl call. */
    struct fetch_req *failed = f->failed;
    f->failed = NULL;
    while (failed != NULL) {
        struct fetch_req *req = failed;
        failed = req->next_failed;
        struct fetch_result res = {.error = req->early,
                                   .error_detail = "",
                                   .url = req->url,
                                   .effective_url = req->url,
                                   .content_length = -1,
                                   .last_modified = -1,
                                   .body = (const unsigned char *)"",
                                   .attempts = req->attempts,
                                   .elapsed_ms = now - req->submitted};
        f->stats.failed++;
        deliver(f, req, &res);
        req_free(req);
    }
}

/* ---- completion ------------------------------------------------------------------------------ */

static enum fetch_error map_error(CURLcode code, const struct transfer *t)
{
    if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && t->truncated))
        return FETCH_OK;
    if (t->refused && (code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT))
        return FETCH_ERR_ADDRESS_REFUSED;
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return FETCH_ERR_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
        return FETCH_ERR_DNS;
    case CURLE_COULDNT_CONNECT:
        return FETCH_ERR_CONNECT;
    case CURLE_TOO_MANY_REDIRECTS:
        return FETCH_ERR_TOO_MANY_REDIRECTS;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return FETCH_ERR_PROTOCOL;
    case CURLE_URL_MALFORMAT:
        return FETCH_ERR_BAD_URL;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return FETCH_ERR_TLS;
    case CURLE_OUT_OF_MEMORY:
        return FETCH_ERR_NO_MEMORY;
    default:
        return FETCH_ERR_TRANSFER;
    }
}

static bool retryable(enum fetch_error error, CURLcode code, long status)
{
    if (error == FETCH_OK)
        return status >= 500 && status <= 599;
    return error == FETCH_ERR_TIMEOUT || code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR ||
           code == CURLE_SEND_ERROR;
}

/* The answer for robots.txt: rules when it came with 200, none (allow all) otherwise. */
static void robots_done(struct fetcher *f, struct host *h, const struct fetch_result *res)
{
    struct robots *r = NULL;
    if (res->error == FETCH_OK && res->http_status == 200)
        r = robots_parse((const char *)res->body, res->body_len, f->robots_token);
    if (r == NULL)
        r = robots_allow_all();
    h->robots = r; /* NULL only without memory: then nothing is disallowed */
    h->robots_state = ROBOTS_KNOWN;
    log_debug("robots", "origin=%s status=%ld error=%s rules=%zu", h->origin, res->http_status,
              fetch_error_name(res->error), robots_rule_count(r));
    schedule_dispatch(f);
}

/* Hands the result to its requester (or to robots_done for the fetcher's own request). */
static void deliver(struct fetcher *f, struct fetch_req *req, const struct fetch_result *res)
{
    if (req->robots_txt)
        robots_done(f, req->host, res);
    else
        req->cb(res, req->arg);
}

static void finish(struct fetcher *f, struct transfer *t, CURLcode code)
{
    struct fetch_req *req = t->req;
    uint64_t now = fetch_now_ms();
    long status = 0;
    char *effective = NULL, *ct = NULL;
    curl_off_t length = -1, filetime = -1;
    /* each value keeps its "unknown" default when libcurl cannot tell */
    if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        status = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &effective) != CURLE_OK)
        effective = NULL;
    if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK)
        ct = NULL;
    if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) != CURLE_OK)
        length = -1;
    if (curl_easy_getinfo(t->easy, CURLINFO_FILETIME_T, &filetime) != CURLE_OK)
        filetime = -1;
    struct curl_header *range = NULL;
    if (curl_easy_header(t->easy, "Content-Range", 0, CURLH_HEADER, -1, &range) != CURLHE_OK)
        range = NULL;
    enum fetch_error error = map_error(code, t);
    if (error == FETCH_ERR_TRANSFER && code == CURLE_WRITE_ERROR)
        error = FETCH_ERR_NO_MEMORY;

    if (!req->robots_txt && req->attempts <= f->cfg.retries && retryable(error, code, status) &&
        (req->deadline == 0 || now < req->deadline)) {
        uint64_t backoff = (uint64_t)f->cfg.retry_delay_ms << (req->attempts - 1);
        log_info("fetch_retry", "url=\"%s\" attempt=%d error=%s status=%ld backoff_ms=%llu",
                 req->url, req->attempts, fetch_error_name(error), status,
                 (unsigned long long)backoff);
        req->item.not_before = now + backoff;
        hostq_push(f->hosts, req->host, &req->item, true);
        f->stats.retried++;
        transfer_free(t);
        return;
    }
    if (t->body == NULL)
        t->body = calloc(1, 1);
    if (t->body != NULL)
        t->body[t->len] = '\0';
    struct fetch_result res = {
        .error = error,
        .error_detail = error == FETCH_ERR_ADDRESS_REFUSED ? netguard_class_name(t->refused_class)
                        : t->errbuf[0] != '\0'             ? t->errbuf
                                                           : curl_easy_strerror(code),
        .url = req->url,
        .effective_url = effective != NULL ? effective : req->url,
        .http_status = status,
        .content_type = ct,
        .content_range = range != NULL ? range->value : NULL,
        .content_length = (long long)length,
        .last_modified = (long long)filetime,
        .body = t->body != NULL ? t->body : (const unsigned char *)"",
        .body_len = t->body != NULL ? t->len : 0,
        .truncated = t->truncated,
        .attempts = req->attempts,
        .elapsed_ms = now - req->submitted,
    };
    if (error == FETCH_OK)
        f->stats.completed++;
    else
        f->stats.failed++;
    log_debug("fetch_done", "url=\"%s\" error=%s status=%ld bytes=%zu truncated=%d ms=%llu",
              req->url, fetch_error_name(error), status, res.body_len, (int)t->truncated,
              (unsigned long long)res.elapsed_ms);
    deliver(f, req, &res);
    transfer_free(t);
    req_free(req);
}

/* The single completion point: after every curl_multi_socket_action. */
static void check_completed(struct fetcher *f)
{
    CURLMsg *msg;
    int left;
    bool any = false;
    while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        struct transfer *t = NULL;
        if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t) != CURLE_OK)
            t = NULL;
        CURLMcode mc = curl_multi_remove_handle(f->multi, easy);
        if (mc != CURLM_OK)
            log_error("curl_multi_failed", "call=remove_handle error=\"%s\"",
                      curl_multi_strerror(mc));
        if (t == NULL)
            continue;
        if (t->prev != NULL)
            t->prev->next = t->next;
        else
            f->transfers = t->next;
        if (t->next != NULL)
            t->next->prev = t->prev;
        f->running--;
        hostq_finished(t->req->host);
        finish(f, t, code);
        any = true;
    }
    if (any)
        schedule_dispatch(f);
}

/* ---- submitting
 * ----------------------------------------------------------------------------------- */

static struct fetch_req *new_req(struct fetcher *f, const char *url, fetch_cb cb, void *arg)
{
    struct fetch_req *req = calloc(1, sizeof(*req));
    if (req == NULL || (req->url = strdup(url)) == NULL) {
        free(req);
        return NULL;
    }
    req->f = f;
    req->cb = cb;
    req->arg = arg;
    req->submitted = fetch_now_ms();
    return req;
}

/* Queues the host's robots.txt request first; the host is gated until it is answered. */
static bool ask_robots(struct fetcher *f, struct host *h)
{
    size_t n = strlen(h->origin) + sizeof("/robots.txt");
    char *url = malloc(n);
    if (url == NULL)
        return false;
    snprintf(url, n, "%s/robots.txt", h->origin);
    struct fetch_req *req = new_req(f, url, NULL, NULL);
    free(url);
    if (req == NULL)
        return false;
    req->host = h;
    req->mode = FETCH_PAGE;
    req->robots_txt = true;
    req->item.opens_gate = true;
    h->robots_state = ROBOTS_FETCHING;
    hostq_push(f->hosts, h, &req->item, true);
    f->stats.robots_fetched++;
    return true;
}

bool fetcher_submit(struct fetcher *f, const struct fetch_request *r)
{
    struct fetch_req *req = new_req(f, r->url, r->cb, r->arg);
    if (req == NULL)
        return false;
    req->mode = r->mode;
    req->range = r->range;
    req->deadline = r->deadline_ms;
    if (strncasecmp(r->url, "http://", 7) != 0 && strncasecmp(r->url, "https://", 8) != 0) {
        fail_later(f, req, FETCH_ERR_BAD_URL); /* never a robots.txt request for it either */
        return true;
    }
    char *origin = url_origin(r->url);
    struct host *h = origin != NULL ? hostq_host(f->hosts, origin) : NULL;
    free(origin);
    if (h == NULL) {
        fail_later(f, req, FETCH_ERR_BAD_URL);
        return true;
    }
    req->host = h;
    if (f->cfg.robots && h->robots_state == ROBOTS_UNKNOWN && !ask_robots(f, h)) {
        req_free(req);
        return false;
    }
    hostq_push(f->hosts, h, &req->item, false);
    schedule_dispatch(f);
    return true;
}

/* ---- life cycle
 * ------------------------------------------------------------------------------------ */

struct fetcher *fetcher_new(struct event_base *base, const struct fetch_config *cfg)
{
    struct fetcher *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->base = base;
    f->cfg = *cfg;
    f->user_agent = strdup(cfg->user_agent);
    f->robots_token = strdup(cfg->robots_token);
    f->ca_file = cfg->ca_file != NULL ? strdup(cfg->ca_file) : NULL;
    f->hosts = hostq_new(cfg->per_host, cfg->host_delay_ms);
    f->timer_ev = evtimer_new(base, on_timer_event, f);
    f->dispatch_ev = evtimer_new(base, on_dispatch, f);
    f->multi = curl_multi_init();
    bool ok = f->user_agent != NULL && f->robots_token != NULL &&
              (cfg->ca_file == NULL || f->ca_file != NULL) && f->hosts != NULL &&
              f->timer_ev != NULL && f->dispatch_ev != NULL && f->multi != NULL;
    f->cfg.user_agent = f->user_agent;
    f->cfg.robots_token = f->robots_token;
    f->cfg.ca_file = f->ca_file;
#define MSETOPT(opt, val)                                                                          \
    do {                                                                                           \
        if (ok && curl_multi_setopt(f->multi, (opt), (val)) != CURLM_OK) {                         \
            log_error("curl_multi_failed", "call=setopt option=%s", #opt);                         \
            ok = false;                                                                            \
        }                                                                                          \
    } while (0)
    MSETOPT(CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    MSETOPT(CURLMOPT_SOCKETDATA, f);
    MSETOPT(CURLMOPT_TIMERFUNCTION, on_curl_timer);
    MSETOPT(CURLMOPT_TIMERDATA, f);
    MSETOPT(CURLMOPT_MAX_HOST_CONNECTIONS, (long)cfg->per_host);
    MSETOPT(CURLMOPT_MAXCONNECTS, (long)cfg->max_transfers * 2);
#undef MSETOPT
    if (!ok) {
        log_error("fetcher_init_failed", "reason=\"libcurl or libevent set-up\"");
        fetcher_free(f);
        return NULL;
    }
    return f;
}

void fetcher_free(struct fetcher *f)
{
    if (f == NULL)
        return;
    if (f->multi != NULL) {
        /* running transfers: taken out of the multi handle, freed without callbacks */
        for (struct transfer *t = f->transfers, *next; t != NULL; t = next) {
            next = t->next;
            CURLMcode mc = curl_multi_remove_handle(f->multi, t->easy);
            if (mc != CURLM_OK)
                log_warn("curl_multi_failed", "call=remove_handle error=\"%s\"",
                         curl_multi_strerror(mc));
            req_free(t->req);
            transfer_free(t);
        }
        f->transfers = NULL;
    }
    if (f->hosts != NULL) {
        for (struct hostq_item *it = hostq_drain(f->hosts), *next; it != NULL; it = next) {
            next = it->next;
            req_free((struct fetch_req *)it);
        }
    }
    for (struct fetch_req *req = f->failed, *next; req != NULL; req = next) {
        next = req->next_failed;
        req_free(req);
    }
    if (f->multi != NULL)
        curl_multi_cleanup(f->multi);
    if (f->timer_ev != NULL)
        event_free(f->timer_ev);
    if (f->dispatch_ev != NULL)
        event_free(f->dispatch_ev);
    hostq_free(f->hosts);
    free(f->user_agent);
    free(f->robots_token);
    free(f->ca_file);
    free(f);
}

void fetcher_cancel_all(struct fetcher *f)
{
    for (struct transfer *t = f->transfers, *next; t != NULL; t = next) {
        next = t->next;
        CURLMcode mc = curl_multi_remove_handle(f->multi, t->easy);
        if (mc != CURLM_OK)
            log_warn("curl_multi_failed", "call=remove_handle error=\"%s\"",
                     curl_multi_strerror(mc));
        f->running--;
        hostq_finished(t->req->host);
        fail_later(f, t->req, FETCH_ERR_DEADLINE);
        transfer_free(t);
    }
    f->transfers = NULL;
    for (struct hostq_item *it = hostq_drain(f->hosts), *next; it != NULL; it = next) {
        next = it->next;
        fail_later(f, (struct fetch_req *)it, FETCH_ERR_DEADLINE);
    }
}

void fetcher_stats(const struct fetcher *f, struct fetch_stats *out)
{
    *out = f->stats;
    out->running = f->running;
    out->queued = hostq_queued(f->hosts);
    out->hosts = hostq_count(f->hosts);
}
