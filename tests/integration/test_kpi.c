/* The KPI API against figures worked out by hand from tests/data/kpi, at every level. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "fixture_kpi.h"

#define PERIOD "year=2024-2025&stage=intermediate"
#define N(a)   (sizeof(a) / sizeof((a)[0]))

static struct fixture fx;

static void setup(void)
{
    kpi_fixture_setup(&fx, "kpi");
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

TestSuite(kpi, .init = setup, .fini = teardown, .timeout = 120);

/*
 * SOSH14's current version (sosh14-v2.json; v1 said 8 young teachers mentored):
 * 3 mentors (teacher, veteran, parent; 2 trained; the parent without consent), 4 mentees,
 * pairs P1 (all five meeting types, 4 of 5 feedback forms), P2 (1 meeting), P3 (3 types,
 * 2 of 3 forms): 9 meetings, 7 forms, 1 full cycle, 9 of 15 steps. Roadmap: 1.1 done on time,
 * 1.2 done late, 2.1 and 2.2 overdue, 3.1 not due (2099), 3.2 cancelled: deviation 3/4.
 */
static const struct kpi_figure sosh14[] = {
    {"version", 2},
    {"schools_expected", 1},
    {"reports_received", 1},
    {"reports_on_time", 1},
    {"reports_late", 0},
    {"reporting_rate", 100},
    {"on_time_rate", 100},
    {"teachers_total", 40},
    {"young_teachers", 8},
    {"young_teachers_mentored", 3},
    {"young_coverage", 37.5},
    {"young_coverage_target", 50},
    {"schools_below_target", 1},
    {"mentors", 3},
    {"mentors_trained", 2},
    {"mentors_trained_share", 66.7},
    {"mentees", 4},
    {"mentors_by_category.teacher", 1},
    {"mentors_by_category.veteran", 1},
    {"mentors_by_category.parent", 1},
    {"mentors_by_category.student", 0},
    {"mentees_by_category.teacher_young_specialist", 2},
    {"mentees_by_category.student_gifted", 1},
    {"mentees_by_category.student_low_results", 1},
    {"participants", 7},
    {"participants_with_consent", 6},
    {"consent_share", 85.7},
    {"schools_consent_below_100", 1},
    {"pairs", 3},
    {"pairs_by_form.teacher_teacher", 2},
    {"pairs_by_form.parent_student", 1},
    {"pairs_by_status.active", 2},
    {"pairs_by_status.formed", 1},
    {"pairs_with_plan", 2},
    {"pairs_with_order", 2},
    {"meetings", 9},
    {"meetings_with_feedback", 7},
    {"feedback_share", 77.8},
    {"pairs_cycle_complete", 1},
    {"cycle_completion", 33.3},
    {"cycle_progress", 60},
    {"roadmap_items", 6},
    {"roadmap_done_on_time", 1},
    {"roadmap_done_late", 1},
    {"roadmap_overdue", 2},
    {"roadmap_not_due", 1},
    {"roadmap_cancelled", 1},
    {"roadmap_deviation", 75},
    {"reports_with_monitoring", 1},
    {"satisfaction_mentors", 80},
    {"satisfaction_mentees", 90},
    {"quality", 70},
    {"growth_entry", 40},
    {"growth_exit", 55},
    {"growth", 15},
    {"documents_listed", 2},
    {"practices", 1},
    {"competitions", 2},
    {"competition_participants", 5},
    {"competition_winners", 1},
    {"incentives", 4},
    {"sites_checked", 1},
    {"sites_compliant", 0},
    {"site_compliance", 0},
};

/* ITL24, after the deadline: both pairs ran the full cycle (11 meetings, 10 forms). */
static const struct kpi_figure itl24[] = {
    {"schools_expected", 1},
    {"reports_late", 1},
    {"on_time_rate", 0},
    {"young_coverage", 100},
    {"schools_below_target", 0},
    {"mentors_trained_share", 100},
    {"consent_share", 100},
    {"meetings", 11},
    {"feedback_share", 90.9},
    {"cycle_completion", 100},
    {"cycle_progress", 100},
    {"roadmap_done_on_time", 1},
    {"roadmap_done_late", 1},
    {"roadmap_not_due", 1},
    {"roadmap_deviation", 50},
    {"growth", KPI_NULL},
    {"practices", 2},
    {"competitions", 0},
};

