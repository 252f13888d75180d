/* mwctl push: sends one term report or meeting event to the collector, retrying until it answers.
 */
#include "commands.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

/*
 * Exit codes (the README promises them to schools' scripts):
 *   0 accepted (201 created, or 200: the same request had been accepted before)
 *   1 refused: the server answered 4xx (other than 429) or 3xx; retrying cannot help
 *   2 usage: bad options, unreadable file or token
 *   3 gave up: no answer but errors (network, timeouts, 5xx, 429) until --max-time
 * One Idempotency-Key is made per invocation and sent with every attempt, so a retry of a
 * request the server did store is answered 200 instead of storing it twice, while pushing the
 * file again after an edit is a new request.
 */
enum push_exit {
    PUSH_ACCEPTED = 0,
    PUSH_REFUSED = 1,
    PUSH_USAGE = 2,
    PUSH_GAVE_UP = 3,
};

#define DEFAULT_URL        "http://127.0.0.1:8080"
#define DEFAULT_MAX_TIME_S 300.0
#define MAX_MAX_TIME_S     (7 * 86400.0)
#define CONNECT_TIMEOUT_S  10.0
#define ATTEMPT_TIMEOUT_S  60.0
#define BACKOFF_FIRST_S    0.5
#define BACKOFF_CAP_S      30.0
#define LAST_ATTEMPT_MIN_S 1.0 /* a backoff cut short by --max-time leaves this for a last try */
#define RETRY_AFTER_MAX_S  86400.0
#define INPUT_MAX          ((size_t)64 << 20) /* far above the server's limit; a guard only */
#define ANSWER_MAX         ((size_t)4 << 20)
#define TOKEN_MAX          4096
#define KEY_BYTES          16

struct push_opts {
    const char *url;        /* base URL, without the /api/v1/... path */
    const char *token_file; /* NULL: the token comes from MW_TOKEN */
    const char *file;       /* "-" is stdin */
    bool meeting;           /* POST /api/v1/meetings instead of /api/v1/reports */
    bool verbose;
    double max_time; /* seconds from start after which no new attempt begins */
};

struct buf {
    char *data;
    size_t len, cap, max;
};

/* What one attempt came back with. */
struct attempt {
    CURLcode rc; /* CURLE_OK: an answer came and status is set */
    long status;
    struct buf body;             /* the answer's body, NUL-terminated */
    double retry_after;          /* seconds from Retry-After; < 0 when absent */
    char error[CURL_ERROR_SIZE]; /* libcurl's detail when rc != CURLE_OK */
};

/* ---- small helpers ----------------------------------------------------------------------- */

/* Whole milliseconds, rounded up, at least 1 (libcurl reads 0 as "no timeout"). */
static long to_ms(double seconds)
{
    double ms = seconds * 1000.0;
    long whole = (long)ms;
    if ((double)whole < ms)
        whole++;
    return whole > 0 ? whole : 1;
}

static double min_d(double a, double b)
{
    return a < b ? a : b;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static bool buf_append(struct buf *b, const void *data, size_t len)
{
    if (len > b->max - b->len)
        return false;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return false;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

static void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Prints server-provided text with control characters replaced, so it cannot drive the terminal. */
static void print_clean(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static const char *json_string(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* ---- options and inputs ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mwctl push [--url URL] [--token-file FILE] [--meeting] [--max-time SECONDS]\n"
            "                  [--verbose] FILE.json|-\n"
            "Sends a term report (or with --meeting a meeting event) to the collector.\n"
            "  --url URL            collector base URL (default $MW_URL or " DEFAULT_URL ")\n"
            "  --token-file FILE    file holding the school's token (default $MW_TOKEN)\n"
            "  --meeting            the file is a meeting event: POST /api/v1/meetings\n"
            "  --max-time SECONDS   keep retrying network errors, 5xx and 429 this long "
            "(default 300)\n"
            "  --verbose            print the Idempotency-Key and every attempt\n"
            "Exit status: 0 accepted, 1 refused, 2 usage, 3 gave up.\n");
}

static bool parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v > 0) || v > MAX_MAX_TIME_S)
        return false;
    *out = v;
    return true;
}

