/*
 * The checker against fixture school websites: a real nginx on 127.0.0.1 serves
 * tests/data/sites (nginx-sites.conf), the built `checker --once --allow-private` reads a CSV of
 * them, and each test asserts the exact findings: the section's address, every document with
 * its type, status and kind or problem, the missing codes, the errors, and that the run ended
 * in bounded time (and memory).
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mwtest.h"
#include "mwtest_nginx.h"

#define SITES_DIR MW_TESTS_DIR "/data/sites"

static struct mwtest_nginx *nginx;
static char *gen_dir;  /* files the tests generate (the 10 MB page), served as @GEN@ */
static char *urls[64]; /* site_url's results, freed after each test */
static size_t n_urls;

static void start_sites(void)
{
    gen_dir = mwtest_fmt("%s/gen", mwtest_temp_dir());
    cr_assert(mkdir(gen_dir, 0700) == 0, "cannot make %s", gen_dir);
    size_t len;
    char *conf_path = mwtest_fmt("%s/nginx-sites.conf", SITES_DIR);
    char *conf = mwtest_read_file(conf_path, &len);
    cr_assert_not_null(conf, "cannot read %s", conf_path);
    char *sites = mwtest_fmt("SITES=%s", SITES_DIR), *gen = mwtest_fmt("GEN=%s", gen_dir);
    const char *vars[] = {sites, gen, NULL};
    nginx = mwtest_nginx_start(conf, vars);
    free(sites);
    free(gen);
    free(conf);
    free(conf_path);
}

static void stop_sites(void)
{
    for (size_t i = 0; i < n_urls; i++)
        free(urls[i]);
    n_urls = 0;
    mwtest_nginx_stop(nginx);
    nginx = NULL;
    free(gen_dir);
}

TestSuite(checker_sites, .init = start_sites, .fini = stop_sites, .timeout = 180);

/* ---- running the checker --------------------------------------------------------------------- */

struct run {
    int status;
    char *out, *err;
    cJSON *lines[32];
    size_t n;
    double seconds;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "http://<host>:<port><path>" on the fixture nginx; kept until the test's end (not freed). */

static const char *site_url(const char *host, const char *path)
{
    cr_assert(n_urls < 64, "too many URLs in one test");
    return urls[n_urls++] = mwtest_fmt("http://%s:%d%s", host, nginx->port, path);
}

/*
 * Runs the checker on csv (a header row is added) with the test defaults (private addresses
 * allowed, short delays and timeouts) and then extra (NULL-terminated, may be NULL). Every line
 * of its standard output must be a JSON object.
 */
static void run_checker(struct run *r, const char *csv_rows, const char *const *extra)
{
    char *csv = mwtest_fmt("code,website,section\n%s", csv_rows);
    char *path = mwtest_temp_file("schools.csv", csv, strlen(csv));
    char *checker = mwtest_binary("services/checker/checker");
    cr_assert(access(checker, X_OK) == 0, "%s is not built", checker);
    const char *argv[48] = {checker,
                            "--once",
                            "--schools",
                            path,
                            "--allow-private",
                            "--host-delay-ms",
                            "20",
                            "--retries",
                            "1",
                            "--retry-delay-ms",
                            "100",
                            "--timeout",
                            "5",
                            "--connect-timeout",
                            "2",
                            "--low-speed-time",
                            "2"};
    size_t argc = 17;
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        cr_assert(argc < 46);
        argv[argc++] = extra[i];
    }
    argv[argc] = NULL;
    *r = (struct run){0};
    double t0 = now_s();
    r->status = mwtest_run(argv, NULL, NULL, 0, &r->out, &r->err);
    r->seconds = now_s() - t0;
    for (char *line = r->out; *line != '\0';) {
        char *end = strchr(line, '\n');
        cr_assert_not_null(end, "output does not end with a newline:\n%s", r->out);
        *end = '\0';
        cJSON *obj = cJSON_Parse(line);
        cr_assert(cJSON_IsObject(obj), "not a JSON object: %s", line);
        cr_assert(r->n < 32);
        r->lines[r->n++] = obj;
        line = end + 1;
    }
    if (r->status != 0)
        fprintf(stderr, "---- checker's standard error ----\n%s\n", r->err);
    cr_expect_eq(r->status, 0, "checker exited with %d", r->status);
    free(checker);
    free(path);
    free(csv);
}

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        cJSON_Delete(r->lines[i]);
    free(r->out);
    free(r->err);
}