/* «Демо район»: SOSH14 + ITL24 reported, SOSH8 and POGAD missing. */
static const struct kpi_figure demo_district[] = {
    {"schools_expected", 4},
    {"reports_received", 2},
    {"reports_on_time", 1},
    {"reports_late", 1},
    {"reports_missing", 2},
    {"reports_pending", 0},
    {"reports_no_deadline", 0},
    {"reporting_rate", 50},
    {"on_time_rate", 25},
    {"teachers_total", 100},
    {"young_teachers", 12},
    {"young_teachers_mentored", 7},
    {"young_coverage", 58.3},
    {"schools_below_target", 1},
    {"mentors", 5},
    {"mentors_trained", 4},
    {"mentors_trained_share", 80},
    {"mentees", 6},
    {"mentors_by_category.teacher", 2},
    {"mentors_by_category.graduate", 1},
    {"mentees_by_category.student_disabilities", 1},
    {"participants", 11},
    {"participants_with_consent", 10},
    {"consent_share", 90.9},
    {"schools_consent_below_100", 1},
    {"pairs", 5},
    {"pairs_by_form.teacher_student", 1},
    {"pairs_by_form.graduate_student", 1},
    {"pairs_by_status.active", 3},
    {"pairs_by_status.completed", 1},
    {"pairs_with_plan", 4},
    {"pairs_with_order", 4},
    {"meetings", 20},
    {"meetings_with_feedback", 17},
    {"feedback_share", 85},
    {"pairs_cycle_complete", 3},
    {"cycle_completion", 60},
    {"cycle_progress", 76},
    {"roadmap_items", 9},
    {"roadmap_done_on_time", 2},
    {"roadmap_done_late", 2},
    {"roadmap_overdue", 2},
    {"roadmap_not_due", 2},
    {"roadmap_cancelled", 1},
    {"roadmap_deviation", 66.7},
    {"reports_with_monitoring", 2},
    {"satisfaction_mentors", 85},
    {"satisfaction_mentees", 80},
    {"quality", 80},
    {"growth", 15},
    {"documents_listed", 3},
    {"practices", 3},
    {"competitions", 2},
    {"incentives", 4},
    {"sites_checked", 3},
    {"sites_compliant", 1},
    {"site_compliance", 33.3},
};

/* «Соседний район»: OTHER1 alone, no deadline set. */
static const struct kpi_figure other_district[] = {
    {"schools_expected", 1},
    {"reports_received", 1},
    {"reports_no_deadline", 1},
    {"reporting_rate", 100},
    {"on_time_rate", 0},
    {"young_coverage", 50},
    {"schools_below_target", 0},
    {"mentors_trained_share", 0},
    {"consent_share", 50},
    {"schools_consent_below_100", 1},
    {"meetings", 0},
    {"feedback_share", KPI_NULL},
    {"cycle_completion", 0},
    {"cycle_progress", 0},
    {"roadmap_overdue", 1},
    {"roadmap_deviation", 100},
    {"reports_with_monitoring", 0},
    {"satisfaction_mentors", KPI_NULL},
    {"competition_participants", 5},
    {"competition_winners", 5},
    {"incentives", 2},
    {"sites_checked", 1},
    {"site_compliance", 0},
};

