/* URL resolution and parts with curl_url; nothing here parses URLs by hand. */
#include "urlutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#ifdef CURLU_PUNYCODE
#define HOST_FLAGS CURLU_PUNYCODE
#else
#define HOST_FLAGS 0
#endif

#define REF_MAX 4096

/* Drops surrounding C0/space, inner tabs and newlines; percent-encodes space, controls, >0x7E. */
static char *prepare_ref(const char *ref)
{
    size_t len = strlen(ref);
    while (len > 0 && (unsigned char)ref[0] <= 0x20) {
        ref++;
        len--;
    }
    while (len > 0 && (unsigned char)ref[len - 1] <= 0x20)
        len--;
    if (len > REF_MAX)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)ref[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`') {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

static bool scheme_is_http(CURLU *u)
{
    char *scheme = NULL;
    bool ok = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(scheme);
    return ok;
}

/*
 * Normal form: the fragment dropped, the host in lower case (ASCII), a port equal to the
 * scheme's default removed, so one resource has one spelling in the seen-sets and the output.
 */
static bool normalise(CURLU *u)
{
    if (curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK)
        return false;
    char *host = NULL, *port = NULL, *scheme = NULL;
    bool ok = true;
    if (curl_url_get(u, CURLUPART_HOST, &host, HOST_FLAGS) == CURLUE_OK) {
        /* IDN as punycode (when libcurl can: a UTF-8 locale), ASCII in lower case */
        bool changed = false;
        for (char *p = host; *p != '\0'; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p = (char)(*p + 32);
                changed = true;
            }
        }
        char *raw = NULL;
        if (curl_url_get(u, CURLUPART_HOST, &raw, 0) == CURLUE_OK && strcmp(raw, host) != 0)
            changed = true;
        curl_free(raw);
        ok = !changed || curl_url_set(u, CURLUPART_HOST, host, 0) == CURLUE_OK;
    }
    if (ok && curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        ((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
         (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0)))
        ok = curl_url_set(u, CURLUPART_PORT, NULL, 0) == CURLUE_OK;
    curl_free(host);
    curl_free(port);
    curl_free(scheme);
    return ok;
}

/* The handle's URL in normal form, as a malloc'd string (not curl's allocation). */
static char *get_url(CURLU *u)
{
    char *url = NULL, *copy = NULL;
    if (normalise(u) && curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK)
        copy = strdup(url);
    curl_free(url);
    return copy;
}

char *url_resolve(const char *base, const char *ref)
{
    char *prepared = prepare_ref(ref);
    if (prepared == NULL)
        return NULL;
    char *result = NULL;
    CURLU *u = curl_url();
    /* "" and "#frag" name the base document itself (libcurl would drop its last segment) */
    bool self = prepared[0] == '\0' || prepared[0] == '#';
    if (u != NULL && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        (self || curl_url_set(u, CURLUPART_URL, prepared, 0) == CURLUE_OK) && scheme_is_http(u))
        result = get_url(u);
    curl_url_cleanup(u);
    free(prepared);
    return result;
}

char *url_from_input(const char *text)
{
    char *prepared = prepare_ref(text);
    if (prepared == NULL || prepared[0] == '\0') {
        free(prepared);
        return NULL;
    }
    char *result = NULL;
    CURLU *u = curl_url();
    /* no scheme: http (libcurl's default scheme would be https; an http-only site would fail,
     * while an https one redirects) */
    if (u != NULL && curl_url_set(u, CURLUPART_URL, prepared, CURLU_GUESS_SCHEME) == CURLUE_OK &&
        scheme_is_http(u))
        result = get_url(u);
    curl_url_cleanup(u);
    free(prepared);
    return result;
}

static char *get_part(const char *url, CURLUPart part, unsigned flags)
{
    char *value = NULL, *copy = NULL;
    CURLU *u = curl_url();
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, part, &value, flags) == CURLUE_OK)
        copy = strdup(value);
    curl_free(value);
    curl_url_cleanup(u);
    return copy;
}

char *url_host(const char *url)
{
    char *host = get_part(url, CURLUPART_HOST, HOST_FLAGS);
    if (host == NULL)
        host = get_part(url, CURLUPART_HOST, 0);
    for (char *p = host; p != NULL && *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return host;
}

char *url_origin(const char *url)
{
    char *scheme = get_part(url, CURLUPART_SCHEME, 0);
    char *host = url_host(url);
    char *port = get_part(url, CURLUPART_PORT, CURLU_DEFAULT_PORT);
    char *origin = NULL;
    if (scheme != NULL && host != NULL && port != NULL) {
        size_t n = strlen(scheme) + strlen(host) + strlen(port) + 8;
        origin = malloc(n);
        if (origin != NULL)
            snprintf(origin, n, "%s://%s:%s", scheme, host, port);
    }
    free(scheme);
    free(host);
    free(port);
    return origin;
}

char *url_path(const char *url)
{
    return get_part(url, CURLUPART_PATH, 0);
}

char *url_path_query(const char *url)
{
    char *path = get_part(url, CURLUPART_PATH, 0);
    char *query = get_part(url, CURLUPART_QUERY, 0);
    if (path == NULL || query == NULL) {
        free(query);
        return path;
    }
    size_t n = strlen(path) + strlen(query) + 2;
    char *both = malloc(n);
    if (both != NULL)
        snprintf(both, n, "%s?%s", path, query);
    free(path);
    free(query);
    return both;
}

static const char *skip_www(const char *host)
{
    return strncmp(host, "www.", 4) == 0 ? host + 4 : host;
}

bool url_same_site(const char *host_a, const char *host_b)
{
    return host_a != NULL && host_b != NULL && strcmp(skip_www(host_a), skip_www(host_b)) == 0;
}

bool url_extension(const char *url, char *ext, size_t cap)
{
    char *path = url_path(url);
    if (path == NULL)
        return false;
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    const char *dot = strrchr(name, '.');
    bool ok = dot != NULL && dot[1] != '\0' && strlen(dot + 1) < cap;
    if (ok) {
        size_t i = 0;
        for (const char *p = dot + 1; *p != '\0'; p++)
            ext[i++] = (char)tolower((unsigned char)*p);
        ext[i] = '\0';
    }
    free(path);
    return ok;
}
