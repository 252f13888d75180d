/* The collector end to end: a real PostgreSQL, the real binary, HTTP on 127.0.0.1. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "fixture.h"

static struct fixture fx;

static void setup(void)
{
    fixture_setup(&fx, "collector", NULL);
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

TestSuite(collector, .init = setup, .fini = teardown, .timeout = 120);

static cJSON *body_json(const struct mwtest_response *resp)
{
    cJSON *doc = cJSON_Parse(resp->body);
    cr_assert_not_null(doc, "answer is not JSON: %s", resp->body);
    return doc;
}

static double json_number(const cJSON *doc, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    cr_assert(cJSON_IsNumber(item), "no number %s in %s", name, cJSON_PrintUnformatted(doc));
    return item->valuedouble;
}

static const char *json_string(const cJSON *doc, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    cr_assert(cJSON_IsString(item), "no string %s", name);
    return item->valuestring;
}

static long reports_in_db(void)
{
    return mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report WHERE version > $1", "0");
}

/* POSTs a report and expects `status`; returns the answer's JSON. */
static cJSON *push(const char *token, const char *body, size_t len, const char *key, long status)
{
    struct mwtest_response resp;
    cr_assert_eq(fixture_post(&resp, &fx, "/api/v1/reports", token, body, len, key), 0);
    cr_assert_eq(resp.status, status, "expected %ld, got %ld: %s", status, resp.status, resp.body);
    cJSON *doc = body_json(&resp);
    mwtest_response_free(&resp);
    return doc;
}

Test(collector, push_is_acknowledged_after_commit)
{
    size_t len;
    char *body = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, &len);
    cJSON *ans = push(fx.token_sosh14, body, len, "k-1", 201);
    cr_assert_str_eq(json_string(ans, "status"), "created");
    cr_assert_eq(json_number(ans, "version"), 1);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "on_time")));
    char *id = mwtest_fmt("%.0f", json_number(ans, "id"));
    /* Acknowledged means committed: visible to another connection at once. */
    cr_assert_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report WHERE id = $1", id), 1);
    char *raw = mwtest_sql_str(fx.db, "SELECT raw FROM mw.report WHERE id = $1", id);
    cr_assert_str_eq(raw, body, "the raw document is stored byte for byte");
    cr_assert_gt(mwtest_sql_long(
                     fx.db, "SELECT count(*) FROM mw.report_participant WHERE report_id = $1", id),
                 0, "participants are normalised");
    free(raw);
    free(id);
    cJSON_Delete(ans);
    free(body);
}

Test(collector, repeat_with_same_key_creates_nothing)
{
    size_t len;
    char *body = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, &len);
    cJSON *first = push(fx.token_sosh14, body, len, "same-key", 201);
    cJSON *again = push(fx.token_sosh14, body, len, "same-key", 200);
    cr_assert_str_eq(json_string(again, "status"), "replayed");
    cr_assert_eq(json_number(again, "id"), json_number(first, "id"));
    cr_assert_eq(reports_in_db(), 1);
    cJSON_Delete(first);
    cJSON_Delete(again);
    free(body);
}

Test(collector, identical_content_without_key_is_a_replay)
{
    size_t len;
    char *body = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, &len);
    cJSON *first = push(fx.token_sosh14, body, len, NULL, 201);
    cJSON *again = push(fx.token_sosh14, body, len, NULL, 200);
    cr_assert_eq(json_number(again, "id"), json_number(first, "id"));
    /* The same file pushed again by a new client run (a new key) is still the same report. */
    cJSON *new_key = push(fx.token_sosh14, body, len, "another-run", 200);
    cr_assert_eq(json_number(new_key, "id"), json_number(first, "id"));
    cJSON_Delete(new_key);
    cr_assert_eq(reports_in_db(), 1);
    cJSON_Delete(first);
    cJSON_Delete(again);
    free(body);
}

Test(collector, same_key_with_other_content_is_409)
{
    size_t len1, len2;
    char *v1 = fixture_report("SOSH14", "2024/2025", "intermediate", "один", &len1);
    char *v2 = fixture_report("SOSH14", "2024/2025", "intermediate", "два", &len2);
    cJSON *first = push(fx.token_sosh14, v1, len1, "key-409", 201);
    cJSON *conflict = push(fx.token_sosh14, v2, len2, "key-409", 409);
    cr_assert_str_eq(json_string(conflict, "code"), "idempotency_conflict");
    cr_assert_eq(reports_in_db(), 1);
    cJSON_Delete(first);
    cJSON_Delete(conflict);
    free(v1);
    free(v2);
}

