/*
 * The district dashboard end to end in a real headless browser: the demo district of the
 * fixture with known reports, the real collector serving services/collector/web, and
 * tests/browser/dashboard.test.mjs driving Debian's chromium through playwright-core. The
 * figures it must show are computed here, by hand, from the reports sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "fixture.h"

static struct fixture fx;

/* Why the browser test cannot run here (node, chromium or tests/browser's npm packages
 * missing), or NULL. */
static const char *missing_tool(void);

static void setup(void)
{
    if (missing_tool() == NULL) /* else the test skips: no district, no collector */
        fixture_setup(&fx, "dashboard", NULL);
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

/* The node script's own limit; the suite's leaves room for the fixture around it. */
#define BROWSER_TIMEOUT_MS 300000

TestSuite(dashboard, .init = setup, .fini = teardown, .timeout = 420);

/* Whether an executable called name is on PATH (or name is an executable path). */
static bool on_path(const char *name)
{
    if (strchr(name, '/') != NULL)
        return access(name, X_OK) == 0;
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    bool found = false;
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *full = mwtest_fmt("%s/%s", dir, name);
        found = access(full, X_OK) == 0;
        free(full);
    }
    free(copy);
    return found;
}

static const char *missing_tool(void)
{
    const char *chromium = getenv("MW_CHROMIUM") ? getenv("MW_CHROMIUM") : "/usr/bin/chromium";
    char *playwright =
        mwtest_fmt("%s/browser/node_modules/playwright-core/package.json", MW_TESTS_DIR);
    bool npm_ok = access(playwright, R_OK) == 0;
    free(playwright);
    if (!on_path("node"))
        return "node is not installed";
    if (!on_path(chromium))
        return "chromium is not installed";
    return npm_ok ? NULL : "tests/browser has no node_modules (npm ci)";
}

/* Figures of the reports of one period, summed the way KPI.md defines them. */
struct period_figures {
    int expected, received, on_time, late, missing, pending;
    int young, young_mentored, participants, with_consent, mentors, trained, pairs;
};

static int array_size(const cJSON *doc, const char *name)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, name));
}

static void add_report(struct period_figures *f, const char *body)
{
    cJSON *doc = cJSON_Parse(body);
    cr_assert_not_null(doc);
    const cJSON *staff = cJSON_GetObjectItemCaseSensitive(doc, "staff");
    f->young += cJSON_GetObjectItemCaseSensitive(staff, "young_teachers")->valueint;
    f->young_mentored +=
        cJSON_GetObjectItemCaseSensitive(staff, "young_teachers_mentored")->valueint;
    const char *groups[] = {"mentors", "mentees"};
    for (int g = 0; g < 2; g++) {
        const cJSON *person;
        cJSON_ArrayForEach(person, cJSON_GetObjectItemCaseSensitive(doc, groups[g]))
        {
            const cJSON *consent = cJSON_GetObjectItemCaseSensitive(person, "consent");
            f->participants++;
            f->with_consent += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(consent, "given"));
            if (g == 0)
                f->trained += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(person, "trained"));
        }
    }
    f->mentors += array_size(doc, "mentors");
    f->pairs += array_size(doc, "pairs");
    cJSON_Delete(doc);
}

/* The example report for school/stage with its staff figures replaced. */
static char *report_with_staff(const char *school, const char *stage, const char *comment,
                               int teachers, int young, int mentored)
{
    char *text = fixture_report(school, "2024/2025", stage, comment, NULL);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    cJSON *staff = cJSON_CreateObject();
    cJSON_AddNumberToObject(staff, "teachers_total", teachers);
    cJSON_AddNumberToObject(staff, "young_teachers", young);
    cJSON_AddNumberToObject(staff, "young_teachers_mentored", mentored);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "staff", staff);
    char *body = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return body;
}

static void push(const char *token, const char *body)
{
    struct mwtest_response resp;
    cr_assert_eq(fixture_post(&resp, &fx, "/api/v1/reports", token, body, strlen(body), NULL), 0);
    cr_assert_eq(resp.status, 201, "report refused: %ld %s", resp.status, resp.body);
    mwtest_response_free(&resp);
}

