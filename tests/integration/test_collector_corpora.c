/* Public corpora through the running collector: JSONTestSuite bodies and naughty strings. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "fixture.h"

static struct fixture fx;

static void setup(void)
{
    fixture_setup(&fx, "corpora", NULL);
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

TestSuite(corpora, .init = setup, .fini = teardown, .timeout = 300);

static bool answered_invalid_json(const struct mwtest_response *resp)
{
    if (resp->status != 400)
        return false;
    cJSON *ans = cJSON_Parse(resp->body);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(ans, "code");
    bool invalid = cJSON_IsString(code) && strcmp(code->valuestring, "invalid_json") == 0;
    cJSON_Delete(ans);
    return invalid;
}

Test(corpora, json_test_suite_over_http)
{
    char *dir_path = mwtest_fmt("%s/corpora/JSONTestSuite/test_parsing", MW_TESTS_DIR);
    DIR *dir = opendir(dir_path);
    cr_assert_not_null(dir, "missing %s", dir_path);
    int n_files = 0, y_files = 0, i_files = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        char kind = de->d_name[0];
        if (de->d_name[1] != '_' || (kind != 'n' && kind != 'y' && kind != 'i'))
            continue;
        char *path = mwtest_fmt("%s/%s", dir_path, de->d_name);
        size_t len;
        char *body = mwtest_read_file(path, &len);
        cr_assert_not_null(body);
        struct mwtest_response resp;
        int rc = fixture_post(&resp, &fx, "/api/v1/reports", fx.token_sosh14, body, len, NULL);
        cr_assert_eq(rc, 0, "%s: no answer (crash?)", de->d_name);
        if (kind == 'n') {
            cr_assert(answered_invalid_json(&resp), "%s must be refused as invalid JSON: %ld %s",
                      de->d_name, resp.status, resp.body);
            n_files++;
        } else if (kind == 'y') {
            cr_assert(!answered_invalid_json(&resp), "%s is valid JSON: %s", de->d_name, resp.body);
            if (strstr(de->d_name, "duplicated_key") != NULL)
                cr_assert(resp.status == 400 && strstr(resp.body, "\"duplicate_key\""),
                          "%s: refused as ambiguous: %s", de->d_name, resp.body);
            else if (strstr(de->d_name, "null_escape") != NULL ||
                     strstr(de->d_name, "escaped_null") != NULL)
                cr_assert(resp.status == 400 && strstr(resp.body, "\"nul_character\""),
                          "%s: U+0000 refused under its own code: %s", de->d_name, resp.body);
            else
                cr_assert_eq(resp.status, 422, "%s: valid JSON but not a report", de->d_name);
            y_files++;
        } else {
            cr_assert(resp.status == 400 || resp.status == 422, "%s: %ld", de->d_name, resp.status);
            i_files++;
        }
        mwtest_response_free(&resp);
        free(body);
        free(path);
    }
    closedir(dir);
    free(dir_path);
    cr_assert_eq(n_files, 188);
    cr_assert_eq(y_files, 95);
    cr_assert_eq(i_files, 35);
    cr_assert_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report WHERE version > $1", "0"),
                 0);
    struct mwtest_response resp;
    fixture_get(&resp, &fx, "/healthz", NULL);
    cr_assert_eq(resp.status, 200, "still alive");
    mwtest_response_free(&resp);
}

/* Sets `field` of `obj` to s when it fits the field's limit (counted in code points). */
static void set_if_fits(cJSON *obj, const char *field, const char *s, size_t max_chars)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars == 0 || chars > max_chars)
        return;
    cJSON_ReplaceItemInObjectCaseSensitive(obj, field, cJSON_CreateString(s));
}

static const cJSON *first_of(const cJSON *doc, const char *array)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, array), 0);
}

Test(corpora, naughty_strings_come_back_unchanged)
{
    char *path = mwtest_fmt("%s/corpora/blns/blns.json", MW_TESTS_DIR);
    char *text = mwtest_read_file(path, NULL);
    cr_assert_not_null(text);
    cJSON *strings = cJSON_Parse(text);
    cr_assert(cJSON_IsArray(strings));
    int sent = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, strings)
    {
        const char *s = item->valuestring;
        if (s == NULL || s[0] == '\0')
            continue;
        char *base = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, NULL);
        cJSON *doc = cJSON_Parse(base);
        free(base);
        char *comment = mwtest_fmt("%d:%s", sent, s); /* unique, so each is a new version */
        cJSON_AddStringToObject(doc, "comment", comment);
        cJSON *road = (cJSON *)first_of(doc, "roadmap");
        set_if_fits(road, "title", s, 2000);
        set_if_fits(road, "responsible", s, 500);
        set_if_fits(road, "evidence", s, 2000);
        set_if_fits((cJSON *)first_of(doc, "documents"), "title", s, 2000);
        char *body = cJSON_PrintUnformatted(doc);
        cJSON_Delete(doc);

        struct mwtest_response resp;
        fixture_post(&resp, &fx, "/api/v1/reports", fx.token_sosh14, body, strlen(body), NULL);
        cr_assert_eq(resp.status, 201, "string #%d: %ld %s", sent, resp.status, resp.body);
        mwtest_response_free(&resp);

        fixture_get(&resp, &fx, "/api/v1/schools/SOSH14/reports/2024-2025/intermediate",
                    fx.token_district);
        cr_assert_eq(resp.status, 200);
        cr_assert_str_eq(resp.body, body, "string #%d comes back byte for byte", sent);
        mwtest_response_free(&resp);

        /* And the normalised copy holds the same text. */
        char *stored = mwtest_sql_str(fx.db,
                                      "SELECT r.comment FROM mw.report r JOIN mw.report_slot s "
                                      "ON s.current_report_id = r.id WHERE s.stage = $1",
                                      "intermediate");
        cr_assert_str_eq(stored, comment, "string #%d in mw.report.comment", sent);
        free(stored);
        free(comment);
        free(body);
        sent++;
    }
    cr_assert_gt(sent, 500, "the whole list went through");
    cJSON_Delete(strings);
    free(text);
    free(path);
}