static bool url_ok(const char *url)
{
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return false;
    CURLU *u = curl_url();
    if (u == NULL)
        return false;
    bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK;
    curl_url_cleanup(u);
    return ok;
}

/* argv holds the arguments after "push"; a leading "push" itself is accepted too. */
static int parse_args(int argc, char **argv, struct push_opts *o)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},
        {"token-file", required_argument, NULL, 't'},
        {"meeting", no_argument, NULL, 'm'},
        {"max-time", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int skip = argc > 0 && strcmp(argv[0], "push") == 0 ? 1 : 0;
    int n = argc - skip + 1;
    char **args = calloc((size_t)n + 1, sizeof *args);
    if (args == NULL) {
        fprintf(stderr, "mwctl push: out of memory\n");
        return PUSH_USAGE;
    }
    args[0] = "mwctl push";
    for (int i = skip; i < argc; i++)
        args[i - skip + 1] = argv[i];

    const char *env_url = getenv("MW_URL");
    *o = (struct push_opts){
        .url = env_url && *env_url ? env_url : DEFAULT_URL,
        .max_time = DEFAULT_MAX_TIME_S,
    };
    int rc = -1;
    optind = 0; /* glibc: restart scanning from scratch */
    int c;
    while (rc < 0 && (c = getopt_long(n, args, "u:t:mT:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'u':
            o->url = optarg;
            break;
        case 't':
            o->token_file = optarg;
            break;
        case 'm':
            o->meeting = true;
            break;
        case 'T':
            if (!parse_seconds(optarg, &o->max_time)) {
                fprintf(stderr, "mwctl push: --max-time wants seconds > 0, not \"%s\"\n", optarg);
                rc = PUSH_USAGE;
            }
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            break;
        default:
            usage(stderr);
            rc = PUSH_USAGE;
        }
    }
    if (rc < 0 && optind != n - 1) {
        fprintf(stderr, "mwctl push: %s\n",
                optind >= n ? "which file? (FILE.json, or - for stdin)"
                            : "only one file at a time");
        usage(stderr);
        rc = PUSH_USAGE;
    }
    if (rc < 0) {
        o->file = args[optind];
        if (!url_ok(o->url)) {
            fprintf(stderr, "mwctl push: bad URL \"%s\": http:// or https:// expected\n", o->url);
            rc = PUSH_USAGE;
        }
    }
    free(args);
    return rc;
}

/* Reads all of f into b; false with errno on a read error or when longer than b->max. */
static bool read_all(FILE *f, struct buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (!buf_append(b, chunk, n)) {
            errno = b->len + n > b->max ? EFBIG : ENOMEM;
            return false;
        }
    }
    if (ferror(f)) {
        errno = EIO;
        return false;
    }
    if (b->data == NULL && !buf_append(b, "", 0)) {
        errno = ENOMEM;
        return false;
    }
    return true;
}

static bool read_input(const char *path, struct buf *body)
{
    body->max = INPUT_MAX;
    bool use_stdin = strcmp(path, "-") == 0;
    FILE *f = use_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "mwctl push: cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = read_all(f, body);
    int err = errno;
    if (!use_stdin)
        fclose(f);
    if (!ok)
        fprintf(stderr, "mwctl push: cannot read %s: %s\n", use_stdin ? "stdin" : path,
                strerror(err));
    return ok;
}

