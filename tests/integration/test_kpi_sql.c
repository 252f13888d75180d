/* The KPI layer in SQL: summaries kept at the ingest's commit, the kpi views and their role. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture_kpi.h"

static struct fixture fx;

static void setup(void)
{
    kpi_fixture_setup(&fx, "kpi_sql");
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

TestSuite(kpi_sql, .init = setup, .fini = teardown, .timeout = 120);

Test(kpi_sql, a_summary_per_version_computed_like_the_trigger)
{
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.kpi_report"), 4,
                 "one summary per stored version (SOSH14 twice)");
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report r "
                                        "LEFT JOIN mw.kpi_report k ON k.report_id = r.id "
                                        "WHERE k.report_id IS NULL"),
                 0);
    /* The rows the trigger wrote are what the compute function gives now. */
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM (SELECT * FROM mw.kpi_report "
                                        "EXCEPT SELECT * FROM mw.kpi_report_compute("
                                        "ARRAY(SELECT id FROM mw.report))) d"),
                 0);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT young_teachers_mentored FROM mw.kpi_report k "
                                        "JOIN mw.report r ON r.id = k.report_id "
                                        "WHERE r.version = 1 AND k.teachers_total = 40"),
                 8, "the first version keeps its own figures");
}

Test(kpi_sql, a_rolled_back_report_leaves_no_summary)
{
    /* A statement that stores a report and then fails: its deferred trigger never runs. */
    char *body = fixture_report("SOSH14", "2023/2024", "final", "откат", NULL);
    char *hash = mwtest_sql_str(fx.db, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')",
                                fx.token_sosh14);
    long before = mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.kpi_report");
    char *state = mwtest_sql_error(
        fx.db,
        "SELECT 1 / (http_status - 201) FROM mw.ingest_report(decode($1, 'hex'), NULL, "
        "sha256(convert_to($2, 'UTF8')), $2)",
        hash, body);
    cr_expect_str_eq(state, "22012", "the statement failed after the ingest (division by zero)");
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.kpi_report"), before);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.report WHERE academic_year = "
                                        "'2023/2024'"),
                 0);
    /* The same report committed: its summary is there at once. */
    cr_expect_eq(mwtest_sql_long(fx.db,
                                 "SELECT http_status FROM mw.ingest_report(decode($1, 'hex'), "
                                 "NULL, sha256(convert_to($2, 'UTF8')), $2)",
                                 hash, body),
                 201);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.kpi_report k JOIN mw.report r "
                                        "ON r.id = k.report_id WHERE r.academic_year = "
                                        "'2023/2024'"),
                 1);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.kpi_period WHERE academic_year "
                                        "= '2023/2024' AND stage = 'final'"),
                 1, "a new period for the time series");
    free(state);
    free(hash);
    free(body);
}

Test(kpi_sql, bi_views_show_the_api_figures)
{
    char *coverage = mwtest_sql_str(
        fx.db,
        "SELECT young_coverage::text FROM kpi.district_period WHERE district_name = $1 "
        "AND academic_year = '2024/2025' AND stage = 'intermediate'",
        "Демо район");
    cr_expect_str_eq(coverage, "58.3");
    free(coverage);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT reports_received FROM kpi.region_period WHERE "
                                        "academic_year = '2024/2025' AND stage = 'intermediate'"),
                 3);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM kpi.school_period WHERE "
                                        "academic_year = '2024/2025' AND stage = 'intermediate'"),
                 5);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM kpi.overdue_roadmap_item"), 3);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM kpi.consent_below_100"), 2);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT schools_missing FROM kpi.site_document "
                                        "WHERE document = 'program'"),
                 2);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM kpi.school_site WHERE compliant"), 1);
    char *label = mwtest_sql_str(fx.db, "SELECT col_description('kpi.district_period'::regclass, "
                                        "(SELECT attnum FROM pg_attribute WHERE attrelid = "
                                        "'kpi.district_period'::regclass AND attname = "
                                        "'young_coverage')::int)");
    cr_expect_str_eq(label, "Охват молодых педагогов, %", "Russian column comments");
    free(label);
    /* The target is the region's setting. */
    mwtest_sql_exec(fx.db, "UPDATE mw.region SET young_coverage_target = 60");
    cr_expect_eq(mwtest_sql_long(fx.db,
                                 "SELECT count(*) FROM kpi.district_period WHERE "
                                 "academic_year = '2024/2025' AND stage = 'intermediate' "
                                 "AND young_coverage_target = 60 AND NOT young_coverage_met"),
                 2, "58.3 and 50.0 are below 60");
}

/* A login in mw_bi_reader (as KPI.md says to make one) reads the kpi views and nothing else. */
Test(kpi_sql, bi_reader_sees_no_personal_data)
{
    char *login = mwtest_fmt("mwt_bi_%d", (int)getpid());
    char *create = mwtest_fmt("CREATE ROLE %s LOGIN IN ROLE mw_bi_reader", login);
    mwtest_sql_exec(fx.db, create);
    char *url = mwtest_fmt("%s user=%s", fx.db, login);

    cr_expect_eq(mwtest_sql_long(url, "SELECT schools_expected FROM kpi.region_period WHERE "
                                      "academic_year = '2024/2025' AND stage = 'intermediate'"),
                 5);
    cr_expect_eq(mwtest_sql_long(url, "SELECT count(*) FROM kpi.overdue_roadmap_item"), 3);
    cr_expect_eq(mwtest_sql_long(url, "SELECT count(*) FROM kpi.column_label"),
                 mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.kpi_label"));
    static const char *const refused[] = {
        "SELECT name FROM mw.report_participant",
        "SELECT raw FROM mw.report",
        "SELECT responsible FROM mw.report_roadmap_item",
        "SELECT * FROM mw.kpi_report",
        "SELECT * FROM mw.api_token",
        "SELECT * FROM mw.kpi_rows('school', NULL, NULL, NULL, NULL, NULL)",
        "SELECT * FROM mw.kpi_bi_overdue()",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char *state = mwtest_sql_error(url, refused[i]);
        cr_expect_str_eq(state ? state : "(succeeded)", "42501", "%s", refused[i]);
        free(state);
    }
    /* The grants themselves: usage on kpi only, no right on any table of mw. */
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON "
                                        "n.oid = c.relnamespace WHERE n.nspname = 'mw' AND "
                                        "has_table_privilege('mw_bi_reader', c.oid, 'SELECT')"),
                 0);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT has_schema_privilege('mw_bi_reader', 'mw', "
                                        "'USAGE')::int"),
                 0);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON "
                                        "n.oid = c.relnamespace WHERE n.nspname = 'kpi' AND NOT "
                                        "has_table_privilege('mw_bi_reader', c.oid, 'SELECT')"),
                 0, "every kpi view is readable");
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM information_schema.columns WHERE "
                                        "table_schema = 'kpi' AND column_name IN ('name', "
                                        "'responsible', 'raw', 'pid')"),
                 1, "only kpi.column_label has a `name` (a column's)");

    char *drop = mwtest_fmt("DROP ROLE %s", login);
    mwtest_sql_exec(fx.db, drop);
    free(drop);
    free(url);
    free(create);
    free(login);
}