static const cJSON *school(const struct run *r, const char *code)
{
    for (size_t i = 0; i < r->n; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(r->lines[i], "school");
        if (cJSON_IsString(c) && strcmp(c->valuestring, code) == 0)
            return r->lines[i];
    }
    cr_assert_fail("no line for school %s in:\n%s", code, r->out);
    return NULL;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted, space-separated "type:status:kind-or-problem" of every document. */
static char *doc_summary(const cJSON *s)
{
    const cJSON *docs = cJSON_GetObjectItemCaseSensitive(s, "documents");
    cr_assert(cJSON_IsArray(docs));
    char *items[64];
    size_t n = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, docs)
    {
        cr_assert(n < 64);
        const char *status = str(d, "status");
        const char *detail = strcmp(status, "found") == 0 ? str(d, "kind") : str(d, "problem");
        items[n++] = mwtest_fmt("%s:%s:%s", str(d, "type"), status, detail ? detail : "null");
    }
    qsort(items, n, sizeof(items[0]), cmp_str);
    char *out = mwtest_fmt("%s", "");
    for (size_t i = 0; i < n; i++) {
        char *next = mwtest_fmt("%s%s%s", out, i ? " " : "", items[i]);
        free(out);
        free(items[i]);
        out = next;
    }
    return out;
}

/* The values of an array of strings (or of one key of an array of objects), space-separated. */
static char *joined(const cJSON *s, const char *key, const char *field)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(s, key);
    cr_assert(cJSON_IsArray(arr), "%s is not an array", key);
    char *out = mwtest_fmt("%s", "");
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        const char *text = field != NULL ? str(v, field) : v->valuestring;
        char *next = mwtest_fmt("%s%s%s", out, out[0] ? " " : "", text ? text : "?");
        free(out);
        out = next;
    }
    return out;
}

/* The whole set of expectations on one school's line. */
struct expect {
    const char *code;
    const char *section; /* host and path, or NULL for none */
    const char *section_host;
    const char *docs;    /* doc_summary */
    const char *missing; /* space-separated */
    const char *errors;  /* error codes, space-separated */
};

static void expect_school(const struct run *r, const struct expect *e)
{
    const cJSON *s = school(r, e->code);
    const cJSON *section = cJSON_GetObjectItemCaseSensitive(s, "section_url");
    if (e->section == NULL) {
        cr_expect(cJSON_IsNull(section), "%s: section_url %s, expected null", e->code,
                  cJSON_IsString(section) ? section->valuestring : "?");
    } else {
        const char *want = site_url(e->section_host, e->section);
        cr_expect(cJSON_IsString(section) && strcmp(section->valuestring, want) == 0,
                  "%s: section_url %s, expected %s", e->code,
                  cJSON_IsString(section) ? section->valuestring : "null", want);
    }
    char *docs = doc_summary(s), *missing = joined(s, "missing", NULL);
    char *errors = joined(s, "errors", "code");
    cr_expect_str_eq(docs, e->docs, "%s: documents", e->code);
    cr_expect_str_eq(missing, e->missing, "%s: missing", e->code);
    cr_expect_str_eq(errors, e->errors, "%s: errors", e->code);
    free(docs);
    free(missing);
    free(errors);
}

/* A document of a school's line by type (the first one). */
static const cJSON *doc_of(const cJSON *s, const char *type)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(s, "documents"))
    {
        if (strcmp(str(d, "type"), type) == 0)
            return d;
    }
    cr_assert_fail("no %s document", type);
    return NULL;
}

/* nginx logs a request after answering it, so the checker may be gone before the line is
 * written: the count of matching requests once it reaches want, or after 3 s. */
