/* Integration tests of the mwctl admin commands: the built binary against a real PostgreSQL. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

static char *db_url;
static char *mwctl;

static void setup(void)
{
    db_url = mwtest_db_create("mwctl");
    mwctl = mwtest_binary("services/mwctl/mwctl");
}

static void teardown(void)
{
    mwtest_db_drop(db_url);
    db_url = NULL;
    free(mwctl);
    mwctl = NULL;
}

TestSuite(mwctl, .init = setup, .fini = teardown, .timeout = 120);

/* Runs mwctl with args (NULL-terminated) and DATABASE_URL set to the test database; captures
 * both streams. */
static int run(char **out, char **err, const char *const *args)
{
    const char *argv[32] = {mwctl};
    size_t n = 1;
    for (; args[n - 1] != NULL && n < 31; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    char *env_db = mwtest_fmt("DATABASE_URL=%s", db_url);
    const char *env[] = {env_db, "MW_MIGRATIONS_DIR", NULL};
    int rc = mwtest_run(argv, env, NULL, 0, out, err);
    free(env_db);
    return rc;
}

#define MWCTL(out, err, ...) run(out, err, (const char *const[]){__VA_ARGS__, NULL})

static char *csv(const char *name)
{
    char *rel = mwtest_fmt("csv/%s", name);
    char *path = mwtest_data_path(rel);
    free(rel);
    return path;
}

/* ---- migrate ------------------------------------------------------------------------------ */

Test(mwctl, migrate_is_idempotent_and_needs_a_database)
{
    char *out = NULL, *err = NULL;
    cr_expect_eq(MWCTL(&out, &err, "migrate"), 0, "%s", err);
    cr_expect(strstr(out, "0 applied") != NULL, "%s", out);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "--database", db_url, "migrate"), 0, "%s", err);
    free(out);
    free(err);

    const char *argv[] = {mwctl, "migrate", NULL};
    const char *env[] = {"DATABASE_URL", NULL};
    cr_expect_eq(mwtest_run(argv, env, NULL, 0, &out, &err), 1);
    cr_expect(strstr(err, "DATABASE_URL") != NULL, "%s", err);
    free(out);
    free(err);

    cr_expect_eq(MWCTL(&out, &err, "migrate", "--dir", "/nonexistent"), 1);
    cr_expect(strstr(err, "/nonexistent") != NULL, "%s", err);
    free(out);
    free(err);
}

Test(mwctl, usage_errors_exit_2)
{
    char *out = NULL, *err = NULL;
    cr_expect_eq(MWCTL(&out, &err, "no-such-command"), 2);
    free(out);
    free(err);
    const char *argv[] = {mwctl, NULL};
    cr_expect_eq(mwtest_run(argv, NULL, NULL, 0, &out, &err), 2);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "load-schools"), 2);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "--help"), 0);
    cr_expect(strstr(out, "load-schools") != NULL);
    free(out);
    free(err);
}

/* ---- load-schools ------------------------------------------------------------------------- */

