/*
 * The checker with a database: results stored exactly (documents, missing, broken, evidence),
 * what changed since a school's previous check, the district's edited list of required
 * documents, two daemons sharing one district's schools (each checked exactly once, counted in
 * the database and in nginx's access log) and stopping on SIGTERM, and the collector's API over
 * the stored checks, with roles. A real PostgreSQL, a real nginx serving tests/data/sites.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "mwtest.h"
#include "mwtest_nginx.h"

#define SITES_DIR MW_TESTS_DIR "/data/sites"

/* Our servers beside the fixture sites: chg.localhost serves a copy of the iframe site that a
 * test changes; d<N>.localhost, each a school of the daemon test, serve the iframe site. */
static const char *const extra_servers = "server {\n"
                                         "    listen 127.0.0.1:@PORT@;\n"
                                         "    server_name chg.localhost;\n"
                                         "    root @CHG@;\n"
                                         "}\n"
                                         "server {\n"
                                         "    listen 127.0.0.1:@PORT@;\n"
                                         "    server_name ~^d[0-9]+\\.localhost$;\n"
                                         "    root @SITES@/iframe;\n"
                                         "}\n";

static struct mwtest_nginx *nginx;
static char *db;
static char *chg_dir; /* the changeable copy of the iframe site */

static void copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = mwtest_read_file(from, &len);
    cr_assert_not_null(data, "cannot read %s", from);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f, "cannot write %s", to);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* The iframe site copied file by file (it is small and flat). */
static void make_changeable_site(void)
{
    static const char *const files[] = {"index.html",
                                        "menu.html",
                                        "main.html",
                                        "nastav.html",
                                        "docs/list.html",
                                        "docs/files/polozhenie.doc",
                                        "docs/files/programma.rtf",
                                        "docs/files/prikaz_pary.doc"};
    chg_dir = mwtest_fmt("%s/chg", mwtest_temp_dir());
    char *docs = mwtest_fmt("%s/docs", chg_dir), *files_dir = mwtest_fmt("%s/docs/files", chg_dir);
    cr_assert(mkdir(chg_dir, 0755) == 0 && mkdir(docs, 0755) == 0 && mkdir(files_dir, 0755) == 0);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *from = mwtest_fmt("%s/iframe/%s", SITES_DIR, files[i]);
        char *to = mwtest_fmt("%s/%s", chg_dir, files[i]);
        copy_file(from, to);
        free(from);
        free(to);
    }
    free(docs);
    free(files_dir);
}

static void setup(void)
{
    make_changeable_site();
    char *gen = mwtest_fmt("%s/gen", mwtest_temp_dir());
    cr_assert(mkdir(gen, 0700) == 0);
    size_t len;
    char *conf_path = mwtest_fmt("%s/nginx-sites.conf", SITES_DIR);
    char *conf = mwtest_read_file(conf_path, &len);
    cr_assert_not_null(conf);
    char *all = mwtest_fmt("%s\n%s", conf, extra_servers);
    char *sites = mwtest_fmt("SITES=%s", SITES_DIR), *genv = mwtest_fmt("GEN=%s", gen),
         *chg = mwtest_fmt("CHG=%s", chg_dir);
    const char *vars[] = {sites, genv, chg, NULL};
    nginx = mwtest_nginx_start(all, vars);
    free(sites);
    free(genv);
    free(chg);
    free(all);
    free(conf);
    free(conf_path);
    free(gen);

    db = mwtest_db_create("checkerdb");
    mwtest_sql_exec(db, "INSERT INTO mw.region (code, name) VALUES ('reg', 'Регион')");
    mwtest_sql_exec(db, "INSERT INTO mw.district (region_id, code, name) "
                        "SELECT r.id, d.code, d.name FROM mw.region r, (VALUES ('d1', 'Район 1'), "
                        "('d2', 'Район 2'), ('d3', 'Район 3'), ('d4', 'Район 4')) d(code, name)");
}

static void teardown(void)
{
    mwtest_nginx_stop(nginx);
    nginx = NULL;
    mwtest_db_drop(db);
    db = NULL;
    free(chg_dir);
    chg_dir = NULL;
}