/* «Демо регион»: both districts. */
static const struct kpi_figure region[] = {
    {"schools_expected", 5},
    {"reports_received", 3},
    {"reports_on_time", 1},
    {"reports_late", 1},
    {"reports_missing", 2},
    {"reports_no_deadline", 1},
    {"reporting_rate", 60},
    {"on_time_rate", 20},
    {"teachers_total", 110},
    {"young_teachers", 14},
    {"young_teachers_mentored", 8},
    {"young_coverage", 57.1},
    {"young_coverage_target", 50},
    {"schools_below_target", 1},
    {"mentors", 6},
    {"mentors_trained_share", 66.7},
    {"mentees", 7},
    {"mentors_by_category.teacher", 3},
    {"mentees_by_category.teacher_new_to_school", 1},
    {"participants", 13},
    {"participants_with_consent", 11},
    {"consent_share", 84.6},
    {"schools_consent_below_100", 2},
    {"pairs", 6},
    {"pairs_by_form.teacher_teacher", 3},
    {"pairs_by_status.active", 4},
    {"meetings", 20},
    {"feedback_share", 85},
    {"cycle_completion", 50},
    {"cycle_progress", 63.3},
    {"roadmap_items", 10},
    {"roadmap_overdue", 3},
    {"roadmap_deviation", 71.4},
    {"satisfaction_mentors", 85},
    {"growth_exit", 55},
    {"documents_listed", 3},
    {"practices", 3},
    {"competitions", 3},
    {"competition_participants", 10},
    {"competition_winners", 6},
    {"incentives", 6},
    {"sites_checked", 4},
    {"sites_compliant", 1},
    {"site_compliance", 25},
};

static const char *string_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static char *demo_code(void)
{
    return mwtest_sql_str(fx.db, "SELECT code FROM mw.district WHERE name = 'Демо район'");
}

Test(kpi, school_level)
{
    cJSON *own = kpi_get_json(&fx, "/api/v1/kpi/summary?" PERIOD, fx.token_sosh14, 200);
    kpi_expect_figures(own, sosh14, N(sosh14), "SOSH14 (its own token)");
    cr_expect_str_eq(string_of(own, "level"), "school");
    cr_expect_str_eq(string_of(own, "school"), "SOSH14");
    cr_expect_str_eq(string_of(own, "status"), "on_time");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(own, "young_coverage_met")));
    cJSON_Delete(own);

    cJSON *rows = kpi_get_json(&fx, "/api/v1/kpi/schools?" PERIOD, fx.token_district, 200);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(rows, "rows");
    cr_expect_eq(cJSON_GetArraySize(list), 4, "the district's four schools");
    kpi_expect_figures(kpi_find_row(list, "school", "SOSH14"), sosh14, N(sosh14), "SOSH14 row");
    const cJSON *itl = kpi_find_row(list, "school", "ITL24");
    kpi_expect_figures(itl, itl24, N(itl24), "ITL24 row");
    cr_expect_str_eq(string_of(itl, "status"), "late");
    const cJSON *sosh8 = kpi_find_row(list, "school", "SOSH8");
    cr_expect_str_eq(string_of(sosh8, "status"), "missing");
    cr_expect(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(sosh8, "teachers_total")),
              "no report, no counts");
    cJSON_Delete(rows);
}

Test(kpi, district_level)
{
    cJSON *own = kpi_get_json(&fx, "/api/v1/kpi/summary?" PERIOD, fx.token_district, 200);
    kpi_expect_figures(own, demo_district, N(demo_district), "demo district");
    cr_expect_str_eq(string_of(own, "level"), "district");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(own, "young_coverage_met")));
    cJSON_Delete(own);

    cJSON *other = kpi_get_json(&fx, "/api/v1/kpi/summary?" PERIOD, fx.token_other_district, 200);
    kpi_expect_figures(other, other_district, N(other_district), "other district");
    cJSON_Delete(other);

    cJSON *rows = kpi_get_json(&fx, "/api/v1/kpi/districts?" PERIOD, fx.token_region, 200);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(rows, "rows");
    cr_expect_eq(cJSON_GetArraySize(list), 2);
    kpi_expect_figures(kpi_find_row(list, "district_name", "Демо район"), demo_district,
                       N(demo_district), "demo district row");
    kpi_expect_figures(kpi_find_row(list, "district_name", "Соседний район"), other_district,
                       N(other_district), "other district row");
    cJSON_Delete(rows);
}