Test(mwctl, load_schools_good_file)
{
    char *path = csv("schools_good.csv");
    char *out = NULL, *err = NULL;
    cr_assert_eq(MWCTL(&out, &err, "load-schools", path), 0, "%s", err);
    cr_expect(strstr(out, "schools: 4 added, 0 updated, 0 unchanged") != NULL, "%s", out);
    cr_expect(strstr(out, "districts: 3 added; regions: 2 added") != NULL, "%s", out);
    free(out);
    free(err);

    char *rows = mwtest_sql_str(
        db_url,
        "SELECT string_agg(format('%s|%s|%s|%s|%s', s.code, s.name, s.website, d.code, "
        "r.name), E'\\n' ORDER BY s.code) FROM mw.school s "
        "JOIN mw.district d ON d.id = s.district_id JOIN mw.region r ON r.id = d.region_id");
    cr_expect_str_eq(rows, "ITL24|Лицей № 24 (инженерно-технологический)|http://itl24.ru/"
                           "nastavnichestvo|leninskiy-rayon|Регион\n"
                           "POGAD|МОБУ Погадаевская СОШ||kirovskiy-rayon|Регион\n"
                           "SOSH14|МБОУ \"СОШ № 14\" г. Орска|https://sosh14-orsk.gosuslugi.ru|"
                           "oktyabrskiy-rayon|Оренбургская область\n"
                           "SOSH8|МАОУ СОШ № 8, корпус 2|http://sosh8.example.ru|oktyabrskiy-rayon|"
                           "Оренбургская область");
    free(rows);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.school WHERE website IS NULL"),
                 1);

    /* Again: nothing changes. */
    cr_assert_eq(MWCTL(&out, &err, "load-schools", path), 0, "%s", err);
    cr_expect(strstr(out, "schools: 0 added, 0 updated, 4 unchanged; districts: 0 added") != NULL,
              "%s", out);
    free(out);
    free(err);

    /* A changed name, a new school in a new district under --region (found by its code). */
    const char *text = "\xEF\xBB\xBF" /* Excel's BOM */
                       "district,code,website,name\r\n"
                       "Октябрьский район,SOSH14,https://sosh14-orsk.gosuslugi.ru,СОШ № 14\r\n"
                       "Новый район,NEW1,,\"Новая \"\"школа\"\"\"\r\n";
    char *file = mwtest_temp_file("update.csv", text, strlen(text));
    cr_assert_eq(MWCTL(&out, &err, "load-schools", "--region", "orenburgskaya-oblast", file), 0,
                 "%s", err);
    cr_expect(strstr(out, "schools: 1 added, 1 updated, 0 unchanged; districts: 1 added; "
                          "regions: 0 added") != NULL,
              "%s", out);
    free(out);
    free(err);
    char *region = mwtest_sql_str(db_url, "SELECT r.code || '/' || d.code || '/' || s.name "
                                          "FROM mw.school s JOIN mw.district d ON d.id = "
                                          "s.district_id JOIN mw.region r ON r.id = d.region_id "
                                          "WHERE s.code = 'NEW1'");
    cr_expect_str_eq(region, "orenburgskaya-oblast/novyy-rayon/Новая \"школа\"");
    free(region);
    free(file);
    free(path);
}

Test(mwctl, load_schools_bad_file_loads_nothing)
{
    char *path = csv("schools_bad.csv");
    char *out = NULL, *err = NULL;
    cr_expect_eq(MWCTL(&out, &err, "load-schools", path), 1);
    const char *lines[] = {":3: school code \"BAD CODE\"", ":4: school name", ":5: website",
                           ":6: school code \"NEW1\" already on line 2", ":7: 5 fields"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        cr_expect(strstr(err, lines[i]) != NULL, "missing \"%s\" in:\n%s", lines[i], err);
    cr_expect(strstr(err, ":2:") == NULL, "the good row was reported:\n%s", err);
    cr_expect(strstr(err, "nothing was loaded") != NULL, "%s", err);
    free(out);
    free(err);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.school"), 0);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.district"), 0);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.region"), 0);

    char *unclosed = csv("schools_unclosed_quote.csv");
    cr_expect_eq(MWCTL(&out, &err, "load-schools", unclosed), 1);
    cr_expect(strstr(err, ":3: a quoted field is not closed") != NULL, "%s", err);
    free(out);
    free(err);
    const char *latin1 = "code,name,website,district\nX1,\xc1\xf8\xea\xee\xeb\xe0,,R\n";
    char *file = mwtest_temp_file("latin1.csv", latin1, strlen(latin1));
    cr_expect_eq(MWCTL(&out, &err, "load-schools", file), 1);
    cr_expect(strstr(err, ":2: not UTF-8") != NULL, "%s", err);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "load-schools", "/nonexistent.csv"), 1);
    free(out);
    free(err);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.school"), 0);
    free(file);
    free(unclosed);
    free(path);
}

/* ---- stage -------------------------------------------------------------------------------- */

