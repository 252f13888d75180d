/* The district sums (mw.kpi_district_period, 0008): kept at each commit, they always equal
 * what their schools' current reports give, through corrections, deadline, target and
 * district changes, busy folds and concurrent changes. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "fixture_kpi.h"

static struct fixture fx;

static void setup(void)
{
    kpi_fixture_setup(&fx, "kpi_rollup");
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

TestSuite(kpi_rollup, .init = setup, .fini = teardown, .timeout = 120);

/* The district's rows of the demo district for the fixture's period. */
static const char *const sql_key_rows =
    "SELECT count(*) FROM mw.kpi_district_period r JOIN mw.school s ON s.district_id = "
    "r.district_id WHERE s.code = 'SOSH14' AND r.academic_year = '2024/2025' "
    "AND r.stage = 'intermediate'";

/*
 * Folds every key, keeps a copy, rebuilds everything from the schools and compares: the
 * number of rows that differ (0 when the kept sums were right).
 */
static long rollup_drift(void)
{
    mwtest_sql_exec(fx.db, "SELECT count(mw.kpi_rollup_fold(k.district_id, k.academic_year, "
                           "k.stage)) FROM (SELECT DISTINCT district_id, academic_year, stage "
                           "FROM mw.kpi_district_period) k");
    mwtest_sql_exec(fx.db, "DROP TABLE IF EXISTS public.rollup_kept");
    mwtest_sql_exec(fx.db, "CREATE TABLE public.rollup_kept AS "
                           "SELECT * FROM mw.kpi_district_period");
    cr_expect_gt(mwtest_sql_long(fx.db, "SELECT count(*) FROM public.rollup_kept"), 0);
    mwtest_sql_exec(fx.db, "SELECT mw.kpi_rollup_rebuild(NULL)");
    return mwtest_sql_long(fx.db, "SELECT count(*) FROM ("
                                  "(SELECT * FROM public.rollup_kept EXCEPT ALL "
                                  " SELECT * FROM mw.kpi_district_period) UNION ALL "
                                  "(SELECT * FROM mw.kpi_district_period EXCEPT ALL "
                                  " SELECT * FROM public.rollup_kept)) d");
}

/* District rows (from the sums) unlike the totals of their schools' rows, in every period. */
static long districts_unlike_their_schools(void)
{
    return mwtest_sql_long(
        fx.db,
        "WITH d AS (SELECT k.district, k.academic_year, k.stage, reports_received, "
        "reports_on_time, "
        "  reports_late, reports_missing, reports_pending, reports_no_deadline, teachers_total, "
        "  young_teachers_mentored, mentors, mentees, pairs, meetings, roadmap_overdue, "
        "  schools_below_target, schools_consent_below_100, sites_checked, sites_compliant "
        "  FROM mw.kpi_period p CROSS JOIN LATERAL mw.kpi_rows('district', p.academic_year, "
        "  p.stage, NULL, NULL, NULL) k), "
        "s AS (SELECT k.district, k.academic_year, k.stage, count(*) FILTER (WHERE status IN "
        "  ('on_time', 'late', 'no_deadline'))::int, count(*) FILTER (WHERE status = "
        "  'on_time')::int, count(*) FILTER (WHERE status = 'late')::int, count(*) FILTER "
        "  (WHERE status = 'missing')::int, count(*) FILTER (WHERE status = 'pending')::int, "
        "  count(*) FILTER (WHERE status = 'no_deadline')::int, sum(teachers_total)::int, "
        "  sum(young_teachers_mentored)::int, sum(mentors)::int, sum(mentees)::int, "
        "  sum(pairs)::int, sum(meetings)::int, sum(roadmap_overdue)::int, "
        "  sum(schools_below_target)::int, sum(schools_consent_below_100)::int, "
        "  sum(sites_checked)::int, sum(sites_compliant)::int "
        "  FROM mw.kpi_period p CROSS JOIN LATERAL mw.kpi_rows('school', p.academic_year, "
        "  p.stage, NULL, NULL, NULL) k "
        "  GROUP BY k.district, k.academic_year, k.stage) "
        "SELECT count(*) FROM ((TABLE d EXCEPT TABLE s) UNION ALL (TABLE s EXCEPT TABLE d)) x");
}

