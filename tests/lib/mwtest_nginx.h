/* mwtest_nginx: a private nginx (Debian's nginx-light) serving test fixtures on 127.0.0.1. */
#ifndef MWTEST_NGINX_H
#define MWTEST_NGINX_H

#include "mwtest.h"

struct mwtest_nginx {
    struct mwtest_proc *proc; /* nginx's master process; its log holds error_log (stderr) */
    int port;                 /* 127.0.0.1:<port>, every server block of the configuration */
    char *dir;                /* its prefix: nginx.conf, access.log, temporary paths */
    char *access_log;         /* per request: "$host $msec $request_time $status \"$request\"" */
};

/*
 * Writes <temp dir>/nginx-N/nginx.conf and starts nginx in the foreground (daemon off) on a free
 * port. servers is the configuration inside http { }: server blocks and http-level directives;
 * in it "@PORT@" and "@DIR@" become the port and the prefix directory, and each "NAME=value" of
 * vars (NULL-terminated, may be NULL) turns "@NAME@" into value. The helper adds a default server
 * answering GET /healthz with 200, waits for it (10 s), and fails the test with nginx's log if it
 * does not come. Run as root, the workers run as root too ("user root;"), so they can read the
 * test's private directories; otherwise they run as the invoking user.
 */
struct mwtest_nginx *mwtest_nginx_start(const char *servers, const char *const *vars);

/* The access log so far (malloc'd, "" when empty). */
char *mwtest_nginx_requests(const struct mwtest_nginx *n);

/* How many logged requests to host (any host when NULL) have a request line containing needle
 * ("GET /trap/"). */
int mwtest_nginx_count(const struct mwtest_nginx *n, const char *host, const char *needle);

/* Stops nginx (SIGQUIT, then SIGKILL after 15 s) and frees everything; NULL is a no-op. */
void mwtest_nginx_stop(struct mwtest_nginx *n);

#endif