static int logged(const char *host, const char *needle, int want)
{
    int n = 0;
    for (int i = 0; i < 150 && (n = mwtest_nginx_count(nginx, host, needle)) < want; i++)
        usleep(20000);
    return n;
}

static long rss_kb(const struct run *r)
{
    const char *p = strstr(r->err, "max_rss_kb=");
    return p != NULL ? strtol(p + 11, NULL, 10) : -1;
}

#define ALL_REQUIRED "regulation roadmap order_implementation order_curator order_pairs program"

/* ---- the layouts of real sites --------------------------------------------------------------- */

Test(checker_sites, card_pages)
{
    char *row = mwtest_fmt("CARDS,%s\n", site_url("cards.localhost", "/"));
    struct run r;
    run_checker(&r, row, NULL);
    expect_school(
        &r, &(struct expect){"CARDS", "/nastavnichestvo/", "cards.localhost",
                             "order_curator:found:docx order_final_event:broken:http_status "
                             "order_implementation:found:pdf order_pairs:found:pdf other:found:pdf "
                             "program:found:html regulation:found:pdf roadmap:found:pdf",
                             "", ""});
    const cJSON *s = school(&r, "CARDS");
    /* the card's heading names a link that says only «Скачать» */
    const cJSON *program = doc_of(s, "program");
    cr_expect_str_eq(str(program, "title"), "Программа наставничества на 2024-2025 учебный год");
    cr_expect_str_eq(str(program, "matched_by"), "card");
    const cJSON *reg = doc_of(s, "regulation");
    const char *file = site_url("cards.localhost", "/file/download?id=101");
    cr_expect_str_eq(str(reg, "file_url"), file);
    cr_expect_str_eq(str(reg, "content_type"), "application/pdf");
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(reg, "http_status")->valueint, 206,
                 "documents are read with a ranged GET");
    cr_expect_gt(cJSON_GetObjectItemCaseSensitive(reg, "bytes")->valuedouble, 1024);
    cr_expect(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(reg, "last_modified")));
    /* the section page's own menu («Положение о приёме» in <nav>) is not a document */
    cr_expect_eq(mwtest_nginx_count(nginx, "cards.localhost", "/file/card?id=900"), 0);
    free(row);
    run_free(&r);
}

Test(checker_sites, gosweb_cyrillic_path_and_file_names)
{
    char *row = mwtest_fmt("G14,%s\n", site_url("sch14-r56.gosweb.localhost", "/"));
    struct run r;
    run_checker(&r, row, NULL);
    expect_school(&r,
                  &(struct expect){
                      "G14",
                      "/nasha-shkola/%D0%BD%D0%B0%D1%81%D1%82%D0%B0%D0%B2%D0%BD%D0%B8%D1%87%D0%B5"
                      "%D1%81%D1%82%D0%B2%D0%BE/",
                      "sch14-r56.gosweb.localhost",
                      "order_implementation:found:pdf program:found:pdf regulation:found:pdf "
                      "roadmap:found:docx",
                      "order_curator order_pairs", ""});
    const cJSON *reg = doc_of(school(&r, "G14"), "regulation");
    cr_expect_str_eq(str(reg, "matched_by"), "file_name");
    cr_expect_str_eq(str(reg, "title"), "polozhenie_o_nastavnichestve.pdf");
    free(row);
    run_free(&r);
}

Test(checker_sites, wordpress_attachment_pages)
{
    char *row = mwtest_fmt("WP,%s\n", site_url("wordpress.localhost", "/"));
    struct run r;
    run_checker(&r, row, NULL);
    expect_school(&r, &(struct expect){"WP", "/?page_id=12", "wordpress.localhost",
                                       "order_curator:broken:no_document_on_page "
                                       "program:found:html regulation:found:pdf "
                                       "roadmap:found:pdf",
                                       "order_implementation order_curator order_pairs", ""});
    const cJSON *reg = doc_of(school(&r, "WP"), "regulation");
    const char *file =
        site_url("wordpress.localhost",
                 "/wp-content/uploads/2023/10/%D0%9F%D0%BE%D0%BB%D0%BE%D0%B6%D0%B5%D0%BD"
                 "%D0%B8%D0%B5-%D0%BE-%D0%BD%D0%B0%D1%81%D1%82%D0%B0%D0%B2%D0%BD%D0%B8"
                 "%D1%87%D0%B5%D1%81%D1%82%D0%B2%D0%B5.pdf");
    cr_expect_str_eq(str(reg, "file_url"), file);
    free(row);
    run_free(&r);
}