Test(kpi, region_level)
{
    cJSON *own = kpi_get_json(&fx, "/api/v1/kpi/summary?" PERIOD, fx.token_region, 200);
    kpi_expect_figures(own, region, N(region), "region");
    cr_expect_str_eq(string_of(own, "level"), "region");
    cr_expect_str_eq(string_of(own, "region_name"), "Демо регион");
    cJSON_Delete(own);

    /* Drill-down: the region narrows to a district and to a school. */
    char *demo = demo_code();
    char *path = mwtest_fmt("/api/v1/kpi/summary?" PERIOD "&district=%s", demo);
    cJSON *district = kpi_get_json(&fx, path, fx.token_region, 200);
    kpi_expect_figures(district, demo_district, N(demo_district), "region -> demo district");
    cJSON_Delete(district);
    cJSON *school =
        kpi_get_json(&fx, "/api/v1/kpi/summary?" PERIOD "&school=SOSH14", fx.token_region, 200);
    kpi_expect_figures(school, sosh14, N(sosh14), "region -> SOSH14");
    cJSON_Delete(school);
    free(path);
    free(demo);
}

Test(kpi, series)
{
    /* Periods: 2024/2025 entry (a deadline, no report) and intermediate. */
    cJSON *d = kpi_get_json(&fx, "/api/v1/kpi/series", fx.token_district, 200);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(d, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 2, "two periods");
    const cJSON *entry = cJSON_GetArrayItem(rows, 0);
    cr_expect_str_eq(string_of(entry, "stage"), "entry");
    static const struct kpi_figure demo_entry[] = {
        {"schools_expected", 4}, {"reports_received", 0},      {"reports_missing", 4},
        {"reporting_rate", 0},   {"teachers_total", KPI_NULL},
    };
    kpi_expect_figures(entry, demo_entry, N(demo_entry), "demo district, entry");
    kpi_expect_figures(cJSON_GetArrayItem(rows, 1), demo_district, N(demo_district),
                       "demo district, intermediate");
    cJSON_Delete(d);

    cJSON *r = kpi_get_json(&fx, "/api/v1/kpi/series", fx.token_region, 200);
    rows = cJSON_GetObjectItemCaseSensitive(r, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 2);
    static const struct kpi_figure region_entry[] = {
        {"schools_expected", 5}, {"reports_missing", 4}, {"reports_pending", 1}};
    kpi_expect_figures(cJSON_GetArrayItem(rows, 0), region_entry, N(region_entry), "region, entry");
    kpi_expect_figures(cJSON_GetArrayItem(rows, 1), region, N(region), "region, intermediate");
    cJSON_Delete(r);

    cJSON *s = kpi_get_json(&fx, "/api/v1/kpi/series", fx.token_sosh14, 200);
    rows = cJSON_GetObjectItemCaseSensitive(s, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 2);
    kpi_expect_figures(cJSON_GetArrayItem(rows, 1), sosh14, N(sosh14), "SOSH14, intermediate");
    cJSON_Delete(s);

    /* A period nobody has touched: every school expected, none reported. */
    cJSON *empty =
        kpi_get_json(&fx, "/api/v1/kpi/summary?year=2030-2031&stage=final", fx.token_district, 200);
    static const struct kpi_figure nothing[] = {
        {"schools_expected", 4}, {"reports_received", 0}, {"reports_pending", 4},
        {"reporting_rate", 0},   {"mentors", KPI_NULL},
    };
    kpi_expect_figures(empty, nothing, N(nothing), "2030/2031 final");
    cJSON_Delete(empty);
}

