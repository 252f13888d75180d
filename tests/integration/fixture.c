/* A demo district in a fresh database, with tokens, for the collector's integration tests. */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

static const char schools_csv[] =
    "code,name,website,district,region\n"
    "SOSH14,\"МОУ «СОШ №14»\",https://sosh14.example.ru,Демо район,Демо регион\n"
    "ITL24,\"МБОУ «ИТ-лицей №24»\",https://itl24.example.ru,Демо район,Демо регион\n"
    "SOSH8,МБОУ СОШ №8 им. А.Ф. Романенко,https://sosh8.example.ru,Демо район,Демо регион\n"
    "POGAD,МБОУ Погадаевская ООШ,https://pogad.example.ru,Демо район,Демо регион\n"
    "OTHER1,Школа соседнего района,https://other1.example.ru,Соседний район,Демо регион\n";

char *fixture_issue_token(const char *db, const char *const *args)
{
    const char *argv[16];
    size_t n = 0;
    argv[n++] = "token";
    argv[n++] = "issue";
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out = NULL;
    int rc = mwtest_mwctl(db, &out, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5],
                          n > 6 ? argv[6] : NULL);
    cr_assert_eq(rc, 0, "mwctl token issue failed: %s", out ? out : "");
    const char *start = strstr(out, "mw_");
    cr_assert_not_null(start, "no token in mwctl's output: %s", out);
    size_t len = strspn(start, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    char *token = strndup(start, len);
    free(out);
    return token;
}

static char *district_code(const char *db, const char *name)
{
    char *code = mwtest_sql_str(db, "SELECT code FROM mw.district WHERE name = $1", name);
    cr_assert_not_null(code, "district %s was not created", name);
    return code;
}

void fixture_setup(struct fixture *fx, const char *tag, const char *const *extra_env)
{
    memset(fx, 0, sizeof(*fx));
    fx->db = mwtest_db_create(tag);
    char *csv = mwtest_temp_file("schools.csv", schools_csv, sizeof(schools_csv) - 1);
    char *out = NULL;
    int rc = mwtest_mwctl(fx->db, &out, "load-schools", csv);
    cr_assert_eq(rc, 0, "load-schools failed: %s", out ? out : "");
    free(out);
    free(csv);

    char *demo = district_code(fx->db, "Демо район");
    char *other = district_code(fx->db, "Соседний район");
    char *region =
        mwtest_sql_str(fx->db, "SELECT code FROM mw.region WHERE name = $1", "Демо регион");
    cr_assert_not_null(region);
    /* entry's deadline has passed (reports now are late); intermediate's is ahead. */
    rc = mwtest_mwctl(fx->db, NULL, "stage", "set", "--district", demo, "--year", "2024/2025",
                      "--stage", "entry", "--deadline", "2024-10-15");
    cr_assert_eq(rc, 0, "stage set entry failed");
    rc = mwtest_mwctl(fx->db, NULL, "stage", "set", "--district", demo, "--year", "2024/2025",
                      "--stage", "intermediate", "--deadline", "2099-12-20");
    cr_assert_eq(rc, 0, "stage set intermediate failed");

    fx->token_sosh14 = fixture_issue_token(
        fx->db, (const char *[]){"--role", "school", "--school", "SOSH14", NULL});
    fx->token_itl24 = fixture_issue_token(
        fx->db, (const char *[]){"--role", "school", "--school", "ITL24", NULL});
    fx->token_other1 = fixture_issue_token(
        fx->db, (const char *[]){"--role", "school", "--school", "OTHER1", NULL});
    fx->token_district = fixture_issue_token(
        fx->db, (const char *[]){"--role", "district", "--district", demo, NULL});
    fx->token_other_district = fixture_issue_token(
        fx->db, (const char *[]){"--role", "district", "--district", other, NULL});
    fx->token_region =
        fixture_issue_token(fx->db, (const char *[]){"--role", "region", "--region", region, NULL});
    free(demo);
    free(other);
    free(region);
    fx->collector = mwtest_collector_start(fx->db, extra_env);
}

void fixture_teardown(struct fixture *fx)
{
    if (fx->collector != NULL) {
        /* A clean exit also means no sanitizer report, no leak at exit. */
        int status = mwtest_proc_stop(fx->collector, SIGTERM);
        bool sanitizer = mwtest_log_contains(fx->collector, "Sanitizer") ||
                         mwtest_log_contains(fx->collector, "runtime error");
        if (status != 0 || sanitizer)
            mwtest_proc_dump_log(fx->collector);
        cr_expect_eq(status, 0, "the collector exits cleanly on SIGTERM");
        cr_expect(!sanitizer, "no sanitizer report in the collector's log");
        mwtest_proc_free(fx->collector);
    }
    mwtest_db_drop(fx->db);
    free(fx->token_sosh14);
    free(fx->token_itl24);
    free(fx->token_other1);
    free(fx->token_district);
    free(fx->token_other_district);
    free(fx->token_region);
    memset(fx, 0, sizeof(*fx));
}

char *fixture_report(const char *school, const char *year, const char *stage, const char *comment,
                     size_t *len)
{
    char *path = mwtest_fmt("%s/../services/collector/api/examples/sosh14-2024-intermediate.json",
                            MW_TESTS_DIR);
    char *text = mwtest_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    free(path);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(doc);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "school", cJSON_CreateString(school));
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "academic_year", cJSON_CreateString(year));
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "stage", cJSON_CreateString(stage));
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "comment");
    if (comment != NULL)
        cJSON_AddStringToObject(doc, "comment", comment);
    char *body = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (len != NULL)
        *len = strlen(body);
    return body;
}

int fixture_post(struct mwtest_response *resp, const struct fixture *fx, const char *path,
                 const char *token, const char *body, size_t len, const char *key)
{
    char *url = mwtest_fmt("%s%s", fx->collector->base_url, path);
    char *key_header = key ? mwtest_fmt("Idempotency-Key: %s", key) : NULL;
    const char *headers[] = {key_header, NULL};
    int rc = mwtest_http(resp, "POST", url, token, body, len, key ? headers : NULL);
    free(key_header);
    free(url);
    return rc;
}

int fixture_get(struct mwtest_response *resp, const struct fixture *fx, const char *path,
                const char *token)
{
    char *url = mwtest_fmt("%s%s", fx->collector->base_url, path);
    int rc = mwtest_http(resp, "GET", url, token, NULL, 0, NULL);
    free(url);
    return rc;
}