/* Fills token (TOKEN_MAX bytes) from --token-file or MW_TOKEN; never prints the token. */
static bool read_token(const struct push_opts *o, char *token)
{
    struct buf b = {.max = TOKEN_MAX - 1};
    const char *source;
    if (o->token_file != NULL) {
        source = o->token_file;
        FILE *f = fopen(o->token_file, "r");
        if (f == NULL) {
            fprintf(stderr, "mwctl push: cannot open token file %s: %s\n", o->token_file,
                    strerror(errno));
            return false;
        }
        bool ok = read_all(f, &b);
        int err = errno;
        fclose(f);
        if (!ok) {
            fprintf(stderr, "mwctl push: cannot read token file %s: %s\n", o->token_file,
                    strerror(err));
            buf_free(&b);
            return false;
        }
    } else {
        source = "MW_TOKEN";
        const char *env = getenv("MW_TOKEN");
        if (env == NULL || *env == '\0') {
            fprintf(stderr, "mwctl push: no token: give --token-file FILE or set MW_TOKEN\n");
            return false;
        }
        if (!buf_append(&b, env, strlen(env))) {
            fprintf(stderr, "mwctl push: MW_TOKEN is too long\n");
            buf_free(&b);
            return false;
        }
    }
    /* Trim surrounding whitespace (a file usually ends with a newline). */
    size_t start = 0, end = b.len;
    while (start < end && strchr(" \t\r\n", b.data[start]) != NULL)
        start++;
    while (end > start && strchr(" \t\r\n", b.data[end - 1]) != NULL)
        end--;
    bool ok = end > start;
    for (size_t i = start; ok && i < end; i++)
        ok = b.data[i] > 0x20 && b.data[i] < 0x7f;
    if (ok) {
        memcpy(token, b.data + start, end - start);
        token[end - start] = '\0';
    } else {
        fprintf(stderr,
                "mwctl push: the token in %s is empty or has characters a token cannot "
                "have\n",
                source);
    }
    if (b.data != NULL)
        explicit_bzero(b.data, b.cap);
    buf_free(&b);
    return ok;
}

/* A fresh random key: 32 lowercase hex digits from getrandom(2). */
static bool make_idempotency_key(char out[2 * KEY_BYTES + 1])
{
    unsigned char raw[KEY_BYTES];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return true;
}

/* ---- one attempt ------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct buf *b = userdata;
    return buf_append(b, data, size * nmemb) ? size * nmemb : 0;
}

/* Retry-After: delta-seconds or an HTTP-date. */
static double parse_retry_after(const char *value)
{
    while (*value == ' ' || *value == '\t')
        value++;
    char *end;
    errno = 0;
    long secs = strtol(value, &end, 10);
    if (end != value && errno == 0 && secs >= 0) {
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end == '\0')
            return secs > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (double)secs;
    }
    char date[128];
    size_t n = strcspn(value, "\r\n");
    if (n >= sizeof date)
        return -1;
    memcpy(date, value, n);
    date[n] = '\0';
    time_t when = curl_getdate(date, NULL);
    if (when == (time_t)-1)
        return -1;
    double delta = difftime(when, time(NULL));
    return delta < 0 ? 0 : delta > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : delta;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct attempt *a = userdata;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        a->retry_after = -1; /* a new answer (after 100 Continue) */
    } else if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char value[160];
        size_t len = n - (sizeof name - 1);
        if (len < sizeof value) {
            memcpy(value, data + sizeof name - 1, len);
            value[len] = '\0';
            a->retry_after = parse_retry_after(value);
        }
    }
    return n;
}

/* POSTs body once, within at most `budget` seconds. */
static void attempt_once(CURL *curl, struct curl_slist *headers, const char *endpoint,
                         const struct buf *body, double budget, struct attempt *a)
{
    *a = (struct attempt){.retry_after = -1, .body = {.max = ANSWER_MAX}};
    long total_ms = to_ms(min_d(ATTEMPT_TIMEOUT_S, budget));
    long connect_ms = to_ms(min_d(CONNECT_TIMEOUT_S, budget));
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, endpoint);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mentorwatch-mwctl/1");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, a->error);
    a->rc = curl_easy_perform(curl);
    if (a->rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
    if (a->error[0] == '\0' && a->rc != CURLE_OK)
        snprintf(a->error, sizeof a->error, "%s", curl_easy_strerror(a->rc));
    if (a->body.data == NULL)
        buf_append(&a->body, "", 0);
}

/* Transport errors that another attempt cannot fix: configuration, TLS trust, our limits. */
static bool curl_error_is_permanent(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_FAILED_INIT:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_WRITE_ERROR: /* an answer longer than ANSWER_MAX */
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return true;
    default:
        return false;
    }
}

static bool status_is_retryable(long status)
{
    return status == 429 || (status >= 500 && status <= 599);
}