Test(collector, correction_is_a_new_version_and_history_keeps_both)
{
    size_t len1, len2;
    char *v1 = fixture_report("SOSH14", "2024/2025", "intermediate", "первая редакция", &len1);
    char *v2 = fixture_report("SOSH14", "2024/2025", "intermediate", "исправлено", &len2);
    cJSON *a1 = push(fx.token_sosh14, v1, len1, NULL, 201);
    cJSON *a2 = push(fx.token_sosh14, v2, len2, NULL, 201);
    cr_assert_eq(json_number(a2, "version"), 2);
    cr_assert_neq(json_number(a2, "id"), json_number(a1, "id"));

    struct mwtest_response resp;
    fixture_get(&resp, &fx, "/api/v1/schools/SOSH14/reports/2024-2025/intermediate",
                fx.token_district);
    cr_assert_eq(resp.status, 200, "%s", resp.body);
    cr_assert_str_eq(resp.body, v2, "the current version is the correction");
    cr_assert_str_eq(mwtest_header(&resp, "X-Report-Version"), "2");
    mwtest_response_free(&resp);

    fixture_get(&resp, &fx, "/api/v1/schools/SOSH14/reports/2024-2025/intermediate?version=1",
                fx.token_district);
    cr_assert_eq(resp.status, 200);
    cr_assert_str_eq(resp.body, v1, "version 1 is kept unchanged");
    mwtest_response_free(&resp);

    fixture_get(&resp, &fx, "/api/v1/schools/SOSH14/reports/2024-2025/intermediate/history",
                fx.token_sosh14);
    cr_assert_eq(resp.status, 200);
    cJSON *history = body_json(&resp);
    cr_assert_eq(cJSON_GetArraySize(history), 2);
    cJSON *newest = cJSON_GetArrayItem(history, 0);
    cr_assert_eq(json_number(newest, "version"), 2);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(newest, "current")));
    cr_assert(
        cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(history, 1), "current")));
    cJSON_Delete(history);
    mwtest_response_free(&resp);
    cJSON_Delete(a1);
    cJSON_Delete(a2);
    free(v1);
    free(v2);
}

static const cJSON *school_in(const cJSON *completeness, const char *code)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(completeness, "schools"))
    {
        if (strcmp(json_string(s, "school"), code) == 0)
            return s;
    }
    cr_assert_fail("school %s not listed", code);
    return NULL;
}

Test(collector, late_report_and_completeness)
{
    size_t len;
    char *entry = fixture_report("SOSH14", "2024/2025", "entry", NULL, &len);
    cJSON *ans = push(fx.token_sosh14, entry, len, NULL, 201);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ans, "on_time")),
              "the entry deadline (2024-10-15) has passed: the report is late");
    cJSON_Delete(ans);
    free(entry);

    struct mwtest_response resp;
    fixture_get(&resp, &fx, "/api/v1/completeness?year=2024-2025&stage=entry", fx.token_district);
    cr_assert_eq(resp.status, 200, "%s", resp.body);
    cJSON *c = body_json(&resp);
    cr_assert_eq(json_number(c, "expected"), 4, "the district sees its four schools only");
    cr_assert_eq(json_number(c, "late"), 1);
    cr_assert_eq(json_number(c, "missing"), 3);
    cr_assert_str_eq(json_string(school_in(c, "SOSH14"), "status"), "late");
    cr_assert_str_eq(json_string(school_in(c, "ITL24"), "status"), "missing");
    cJSON_Delete(c);
    mwtest_response_free(&resp);

    /* The intermediate deadline is ahead: nobody is missing yet. */
    fixture_get(&resp, &fx, "/api/v1/completeness?year=2024-2025&stage=intermediate",
                fx.token_district);
    c = body_json(&resp);
    cr_assert_eq(json_number(c, "pending"), 4);
    cJSON_Delete(c);
    mwtest_response_free(&resp);

    /* The region sees both districts. */
    fixture_get(&resp, &fx, "/api/v1/completeness?year=2024-2025&stage=entry", fx.token_region);
    c = body_json(&resp);
    cr_assert_eq(json_number(c, "expected"), 5);
    cJSON_Delete(c);
    mwtest_response_free(&resp);
}