Test(kpi, overdue_items)
{
    cJSON *d = kpi_get_json(&fx, "/api/v1/kpi/overdue?" PERIOD, fx.token_district, 200);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(d, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 2, "SOSH14's 2.1 and 2.2");
    const cJSON *first = cJSON_GetArrayItem(rows, 0), *second = cJSON_GetArrayItem(rows, 1);
    cr_expect_str_eq(string_of(first, "number"), "2.1", "the most overdue first");
    cr_expect_str_eq(string_of(first, "title"), "Приказ \"О наставничестве\"; этап 1");
    cr_expect_str_eq(string_of(first, "due_to"), "2024-12-15");
    cr_expect_str_eq(string_of(first, "status"), "planned");
    cr_expect_str_eq(string_of(first, "responsible"), "Директор");
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(first, "days_overdue")->valueint,
                 kpi_days_since(&fx, "2024-12-15"));
    cr_expect_str_eq(string_of(second, "number"), "2.2");
    cr_expect_str_eq(string_of(second, "status"), "in_progress");
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(second, "days_overdue")->valueint,
                 kpi_days_since(&fx, "2025-01-20"));
    cJSON_Delete(d);

    /* The region: OTHER1's item too, and no `responsible` (it may name a person). */
    cJSON *r = kpi_get_json(&fx, "/api/v1/kpi/overdue?" PERIOD, fx.token_region, 200);
    rows = cJSON_GetObjectItemCaseSensitive(r, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 3);
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 0), "school"), "OTHER1");
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        cr_expect(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(row, "responsible")),
                  "no responsible for a region");
    }
    cJSON_Delete(r);
}

Test(kpi, consent_below_100)
{
    cJSON *r = kpi_get_json(&fx, "/api/v1/kpi/consent?" PERIOD, fx.token_region, 200);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(r, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 2, "OTHER1 and SOSH14; ITL24 is at 100 %%");
    static const struct kpi_figure other1[] = {{"participants", 2},
                                               {"participants_with_consent", 1},
                                               {"participants_without_consent", 1},
                                               {"consent_share", 50}};
    static const struct kpi_figure sosh[] = {{"participants", 7},
                                             {"participants_with_consent", 6},
                                             {"participants_without_consent", 1},
                                             {"consent_share", 85.7}};
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 0), "school"), "OTHER1", "lowest first");
    kpi_expect_figures(cJSON_GetArrayItem(rows, 0), other1, N(other1), "OTHER1 consent");
    kpi_expect_figures(cJSON_GetArrayItem(rows, 1), sosh, N(sosh), "SOSH14 consent");
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 1), "school_name"), "МОУ «СОШ №14»");
    cJSON_Delete(r);

    cJSON *d = kpi_get_json(&fx, "/api/v1/kpi/consent?" PERIOD, fx.token_district, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "rows")), 1);
    cJSON_Delete(d);
}

Test(kpi, site_documents_missing_most)
{
    cJSON *r = kpi_get_json(&fx, "/api/v1/kpi/site-documents", fx.token_region, 200);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(r, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 9, "every document kind");
    static const struct kpi_figure order_pairs[] = {{"schools_checked", 4},
                                                    {"schools_missing", 2},
                                                    {"schools_broken", 0},
                                                    {"missing_share", 50}};
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 0), "document"), "order_pairs");
    kpi_expect_figures(cJSON_GetArrayItem(rows, 0), order_pairs, N(order_pairs), "order_pairs");
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 0), "document_name"),
                     "Приказ об утверждении (закреплении) наставнических пар (групп)");
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 1), "document"), "program");
    const cJSON *roadmap = cJSON_GetArrayItem(rows, 2);
    cr_expect_str_eq(string_of(roadmap, "document"), "roadmap", "broken links next");
    static const struct kpi_figure broken[] = {{"schools_missing", 0}, {"schools_broken", 1}};
    kpi_expect_figures(roadmap, broken, N(broken), "roadmap");
    cJSON_Delete(r);

    /* The district: program (SOSH14, SOSH8) before order_pairs (SOSH14). */
    cJSON *d = kpi_get_json(&fx, "/api/v1/kpi/site-documents", fx.token_district, 200);
    rows = cJSON_GetObjectItemCaseSensitive(d, "rows");
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 0), "document"), "program");
    static const struct kpi_figure program[] = {
        {"schools_checked", 3}, {"schools_missing", 2}, {"missing_share", 66.7}};
    kpi_expect_figures(cJSON_GetArrayItem(rows, 0), program, N(program), "district program");
    cJSON_Delete(d);
}

static void expect_refused(const char *path, const char *token, long status, const char *code)
{
    cJSON *body = kpi_get_json(&fx, path, token, status);
    cr_expect_str_eq(string_of(body, "code"), code, "%s", path);
    cJSON_Delete(body);
}

