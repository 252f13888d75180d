/* The collector's static-file route: the dashboard's files, validators, HEAD, 404s and
 * traversal attempts sent byte for byte over a raw socket (curl would normalise them). */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mwtest.h"

static const char index_html[] = "<!doctype html><title>Тест</title>\n";
static const char app_js[] = "export const answer = 42;\n";
static const char secret[] = "TOP-SECRET-OUTSIDE-THE-WEB-DIR";

static char *db;
static char *web_dir;
static struct mwtest_proc *collector;

static void setup(void)
{
    const char *tmp = mwtest_temp_dir();
    web_dir = mwtest_fmt("%s/web", tmp);
    char *js = mwtest_fmt("%s/js", web_dir);
    cr_assert_eq(mkdir(web_dir, 0700), 0);
    cr_assert_eq(mkdir(js, 0700), 0);
    free(js);
    free(mwtest_temp_file("web/index.html", index_html, strlen(index_html)));
    free(mwtest_temp_file("web/js/app.js", app_js, strlen(app_js)));
    free(mwtest_temp_file("web/.secret", secret, strlen(secret)));
    /* A secret beside the web directory, and a symbolic link to it inside. */
    char *outside = mwtest_temp_file("secret.txt", secret, strlen(secret));
    char *link = mwtest_fmt("%s/link.txt", web_dir);
    cr_assert_eq(symlink(outside, link), 0);
    free(link);
    free(outside);

    db = mwtest_db_create("static");
    char *env = mwtest_fmt("MW_STATIC_DIR=%s", web_dir);
    const char *extra[] = {env, NULL};
    collector = mwtest_collector_start(db, extra);
    free(env);
}

static void teardown(void)
{
    if (collector != NULL) {
        int status = mwtest_proc_stop(collector, SIGTERM);
        if (status != 0)
            mwtest_proc_dump_log(collector);
        cr_expect_eq(status, 0, "the collector exits cleanly");
        mwtest_proc_free(collector);
    }
    mwtest_db_drop(db);
    free(web_dir);
}

TestSuite(static_route, .init = setup, .fini = teardown, .timeout = 60);

static void get(struct mwtest_response *resp, const char *method, const char *path,
                const char *const *headers)
{
    char *url = mwtest_fmt("%s%s", collector->base_url, path);
    int rc = mwtest_http(resp, method, url, NULL, NULL, 0, headers);
    cr_assert_eq(rc, 0, "%s %s: no answer", method, path);
    free(url);
}

/* Count of header lines called name (case-insensitive) in the answer. */
static int header_count(const struct mwtest_response *resp, const char *name)
{
    int n = 0;
    size_t len = strlen(name);
    for (const char *line = resp->headers; line != NULL && *line != '\0';) {
        if (strncasecmp(line, name, len) == 0 && line[len] == ':')
            n++;
        const char *next = strstr(line, "\r\n");
        line = next ? next + 2 : NULL;
    }
    return n;
}

/* The answer has this status and a JSON error body with this code and a message. */
static void expect_error(const struct mwtest_response *resp, long status, const char *code,
                         const char *what)
{
    cr_expect_eq(resp->status, status, "%s: status %ld, want %ld", what, resp->status, status);
    cJSON *doc = cJSON_Parse(resp->body);
    cr_assert_not_null(doc, "%s: a JSON error body: %s", what, resp->body);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "code");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
    cr_expect(cJSON_IsString(c) && strcmp(c->valuestring, code) == 0, "%s: code %s in %s", what,
              code, resp->body);
    cr_expect(cJSON_IsString(m) && strlen(m->valuestring) > 0, "%s: a message", what);
    cJSON_Delete(doc);
}