Test(checker_sites, iframe_list_and_homemade_site)
{
    char *rows = mwtest_fmt("IFR,%s\nHOME,%s\n", site_url("iframe.localhost", "/"),
                            site_url("homemade.localhost", "/"));
    struct run r;
    run_checker(&r, rows, NULL);
    cr_expect_eq(r.n, 2);
    expect_school(&r, &(struct expect){"IFR", "/nastav.html", "iframe.localhost",
                                       "order_pairs:found:doc program:found:rtf "
                                       "regulation:found:doc",
                                       "roadmap order_implementation order_curator", ""});
    expect_school(&r, &(struct expect){"HOME", "/nastavnik.html", "www.homemade.localhost",
                                       "order_curator:found:pdf "
                                       "order_final_event:broken:too_small "
                                       "order_implementation:broken:html_instead_of_document "
                                       "order_mentor_school:broken:too_many_redirects "
                                       "order_pairs:broken:http_status program:found:odt "
                                       "regulation:found:pdf roadmap:found:pdf "
                                       "target_model:broken:http_status",
                                       "order_implementation order_pairs", ""});
    const cJSON *home = school(&r, "HOME");
    /* «Положение» alone, in the section, behind a redirect */
    const cJSON *reg = doc_of(home, "regulation");
    const char *file = site_url("www.homemade.localhost", "/docs/polojenie_o_nastavnichestve.pdf");
    cr_expect_str_eq(str(reg, "file_url"), file);
    cr_expect_str_eq(str(reg, "title"), "Положение");
    cr_expect_eq(
        cJSON_GetObjectItemCaseSensitive(doc_of(home, "order_pairs"), "http_status")->valueint,
        404);
    /* the 503 was tried 1 + --retries times, with backoff */
    cr_expect_eq(logged("www.homemade.localhost", "/docs/busy.pdf", 2), 2);
    free(rows);
    run_free(&r);
}

/* Milliseconds of a log line's "ts=2024-11-12T08:00:03.123Z" (within the day is enough). */
static long log_ms(const char *line)
{
    int h, m, sec, ms;
    const char *ts = strstr(line, "ts=");
    if (ts == NULL || sscanf(ts + 3, "%*d-%*d-%*dT%d:%d:%d.%dZ", &h, &m, &sec, &ms) != 4)
        return -1;
    return ((h * 60L + m) * 60 + sec) * 1000 + ms;
}