TestSuite(checker_db, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ------------------------------------------------------------------------------ */

static char *site(const char *host, const char *path)
{
    return mwtest_fmt("http://%s:%d%s", host, nginx->port, path);
}

static void add_school(const char *district, const char *code, const char *host)
{
    char *url = site(host, "/");
    mwtest_sql_exec(db,
                    "INSERT INTO mw.school (district_id, code, name, website) "
                    "SELECT id, $2::text, 'Школа ' || $2::text, $3 FROM mw.district WHERE code = $1",
                    district, code, url);
    free(url);
}

struct run {
    int status;
    char *out, *err;
};

/* The built checker with the test defaults and --database, then args (NULL-terminated). */
static void run_checker(struct run *r, const char *const *args)
{
    char *checker = mwtest_binary("services/checker/checker");
    const char *argv[40] = {checker,           "--allow-private",
                            "--host-delay-ms", "20",
                            "--retries",       "0",
                            "--timeout",       "5",
                            "--database",      db};
    size_t argc = 10;
    for (size_t i = 0; args[i] != NULL; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    *r = (struct run){0};
    r->status = mwtest_run(argv, NULL, NULL, 0, &r->out, &r->err);
    free(checker);
}

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

/* The printed line of school `code` (a copy, malloc'd), or NULL. */
static char *line_of(const char *out, const char *code)
{
    char *needle = mwtest_fmt("{\"school\":\"%s\",", code);
    const char *p = strstr(out, needle);
    free(needle);
    if (p == NULL)
        return NULL;
    const char *end = strchr(p, '\n');
    return strndup(p, end != NULL ? (size_t)(end - p) : strlen(p));
}

static char *school_sql(const char *sql, const char *code)
{
    return mwtest_sql_str(db, sql, code);
}

#define LATEST                                                                                     \
    "(SELECT max(c.id) FROM mw.site_check c JOIN mw.school s ON s.id = c.school_id "               \
    "WHERE s.code = $1)"

static void expect_str(char *got, const char *want, const char *what)
{
    cr_expect(got != NULL && strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", what,
              got ? got : "(null)", want);
    free(got);
}

/* ---- storing ------------------------------------------------------------------------------ */

Test(checker_db, one_shot_run_stores_documents_missing_and_evidence)
{
    add_school("d1", "IFR", "iframe.localhost");
    add_school("d1", "HOME", "homemade.localhost");
    char *ifr = site("iframe.localhost", "/"), *home = site("homemade.localhost", "/");
    char *csv = mwtest_fmt("code,website\nIFR,%s\nHOME,%s\nNOPE,%s\n", ifr, home, ifr);
    char *csv_path = mwtest_temp_file("schools.csv", csv, strlen(csv));
    struct run r;
    run_checker(&r, (const char *[]){"--once", "--schools", csv_path, NULL});
    cr_expect_eq(r.status, 1, "an unknown school is a result not stored: exit 1, got %d", r.status);
    cr_expect(strstr(r.err, "school \"NOPE\" is not in the database") != NULL, "%s", r.err);
    char *ifr_line = line_of(r.out, "IFR"), *nope_line = line_of(r.out, "NOPE");
    cr_assert_not_null(ifr_line, "no line for IFR:\n%s", r.out);
    cr_expect_not_null(nope_line, "an unknown school is still checked and printed");
    cr_expect_not_null(line_of(r.out, "HOME"));

    expect_str(mwtest_sql_str(db, "SELECT count(*) FROM mw.site_check"), "2", "checks stored");
    expect_str(school_sql("SELECT missing::text FROM mw.site_check WHERE id = " LATEST, "IFR"),
               "{roadmap,order_implementation,order_curator}", "IFR missing");
    expect_str(school_sql("SELECT broken::text FROM mw.site_check WHERE id = " LATEST, "IFR"), "{}",
               "IFR broken");
    expect_str(school_sql("SELECT found_count || '/' || document_count FROM mw.site_check "
                          "WHERE id = " LATEST,
                          "IFR"),
               "3/3", "IFR found/documents");
    expect_str(school_sql("SELECT string_agg(type || ':' || status || ':' || kind || ':' || "
                          "http_status, ' ' ORDER BY ord) FROM mw.site_check_document "
                          "WHERE site_check_id = " LATEST,
                          "IFR"),
               "regulation:found:doc:206 order_pairs:found:doc:206 program:found:rtf:206",
               "IFR documents");
    char *title = school_sql("SELECT title FROM mw.site_check_document WHERE type = 'program' "
                             "AND site_check_id = " LATEST,
                             "IFR");
    expect_str(title, "Программа наставничества", "program title");
    /* the evidence is the printed line itself */
    expect_str(mwtest_sql_str(db,
                              "SELECT (evidence = $1::jsonb)::text FROM mw.site_check c "
                              "JOIN mw.school s ON s.id = c.school_id WHERE s.code = 'IFR'",
                              ifr_line),
               "true", "evidence = printed line");

    expect_str(school_sql("SELECT missing::text FROM mw.site_check WHERE id = " LATEST, "HOME"),
               "{order_implementation,order_pairs}", "HOME missing");
    expect_str(school_sql("SELECT broken::text FROM mw.site_check WHERE id = " LATEST, "HOME"),
               "{order_implementation,order_pairs,order_mentor_school,order_final_event,"
               "target_model}",
               "HOME broken");
    expect_str(school_sql("SELECT problem || ' ' || http_status FROM mw.site_check_document "
                          "WHERE type = 'order_pairs' AND site_check_id = " LATEST,
                          "HOME"),
               "http_status 404", "HOME order_pairs");

    /* the contract view, the run, the schedule */
    expect_str(mwtest_sql_str(db, "SELECT string_agg(s.code || ':' || l.compliant || ':' || "
                                  "l.found_count || ':' || cardinality(l.missing), ' ' "
                                  "ORDER BY s.code) FROM mw.school_site_latest l "
                                  "JOIN mw.school s ON s.id = l.school_id"),
               "HOME:false:4:2 IFR:false:3:3", "school_site_latest");
    expect_str(mwtest_sql_str(db, "SELECT mode || ' ' || schools_stored || ' ' || "
                                  "(finished_at IS NOT NULL) FROM mw.check_run"),
               "once 2 true", "check run");
    expect_str(mwtest_sql_str(db,
                              "SELECT bool_and(cs.due_at > now() + interval '1 day' "
                              "AND cs.leased_by IS NULL AND cs.last_check_id IS NOT NULL)::text "
                              "FROM mw.check_schedule cs"),
               "true", "rescheduled to the next campaign");
    free(ifr_line);
    free(nope_line);
    free(csv_path);
    free(csv);
    free(ifr);
    free(home);
    run_free(&r);
}

Test(checker_db, second_check_shows_new_removed_and_changed_documents)
{
    add_school("d2", "CHG", "chg.localhost");
    struct run r;
    run_checker(&r, (const char *[]){"--once", "--district", "d2", NULL});
    cr_assert_eq(r.status, 0, "first check: %s", r.err);
    run_free(&r);
    expect_str(
        school_sql("SELECT count(*) FROM mw.site_check_change ch WHERE ch.site_check_id = " LATEST,
                   "CHG"),
        "0", "no changes on a first check");

    /* The site changes: the pairs order goes, a roadmap comes, the regulation is replaced. */
    char *list = mwtest_fmt("%s/docs/list.html", chg_dir);
    write_text(list, "<html><body><table>"
                     "<tr><td><a href=\"files/polozhenie.doc\">Положение о наставничестве</a>"
                     "<tr><td><a href=\"files/programma.rtf\">Программа наставничества</a>"
                     "<tr><td><a href=\"files/dorozhnaya_karta.doc\">Дорожная карта</a>"
                     "</table></body></html>");
    char *from = mwtest_fmt("%s/iframe/docs/files/polozhenie.doc", SITES_DIR);
    char *roadmap = mwtest_fmt("%s/docs/files/dorozhnaya_karta.doc", chg_dir);
    copy_file(from, roadmap);
    char *reg = mwtest_fmt("%s/docs/files/polozhenie.doc", chg_dir);
    FILE *f = fopen(reg, "ab");
    cr_assert_not_null(f);
    for (int i = 0; i < 3000; i++)
        fputc('x', f);
    fclose(f);

    run_checker(&r, (const char *[]){"--once", "--school", "CHG", NULL});
    cr_assert_eq(r.status, 0, "second check: %s", r.err);
    expect_str(school_sql("SELECT string_agg(ch.change || ':' || ch.type, ' ' ORDER BY ch.type) "
                          "FROM mw.site_check_change ch WHERE ch.site_check_id = " LATEST,
                          "CHG"),
               "changed:regulation new:roadmap removed:order_pairs", "changes");
    expect_str(school_sql("SELECT ('bytes' = ANY (fields))::text || ' ' || "
                          "((after->>'bytes')::bigint - (before->>'bytes')::bigint) "
                          "FROM mw.site_check_change WHERE type = 'regulation' "
                          "AND site_check_id = " LATEST,
                          "CHG"),
               "true 3000", "the regulation's size changed");
    expect_str(school_sql("SELECT missing::text FROM mw.site_check WHERE id = " LATEST, "CHG"),
               "{order_implementation,order_curator,order_pairs}", "missing after the change");
    expect_str(school_sql("SELECT (c.previous_id = (SELECT min(id) FROM mw.site_check))::text "
                          "FROM mw.site_check c WHERE c.id = " LATEST,
                          "CHG"),
               "true", "previous check linked");
    /* The second check went straight to the section the first one found. */
    cr_expect_eq(mwtest_nginx_count(nginx, "chg.localhost", "GET / "), 1,
                 "the home page was read by the first check only");
    run_free(&r);
    free(list);
    free(from);
    free(roadmap);
    free(reg);
}

Test(checker_db, district_list_decides_missing_and_compliant)
{
    add_school("d3", "IF3", "iframe.localhost");
    const char *optional[] = {"roadmap", "order_implementation", "order_curator"};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(mwtest_mwctl(db, NULL, "check", "required", "set", "--district", "d3",
                                  "--type", optional[i], "--optional"),
                     0);
    }
    struct run r;
    run_checker(&r, (const char *[]){"--once", "--district", "d3", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"missing\":[]") != NULL,
              "the printed line uses the district's "
              "list:\n%s",
              r.out);
    run_free(&r);
    expect_str(school_sql("SELECT compliant::text || ' ' || missing::text FROM "
                          "mw.school_site_latest l JOIN mw.school s ON s.id = l.school_id "
                          "WHERE s.code = $1",
                          "IF3"),
               "true {}", "compliant under the edited list");

    cr_assert_eq(mwtest_mwctl(db, NULL, "check", "required", "set", "--district", "d3", "--type",
                              "target_model", "--required"),
                 0);
    cr_assert_eq(mwtest_mwctl(db, NULL, "check", "due", "--school", "IF3"), 0);
    expect_str(school_sql("SELECT (due_at <= now())::text FROM mw.check_schedule cs "
                          "JOIN mw.school s ON s.id = cs.school_id WHERE s.code = $1",
                          "IF3"),
               "true", "due now");
    run_checker(&r, (const char *[]){"--once", "--school", "IF3", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"missing\":[\"target_model\"]") != NULL, "%s", r.out);
    run_free(&r);
    expect_str(school_sql("SELECT compliant::text || ' ' || missing::text FROM "
                          "mw.school_site_latest l JOIN mw.school s ON s.id = l.school_id "
                          "WHERE s.code = $1",
                          "IF3"),
               "false {target_model}", "a newly required document is missing");
    /* the first check keeps the list of its time */
    expect_str(school_sql("SELECT missing::text FROM mw.site_check c JOIN mw.school s "
                          "ON s.id = c.school_id WHERE s.code = $1 ORDER BY c.id LIMIT 1",
                          "IF3"),
               "{}", "the earlier check is unchanged");
}

/* ---- the daemon --------------------------------------------------------------------------- */

#define DAEMON_SCHOOLS 12

static struct mwtest_proc *start_daemon(void)
{
    char *checker = mwtest_binary("services/checker/checker");
    const char *argv[] = {checker,
                          "--daemon",
                          "--database",
                          db,
                          "--district",
                          "d4",
                          "--allow-private",
                          "--host-delay-ms",
                          "20",
                          "--retries",
                          "0",
                          "--timeout",
                          "5",
                          "--claim-batch",
                          "2",
                          "--sites-parallel",
                          "3",
                          "--poll-interval",
                          "1",
                          NULL};
    struct mwtest_proc *p = mwtest_proc_spawn(argv, NULL);
    free(checker);
    return p;
}

Test(checker_db, two_daemons_check_each_school_once_and_stop_on_sigterm)
{
    for (int i = 1; i <= DAEMON_SCHOOLS; i++) {
        char code[16], host[32];
        snprintf(code, sizeof(code), "D%d", i);
        snprintf(host, sizeof(host), "d%d.localhost", i);
        add_school("d4", code, host);
    }
    add_school("d1", "ELSEWHERE", "iframe.localhost"); /* another district: not ours */
    struct mwtest_proc *a = start_daemon(), *b = start_daemon();
    long stored = 0;
    for (int i = 0; i < 600 && stored < DAEMON_SCHOOLS; i++) {
        usleep(100000);
        stored = mwtest_sql_long(db, "SELECT count(*) FROM mw.site_check");
    }
    cr_expect_eq(stored, DAEMON_SCHOOLS, "every school of d4 checked (%ld)", stored);
    usleep(1500000); /* a second look by each daemon finds nothing due */
    cr_expect_eq(mwtest_proc_stop(a, SIGTERM), 0, "daemon A stops cleanly on SIGTERM");
    cr_expect_eq(mwtest_proc_stop(b, SIGTERM), 0, "daemon B stops cleanly on SIGTERM");
    cr_expect(mwtest_log_contains(a, "event=daemon_stopped"));
    cr_expect(mwtest_log_contains(b, "event=daemon_stopped"));

    expect_str(mwtest_sql_str(db,
                              "SELECT count(*) FILTER (WHERE n <> 1) FROM (SELECT s.id, "
                              "count(c.id) AS n FROM mw.school s LEFT JOIN mw.site_check c "
                              "ON c.school_id = s.id JOIN mw.district d ON d.id = s.district_id "
                              "WHERE d.code = 'd4' GROUP BY s.id) x"),
               "0", "each school checked exactly once");
    expect_str(mwtest_sql_str(db, "SELECT count(*) FROM mw.site_check c JOIN mw.school s "
                                  "ON s.id = c.school_id WHERE s.code = 'ELSEWHERE'"),
               "0", "the other district's school untouched");
    expect_str(mwtest_sql_str(db, "SELECT count(DISTINCT run_id) FROM mw.site_check"), "2",
               "both daemons did some of the work");
    expect_str(mwtest_sql_str(db, "SELECT count(*) FROM mw.check_run WHERE mode = 'daemon' "
                                  "AND finished_at IS NOT NULL"),
               "2", "both runs closed");
    expect_str(mwtest_sql_str(db, "SELECT count(*) FROM mw.check_schedule "
                                  "WHERE leased_by IS NOT NULL"),
               "0", "no lease left");
    for (int i = 1; i <= DAEMON_SCHOOLS; i++) {
        char host[32];
        snprintf(host, sizeof(host), "d%d.localhost", i);
        cr_expect_eq(mwtest_nginx_count(nginx, host, "GET /docs/list.html"), 1,
                     "%s: its document list read once", host);
    }
    mwtest_proc_free(a);
    mwtest_proc_free(b);
}

/* ---- the API ------------------------------------------------------------------------------ */

static char *token(const char *const *args)
{
    return fixture_issue_token(db, args);
}

static cJSON *get_json(struct mwtest_proc *col, const char *path, const char *tok, long *status)
{
    struct mwtest_response resp;
    char *url = mwtest_fmt("%s%s", col->base_url, path);
    cr_assert_eq(mwtest_http(&resp, "GET", url, tok, NULL, 0, NULL), 0);
    *status = resp.status;
    cJSON *json = cJSON_Parse(resp.body);
    cr_assert_not_null(json, "%s: not JSON: %s", path, resp.body);
    mwtest_response_free(&resp);
    free(url);
    return json;
}

static long post(struct mwtest_proc *col, const char *path, const char *tok, const char *body)
{
    struct mwtest_response resp;
    char *url = mwtest_fmt("%s%s", col->base_url, path);
    cr_assert_eq(mwtest_http(&resp, "POST", url, tok, body, body ? strlen(body) : 0, NULL), 0);
    long status = resp.status;
    mwtest_response_free(&resp);
    free(url);
    return status;
}

static long get_status(struct mwtest_proc *col, const char *path, const char *tok)
{
    long status;
    cJSON_Delete(get_json(col, path, tok, &status));
    return status;
}

Test(checker_db, api_shows_checks_by_role)
{
    add_school("d1", "IFR", "iframe.localhost");
    add_school("d1", "HOME", "homemade.localhost");
    struct run r;
    run_checker(&r, (const char *[]){"--once", "--district", "d1", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char *t_district = token((const char *[]){"--role", "district", "--district", "d1", NULL});
    char *t_other = token((const char *[]){"--role", "district", "--district", "d2", NULL});
    char *t_ifr = token((const char *[]){"--role", "school", "--school", "IFR", NULL});
    char *t_region = token((const char *[]){"--role", "region", "--region", "reg", NULL});
    struct mwtest_proc *col = mwtest_collector_start(db, NULL);
    long st;

    cJSON *one = get_json(col, "/api/v1/schools/IFR/site-check", t_district, &st);
    cr_expect_eq(st, 200);
    const cJSON *check = cJSON_GetObjectItemCaseSensitive(one, "check");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(check, "documents")), 3);
    char *missing = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(check, "missing"));
    cr_expect_str_eq(missing, "[\"roadmap\",\"order_implementation\",\"order_curator\"]");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(check, "compliant")));
    cr_expect(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(check, "changes")));
    free(missing);
    cJSON_Delete(one);

    cr_expect_eq(get_status(col, "/api/v1/schools/IFR/site-check", t_ifr), 200, "itself");
    cr_expect_eq(get_status(col, "/api/v1/schools/HOME/site-check", t_ifr), 403, "another");
    cr_expect_eq(get_status(col, "/api/v1/schools/IFR/site-check", t_other), 403, "not its");
    cr_expect_eq(get_status(col, "/api/v1/schools/IFR/site-check", t_region), 403,
                 "a region reads aggregates only");
    cr_expect_eq(get_status(col, "/api/v1/schools/NONE/site-check", t_district), 404);
    cr_expect_eq(get_status(col, "/api/v1/schools/IFR/site-check", NULL), 401);
    cr_expect_eq(get_status(col, "/api/v1/site-checks", t_ifr), 403, "a school: no summary");

    cJSON *sum = get_json(col, "/api/v1/site-checks", t_district, &st);
    cr_expect_eq(st, 200);
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(sum, "schools_total")->valueint, 2);
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(sum, "schools_checked")->valueint, 2);
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(sum, "schools_compliant")->valueint, 0);
    const cJSON *often = cJSON_GetObjectItemCaseSensitive(sum, "missing_most_often");
    const cJSON *first = cJSON_GetArrayItem(often, 0);
    cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(first, "type")->valuestring,
                     "order_implementation", "missing at both schools");
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(first, "schools")->valueint, 2);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sum, "schools")), 2);
    cJSON_Delete(sum);

    cJSON *reg = get_json(col, "/api/v1/site-checks", t_region, &st);
    cr_expect_eq(st, 200);
    const cJSON *districts = cJSON_GetObjectItemCaseSensitive(reg, "districts");
    cr_expect_eq(cJSON_GetArraySize(districts), 4);
    for (const cJSON *d = districts ? districts->child : NULL; d != NULL; d = d->next)
        cr_expect_null(cJSON_GetObjectItemCaseSensitive(d, "schools"), "no per-school list");
    cJSON_Delete(reg);

    /* the district edits its list; a school may read it, not change it */
    cr_expect_eq(post(col, "/api/v1/required-documents", t_district,
                      "{\"type\":\"roadmap\",\"required\":false}"),
                 200);
    cr_expect_eq(
        post(col, "/api/v1/required-documents", t_ifr, "{\"type\":\"roadmap\",\"required\":true}"),
        403);
    cr_expect_eq(post(col, "/api/v1/required-documents", t_district,
                      "{\"type\":\"nonsense\",\"required\":true}"),
                 422);
    cr_expect_eq(post(col, "/api/v1/required-documents", t_district, "{\"type\":\"roadmap\""), 400);
    cJSON *list = get_json(col, "/api/v1/required-documents", t_ifr, &st);
    cr_expect_eq(st, 200);
    const cJSON *docs = cJSON_GetObjectItemCaseSensitive(list, "documents");
    const cJSON *roadmap = cJSON_GetArrayItem(docs, 1);
    cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(roadmap, "type")->valuestring, "roadmap");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(roadmap, "required")));
    cJSON_Delete(list);

    cr_expect_eq(post(col, "/api/v1/site-checks/due", t_district, "{\"school\":\"IFR\"}"), 200);
    cr_expect_eq(post(col, "/api/v1/site-checks/due", t_district, "{\"school\":\"NONE\"}"), 404);
    cr_expect_eq(post(col, "/api/v1/site-checks/due", t_ifr, NULL), 403);
    expect_str(school_sql("SELECT (due_at <= now())::text FROM mw.check_schedule cs "
                          "JOIN mw.school s ON s.id = cs.school_id WHERE s.code = $1",
                          "IFR"),
               "true", "due now through the API");
    expect_str(school_sql("SELECT (due_at > now())::text FROM mw.check_schedule cs "
                          "JOIN mw.school s ON s.id = cs.school_id WHERE s.code = $1",
                          "HOME"),
               "true", "the other school keeps its date");

    mwtest_proc_stop(col, SIGTERM);
    mwtest_proc_free(col);
    free(t_district);
    free(t_other);
    free(t_ifr);
    free(t_region);
}