Test(mwctl, stage_set_and_list)
{
    char *path = csv("schools_good.csv");
    char *out = NULL, *err = NULL;
    cr_assert_eq(MWCTL(&out, &err, "load-schools", path), 0, "%s", err);
    free(out);
    free(err);

    cr_expect_eq(MWCTL(&out, &err, "stage", "set", "--district", "oktyabrskiy-rayon", "--year",
                       "2024/2025", "--stage", "entry", "--deadline", "2024-10-15"),
                 0, "%s", err);
    cr_expect(strstr(out, "stage added") != NULL, "%s", out);
    free(out);
    free(err);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.stage WHERE deadline = "
                                         "'2024-10-15 23:59:59.999999 Europe/Moscow'::timestamptz"),
                 1);

    /* By name, with a time and another zone: replaces the deadline. */
    cr_expect_eq(MWCTL(&out, &err, "stage", "set", "--district", "Октябрьский район", "--year",
                       "2024/2025", "--stage", "entry", "--deadline", "2024-10-20T18:00",
                       "--timezone", "Asia/Yekaterinburg"),
                 0, "%s", err);
    cr_expect(strstr(out, "stage updated") != NULL, "%s", out);
    free(out);
    free(err);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.stage"), 1);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.stage WHERE deadline = "
                                         "'2024-10-20 13:00:00+00'::timestamptz"),
                 1);
    cr_expect_eq(MWCTL(&out, &err, "stage", "set", "--district", "kirovskiy-rayon", "--year",
                       "2024/2025", "--stage", "final", "--deadline", "2025-05-25"),
                 0, "%s", err);
    free(out);
    free(err);

    cr_expect_eq(MWCTL(&out, &err, "stage", "list"), 0, "%s", err);
    cr_expect(strstr(out, "oktyabrskiy-rayon") != NULL && strstr(out, "2024-10-20 16:00:00"), "%s",
              out);
    cr_expect(strstr(out, "kirovskiy-rayon") != NULL && strstr(out, "final"), "%s", out);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "stage", "list", "--district", "kirovskiy-rayon"), 0);
    cr_expect(strstr(out, "oktyabrskiy-rayon") == NULL, "%s", out);
    free(out);
    free(err);

    cr_expect_eq(MWCTL(&out, &err, "stage", "set", "--district", "nowhere", "--year", "2024/2025",
                       "--stage", "entry", "--deadline", "2024-10-15"),
                 1);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "stage", "set", "--district", "kirovskiy-rayon", "--year",
                       "2024/2025", "--stage", "middle", "--deadline", "2024-10-15"),
                 2);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "stage", "set", "--district", "kirovskiy-rayon", "--year",
                       "2024/2026", "--stage", "entry", "--deadline", "2024-10-15"),
                 2);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "stage", "set", "--district", "kirovskiy-rayon", "--year",
                       "2024/2025", "--stage", "entry", "--deadline", "15.10.2024"),
                 2);
    free(out);
    free(err);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.stage"), 2);
    free(path);
}

/* ---- tokens ------------------------------------------------------------------------------- */

/* Issues a token; returns it (the single stdout line, newline removed). */
static char *issue(const char *const *args)
{
    const char *argv[16] = {"token", "issue"};
    size_t n = 2;
    for (; args[n - 2] != NULL && n < 15; n++)
        argv[n] = args[n - 2];
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = run(&out, &err, argv);
    cr_assert_eq(rc, 0, "token issue failed: %s", err);
    size_t len = strlen(out);
    cr_assert(len > 1 && out[len - 1] == '\n', "output: \"%s\"", out);
    out[len - 1] = '\0';
    cr_assert(strchr(out, '\n') == NULL, "more than one line: \"%s\"", out);
    free(err);
    return out;
}