Test(checker_sites, section_through_sveden_and_host_delay)
{
    char *row = mwtest_fmt("SV,%s\n", site_url("sveden.localhost", "/"));
    struct run r;
    const char *slow[] = {"--host-delay-ms", "150", "--log-level", "debug", NULL};
    run_checker(&r, row, slow);
    expect_school(&r, &(struct expect){"SV", "/sveden/nastavnichestvo/", "sveden.localhost",
                                       "order_curator:found:pdf order_implementation:found:pdf "
                                       "order_pairs:found:pdf program:found:pdf "
                                       "regulation:found:pdf roadmap:found:pdf",
                                       "", ""});
    /* transfers to the host start at least 150 ms apart (the checker's own fetch_start lines;
     * nginx's view adds connection set-up jitter) */
    const char *host = site_url("sveden.localhost", "/");
    long prev = -1;
    int starts = 0;
    for (char *line = strtok(r.err, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        const char *url = strstr(line, "event=fetch_start url=\"");
        if (url == NULL || strncmp(url + 23, host, strlen(host) - 1) != 0)
            continue;
        long ms = log_ms(line);
        if (ms < 0)
            continue;
        if (starts++ > 0)
            cr_expect_geq(ms - prev, 149, "starts %ld ms apart", ms - prev);
        prev = ms;
    }
    cr_expect_eq(starts, 10, "robots.txt, 3 pages, 6 documents");
    cr_expect_eq(logged("sveden.localhost", "HTTP/1.1", 10), 10);
    free(row);
    run_free(&r);
}

Test(checker_sites, dead_section_link_then_navigation_pages)
{
    char *row = mwtest_fmt("DEAD,%s\n", site_url("deadlink.localhost", "/"));
    struct run r;
    run_checker(&r, row, NULL);
    expect_school(&r, &(struct expect){"DEAD", "/sveden/nastav/", "deadlink.localhost",
                                       "program:found:pdf",
                                       "regulation roadmap order_implementation order_curator "
                                       "order_pairs",
                                       ""});
    cr_expect_eq(logged("deadlink.localhost", "/nastavnichestvo-old/", 1), 1);
    free(row);
    run_free(&r);
}

Test(checker_sites, no_section_and_offsite_link)
{
    char *row = mwtest_fmt("NOSEC,%s\n", site_url("nosection.localhost", "/"));
    struct run r;
    run_checker(&r, row, NULL);
    expect_school(&r, &(struct expect){"NOSEC", NULL, NULL, "", ALL_REQUIRED, ""});
    cr_expect_eq(mwtest_nginx_count(nginx, "cards.localhost", "/nastavnichestvo/"), 0,
                 "the other school's section was fetched");
    free(row);
    run_free(&r);
}

Test(checker_sites, section_given_in_csv)
{
    char *rows =
        mwtest_fmt("HINT,%s,%s\nSV2,%s,%s\n", site_url("hint.localhost", "/"),
                   site_url("hint.localhost", "/secret/razdel/"), site_url("sveden.localhost", "/"),
                   site_url("sveden.localhost", "/no/such/section/"));
    struct run r;
    run_checker(&r, rows, NULL);
    expect_school(&r, &(struct expect){"HINT", "/secret/razdel/", "hint.localhost",
                                       "regulation:found:pdf",
                                       "roadmap order_implementation order_curator order_pairs "
                                       "program",
                                       ""});
    cr_expect_eq(mwtest_nginx_count(nginx, "hint.localhost", "GET / HTTP"), 0,
                 "home page not needed");
    /* a given section that fails: reported, then looked for from the home page */
    expect_school(&r, &(struct expect){"SV2", "/sveden/nastavnichestvo/", "sveden.localhost",
                                       "order_curator:found:pdf order_implementation:found:pdf "
                                       "order_pairs:found:pdf program:found:pdf "
                                       "regulation:found:pdf roadmap:found:pdf",
                                       "", "http_status"});
    free(rows);
    run_free(&r);
}

Test(checker_sites, home_moved_to_another_domain)
{
    char *csv = mwtest_fmt("MOVED,%s\n", site_url("moved.localhost", "/"));
    struct run r;
    run_checker(&r, csv, NULL);
    expect_school(&r, &(struct expect){"MOVED", "/nastavnichestvo/", "newschool.localhost",
                                       "regulation:found:pdf",
                                       "roadmap order_implementation order_curator order_pairs "
                                       "program",
                                       ""});
    free(csv);
    run_free(&r);
}

/* ---- character sets and broken markup -------------------------------------------------------- */

Test(checker_sites, windows_1251_labels)
{
    char *rows =
        mwtest_fmt("W1,%s\nW2,%s\nW3,%s\n", site_url("cp1251.localhost", "/"),
                   site_url("cp1251bad.localhost", "/"), site_url("cp1251none.localhost", "/"));
    struct run r;
    run_checker(&r, rows, NULL);
    expect_school(&r,
                  &(struct expect){"W1", "/nastavnichestvo.html", "cp1251.localhost",
                                   "program:found:pdf regulation:found:pdf",
                                   "roadmap order_implementation order_curator order_pairs", ""});
    expect_school(&r, &(struct expect){"W2", "/razdel.html", "cp1251bad.localhost",
                                       "order_curator:found:pdf program:found:pdf "
                                       "roadmap:found:pdf",
                                       "regulation order_implementation order_pairs", ""});
    expect_school(&r, &(struct expect){"W3", "/nastav.html", "cp1251none.localhost",
                                       "order_pairs:found:pdf regulation:found:pdf",
                                       "roadmap order_implementation order_curator program", ""});
    cr_expect_str_eq(str(doc_of(school(&r, "W1"), "regulation"), "title"),
                     "Положение о наставничестве");
    free(rows);
    run_free(&r);
}

Test(checker_sites, deep_broken_nesting_and_idn_host)
{
    char *rows = mwtest_fmt("DEEP,%s\nIDN,http://школа.localhost:%d/\n",
                            site_url("deep.localhost", "/"), nginx->port);
    struct run r;
    run_checker(&r, rows, NULL);
    expect_school(&r, &(struct expect){"DEEP", "/nastavnichestvo/", "deep.localhost",
                                       "regulation:found:pdf",
                                       "roadmap order_implementation order_curator order_pairs "
                                       "program",
                                       ""});
    expect_school(&r, &(struct expect){"IDN",
                                       "/%D0%BD%D0%B0%D1%81%D1%82%D0%B0%D0%B2%D0%BD%D0%B8%D1%87"
                                       "%D0%B5%D1%81%D1%82%D0%B2%D0%BE/",
                                       "xn--80atdl2c.localhost", "regulation:found:pdf",
                                       "roadmap order_implementation order_curator order_pairs "
                                       "program",
                                       ""});
    cr_expect_lt(r.seconds, 30.0);
    free(rows);
    run_free(&r);
}

/* ---- hostile and failing sites --------------------------------------------------------------- */

/* A TCP port that accepts connections (the kernel's backlog) and never answers. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    cr_assert(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(fd, 64) == 0 &&
              getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

Test(checker_sites, timeout_slow_drip_and_redirect_loop)
{
    int port;
    int fd = silent_listener(&port);
    char *rows = mwtest_fmt("MUTE,http://127.0.0.1:%d/\nDRIP,%s\nLOOP,%s\n", port,
                            site_url("slow.localhost", "/"), site_url("loop.localhost", "/"));
    struct run r;
    const char *quick[] = {"--timeout", "2", NULL};
    run_checker(&r, rows, quick);
    expect_school(&r, &(struct expect){"MUTE", NULL, NULL, "", ALL_REQUIRED, "timeout"});
    expect_school(&r, &(struct expect){"DRIP", NULL, NULL, "", ALL_REQUIRED, "timeout"});
    expect_school(&r, &(struct expect){"LOOP", NULL, NULL, "", ALL_REQUIRED, "too_many_redirects"});
    /* robots.txt 2 s, then 2 attempts of 2 s and a backoff: the sites run side by side */
    cr_expect_lt(r.seconds, 20.0, "took %.1f s", r.seconds);
    close(fd);
    free(rows);
    run_free(&r);
}