static cJSON *figures_json(const struct period_figures *f)
{
    cJSON *o = cJSON_CreateObject();
    const struct {
        const char *name;
        int value;
    } fields[] = {
        {"expected", f->expected},
        {"received", f->received},
        {"on_time", f->on_time},
        {"late", f->late},
        {"missing", f->missing},
        {"pending", f->pending},
        {"young", f->young},
        {"young_mentored", f->young_mentored},
        {"participants", f->participants},
        {"with_consent", f->with_consent},
        {"mentors", f->mentors},
        {"trained", f->trained},
        {"pairs", f->pairs},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        cJSON_AddNumberToObject(o, fields[i].name, fields[i].value);
    return o;
}

/*
 * Stores a check of the school's site through mw.store_site_check, the checker's own path
 * (a JSON line of its output, services/checker/README.md): the six documents every district
 * requires by default, all found except broken_type (NULL: none), whose link is broken.
 */
static void store_site_check(const char *school, const char *broken_type)
{
    static const char *const types[] = {"regulation",    "roadmap",     "order_implementation",
                                        "order_curator", "order_pairs", "program"};
    cJSON *line = cJSON_CreateObject();
    char *site = mwtest_fmt("https://%s.example.ru/", school);
    char *section = mwtest_fmt("%snastavnichestvo/", site);
    cJSON_AddStringToObject(line, "school", school);
    cJSON_AddStringToObject(line, "website", site);
    cJSON_AddStringToObject(line, "section_url", section);
    cJSON *docs = cJSON_AddArrayToObject(line, "documents");
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        bool broken = broken_type != NULL && strcmp(types[i], broken_type) == 0;
        char *url = mwtest_fmt("%sdocs/%s.pdf", site, types[i]);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "type", types[i]);
        cJSON_AddStringToObject(d, "url", url);
        cJSON_AddStringToObject(d, "title", types[i]);
        cJSON_AddStringToObject(d, "status", broken ? "broken" : "found");
        cJSON_AddNumberToObject(d, "http_status", 200);
        cJSON_AddStringToObject(d, "content_type", broken ? "text/html" : "application/pdf");
        cJSON_AddStringToObject(d, "kind", broken ? "html" : "pdf");
        cJSON_AddNumberToObject(d, "bytes", broken ? 182 : 48213);
        cJSON_AddStringToObject(d, "file_url", url);
        if (broken)
            cJSON_AddStringToObject(d, "problem", "html_instead_of_document");
        else
            cJSON_AddNullToObject(d, "problem");
        cJSON_AddStringToObject(d, "matched_by", "text");
        cJSON_AddStringToObject(d, "found_on", section);
        cJSON_AddItemToArray(docs, d);
        free(url);
    }
    cJSON_AddArrayToObject(line, "errors");
    cJSON_AddNumberToObject(line, "pages_fetched", 2);
    cJSON_AddNumberToObject(line, "requests", 8);
    cJSON_AddStringToObject(line, "checked_at", "2024-11-12T08:00:03Z");
    char *text = cJSON_PrintUnformatted(line);
    char *compliant = mwtest_sql_str(
        fx.db, "SELECT compliant::text FROM mw.store_site_check(NULL, 'test_dashboard', $1, 86400)",
        text);
    cr_assert_not_null(compliant, "mw.store_site_check stored nothing for %s", school);
    cr_assert_str_eq(compliant, broken_type ? "false" : "true");
    free(compliant);
    free(text);
    free(section);
    free(site);
    cJSON_Delete(line);
}

/* Where the screenshots and downloads go: run.sh's log directory (browser-<build dir>), else
 * the build directory's tests/browser-output. */
static char *output_dir(void)
{
    const char *base = getenv("MW_TEST_OUTPUT_DIR");
    const char *build = strrchr(mwtest_build_dir(), '/');
    char *dir = base && *base ? mwtest_fmt("%s/browser-%s", base, build ? build + 1 : "build")
                              : mwtest_fmt("%s/tests/browser-output", mwtest_build_dir());
    mkdir(dir, 0755);
    return dir;
}