Test(static_route, serves_the_index_with_type_and_validators)
{
    struct mwtest_response resp;
    get(&resp, "GET", "/", NULL);
    cr_assert_eq(resp.status, 200);
    cr_expect_str_eq(resp.body, index_html);
    cr_expect_str_eq(mwtest_header(&resp, "Content-Type"), "text/html; charset=utf-8");
    cr_expect_not_null(mwtest_header(&resp, "ETag"));
    cr_expect_not_null(mwtest_header(&resp, "Last-Modified"));
    cr_expect_eq(header_count(&resp, "Cache-Control"), 1, "one Cache-Control:\n%s", resp.headers);
    cr_expect_str_eq(mwtest_header(&resp, "Cache-Control"), "no-cache");
    const char *csp = mwtest_header(&resp, "Content-Security-Policy");
    cr_expect(csp != NULL && strstr(csp, "default-src 'self'") != NULL, "CSP: %s", csp);
    cr_expect_str_eq(mwtest_header(&resp, "X-Content-Type-Options"), "nosniff");
    mwtest_response_free(&resp);

    get(&resp, "GET", "/index.html?v=2", NULL);
    cr_expect_eq(resp.status, 200, "the query string is ignored");
    cr_expect_str_eq(resp.body, index_html);
    mwtest_response_free(&resp);

    get(&resp, "GET", "/js/app.js", NULL);
    cr_expect_eq(resp.status, 200);
    cr_expect_str_eq(resp.body, app_js);
    cr_expect_str_eq(mwtest_header(&resp, "Content-Type"), "text/javascript; charset=utf-8");
    mwtest_response_free(&resp);
}

Test(static_route, answers_304_to_its_own_validators)
{
    struct mwtest_response first, resp;
    get(&first, "GET", "/js/app.js", NULL);
    cr_assert_eq(first.status, 200);
    char *inm = mwtest_fmt("If-None-Match: %s", mwtest_header(&first, "ETag"));
    char *weak = mwtest_fmt("If-None-Match: \"other\", W/%s", mwtest_header(&first, "ETag"));
    char *ims = mwtest_fmt("If-Modified-Since: %s", mwtest_header(&first, "Last-Modified"));

    get(&resp, "GET", "/js/app.js", (const char *[]){inm, NULL});
    cr_expect_eq(resp.status, 304);
    cr_expect_eq(resp.body_len, 0, "no body with 304");
    cr_expect_str_eq(mwtest_header(&resp, "ETag"), mwtest_header(&first, "ETag"));
    mwtest_response_free(&resp);

    get(&resp, "GET", "/js/app.js", (const char *[]){weak, NULL});
    cr_expect_eq(resp.status, 304, "weak comparison in a list");
    mwtest_response_free(&resp);

    get(&resp, "GET", "/js/app.js", (const char *[]){ims, NULL});
    cr_expect_eq(resp.status, 304);
    mwtest_response_free(&resp);

    get(&resp, "GET", "/js/app.js",
        (const char *[]){"If-None-Match: \"0000000000000000\"", ims, NULL});
    cr_expect_eq(resp.status, 200, "If-None-Match wins over If-Modified-Since");
    cr_expect_str_eq(resp.body, app_js);
    mwtest_response_free(&resp);

    get(&resp, "GET", "/js/app.js",
        (const char *[]){"If-Modified-Since: Thu, 01 Jan 2004 00:00:00 GMT", NULL});
    cr_expect_eq(resp.status, 200, "modified since 2004");
    mwtest_response_free(&resp);

    mwtest_response_free(&first);
    free(inm);
    free(weak);
    free(ims);
}

Test(static_route, head_has_the_length_and_no_body)
{
    struct mwtest_response resp;
    get(&resp, "HEAD", "/js/app.js", NULL);
    cr_expect_eq(resp.status, 200);
    cr_expect_eq(resp.body_len, 0);
    char *len = mwtest_fmt("%zu", strlen(app_js));
    cr_expect_str_eq(mwtest_header(&resp, "Content-Length"), len);
    cr_expect_eq(header_count(&resp, "Content-Length"), 1, "%s", resp.headers);
    free(len);
    mwtest_response_free(&resp);
}

