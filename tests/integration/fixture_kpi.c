/* The KPI tests' fixture: the demo district with hand-made reports, and checks of figures. */
#include "fixture_kpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

static void push(const struct fixture *fx, const char *token, const char *file, int version)
{
    char *rel = mwtest_fmt("kpi/%s", file);
    char *path = mwtest_data_path(rel);
    size_t len;
    char *body = mwtest_read_file(path, &len);
    cr_assert_not_null(body, "cannot read %s", path);
    struct mwtest_response resp;
    int rc = fixture_post(&resp, fx, "/api/v1/reports", token, body, len, NULL);
    cr_assert_eq(rc, 0, "POST %s: no answer", file);
    cr_assert_eq(resp.status, 201, "POST %s: %ld %s", file, resp.status, resp.body);
    cJSON *answer = cJSON_Parse(resp.body);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(answer, "version");
    cr_assert(cJSON_IsNumber(v) && v->valueint == version, "POST %s: version %d expected: %s", file,
              version, resp.body);
    cJSON_Delete(answer);
    mwtest_response_free(&resp);
    free(body);
    free(path);
    free(rel);
}

/* The checker's results, as it stores them (only what mw.school_site_latest reads matters). */
static void store_site_check(const struct fixture *fx, const char *school, const char *missing,
                             const char *broken)
{
    long n = mwtest_sql_exec(
        fx->db,
        "INSERT INTO mw.site_check (school_id, checked_at, required, missing, broken, "
        "found_count, document_count, error_count, evidence) "
        "SELECT id, now(), '{regulation,roadmap,order_implementation,order_curator,order_pairs,"
        "program}', $2::mw.document_type[], $3::mw.document_type[], 4, 6, 0, '{}' "
        "FROM mw.school WHERE code = $1",
        school, missing, broken);
    cr_assert_eq(n, 1, "site check of %s", school);
}

static void store_site_checks(const struct fixture *fx)
{
    store_site_check(fx, "SOSH8", "{regulation,roadmap,order_pairs,program}", "{}"); /* older */
    store_site_check(fx, "SOSH8", "{program}", "{}");
    store_site_check(fx, "SOSH14", "{order_pairs,program}", "{roadmap}");
    store_site_check(fx, "ITL24", "{}", "{}");
    store_site_check(fx, "OTHER1", "{order_pairs}", "{}");
}

void kpi_fixture_setup(struct fixture *fx, const char *tag)
{
    fixture_setup(fx, tag, NULL);
    push(fx, fx->token_sosh14, "sosh14-v1.json", 1);
    push(fx, fx->token_sosh14, "sosh14-v2.json", 2);
    /* The deadline passes between SOSH14's first version and ITL24's report. */
    long moved =
        mwtest_sql_exec(fx->db, "UPDATE mw.stage SET deadline = clock_timestamp() "
                                "WHERE academic_year = '2024/2025' AND stage = 'intermediate'");
    cr_assert_eq(moved, 1, "the demo district's intermediate deadline");
    push(fx, fx->token_itl24, "itl24.json", 1);
    push(fx, fx->token_other1, "other1.json", 1);
    store_site_checks(fx);
}

cJSON *kpi_get_json(const struct fixture *fx, const char *path, const char *token, long status)
{
    struct mwtest_response resp;
    int rc = fixture_get(&resp, fx, path, token);
    cr_assert_eq(rc, 0, "GET %s: no answer", path);
    cr_assert_eq(resp.status, status, "GET %s: %ld, expected %ld: %.500s", path, resp.status,
                 status, resp.body);
    cJSON *body = cJSON_Parse(resp.body);
    cr_assert_not_null(body, "GET %s: not JSON: %.200s", path, resp.body);
    mwtest_response_free(&resp);
    return body;
}

const cJSON *kpi_member(const cJSON *obj, const char *dotted)
{
    char key[128];
    snprintf(key, sizeof(key), "%s", dotted);
    char *dot = strchr(key, '.');
    if (dot == NULL)
        return cJSON_GetObjectItemCaseSensitive(obj, key);
    *dot = '\0';
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, key), dot + 1);
}

void kpi_expect_figures(const cJSON *obj, const struct kpi_figure *figures, size_t n,
                        const char *what)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = kpi_member(obj, figures[i].key);
        if (isnan(figures[i].value)) {
            cr_expect(cJSON_IsNull(v), "%s: %s should be null", what, figures[i].key);
            continue;
        }
        double got = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        cr_expect(fabs(got - figures[i].value) < 1e-9, "%s: %s = %g, expected %g", what,
                  figures[i].key, got, figures[i].value);
    }
}

const cJSON *kpi_find_row(const cJSON *rows, const char *key, const char *value)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
        if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
            return row;
    }
    return NULL;
}

long kpi_days_since(const struct fixture *fx, const char *date)
{
    return mwtest_sql_long(fx->db, "SELECT (now() AT TIME ZONE 'Europe/Moscow')::date - $1::date",
                           date);
}