Test(checker_sites, huge_page_is_cut)
{
    /* 10 MB: the section link first, a trap beyond the 2 MB cap */
    char *path = mwtest_fmt("%s/big.html", gen_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("<html><body><a href=\"/nastavnichestvo/\">Наставничество</a>\n", f);
    for (int i = 0; i < 10 * 1024 * 1024 / 64; i++)
        fputs("<p>Новости школы. Новости школы. Новости школы. Новости.</p>\n", f);
    fputs("<a href=\"/trap/\">Наставничество</a></body></html>\n", f);
    cr_assert_eq(fclose(f), 0);
    char *rows = mwtest_fmt("HUGE,%s\nBOMB,%s\n", site_url("huge.localhost", "/big.html"),
                            site_url("bomb.localhost", "/bomb.html"));
    struct run r;
    run_checker(&r, rows, NULL);
    const char *one = "regulation:found:pdf";
    const char *five = "roadmap order_implementation order_curator order_pairs program";
    expect_school(&r,
                  &(struct expect){"HUGE", "/nastavnichestvo/", "huge.localhost", one, five, ""});
    expect_school(&r,
                  &(struct expect){"BOMB", "/nastavnichestvo/", "bomb.localhost", one, five, ""});
    cr_expect_eq(mwtest_nginx_count(nginx, NULL, "/trap/"), 0, "read past the 2 MB cap");
    cr_expect_lt(r.seconds, 30.0);
    long rss = rss_kb(&r);
    cr_expect_gt(rss, 0, "no max_rss_kb in the log:\n%s", r.err);
#if !defined(__SANITIZE_ADDRESS__)
    cr_expect_lt(rss, 64 * 1024, "peak memory %ld KB", rss);
#endif
    free(path);
    free(rows);
    run_free(&r);
}

Test(checker_sites, robots_txt)
{
    char *row = mwtest_fmt("ROB,%s\n", site_url("robots.localhost", "/"));
    struct run r;
    run_checker(&r, row, NULL);
    /* our own group disallows /closed/ (the "*" group's /private/ does not apply to us) */
    expect_school(&r, &(struct expect){"ROB", "/nastavnichestvo/", "robots.localhost",
                                       "program:broken:robots_disallowed regulation:found:pdf",
                                       "roadmap order_implementation order_curator order_pairs "
                                       "program",
                                       ""});
    cr_expect_eq(mwtest_nginx_count(nginx, "robots.localhost", "/closed/"), 0);
    cr_expect_eq(logged("robots.localhost", "/robots.txt", 1), 1, "robots.txt once per host");
    run_free(&r);
    const char *ignore[] = {"--ignore-robots", NULL};
    run_checker(&r, row, ignore);
    expect_school(&r,
                  &(struct expect){"ROB", "/nastavnichestvo/", "robots.localhost",
                                   "program:found:pdf regulation:found:pdf",
                                   "roadmap order_implementation order_curator order_pairs", ""});
    cr_expect_eq(mwtest_nginx_count(nginx, "robots.localhost", "/robots.txt"), 1,
                 "not asked with --ignore-robots");
    free(row);
    run_free(&r);
}

Test(checker_sites, private_addresses_refused_by_default)
{
    char *row = mwtest_fmt("PRIV,%s\n", site_url("cards.localhost", "/"));
    char *csv = mwtest_fmt("code,website\n%s", row);
    char *path = mwtest_temp_file("private.csv", csv, strlen(csv));
    char *checker = mwtest_binary("services/checker/checker");
    const char *argv[] = {checker, "--once", "--schools", path, "--retries", "0", NULL};
    const char *env[] = {"MW_CHECKER_ALLOW_PRIVATE", NULL}; /* unset */
    char *out = NULL, *err = NULL;
    int status = mwtest_run(argv, env, NULL, 0, &out, &err);
    cr_expect_eq(status, 0, "%s", err);
    cJSON *obj = cJSON_Parse(out);
    cr_assert(cJSON_IsObject(obj), "%s", out);
    char *errors = joined(obj, "errors", "code");
    cr_expect_str_eq(errors, "address_refused");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj, "section_url")));
    cr_expect_eq(mwtest_nginx_count(nginx, "cards.localhost", "GET"), 0, "nothing reached nginx");
    free(errors);
    cJSON_Delete(obj);
    free(out);
    free(err);
    free(checker);
    free(path);
    free(csv);
    free(row);
}