Test(static_route, missing_files_and_other_methods)
{
    struct mwtest_response resp;
    get(&resp, "GET", "/nothing.js", NULL);
    expect_error(&resp, 404, "not_found", "a missing file");
    cr_expect(strncmp(mwtest_header(&resp, "Content-Type"), "application/json", 16) == 0);
    mwtest_response_free(&resp);

    get(&resp, "GET", "/.secret", NULL);
    expect_error(&resp, 400, "invalid_path", "hidden files are not even looked up");
    mwtest_response_free(&resp);

    get(&resp, "GET", "/link.txt", NULL);
    cr_expect_eq(resp.status, 404, "a symbolic link out of the directory is not served");
    cr_expect(strstr(resp.body, secret) == NULL);
    mwtest_response_free(&resp);

    char *url = mwtest_fmt("%s/index.html", collector->base_url);
    cr_assert_eq(mwtest_http(&resp, "POST", url, NULL, "x", 1, NULL), 0);
    expect_error(&resp, 405, "method_not_allowed", "POST of a file");
    cr_expect_str_eq(mwtest_header(&resp, "Allow"), "GET, HEAD");
    mwtest_response_free(&resp);
    free(url);

    get(&resp, "GET", "/api/v1/unknown", NULL);
    expect_error(&resp, 404, "not_found", "API paths are never files");
    mwtest_response_free(&resp);

    get(&resp, "GET", "/healthz", NULL);
    cr_expect_eq(resp.status, 200, "operations routes still answer");
    mwtest_response_free(&resp);
}

/* Sends request as is on a new connection; returns the status (0: closed without one) and the
 * whole answer in *answer. */
static int raw_request(const char *request, size_t len, char **answer)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)collector->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    cr_assert_eq(write(fd, request, len), (ssize_t)len);
    size_t cap = 65536, got = 0;
    char *buf = malloc(cap + 1);
    cr_assert_not_null(buf);
    ssize_t n;
    while (got < cap && (n = read(fd, buf + got, cap - got)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    *answer = buf;
    return status;
}

Test(static_route, traversal_attempts_never_reach_a_file)
{
    static const char *const paths[] = {
        "/../secret.txt",
        "/js/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/js%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/index.html%00.js",
        "/%00",
        "/./.secret",
        "/.secret",
        "/link.txt",
        "/js/%2e%2e/%2e%2e/secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        char *req =
            mwtest_fmt("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", paths[i]);
        char *answer = NULL;
        int status = raw_request(req, strlen(req), &answer);
        cr_expect(status == 400 || status == 404, "GET %s: status %d, want 400 or 404:\n%s",
                  paths[i], status, answer);
        cr_expect(strstr(answer, secret) == NULL, "GET %s leaked the secret", paths[i]);
        free(answer);
        free(req);
    }
    /* "//x" is a network-path reference: libevent reads "x" as the authority and the path as
     * empty, which is the index. */
    char *answer = NULL;
    static const char authority[] =
        "GET //secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int status = raw_request(authority, sizeof(authority) - 1, &answer);
    cr_expect(status == 200 && strstr(answer, index_html) != NULL, "GET //secret.txt: %s", answer);
    cr_expect(strstr(answer, secret) == NULL);
    free(answer);
    /* A NUL byte inside the request line itself. */
    static const char nul_line[] = "GET /index.html\0/../secret.txt HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n";
    status = raw_request(nul_line, sizeof(nul_line) - 1, &answer);
    cr_expect(status != 200 || strstr(answer, secret) == NULL, "NUL in the request line: %d",
              status);
    cr_expect(strstr(answer, secret) == NULL);
    free(answer);
}

Test(static_default, the_real_dashboard_is_served, .timeout = 60)
{
    /* No MW_STATIC_DIR: the default is the source tree's services/collector/web. */
    char *own_db = mwtest_db_create("static_default");
    struct mwtest_proc *c = mwtest_collector_start(own_db, NULL);
    char *url = mwtest_fmt("%s/", c->base_url);
    struct mwtest_response resp;
    cr_assert_eq(mwtest_http(&resp, "GET", url, NULL, NULL, 0, NULL), 0);
    cr_expect_eq(resp.status, 200);
    cr_expect(strstr(resp.body, "<html lang=\"ru\">") != NULL, "the dashboard's index");
    cr_expect(strstr(resp.body, "js/app.js") != NULL);
    mwtest_response_free(&resp);
    free(url);
    url = mwtest_fmt("%s/js/app.js", c->base_url);
    cr_assert_eq(mwtest_http(&resp, "GET", url, NULL, NULL, 0, NULL), 0);
    cr_expect_eq(resp.status, 200);
    cr_expect_str_eq(mwtest_header(&resp, "Content-Type"), "text/javascript; charset=utf-8");
    mwtest_response_free(&resp);
    free(url);
    cr_expect_eq(mwtest_proc_stop(c, SIGTERM), 0);
    mwtest_proc_free(c);
    mwtest_db_drop(own_db);
}
