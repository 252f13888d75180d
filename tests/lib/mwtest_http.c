/* mwtest: one blocking HTTP request with libcurl's easy interface, and its answer's headers. */
#include "mwtest.h"
#include "mwtest_internal.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_TIMEOUT_MS 30000

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    mwtest_buf_append(userdata, data, size * nmemb);
    return size * nmemb;
}

/* Keeps only the last header block: a new status line (after 100 Continue) starts afresh. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct mwtest_buf *buf = userdata;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        buf->len = 0;
    mwtest_buf_append(buf, data, n);
    return n;
}

static bool has_header(const char *const *headers, const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; headers != NULL && headers[i] != NULL; i++) {
        if (strncasecmp(headers[i], name, len) == 0 && headers[i][len] == ':')
            return true;
    }
    return false;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *line)
{
    struct curl_slist *l = curl_slist_append(list, line);
    cr_assert(l != NULL, "mwtest: out of memory");
    return l;
}

/*
 * The parallel copy behind mwtest_header: the header block with every line ending, and the
 * blanks before it, replaced by NULs, so a value found at an offset in `headers` is a string
 * at the same offset here.
 */
static char *make_values(const char *headers)
{
    char *v = mwtest_xstrdup(headers);
    for (char *p = v; *p; p++) {
        if (*p != '\r' && *p != '\n')
            continue;
        for (char *q = p; q > v && (q[-1] == ' ' || q[-1] == '\t'); q--)
            q[-1] = '\0';
        *p = '\0';
    }
    return v;
}

static int perform(struct mwtest_response *out, const char *method, const char *url,
                   const char *token, const char *body, size_t body_len, const char *const *headers,
                   long timeout_ms)
{
    *out = (struct mwtest_response){0};
    struct mwtest_buf body_buf = {0}, head_buf = {0};
    CURL *curl = curl_easy_init();
    cr_assert(curl != NULL, "mwtest: curl_easy_init failed");
    struct curl_slist *list = NULL;
    char *auth = NULL;

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, ""); /* loopback only: never through $http_proxy */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body_buf);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head_buf);

    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        if (!has_header(headers, "Content-Type"))
            list = add_header(list, "Content-Type: application/json");
    }
    if (!has_header(headers, "Expect"))
        list = add_header(list, "Expect:");
    if (token != NULL) {
        auth = mwtest_fmt("Authorization: Bearer %s", token);
        list = add_header(list, auth);
    }
    for (int i = 0; headers != NULL && headers[i] != NULL; i++)
        list = add_header(list, headers[i]);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(list);
    free(auth);

    out->body_len = body_buf.len;
    out->body = mwtest_buf_finish(&body_buf);
    out->headers = mwtest_buf_finish(&head_buf);
    out->priv_values = make_values(out->headers);
    return (int)rc;
}

int mwtest_http(struct mwtest_response *out, const char *method, const char *url, const char *token,
                const char *body, size_t body_len, const char *const *headers)
{
    return perform(out, method, url, token, body, body_len, headers, DEFAULT_TIMEOUT_MS);
}

int mwtest_http_timeout(struct mwtest_response *out, const char *method, const char *url,
                        int timeout_ms)
{
    return perform(out, method, url, NULL, NULL, 0, NULL, timeout_ms);
}

void mwtest_response_free(struct mwtest_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    free(resp->headers);
    free(resp->priv_values);
    *resp = (struct mwtest_response){0};
}

const char *mwtest_header(const struct mwtest_response *resp, const char *name)
{
    if (resp->headers == NULL || resp->priv_values == NULL)
        return NULL;
    size_t len = strlen(name);
    const char *line = resp->headers;
    while (*line) {
        const char *end = strpbrk(line, "\r\n");
        size_t line_len = end ? (size_t)(end - line) : strlen(line);
        if (line_len > len && strncasecmp(line, name, len) == 0 && line[len] == ':') {
            size_t off = (size_t)(line - resp->headers) + len + 1;
            while (resp->headers[off] == ' ' || resp->headers[off] == '\t')
                off++;
            return resp->priv_values + off;
        }
        line += line_len;
        while (*line == '\r' || *line == '\n')
            line++;
    }
    return NULL;
}