Test(mwctl, tokens_are_shown_once_and_stored_as_hashes)
{
    char *path = csv("schools_good.csv");
    char *out = NULL, *err = NULL;
    cr_assert_eq(MWCTL(&out, &err, "load-schools", path), 0, "%s", err);
    free(out);
    free(err);

    char *school = issue((const char *const[]){"--role", "school", "--school", "SOSH14", "--label",
                                               "СОШ 14, куратор", NULL});
    cr_expect_eq(strlen(school), 46, "\"%s\"", school);
    cr_expect_eq(strncmp(school, "mw_", 3), 0);
    char *again = issue((const char *const[]){"--role", "school", "--school", "SOSH14", NULL});
    cr_expect_str_neq(school, again);
    char *district =
        issue((const char *const[]){"--role", "district", "--district", "Октябрьский район", NULL});
    char *region = issue((const char *const[]){"--role", "region", "--region", "region", NULL});
    char *admin = issue((const char *const[]){"--role", "admin", NULL});

    /* Only the hash is stored: nothing in the table holds the token's text. */
    cr_expect_eq(mwtest_sql_long(db_url,
                                 "SELECT count(*) FROM mw.api_token WHERE token_hash = "
                                 "sha256(convert_to($1, 'UTF8'))",
                                 school),
                 1);
    cr_expect_eq(
        mwtest_sql_long(db_url,
                        "SELECT count(*) FROM mw.api_token t WHERE strpos(t::text, $1) > 0 "
                        "OR strpos(t::text, encode(convert_to($1, 'UTF8'), 'hex')) > 0",
                        school),
        0);
    char *who = mwtest_sql_str(db_url,
                               "SELECT role || '/' || school_code || '/' || (district_id IS NOT "
                               "NULL) FROM mw.authenticate(sha256(convert_to($1, 'UTF8')))",
                               school);
    cr_expect_str_eq(who, "school/SOSH14/true");
    free(who);
    who = mwtest_sql_str(db_url, "SELECT role FROM mw.authenticate(sha256(convert_to($1, 'UTF8')))",
                         admin);
    cr_expect_str_eq(who, "admin");
    free(who);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.api_token"), 5);

    /* list never shows a token. */
    cr_expect_eq(MWCTL(&out, &err, "token", "list"), 0, "%s", err);
    const char *tokens[] = {school, again, district, region, admin};
    for (size_t i = 0; i < 5; i++)
        cr_expect(strstr(out, tokens[i]) == NULL && strstr(out, tokens[i] + 3) == NULL,
                  "token list shows a token:\n%s", out);
    cr_expect(strstr(out, "SOSH14") && strstr(out, "oktyabrskiy-rayon") && strstr(out, "admin") &&
                  strstr(out, "СОШ 14, куратор"),
              "%s", out);
    free(out);
    free(err);

    /* Refusals. */
    cr_expect_eq(MWCTL(&out, &err, "token", "issue", "--role", "school"), 2);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "token", "issue", "--role", "school", "--school", "NOPE"), 1);
    cr_expect_str_eq(out, "", "a token was printed for a refused issue");
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "token", "issue", "--role", "admin", "--school", "SOSH14"), 2);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "token", "issue", "--role", "root"), 2);
    free(out);
    free(err);
    cr_expect_eq(mwtest_sql_long(db_url, "SELECT count(*) FROM mw.api_token"), 5);

    free(admin);
    free(region);
    free(district);
    free(again);
    free(school);
    free(path);
}

Test(mwctl, revoked_tokens_stop_working)
{
    char *path = csv("schools_good.csv");
    char *out = NULL, *err = NULL;
    cr_assert_eq(MWCTL(&out, &err, "load-schools", path), 0, "%s", err);
    free(out);
    free(err);
    char *token = issue((const char *const[]){"--role", "school", "--school", "ITL24", NULL});
    char *id = mwtest_sql_str(db_url,
                              "SELECT id::text FROM mw.api_token WHERE token_hash = "
                              "sha256(convert_to($1, 'UTF8'))",
                              token);
    cr_assert(id != NULL);
    cr_expect_eq(mwtest_sql_long(db_url,
                                 "SELECT count(*) FROM mw.authenticate("
                                 "sha256(convert_to($1, 'UTF8')))",
                                 token),
                 1);
    cr_expect_eq(MWCTL(&out, &err, "token", "revoke", id), 0, "%s", err);
    cr_expect(strstr(out, "revoked") != NULL, "%s", out);
    free(out);
    free(err);
    cr_expect_eq(mwtest_sql_long(db_url,
                                 "SELECT count(*) FROM mw.authenticate("
                                 "sha256(convert_to($1, 'UTF8')))",
                                 token),
                 0);
    cr_expect_eq(mwtest_sql_long(db_url,
                                 "SELECT count(*) FROM mw.api_token WHERE id = $1::bigint "
                                 "AND revoked_at IS NOT NULL",
                                 id),
                 1);
    cr_expect_eq(MWCTL(&out, &err, "token", "revoke", id), 0, "%s", err);
    cr_expect(strstr(out, "already revoked") != NULL, "%s", out);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "token", "list"), 0);
    cr_expect(strstr(out, "ITL24") != NULL, "%s", out);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "token", "revoke", "999999"), 1);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "token", "revoke", "abc"), 2);
    free(out);
    free(err);
    cr_expect_eq(MWCTL(&out, &err, "token", "revoke"), 2);
    free(out);
    free(err);
    free(id);
    free(token);
    free(path);
}