/* Stores a report of `school` with `token` through the collector's SQL function. */
static void ingest(const char *token, const char *school, const char *year, const char *stage,
                   const char *comment)
{
    char *body = fixture_report(school, year, stage, comment, NULL);
    char *hash =
        mwtest_sql_str(fx.db, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", token);
    cr_assert_eq(mwtest_sql_long(fx.db,
                                 "SELECT http_status FROM mw.ingest_report(decode($1, 'hex'), "
                                 "NULL, sha256(convert_to($2, 'UTF8')), $2)",
                                 hash, body),
                 201, "%s %s %s stored", school, year, stage);
    free(hash);
    free(body);
}

static PGconn *connect_or_fail(void)
{
    PGconn *conn = PQconnectdb(fx.db);
    cr_assert_eq(PQstatus(conn), CONNECTION_OK, "%s", PQerrorMessage(conn));
    return conn;
}

static void exec_or_fail(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
}

Test(kpi_rollup, district_sums_equal_their_schools_through_every_change)
{
    /* The fixture: a correction, then a deadline moved (a rebuild), then more reports. */
    cr_expect_eq(districts_unlike_their_schools(), 0);
    cr_expect_eq(rollup_drift(), 0, "after the fixture");

    /* Corrections and a new period, through the commit-time trigger. */
    ingest(fx.token_itl24, "ITL24", "2024/2025", "intermediate", "исправление 1");
    ingest(fx.token_itl24, "ITL24", "2024/2025", "intermediate", "исправление 2");
    ingest(fx.token_sosh14, "SOSH14", "2024/2025", "final", "итог");
    ingest(fx.token_other1, "OTHER1", "2023/2024", "entry", "старт");
    cr_expect_eq(districts_unlike_their_schools(), 0);
    cr_expect_eq(rollup_drift(), 0, "after corrections and new periods");

    /* The region's target: schools below it change. */
    long below = mwtest_sql_long(fx.db, "SELECT schools_below_target FROM mw.kpi_rows('region', "
                                        "'2024/2025', 'intermediate', NULL, NULL, NULL)");
    mwtest_sql_exec(fx.db, "UPDATE mw.region SET young_coverage_target = 90");
    cr_expect_gt(mwtest_sql_long(fx.db, "SELECT schools_below_target FROM mw.kpi_rows('region', "
                                        "'2024/2025', 'intermediate', NULL, NULL, NULL)"),
                 below, "more schools below a target of 90 %%");
    cr_expect_eq(districts_unlike_their_schools(), 0);
    cr_expect_eq(rollup_drift(), 0, "after the target changed");

    /* A deadline: ITL24 becomes on time, SOSH8 and POGAD pending again. */
    mwtest_sql_exec(fx.db, "UPDATE mw.stage SET deadline = now() + interval '1 day' "
                           "WHERE academic_year = '2024/2025' AND stage = 'intermediate'");
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT reports_on_time * 10 + reports_pending FROM "
                                        "mw.kpi_rows('district', '2024/2025', 'intermediate', "
                                        "NULL, NULL, NULL) WHERE reports_late = 0 AND "
                                        "district = (SELECT d.code FROM mw.district d JOIN "
                                        "mw.school s ON s.district_id = d.id WHERE s.code = "
                                        "'ITL24')"),
                 22, "2 on time, 2 pending, none late");
    cr_expect_eq(districts_unlike_their_schools(), 0);
    cr_expect_eq(rollup_drift(), 0, "after the deadline moved");

    /* A school moves to the other district, with its reports. */
    mwtest_sql_exec(fx.db, "UPDATE mw.school SET district_id = (SELECT district_id FROM "
                           "mw.school WHERE code = 'OTHER1') WHERE code = 'ITL24'");
    cr_expect_eq(districts_unlike_their_schools(), 0);
    cr_expect_eq(rollup_drift(), 0, "after a school moved");
}

Test(kpi_rollup, a_busy_fold_leaves_rows_that_still_add_up)
{
    /* Another transaction holds the key's fold: the report adds rows of its own. */
    PGconn *holder = connect_or_fail();
    exec_or_fail(holder, "BEGIN");
    exec_or_fail(holder, "SELECT pg_advisory_xact_lock(-1, hashtext('|' || s.district_id || "
                         "' 2024/2025 intermediate|')) FROM mw.school s WHERE s.code = 'SOSH14'");
    cr_expect_eq(mwtest_sql_long(fx.db, sql_key_rows), 1, "one row per key when folded");
    ingest(fx.token_sosh14, "SOSH14", "2024/2025", "intermediate", "пока занято");
    cr_expect_eq(mwtest_sql_long(fx.db, sql_key_rows), 3, "the base, +v3 and -v2");
    cr_expect_eq(districts_unlike_their_schools(), 0, "unfolded rows are summed when read");
    exec_or_fail(holder, "COMMIT");
    PQfinish(holder);

    /* The next report of the key folds everything. */
    ingest(fx.token_itl24, "ITL24", "2024/2025", "intermediate", "исправление");
    cr_expect_eq(mwtest_sql_long(fx.db, sql_key_rows), 1);
    cr_expect_eq(districts_unlike_their_schools(), 0);
    cr_expect_eq(rollup_drift(), 0);
}