Test(collector, school_cannot_push_for_another_school)
{
    size_t len;
    char *body = fixture_report("ITL24", "2024/2025", "intermediate", NULL, &len);
    cJSON *ans = push(fx.token_sosh14, body, len, NULL, 403);
    cr_assert_str_eq(json_string(ans, "code"), "forbidden");
    cr_assert_eq(reports_in_db(), 0);
    cJSON_Delete(ans);
    /* A district token cannot push at all. */
    ans = push(fx.token_district, body, len, NULL, 403);
    cJSON_Delete(ans);
    cr_assert_eq(reports_in_db(), 0);
    free(body);
}

Test(collector, unknown_missing_and_revoked_tokens_get_401)
{
    size_t len;
    char *body = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, &len);
    cJSON *ans = push("mw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", body, len, NULL, 401);
    cr_assert_str_eq(json_string(ans, "code"), "unauthorized");
    cJSON_Delete(ans);
    ans = push(NULL, body, len, NULL, 401);
    cJSON_Delete(ans);

    char *id = mwtest_sql_str(fx.db,
                              "SELECT t.id::text FROM mw.api_token t JOIN mw.school s "
                              "ON s.id = t.school_id WHERE s.code = $1",
                              "SOSH14");
    cr_assert_not_null(id);
    cr_assert_eq(mwtest_mwctl(fx.db, NULL, "token", "revoke", id), 0);
    ans = push(fx.token_sosh14, body, len, NULL, 401);
    cJSON_Delete(ans);
    /* Also before validation: a revoked token with a bad body is still 401. */
    ans = push(fx.token_sosh14, "{\"school\":1}", 12, NULL, 401);
    cJSON_Delete(ans);
    cr_assert_eq(reports_in_db(), 0);
    free(id);
    free(body);
}

Test(collector, invalid_json_is_400_with_path)
{
    const char *bad = "{\"school\":\"SOSH14\",\"staff\":{\"teachers_total\":01}}";
    cJSON *ans = push(fx.token_sosh14, bad, strlen(bad), NULL, 400);
    cr_assert_str_eq(json_string(ans, "code"), "invalid_json");
    const cJSON *err = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ans, "errors"), 0);
    cr_assert_not_null(err);
    cr_assert_str_eq(json_string(err, "path"), "$.staff.teachers_total");
    cr_assert_gt(strlen(json_string(err, "message")), 0);
    cJSON_Delete(ans);
    const char dup[] = "{\"school\":\"SOSH14\",\"school\":\"ITL24\"}";
    ans = push(fx.token_sosh14, dup, sizeof(dup) - 1, NULL, 400);
    cr_assert_str_eq(json_string(ans, "code"), "duplicate_key");
    cJSON_Delete(ans);
    cr_assert_eq(reports_in_db(), 0);
}

Test(collector, validation_lists_every_problem)
{
    char *path = mwtest_data_path("reports/invalid/many_problems.json");
    size_t len;
    char *body = mwtest_read_file(path, &len);
    cr_assert_not_null(body);
    char *expected_path = mwtest_data_path("reports/invalid/many_problems.expected");
    char *expected = mwtest_read_file(expected_path, NULL);
    int expected_lines = 0;
    for (const char *p = expected; *p; p++)
        expected_lines += *p == '\n';

    cJSON *ans = push(fx.token_sosh14, body, len, NULL, 422);
    cr_assert_str_eq(json_string(ans, "code"), "validation_failed");
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(ans, "errors");
    cr_assert_eq(cJSON_GetArraySize(errors), expected_lines, "every problem is listed");
    const cJSON *e;
    cJSON_ArrayForEach(e, errors)
    {
        cr_assert(strncmp(json_string(e, "path"), "$", 1) == 0);
        cr_assert_gt(strlen(json_string(e, "message")), 0);
    }
    cr_assert_eq(reports_in_db(), 0);
    cJSON_Delete(ans);
    free(body);
    free(path);
    free(expected);
    free(expected_path);
}