Test(dashboard, signs_in_shows_the_figures_drills_down_and_exports)
{
    /* Skipped where node, chromium or the npm packages are absent, except in CI (CI=true),
     * which installs them and must run this. */
    const char *why = missing_tool();
    if (why != NULL) {
        const char *ci = getenv("CI");
        cr_assert(ci == NULL || strcmp(ci, "true") != 0, "CI=true but %s", why);
        /* run.sh counts "[SKIP]" lines of a test's output and notes them in its summary. */
        fprintf(stderr, "[SKIP] dashboard browser test: %s (deploy/install-deps.sh installs it)\n",
                why);
        cr_skip_test("%s", why);
    }
    const char *chromium = getenv("MW_CHROMIUM") ? getenv("MW_CHROMIUM") : "/usr/bin/chromium";

    /* The district's four schools (OTHER1 is another district's). Entry 2024/2025 closed on
     * 2024-10-15: SOSH14 is late, and corrects its report (version 2). Intermediate closes in
     * 2099: SOSH14 and ITL24 are on time, SOSH8 and POGAD pending. */
    struct period_figures entry = {.expected = 4, .received = 1, .late = 1, .missing = 3};
    struct period_figures intermediate = {.expected = 4, .received = 2, .on_time = 2, .pending = 2};
    char *v1 = report_with_staff("SOSH14", "entry", "первая версия", 40, 8, 2);
    char *v2 = report_with_staff("SOSH14", "entry", "исправленная версия", 40, 8, 3);
    char *sosh14 = report_with_staff("SOSH14", "intermediate", NULL, 40, 8, 6);
    char *itl24 = report_with_staff("ITL24", "intermediate", NULL, 30, 4, 1);
    push(fx.token_sosh14, v1);
    push(fx.token_sosh14, v2);
    push(fx.token_sosh14, sosh14);
    push(fx.token_itl24, itl24);
    add_report(&entry, v2);
    add_report(&intermediate, sosh14);
    add_report(&intermediate, itl24);
    /* Website checks as the checker stores them: ITL24's site has every required document;
     * SOSH14's links its order of implementation to an HTML page instead of the file. */
    store_site_check("ITL24", NULL);
    store_site_check("SOSH14", "order_implementation");

    cJSON *expect = cJSON_CreateObject();
    cJSON_AddItemToObject(expect, "entry", figures_json(&entry));
    cJSON_AddItemToObject(expect, "intermediate", figures_json(&intermediate));
    cJSON_AddStringToObject(expect, "year", "2024-2025");
    char *expect_text = cJSON_PrintUnformatted(expect);
    cJSON_Delete(expect);

    char *out_dir = output_dir();
    char *script = mwtest_fmt("%s/browser/dashboard.test.mjs", MW_TESTS_DIR);
    char *env_url = mwtest_fmt("MW_DASHBOARD_URL=%s", fx.collector->base_url);
    char *env_token = mwtest_fmt("MW_DISTRICT_TOKEN=%s", fx.token_district);
    char *env_region = mwtest_fmt("MW_REGION_TOKEN=%s", fx.token_region);
    char *env_school = mwtest_fmt("MW_SCHOOL_TOKEN=%s", fx.token_sosh14);
    char *env_expect = mwtest_fmt("MW_E2E_EXPECT=%s", expect_text);
    char *env_out = mwtest_fmt("MW_BROWSER_OUT=%s", out_dir);
    char *env_chromium = mwtest_fmt("MW_CHROMIUM=%s", chromium);
    const char *argv[] = {"node", script, NULL};
    const char *env[] = {env_url,    env_token, env_region,   env_school,
                         env_expect, env_out,   env_chromium, NULL};
    /* In the background with its own time limit: a loaded machine may need minutes. */
    struct mwtest_proc *node = mwtest_proc_spawn(argv, env);
    int rc = mwtest_proc_wait(node, BROWSER_TIMEOUT_MS);
    if (rc < 0)
        fprintf(stderr, "the browser test ran over %d s: stopped\n", BROWSER_TIMEOUT_MS / 1000);
    if (rc < 0)
        rc = mwtest_proc_stop(node, SIGTERM);
    mwtest_proc_dump_log(node);
    fprintf(stderr, "screenshots and downloads: %s\n", out_dir);
    cr_expect_eq(rc, 0, "the browser test failed (exit %d); its output is above", rc);
    mwtest_proc_free(node);

    free(env_url);
    free(env_token);
    free(env_region);
    free(env_school);
    free(env_expect);
    free(env_out);
    free(env_chromium);
    free(script);
    free(out_dir);
    free(expect_text);
    free(v1);
    free(v2);
    free(sosh14);
    free(itl24);
}