/* A deadline changed while a report commits: the report waits for the rebuild (or the
 * rebuild for it), and is counted once, judged by the new deadline. */
Test(kpi_rollup, a_deadline_change_and_a_report_in_flight_count_it_once)
{
    PGconn *admin = connect_or_fail();
    exec_or_fail(admin, "BEGIN");
    exec_or_fail(admin, "UPDATE mw.stage SET deadline = now() + interval '1 day' "
                        "WHERE academic_year = '2024/2025' AND stage = 'intermediate'");

    /* ITL24's correction, sent from another connection, must wait for the admin. */
    PGconn *school = connect_or_fail();
    char *body = fixture_report("ITL24", "2024/2025", "intermediate", "во время смены", NULL);
    char *hash = mwtest_sql_str(fx.db, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')",
                                fx.token_itl24);
    const char *params[] = {hash, body};
    cr_assert_eq(PQsendQueryParams(school,
                                   "SELECT http_status FROM mw.ingest_report(decode($1, 'hex'), "
                                   "NULL, sha256(convert_to($2, 'UTF8')), $2)",
                                   2, NULL, params, NULL, NULL, 0),
                 1);
    long waiting = 0;
    for (int i = 0; i < 100 && waiting == 0; i++) {
        usleep(50 * 1000);
        char *pid = mwtest_fmt("%d", PQbackendPID(school));
        waiting = mwtest_sql_long(fx.db,
                                  "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int "
                                  "AND wait_event_type = 'Lock'",
                                  pid);
        free(pid);
    }
    cr_expect_eq(waiting, 1, "the report's commit waits for the rebuild's lock");
    exec_or_fail(admin, "COMMIT");
    PQfinish(admin);

    PGresult *res;
    int status = 0;
    while ((res = PQgetResult(school)) != NULL) {
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            status = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    cr_expect_eq(status, 201, "%s", PQerrorMessage(school));
    PQfinish(school);
    free(hash);
    free(body);

    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT reports_on_time FROM mw.kpi_rows('district', "
                                        "'2024/2025', 'intermediate', NULL, NULL, NULL) WHERE "
                                        "schools_expected = 4"),
                 2, "SOSH14 and ITL24 on time by the new deadline");
    cr_expect_eq(districts_unlike_their_schools(), 0);
    cr_expect_eq(rollup_drift(), 0);
}

/* A group commit of several reports of one key folds once, at its first report; the rest
 * leave their rows to the next transaction's fold. */
Test(kpi_rollup, a_group_commit_folds_a_key_once)
{
    PGconn *conn = connect_or_fail();
    exec_or_fail(conn, "BEGIN");
    const char *tokens[] = {fx.token_sosh14, fx.token_itl24, fx.token_sosh14};
    const char *schools[] = {"SOSH14", "ITL24", "SOSH14"};
    for (int i = 0; i < 3; i++) {
        char *comment = mwtest_fmt("пакет %d", i);
        char *body = fixture_report(schools[i], "2024/2025", "intermediate", comment, NULL);
        char *hash = mwtest_sql_str(fx.db, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')",
                                    tokens[i]);
        const char *params[] = {hash, body};
        PGresult *res = PQexecParams(conn,
                                     "SELECT http_status FROM mw.ingest_report(decode($1, "
                                     "'hex'), NULL, sha256(convert_to($2, 'UTF8')), $2)",
                                     2, NULL, params, NULL, NULL, 0);
        cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
        cr_expect_str_eq(PQgetvalue(res, 0, 0), "201");
        PQclear(res);
        free(hash);
        free(body);
        free(comment);
    }
    exec_or_fail(conn, "COMMIT");
    PQfinish(conn);
    cr_expect_eq(mwtest_sql_long(fx.db, sql_key_rows), 5,
                 "the folded row, then +new and -old of the two later reports");
    cr_expect_eq(districts_unlike_their_schools(), 0);
    ingest(fx.token_itl24, "ITL24", "2024/2025", "intermediate", "после пакета");
    cr_expect_eq(mwtest_sql_long(fx.db, sql_key_rows), 1);
    cr_expect_eq(rollup_drift(), 0);
}
