/*
 * The fetcher: libcurl's multi_socket interface driven by one libevent loop (the hiperfifo
 * shape). One multi handle, one timer, one event per socket, one struct per transfer found
 * again through CURLOPT_PRIVATE, a single completion point. Around it: a global cap on
 * transfers, per-host queues (cap, delay), robots.txt, retries with backoff, byte caps, and the
 * address check at connect time.
 */
#ifndef CHECKER_FETCH_H
#define CHECKER_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

enum fetch_mode {
    FETCH_PAGE,     /* an HTML page: compressed transfer, body up to page_max_bytes */
    FETCH_DOCUMENT, /* a document link: the first bytes (see fetch_request.range); an HTML
                       answer is read like a page (a card or attachment page) */
    FETCH_MODE_MAX
};

enum fetch_error {
    FETCH_OK,                     /* an HTTP answer arrived (any status) */
    FETCH_ERR_TIMEOUT,            /* connect, total or low-speed timeout */
    FETCH_ERR_ADDRESS_REFUSED,    /* resolved to a loopback/private/... address */
    FETCH_ERR_DNS,                /* the name does not resolve */
    FETCH_ERR_CONNECT,            /* connection refused or unreachable */
    FETCH_ERR_TLS,                /* TLS handshake or certificate */
    FETCH_ERR_TOO_MANY_REDIRECTS, /* more than max_redirects */
    FETCH_ERR_PROTOCOL,           /* a redirect to something other than http(s) */
    FETCH_ERR_ROBOTS,             /* robots.txt disallows it: not fetched */
    FETCH_ERR_DEADLINE,           /* the requester's deadline passed before it could start */
    FETCH_ERR_BAD_URL,            /* not an absolute http(s) URL */
    FETCH_ERR_TRANSFER,           /* any other transfer failure */
    FETCH_ERR_NO_MEMORY,
    FETCH_ERROR_MAX
};

/* What one request came to; pointers are valid during the callback only. */
struct fetch_result {
    enum fetch_error error;
    const char *error_detail;  /* libcurl's message, or ""; for logs */
    const char *url;           /* as requested */
    const char *effective_url; /* after redirects (== url without them) */
    long http_status;          /* 0 without an answer */
    const char *content_type;  /* NULL when absent */
    const char *content_range; /* NULL when absent */
    long long content_length;  /* -1 unknown */
    long long last_modified;   /* Unix time from Last-Modified, -1 unknown */
    const unsigned char *body; /* what was read (decompressed), NUL-terminated */
    size_t body_len;
    bool truncated; /* cut at the cap: the resource holds more */
    int attempts;   /* 1 + retries */
    uint64_t elapsed_ms;
};

typedef void (*fetch_cb)(const struct fetch_result *res, void *arg);

struct fetch_request {
    const char *url; /* copied */
    enum fetch_mode mode;
    bool range;           /* FETCH_DOCUMENT: ask for the first range_bytes only (Range:) */
    uint64_t deadline_ms; /* monotonic; not started after it, nor running past it; 0 none */
    fetch_cb cb;          /* called once, from the event loop, never from fetcher_submit */
    void *arg;
};

struct fetch_config {
    int max_transfers; /* running at once over all hosts */
    int per_host;      /* running at once per origin */
    int host_delay_ms; /* between two starts on one origin */
    int connect_timeout_ms;
    int timeout_ms;       /* whole transfer */
    int low_speed_limit;  /* bytes/s under which ... */
    int low_speed_time_s; /* ... for this long aborts the transfer */
    int max_redirects;
    size_t page_max_bytes;    /* decompressed bytes kept of a page */
    size_t doc_max_bytes;     /* bytes read of a document when the server ignores Range */
    size_t doc_range_bytes;   /* Range: bytes=0-(doc_range_bytes-1) */
    int retries;              /* after a timeout or a 5xx */
    int retry_delay_ms;       /* backoff: this, then twice as long, ... */
    bool robots;              /* honour robots.txt */
    bool allow_private;       /* connect to non-public addresses too */
    const char *user_agent;   /* copied */
    const char *robots_token; /* our User-agent token in robots.txt; copied */
    const char *ca_file;      /* CA certificates (PEM) instead of the system's; NULL: system */
};

struct fetch_stats {
    uint64_t started, completed, retried, failed, refused, robots_fetched, robots_denied;
    uint64_t bytes;
    int running;
    size_t queued, hosts;
};

struct fetcher;

/* NULL (with a log line) when libcurl or libevent cannot be set up. */
struct fetcher *fetcher_new(struct event_base *base, const struct fetch_config *cfg);

/* Stops everything: running transfers are aborted and queued ones dropped, without callbacks. */
void fetcher_free(struct fetcher *f);

/* Ends everything queued or running: each request is answered FETCH_ERR_DEADLINE from the
 * event loop (not from this call), as if its deadline had passed. For a stopping daemon. */
void fetcher_cancel_all(struct fetcher *f);

/* Queues a request. false only when out of memory (then cb is never called). */
bool fetcher_submit(struct fetcher *f, const struct fetch_request *req)
    __attribute__((warn_unused_result));

void fetcher_stats(const struct fetcher *f, struct fetch_stats *out);

const char *fetch_error_name(enum fetch_error e); /* "timeout", "address_refused"... */
const char *fetch_mode_name(enum fetch_mode m);

/* Monotonic milliseconds. */
uint64_t fetch_now_ms(void);

#endif