Test(collector, district_reads_only_its_schools)
{
    size_t len;
    char *body = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, &len);
    cJSON_Delete(push(fx.token_sosh14, body, len, NULL, 201));

    struct mwtest_response resp;
    fixture_get(&resp, &fx, "/api/v1/schools", fx.token_district);
    cr_assert_eq(resp.status, 200);
    cJSON *list = body_json(&resp);
    cr_assert_eq(cJSON_GetArraySize(list), 4);
    cJSON_Delete(list);
    mwtest_response_free(&resp);

    fixture_get(&resp, &fx, "/api/v1/schools/SOSH14", fx.token_district);
    cr_assert_eq(resp.status, 200, "%s", resp.body);
    cJSON *school = body_json(&resp);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(school, "reports")), 1);
    cJSON_Delete(school);
    mwtest_response_free(&resp);

    const char *report = "/api/v1/schools/SOSH14/reports/2024-2025/intermediate";
    fixture_get(&resp, &fx, report, fx.token_other_district);
    cr_assert_eq(resp.status, 403, "another district's school");
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, report, fx.token_itl24);
    cr_assert_eq(resp.status, 403, "another school");
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, report, fx.token_region);
    cr_assert_eq(resp.status, 403, "the region gets aggregates, not personal data");
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, report, fx.token_sosh14);
    cr_assert_eq(resp.status, 200, "a school reads its own report");
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, "/api/v1/schools/NOPE", fx.token_district);
    cr_assert_eq(resp.status, 404);
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, "/api/v1/schools", "mw_unknown");
    cr_assert_eq(resp.status, 401);
    mwtest_response_free(&resp);
    free(body);
}

Test(collector, meeting_events_are_stored_once)
{
    const char ev[] = "{\"school\":\"SOSH14\",\"academic_year\":\"2024/2025\",\"pair\":\"P1\","
                      "\"type\":\"regular\",\"date\":\"2024-11-12\",\"feedback\":true}";
    struct mwtest_response resp;
    fixture_post(&resp, &fx, "/api/v1/meetings", fx.token_sosh14, ev, sizeof(ev) - 1, "m-1");
    cr_assert_eq(resp.status, 201, "%s", resp.body);
    mwtest_response_free(&resp);
    fixture_post(&resp, &fx, "/api/v1/meetings", fx.token_sosh14, ev, sizeof(ev) - 1, "m-1");
    cr_assert_eq(resp.status, 200, "%s", resp.body);
    mwtest_response_free(&resp);
    cr_assert_eq(
        mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.meeting_event WHERE pair_code = $1", "P1"),
        1);
    const char bad[] = "{\"school\":\"SOSH14\",\"academic_year\":\"2024/2025\",\"pair\":\"P1\","
                       "\"type\":\"party\",\"date\":\"2024-02-30\",\"feedback\":true}";
    fixture_post(&resp, &fx, "/api/v1/meetings", fx.token_sosh14, bad, sizeof(bad) - 1, NULL);
    cr_assert_eq(resp.status, 422, "%s", resp.body);
    cJSON *ans = body_json(&resp);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ans, "errors")), 2);
    cJSON_Delete(ans);
    mwtest_response_free(&resp);
}

Test(collector, health_readiness_and_metrics)
{
    struct mwtest_response resp;
    fixture_get(&resp, &fx, "/healthz", NULL);
    cr_assert_eq(resp.status, 200);
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, "/readyz", NULL);
    cr_assert_eq(resp.status, 200, "%s", resp.body);
    mwtest_response_free(&resp);

    size_t len;
    char *body = fixture_report("SOSH14", "2024/2025", "intermediate", NULL, &len);
    cJSON_Delete(push(fx.token_sosh14, body, len, NULL, 201));
    free(body);
    fixture_get(&resp, &fx, "/metrics", NULL);
    cr_assert_eq(resp.status, 200);
    cr_assert_not_null(
        strstr(resp.body, "mw_documents_accepted_total{kind=\"report\",result=\"created\"} 1"),
        "%s", resp.body);
    cr_assert_not_null(strstr(resp.body, "mw_batch_size_count"));
    cr_assert_not_null(strstr(resp.body, "mw_commit_latency_seconds_bucket"));
    mwtest_response_free(&resp);
    cr_assert(mwtest_log_contains(fx.collector, "event=http "), "one log line per request");
}

Test(collector, unknown_route_and_method)
{
    struct mwtest_response resp;
    fixture_get(&resp, &fx, "/nope", NULL);
    cr_assert_eq(resp.status, 404);
    cJSON *ans = body_json(&resp);
    cr_assert_str_eq(json_string(ans, "code"), "not_found");
    cJSON_Delete(ans);
    mwtest_response_free(&resp);
    fixture_get(&resp, &fx, "/api/v1/reports", fx.token_sosh14);
    cr_assert_eq(resp.status, 405);
    mwtest_response_free(&resp);
}