/* One line describing a failed attempt, e.g. "HTTP 503 database_unavailable". */
static void describe(const struct attempt *a, char *out, size_t size)
{
    if (a->rc != CURLE_OK) {
        snprintf(out, size, "%s", a->error);
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(a->body.data, a->body.len);
    const char *code = json_string(doc, "code");
    snprintf(out, size, "HTTP %ld%s%s", a->status, code ? " " : "", code ? code : "");
    cJSON_Delete(doc);
    for (char *p = out; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    }
}

/* ---- answers ----------------------------------------------------------------------------- */

static void print_accepted(const struct push_opts *o, const struct attempt *a)
{
    cJSON *doc = cJSON_ParseWithLength(a->body.data, a->body.len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    const cJSON *replayed = cJSON_GetObjectItemCaseSensitive(doc, "replayed");
    const cJSON *on_time = cJSON_GetObjectItemCaseSensitive(doc, "on_time");
    bool was_replay = cJSON_IsBool(replayed) ? cJSON_IsTrue(replayed) : a->status == 200;

    printf("accepted %s", o->meeting ? "meeting" : "report");
    if (cJSON_IsNumber(id))
        printf(" id=%.0f", id->valuedouble);
    else if (cJSON_IsString(id)) {
        fputs(" id=", stdout);
        print_clean(stdout, id->valuestring);
    }
    if (cJSON_IsNumber(version))
        printf(" version=%d", version->valueint);
    printf(" replayed=%s", was_replay ? "yes" : "no");
    if (cJSON_IsBool(on_time))
        printf(" on_time=%s", cJSON_IsTrue(on_time) ? "yes" : "no");
    printf("\n");
    if (was_replay)
        printf("(this request had already been accepted: nothing new was stored)\n");
    cJSON_Delete(doc);
}

/* The error answer of REPORT_FORMAT.md: code, message, then each problem's path and message. */
static void print_refused(const struct attempt *a)
{
    cJSON *doc = cJSON_ParseWithLength(a->body.data, a->body.len);
    const char *code = json_string(doc, "code");
    const char *message = json_string(doc, "message");
    fprintf(stderr, "mwctl push: refused: HTTP %ld", a->status);
    if (code != NULL) {
        fputc(' ', stderr);
        print_clean(stderr, code);
    }
    if (message != NULL) {
        fputs(": ", stderr);
        print_clean(stderr, message);
    }
    fputc('\n', stderr);
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(doc, "errors");
    const cJSON *list = cJSON_IsArray(errors) ? errors : NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        const char *path = json_string(e, "path");
        const char *msg = json_string(e, "message");
        const char *ecode = json_string(e, "code");
        print_clean(stderr, path ? path : "$");
        fputs(": ", stderr);
        print_clean(stderr, msg ? msg : "");
        if (ecode != NULL) {
            fputs(" [", stderr);
            print_clean(stderr, ecode);
            fputc(']', stderr);
        }
        fputc('\n', stderr);
    }
    if (doc == NULL && a->body.len > 0) {
        char excerpt[1001];
        snprintf(excerpt, sizeof excerpt, "%s", a->body.data);
        print_clean(stderr, excerpt);
        fputc('\n', stderr);
    }
    if (a->status >= 300 && a->status < 400)
        fprintf(stderr, "mwctl push: the server redirects: check --url (https?)\n");
    cJSON_Delete(doc);
}

/* ---- the retry loop ---------------------------------------------------------------------- */

static double jitter_unit(void)
{
    uint32_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint32_t)rand();
    return (double)r / 4294967296.0;
}