/* Runs a shell command in dir and fails the test when it fails. */
static void shell(const char *dir, const char *command)
{
    char *script = mwtest_fmt("cd '%s' && %s", dir, command);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *out = NULL, *err = NULL;
    int status = mwtest_run(argv, NULL, NULL, 0, &out, &err);
    cr_assert_eq(status, 0, "%s failed:\n%s%s", command, out, err);
    free(out);
    free(err);
    free(script);
}

Test(checker_sites, https_with_the_districts_ca_file)
{
    /* a CA of our own (as the Russian Trusted Root CA is not in Debian's store) */
    char *dir = mwtest_fmt("%s/tls", mwtest_temp_dir());
    cr_assert(mkdir(dir, 0700) == 0);
    shell(dir, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
               "-keyout ca.key -out ca.pem -days 2 -subj /CN=mentorwatch-test-CA 2>&1 && "
               "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
               "-keyout site.key -out site.csr -subj /CN=tls.localhost 2>&1 && "
               "printf 'subjectAltName=DNS:tls.localhost\\n' > ext && "
               "openssl x509 -req -in site.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
               "-out site.pem -days 2 -extfile ext 2>&1");
    int tls_port = mwtest_free_port();
    char *conf = mwtest_fmt("server {\n"
                            "    listen 127.0.0.1:%d ssl;\n"
                            "    server_name tls.localhost;\n"
                            "    ssl_certificate %s/site.pem;\n"
                            "    ssl_certificate_key %s/site.key;\n"
                            "    root %s/sveden;\n"
                            "}\n",
                            tls_port, dir, dir, SITES_DIR);
    struct mwtest_nginx *tls = mwtest_nginx_start(conf, NULL);
    char *row = mwtest_fmt("TLS,https://tls.localhost:%d/\n", tls_port);
    struct run r;
    run_checker(&r, row, NULL);
    expect_school(&r, &(struct expect){"TLS", NULL, NULL, "", ALL_REQUIRED, "tls_failed"});
    run_free(&r);
    char *ca = mwtest_fmt("%s/ca.pem", dir);
    const char *with_ca[] = {"--ca-file", ca, NULL};
    run_checker(&r, row, with_ca);
    const cJSON *s = school(&r, "TLS");
    char *want = mwtest_fmt("https://tls.localhost:%d/sveden/nastavnichestvo/", tls_port);
    cr_expect_str_eq(str(s, "section_url"), want);
    char *docs = doc_summary(s);
    cr_expect_str_eq(docs, "order_curator:found:pdf order_implementation:found:pdf "
                           "order_pairs:found:pdf program:found:pdf regulation:found:pdf "
                           "roadmap:found:pdf");
    free(docs);
    free(want);
    run_free(&r);
    mwtest_nginx_stop(tls);
    free(ca);
    free(row);
    free(conf);
    free(dir);
}

