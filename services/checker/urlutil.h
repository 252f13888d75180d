/* URLs through libcurl's URL API: resolution against a base, parts, same-site tests. */
#ifndef CHECKER_URLUTIL_H
#define CHECKER_URLUTIL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * ref (an href as written: may be relative, have spaces, raw UTF-8) resolved against base (an
 * absolute URL) by curl_url; ASCII whitespace around ref and tabs/newlines inside are dropped and
 * bytes that URLs cannot hold (space, non-ASCII, controls) percent-encoded first, as browsers do.
 * The fragment is removed. NULL when it does not resolve to an http or https URL (mailto:,
 * javascript:, data:, a bad host...). Malloc'd.
 */
char *url_resolve(const char *base, const char *ref);

/*
 * A website or section address from the CSV ("school.ru", "http://school.ru/path") as an
 * absolute http(s) URL ("http://school.ru/"); NULL when it is not one. Malloc'd.
 */
char *url_from_input(const char *text);

/* The host in lower case (IDN as punycode when libcurl can); NULL when url does not parse. */
char *url_host(const char *url);

/* "scheme://host:port" with the port always present: the key of per-host limits. */
char *url_origin(const char *url);

/* The path and query ("/a/b?x=1"), as in the URL (not decoded); NULL on a bad URL. */
char *url_path_query(const char *url);

/* The path alone ("/a/b"), NULL on a bad URL. */
char *url_path(const char *url);

/* Whether two hosts are one site: equal once a leading "www." is ignored on either. */
bool url_same_site(const char *host_a, const char *host_b);

/*
 * The lower-case extension of the path's last segment ("pdf" for "/docs/Prikaz.PDF?x=1"),
 * copied into ext (at most cap-1 bytes); false when there is none or it is longer.
 */
bool url_extension(const char *url, char *ext, size_t cap);

#endif