static int push(const struct push_opts *o, const struct buf *body, const char *token,
                const char *key)
{
    size_t base_len = strlen(o->url);
    while (base_len > 0 && o->url[base_len - 1] == '/')
        base_len--;
    char *endpoint = NULL, *auth = NULL, *key_header = NULL;
    struct curl_slist *headers = NULL;
    CURL *curl = curl_easy_init();
    int rc = PUSH_GAVE_UP;
    if (curl == NULL ||
        asprintf(&endpoint, "%.*s/api/v1/%s", (int)base_len, o->url,
                 o->meeting ? "meetings" : "reports") < 0 ||
        asprintf(&auth, "Authorization: Bearer %s", token) < 0 ||
        asprintf(&key_header, "Idempotency-Key: %s", key) < 0) {
        fprintf(stderr, "mwctl push: out of memory\n");
        goto out;
    }
    const char *lines[] = {auth, key_header, "Content-Type: application/json",
                           "Accept: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        struct curl_slist *l = curl_slist_append(headers, lines[i]);
        if (l == NULL) {
            fprintf(stderr, "mwctl push: out of memory\n");
            goto out;
        }
        headers = l;
    }
    if (o->verbose)
        fprintf(stderr, "mwctl push: POST %s (%zu bytes) Idempotency-Key: %s\n", endpoint,
                body->len, key);

    double start = now_s(), deadline = start + o->max_time, delay = BACKOFF_FIRST_S;
    for (int n = 1;; n++) {
        struct attempt a;
        attempt_once(curl, headers, endpoint, body, deadline - now_s(), &a);
        char what[CURL_ERROR_SIZE + 64];
        describe(&a, what, sizeof what);
        if (a.rc == CURLE_OK && a.status >= 200 && a.status < 300) {
            if (o->verbose)
                fprintf(stderr, "mwctl push: attempt %d: %s\n", n, what);
            print_accepted(o, &a);
            rc = PUSH_ACCEPTED;
        } else if (a.rc == CURLE_OK && !status_is_retryable(a.status)) {
            print_refused(&a);
            rc = PUSH_REFUSED;
        } else if (a.rc != CURLE_OK && curl_error_is_permanent(a.rc)) {
            fprintf(stderr, "mwctl push: giving up: %s\n", what);
            rc = PUSH_GAVE_UP;
        } else {
            /* Retryable: wait as the server asks (503, 429; "0" would spin, so it means
             * "no advice") or back off with jitter. */
            bool asked =
                a.rc == CURLE_OK && (a.status == 503 || a.status == 429) && a.retry_after > 0;
            double wait = asked ? a.retry_after : delay * (0.5 + 0.5 * jitter_unit());
            delay = min_d(delay * 2, BACKOFF_CAP_S);
            double left = deadline - now_s();
            if (!asked && wait >= left && left > LAST_ATTEMPT_MIN_S)
                wait = left - LAST_ATTEMPT_MIN_S;
            if (wait >= left) {
                fprintf(stderr,
                        "mwctl push: attempt %d: %s; giving up after %.1f s (--max-time %g)\n", n,
                        what, now_s() - start, o->max_time);
                rc = PUSH_GAVE_UP;
            } else {
                fprintf(stderr, "mwctl push: attempt %d: %s; retrying in %.1f s%s\n", n, what, wait,
                        asked ? " (Retry-After)" : "");
                buf_free(&a.body);
                sleep_s(wait);
                continue;
            }
        }
        buf_free(&a.body);
        break;
    }

out:
    if (auth != NULL)
        explicit_bzero(auth, strlen(auth));
    for (struct curl_slist *l = headers; l != NULL; l = l->next)
        explicit_bzero(l->data, strlen(l->data)); /* libcurl's copy of the token */
    free(auth);
    free(key_header);
    free(endpoint);
    curl_slist_free_all(headers);
    if (curl != NULL)
        curl_easy_cleanup(curl);
    return rc;
}

int cmd_push(int argc, char **argv)
{
    struct push_opts opts;
    int rc = parse_args(argc, argv, &opts);
    if (rc >= 0)
        return rc;

    char token[TOKEN_MAX];
    if (!read_token(&opts, token))
        return PUSH_USAGE;
    struct buf body = {0};
    if (!read_input(opts.file, &body)) {
        explicit_bzero(token, sizeof token);
        buf_free(&body);
        return PUSH_USAGE;
    }
    char key[2 * KEY_BYTES + 1];
    if (!make_idempotency_key(key)) {
        fprintf(stderr, "mwctl push: no random numbers for the Idempotency-Key: %s\n",
                strerror(errno));
        rc = PUSH_GAVE_UP;
    } else if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "mwctl push: cannot initialise libcurl\n");
        rc = PUSH_GAVE_UP;
    } else {
        signal(SIGPIPE, SIG_IGN);
        rc = push(&opts, &body, token, key);
        curl_global_cleanup();
    }
    explicit_bzero(token, sizeof token);
    buf_free(&body);
    return rc;
}