Test(checker_sites, every_site_at_once)
{
    /* all the fixture sites in one run: the output has one line per school, nothing crashes */
    int port;
    int fd = silent_listener(&port);
    char *rows =
        mwtest_fmt("A,%s\nB,%s\nC,%s\nD,%s\nE,%s\nF,%s\nG,%s\nH,%s\nI,%s\nJ,%s\nK,%s\nL,%s\nM,%s\n"
                   "N,http://127.0.0.1:%d/\nO,not a url at all\nP,ftp://example.ru/\n",
                   site_url("cards.localhost", "/"), site_url("sch14-r56.gosweb.localhost", "/"),
                   site_url("wordpress.localhost", "/"), site_url("iframe.localhost", "/"),
                   site_url("homemade.localhost", "/"), site_url("cp1251.localhost", "/"),
                   site_url("cp1251bad.localhost", "/"), site_url("cp1251none.localhost", "/"),
                   site_url("deep.localhost", "/"), site_url("sveden.localhost", "/"),
                   site_url("nosection.localhost", "/"), site_url("robots.localhost", "/"),
                   site_url("loop.localhost", "/"), port);
    struct run r;
    const char *quick[] = {"--timeout", "2", "--sites-parallel", "5", NULL};
    run_checker(&r, rows, quick);
    cr_expect_eq(r.n, 16, "one line per school");
    expect_school(&r, &(struct expect){"O", NULL, NULL, "", ALL_REQUIRED, "bad_url"});
    expect_school(&r, &(struct expect){"P", NULL, NULL, "", ALL_REQUIRED, "bad_url"});
    const cJSON *a = school(&r, "A");
    cr_expect(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "section_url")));
    cr_expect_lt(r.seconds, 60.0);
    close(fd);
    free(rows);
    run_free(&r);
}