Test(kpi, scope_by_role)
{
    char *demo = demo_code();
    char *demo_path = mwtest_fmt("/api/v1/kpi/summary?" PERIOD "&district=%s", demo);

    /* A school sees itself only. */
    expect_refused("/api/v1/kpi/districts?" PERIOD, fx.token_sosh14, 403, "forbidden");
    expect_refused("/api/v1/kpi/summary?" PERIOD "&school=ITL24", fx.token_sosh14, 403,
                   "forbidden");
    expect_refused(demo_path, fx.token_sosh14, 403, "forbidden");
    cJSON *own = kpi_get_json(&fx, "/api/v1/kpi/schools?" PERIOD, fx.token_sosh14, 200);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(own, "rows");
    cr_expect_eq(cJSON_GetArraySize(rows), 1);
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 0), "school"), "SOSH14");
    cJSON_Delete(own);

    /* A district sees its schools, not the neighbour's. */
    expect_refused("/api/v1/kpi/summary?" PERIOD "&school=OTHER1", fx.token_district, 403,
                   "forbidden");
    cJSON *itl =
        kpi_get_json(&fx, "/api/v1/kpi/summary?" PERIOD "&school=ITL24", fx.token_district, 200);
    kpi_expect_figures(itl, itl24, N(itl24), "district -> ITL24");
    cJSON_Delete(itl);
    expect_refused(demo_path, fx.token_other_district, 403, "forbidden");
    cJSON *other = kpi_get_json(&fx, "/api/v1/kpi/schools?" PERIOD, fx.token_other_district, 200);
    rows = cJSON_GetObjectItemCaseSensitive(other, "rows");
    cr_expect_eq(cJSON_GetArraySize(rows), 1);
    cr_expect_str_eq(string_of(cJSON_GetArrayItem(rows, 0), "school"), "OTHER1");
    cJSON_Delete(other);

    /* Unknown codes, tokens and parameters. */
    expect_refused("/api/v1/kpi/summary?" PERIOD "&school=NOPE", fx.token_region, 404, "not_found");
    expect_refused("/api/v1/kpi/summary?" PERIOD "&region=nope", fx.token_region, 404, "not_found");
    expect_refused("/api/v1/kpi/summary?" PERIOD, NULL, 401, "unauthorized");
    expect_refused("/api/v1/kpi/summary?" PERIOD, "mw_unknown", 401, "unauthorized");
    expect_refused("/api/v1/kpi/summary?year=2024-2025", fx.token_region, 400, "missing_field");
    expect_refused("/api/v1/kpi/summary?year=2024-2026&stage=final", fx.token_region, 400,
                   "invalid_value");
    expect_refused("/api/v1/kpi/summary?year=2024-2025&stage=middle", fx.token_region, 400,
                   "invalid_value");
    expect_refused("/api/v1/kpi/schools?" PERIOD "&district=bad%20code", fx.token_region, 400,
                   "invalid_value");
    expect_refused("/api/v1/kpi/nothing?" PERIOD, fx.token_region, 404, "not_found");
    free(demo_path);
    free(demo);
}

/* The region's aggregates carry no personal data: no names anywhere in its answers. */
Test(kpi, region_answers_carry_no_names)
{
    static const char *const paths[] = {
        "/api/v1/kpi/summary?" PERIOD, "/api/v1/kpi/districts?" PERIOD,
        "/api/v1/kpi/schools?" PERIOD, "/api/v1/kpi/series",
        "/api/v1/kpi/overdue?" PERIOD, "/api/v1/kpi/consent?" PERIOD,
        "/api/v1/kpi/site-documents",
    };
    for (size_t i = 0; i < N(paths); i++) {
        struct mwtest_response resp;
        cr_assert_eq(fixture_get(&resp, &fx, paths[i], fx.token_region), 0);
        cr_expect_eq(resp.status, 200, "%s", paths[i]);
        cr_expect_null(strstr(resp.body, "Орлова"), "%s: a mentor's name", paths[i]);
        cr_expect_null(strstr(resp.body, "Иванова"), "%s: a responsible's name", paths[i]);
        mwtest_response_free(&resp);
    }
}
