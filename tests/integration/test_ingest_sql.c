/* Integration tests of mw.ingest_report, mw.ingest_meeting and mw.authenticate through libpq. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_util.h"
#include "migrate.h"
#include "mwtest.h"
#include "token.h"

#define EXAMPLES_DIR MW_SOURCE_DIR "/services/collector/api/examples"

static char *db_url;
static PGconn *conn;

/* One row of mw.ingest_report / mw.ingest_meeting; text fields are "" for NULL. */
struct answer {
    int status;
    char code[32];
    long long id; /* report_id / meeting_id; 0 for NULL */
    int version;  /* 0 for NULL or a meeting */
    bool replayed;
    char received_at[64];
    char deadline[64];
    char on_time[4]; /* "t", "f" or "" */
};

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_db(void)
{
    char err[1024];
    PGconn *c = db_connect(db_url, "test_ingest_sql", err, sizeof(err));
    cr_assert(c != NULL, "%s", err);
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

/* "\x<hex>" of SHA-256(data): a bytea in text form. */
static void sha256_param(const char *data, size_t len, char out[2 + 64 + 1])
{
    unsigned char h[TOKEN_HASH_LEN];
    token_hash(data, len, h);
    strcpy(out, "\\x");
    for (int i = 0; i < TOKEN_HASH_LEN; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", h[i]);
}

static void sql_ok(PGconn *c, const char *sql, int n, const char *const *params)
{
    char err[1024];
    cr_assert(db_exec(c, sql, n, params, err, sizeof(err)), "%s: %s", sql, err);
}

static long sql_long(PGconn *c, const char *sql, int n, const char *const *params)
{
    char err[1024];
    PGresult *res = db_query(c, sql, n, params, err, sizeof(err));
    cr_assert(res != NULL, "%s: %s", sql, err);
    cr_assert_eq(PQntuples(res), 1, "%s: %d rows", sql, PQntuples(res));
    long v = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static char *sql_str(PGconn *c, const char *sql, int n, const char *const *params)
{
    char err[1024];
    PGresult *res = db_query(c, sql, n, params, err, sizeof(err));
    cr_assert(res != NULL, "%s: %s", sql, err);
    char *v = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    return v;
}

static void add_token(const char *text, const char *role, const char *column, const char *scope)
{
    char hash[70];
    sha256_param(text, strlen(text), hash);
    char sql[512];
    if (column == NULL) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO mw.api_token (token_hash, role, label) VALUES ($1, $2, $3)");
        const char *p[] = {hash, role, text};
        sql_ok(conn, sql, 3, p);
        return;
    }
    snprintf(sql, sizeof(sql),
             "INSERT INTO mw.api_token (token_hash, role, label, %s) "
             "SELECT $1, $2, $3, id FROM mw.%s WHERE code = $4",
             column,
             strcmp(column, "school_id") == 0     ? "school"
             : strcmp(column, "district_id") == 0 ? "district"
                                                  : "region");
    const char *p[] = {hash, role, text, scope};
    sql_ok(conn, sql, 4, p);
}

static void setup(void)
{
    db_url = mwtest_db_create("ingest_sql");
    conn = connect_db();
    /* mwtest_db_create ran `mwctl migrate`; the runner in-process must find nothing to do. */
    struct mw_migrate_summary sum;
    char err[2048];
    cr_assert(mw_migrate(conn, NULL, &sum, err, sizeof(err)), "%s", err);
    cr_assert_eq(sum.db_version, sum.files_version, "database not migrated");
    cr_assert_eq(sum.applied, 0);

    sql_ok(conn, "INSERT INTO mw.region (code, name) VALUES ('orb', 'Оренбургская область')", 0,
           NULL);
    sql_ok(conn,
           "INSERT INTO mw.district (region_id, code, name) SELECT id, d.code, d.name "
           "FROM mw.region, (VALUES ('oktyabrsky', 'Октябрьский район'), "
           "('leninsky', 'Ленинский район')) AS d(code, name)",
           0, NULL);
    sql_ok(conn,
           "INSERT INTO mw.school (district_id, code, name) "
           "SELECT d.id, s.code, s.code FROM mw.district d, (VALUES ('SOSH14', 'oktyabrsky'), "
           "('SOSH8', 'oktyabrsky'), ('POGAD', 'oktyabrsky'), ('ITL24', 'leninsky')) "
           "AS s(code, district) WHERE d.code = s.district",
           0, NULL);
    add_token("tok-SOSH14", "school", "school_id", "SOSH14");
    add_token("tok-SOSH8", "school", "school_id", "SOSH8");
    add_token("tok-POGAD", "school", "school_id", "POGAD");
    add_token("tok-ITL24", "school", "school_id", "ITL24");
    add_token("tok-revoked", "school", "school_id", "SOSH14");
    sql_ok(conn, "UPDATE mw.api_token SET revoked_at = now() WHERE label = 'tok-revoked'", 0, NULL);
    add_token("tok-district", "district", "district_id", "oktyabrsky");
    add_token("tok-region", "region", "region_id", "orb");
    add_token("tok-admin", "admin", NULL, NULL);
}

static void teardown(void)
{
    PQfinish(conn);
    conn = NULL;
    mwtest_db_drop(db_url);
    db_url = NULL;
}

TestSuite(ingest_sql, .init = setup, .fini = teardown, .timeout = 120);

/* ---- calling the functions ------------------------------------------------------------------- */

static void fill_answer(PGresult *res, struct answer *a, bool report)
{
    memset(a, 0, sizeof(*a));
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "ingest failed: %s",
                 PQresultErrorMessage(res));
    cr_assert_eq(PQntuples(res), 1, "ingest returned %d rows", PQntuples(res));
    a->status = atoi(PQgetvalue(res, 0, 0));
    snprintf(a->code, sizeof(a->code), "%s", PQgetvalue(res, 0, 1));
    a->id = atoll(PQgetvalue(res, 0, 2));
    int col = 3;
    if (report)
        a->version = atoi(PQgetvalue(res, 0, col++));
    a->replayed = strcmp(PQgetvalue(res, 0, col++), "t") == 0;
    snprintf(a->received_at, sizeof(a->received_at), "%s", PQgetvalue(res, 0, col++));
    if (report) {
        snprintf(a->deadline, sizeof(a->deadline), "%s", PQgetvalue(res, 0, col++));
        snprintf(a->on_time, sizeof(a->on_time), "%s", PQgetvalue(res, 0, col++));
    }
}

static const char *const report_sql = "SELECT * FROM mw.ingest_report($1, $2, $3, $4)";
static const char *const meeting_sql = "SELECT * FROM mw.ingest_meeting($1, $2, $3, $4)";

/* Fills params as the collector does: token hash, key or NULL, body hash, body. */
static void make_params(const char *token, const char *key, const char *body, char th[70],
                        char bh[70], const char *params[4])
{
    sha256_param(token, strlen(token), th);
    sha256_param(body, strlen(body), bh);
    params[0] = th;
    params[1] = key;
    params[2] = bh;
    params[3] = body;
}

static struct answer call(PGconn *c, const char *sql, bool report, const char *token,
                          const char *key, const char *body)
{
    char th[70], bh[70];
    const char *params[4];
    make_params(token, key, body, th, bh, params);
    PGresult *res = PQexecParams(c, sql, 4, NULL, params, NULL, NULL, 0);
    struct answer a;
    fill_answer(res, &a, report);
    PQclear(res);
    return a;
}

static struct answer ingest(const char *token, const char *key, const char *body)
{
    return call(conn, report_sql, true, token, key, body);
}

static struct answer meeting(const char *token, const char *key, const char *body)
{
    return call(conn, meeting_sql, false, token, key, body);
}

static char *fixture(const char *name)
{
    char *path = mwtest_data_path(name);
    char *text = mwtest_read_file(path, NULL);
    cr_assert(text != NULL, "cannot read %s", path);
    free(path);
    return text;
}

/* text with the first occurrence of from replaced by to (malloc'd). */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert(at != NULL, "\"%s\" not in the fixture", from);
    char *out = mwtest_fmt("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

static long count_reports(const char *school)
{
    const char *p[] = {school};
    return sql_long(conn,
                    "SELECT count(*) FROM mw.report r JOIN mw.school s ON s.id = r.school_id "
                    "WHERE s.code = $1",
                    1, p);
}

/* ---- reports --------------------------------------------------------------------------------- */

Test(ingest_sql, a_new_report_is_created)
{
    char *body = fixture("sql/report_sosh14_entry.json");
    struct answer a = ingest("tok-SOSH14", "key-1", body);
    cr_expect_eq(a.status, 201);
    cr_expect_str_eq(a.code, "created");
    cr_expect_gt(a.id, 0);
    cr_expect_eq(a.version, 1);
    cr_expect_not(a.replayed);
    cr_expect_neq(a.received_at[0], '\0');
    cr_expect_str_eq(a.deadline, "", "no stage is defined yet");
    cr_expect_str_eq(a.on_time, "");
    /* The raw body comes back byte for byte. */
    char id[24];
    snprintf(id, sizeof(id), "%lld", a.id);
    const char *p[] = {id, body};
    cr_expect_eq(sql_long(conn,
                          "SELECT (raw = $2 AND octet_length(raw) = octet_length($2))::int "
                          "FROM mw.report WHERE id = $1",
                          2, p),
                 1);
    cr_expect_eq(sql_long(conn,
                          "SELECT count(*) FROM mw.report_slot WHERE current_report_id = $1 "
                          "AND current_version = 1 AND first_received_at = last_received_at",
                          1, p),
                 1);
    free(body);
}

Test(ingest_sql, the_same_key_and_body_replays)
{
    char *body = fixture("sql/report_sosh14_entry.json");
    struct answer a = ingest("tok-SOSH14", "key-1", body);
    struct answer b = ingest("tok-SOSH14", "key-1", body);
    cr_expect_eq(b.status, 200);
    cr_expect_str_eq(b.code, "replayed");
    cr_expect(b.replayed);
    cr_expect_eq(b.id, a.id);
    cr_expect_eq(b.version, 1);
    cr_expect_str_eq(b.received_at, a.received_at);
    cr_expect_eq(count_reports("SOSH14"), 1);
    free(body);
}

Test(ingest_sql, the_same_body_without_key_replays)
{
    char *body = fixture("sql/report_sosh14_entry.json");
    struct answer a = ingest("tok-SOSH14", NULL, body);
    struct answer b = ingest("tok-SOSH14", NULL, body);
    cr_expect_eq(a.status, 201);
    cr_expect_eq(b.status, 200);
    cr_expect_str_eq(b.code, "replayed");
    cr_expect(b.replayed);
    cr_expect_eq(b.id, a.id);
    cr_expect_eq(count_reports("SOSH14"), 1);
    cr_expect_eq(sql_long(conn, "SELECT max(current_version) FROM mw.report_slot", 0, NULL), 1,
                 "a replay must not bump the version");
    free(body);
}

Test(ingest_sql, the_same_key_with_another_body_conflicts)
{
    char *body = fixture("sql/report_sosh14_entry.json");
    char *other = replace(body, "\"young_teachers_mentored\": 5", "\"young_teachers_mentored\": 6");
    struct answer a = ingest("tok-SOSH14", "key-1", body);
    struct answer b = ingest("tok-SOSH14", "key-1", other);
    cr_expect_eq(a.status, 201);
    cr_expect_eq(b.status, 409);
    cr_expect_str_eq(b.code, "idempotency_conflict");
    cr_expect_eq(b.id, 0);
    cr_expect_eq(count_reports("SOSH14"), 1);
    /* Keys are per school: another school may use the same key. */
    char *pogad = replace(body, "\"SOSH14\"", "\"POGAD\"");
    struct answer c = ingest("tok-POGAD", "key-1", pogad);
    cr_expect_eq(c.status, 201);
    free(pogad);
    free(other);
    free(body);
}

Test(ingest_sql, a_correction_is_a_new_version_and_keeps_history)
{
    char *v1 = fixture("sql/report_sosh14_entry.json");
    char *v2 = replace(v1, "\"young_teachers_mentored\": 5", "\"young_teachers_mentored\": 6");
    char *v3 = replace(v2, "\"comment\": \"Входной мониторинг\"", "\"comment\": \"v3\"");
    struct answer a = ingest("tok-SOSH14", NULL, v1);
    struct answer b = ingest("tok-SOSH14", "fix-1", v2);
    struct answer c = ingest("tok-SOSH14", NULL, v3);
    cr_expect_eq(a.version, 1);
    cr_expect_eq(b.status, 201);
    cr_expect_eq(b.version, 2);
    cr_expect_eq(c.version, 3);
    cr_expect_neq(a.id, b.id);
    /* The current body again, under a new key: a replay of version 3, nothing new. */
    struct answer d = ingest("tok-SOSH14", "another-run", v3);
    cr_expect_eq(d.status, 200);
    cr_expect_eq(d.id, c.id);
    cr_expect_eq(d.version, 3);

    char *history =
        sql_str(conn,
                "SELECT string_agg(r.version::text || ':' || st.young_teachers_mentored, "
                "',' ORDER BY r.version) FROM mw.report r "
                "JOIN mw.report_staff st ON st.report_id = r.id "
                "JOIN mw.school s ON s.id = r.school_id WHERE s.code = 'SOSH14' "
                "AND r.academic_year = '2024/2025' AND r.stage = 'entry'",
                0, NULL);
    cr_expect_str_eq(history, "1:5,2:6,3:6");
    free(history);
    char id[24];
    snprintf(id, sizeof(id), "%lld", c.id);
    const char *p[] = {id};
    cr_expect_eq(sql_long(conn,
                          "SELECT count(*) FROM mw.report_current rc JOIN mw.school s "
                          "ON s.id = rc.school_id WHERE s.code = 'SOSH14' AND rc.version = 3 "
                          "AND rc.report_id = $1",
                          1, p),
                 1);
    cr_expect_eq(sql_long(conn,
                          "SELECT count(*) FROM mw.report_slot WHERE "
                          "first_received_at < last_received_at OR "
                          "first_received_at = last_received_at",
                          0, NULL),
                 1);
    /* Version 1 is kept unchanged, facts included. */
    snprintf(id, sizeof(id), "%lld", a.id);
    const char *q[] = {id, v1};
    cr_expect_eq(sql_long(conn, "SELECT (raw = $2)::int FROM mw.report WHERE id = $1", 2, q), 1);
    cr_expect_eq(
        sql_long(conn, "SELECT count(*) FROM mw.report_participant WHERE report_id = $1", 1, q), 5);
    free(v3);
    free(v2);
    free(v1);
}

Test(ingest_sql, another_schools_report_is_forbidden)
{
    char *body = fixture("sql/report_sosh14_entry.json");
    struct answer a = ingest("tok-ITL24", NULL, body);
    cr_expect_eq(a.status, 403);
    cr_expect_str_eq(a.code, "forbidden");
    cr_expect_eq(a.id, 0);
    struct answer b = ingest("tok-district", NULL, body);
    cr_expect_eq(b.status, 403);
    struct answer c = ingest("tok-admin", NULL, body);
    cr_expect_eq(c.status, 403);
    struct answer d = ingest("tok-region", "k", body);
    cr_expect_eq(d.status, 403);
    cr_expect_eq(count_reports("SOSH14"), 0);
    cr_expect_eq(sql_long(conn, "SELECT count(*) FROM mw.report_slot", 0, NULL), 0);
    free(body);
}

Test(ingest_sql, unknown_and_revoked_tokens_are_unauthorized)
{
    char *body = fixture("sql/report_sosh14_entry.json");
    struct answer a = ingest("tok-nobody", NULL, body);
    cr_expect_eq(a.status, 401);
    cr_expect_str_eq(a.code, "unauthorized");
    struct answer b = ingest("tok-revoked", NULL, body);
    cr_expect_eq(b.status, 401);
    cr_expect_str_eq(b.code, "unauthorized");
    struct answer m = meeting("tok-revoked", NULL, "{\"school\": \"SOSH14\"}");
    cr_expect_eq(m.status, 401);
    cr_expect_eq(count_reports("SOSH14"), 0);
    free(body);
}

Test(ingest_sql, on_time_late_and_no_deadline)
{
    char *body = fixture("sql/report_sosh14_entry.json");
    /* No stage yet. */
    struct answer a = ingest("tok-SOSH14", NULL, body);
    cr_expect_eq(a.status, 201);
    cr_expect_str_eq(a.on_time, "");
    cr_expect_str_eq(a.deadline, "");
    /* Deadline tomorrow: on time. */
    sql_ok(conn,
           "INSERT INTO mw.stage (district_id, academic_year, stage, deadline) SELECT id, "
           "'2024/2025', 'entry', now() + interval '1 day' FROM mw.district "
           "WHERE code = 'oktyabrsky'",
           0, NULL);
    char *v2 = replace(body, "\"young_teachers_mentored\": 5", "\"young_teachers_mentored\": 4");
    struct answer b = ingest("tok-SOSH14", NULL, v2);
    cr_expect_eq(b.status, 201);
    cr_expect_str_eq(b.on_time, "t");
    cr_expect_neq(b.deadline[0], '\0');
    /* Deadline passed: late, still accepted. */
    sql_ok(conn, "UPDATE mw.stage SET deadline = now() - interval '1 hour'", 0, NULL);
    char *v3 = replace(body, "\"young_teachers_mentored\": 5", "\"young_teachers_mentored\": 3");
    struct answer c = ingest("tok-SOSH14", NULL, v3);
    cr_expect_eq(c.status, 201);
    cr_expect_eq(c.version, 3);
    cr_expect_str_eq(c.on_time, "f");
    /* A stage of another district does not apply. */
    char *itl = replace(body, "\"SOSH14\"", "\"ITL24\"");
    struct answer d = ingest("tok-ITL24", NULL, itl);
    cr_expect_eq(d.status, 201);
    cr_expect_str_eq(d.on_time, "");
    free(itl);
    free(v3);
    free(v2);
    free(body);
}

/* Number of elements of member name of obj (0 when absent). */
static int array_len(const cJSON *obj, const char *name)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
}

static void check_counts(const char *path)
{
    char *body = mwtest_read_file(path, NULL);
    cr_assert(body != NULL, "cannot read %s", path);
    cJSON *doc = cJSON_Parse(body);
    cr_assert(doc != NULL, "%s: not JSON", path);
    const char *school = cJSON_GetObjectItemCaseSensitive(doc, "school")->valuestring;
    char *token = mwtest_fmt("tok-%s", school);
    struct answer a = ingest(token, NULL, body);
    cr_assert_eq(a.status, 201, "%s: %d %s", path, a.status, a.code);

    int pairs = array_len(doc, "pairs"), members = 0, meetings = 0, feedback = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc, "pairs"))
    {
        members += array_len(p, "mentors") + array_len(p, "mentees");
        meetings += array_len(p, "meetings");
        const cJSON *m;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "meetings"))
        {
            feedback += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "feedback"));
        }
    }
    const cJSON *staff = cJSON_GetObjectItemCaseSensitive(doc, "staff");
    char id[24];
    snprintf(id, sizeof(id), "%lld", a.id);
    const char *q[] = {id};
#define COUNT(sql) sql_long(conn, sql, 1, q)
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_participant WHERE report_id = $1 "
                       "AND role = 'mentor'"),
                 array_len(doc, "mentors"), "%s: mentors", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_participant WHERE report_id = $1 "
                       "AND role = 'mentee'"),
                 array_len(doc, "mentees"), "%s: mentees", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_pair WHERE report_id = $1"), pairs,
                 "%s: pairs", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_pair_member WHERE report_id = $1"), members,
                 "%s: pair members", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_meeting WHERE report_id = $1"), meetings,
                 "%s: meetings", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_meeting WHERE report_id = $1 "
                       "AND feedback"),
                 feedback, "%s: meetings with feedback", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_roadmap_item WHERE report_id = $1"),
                 array_len(doc, "roadmap"), "%s: roadmap", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_document WHERE report_id = $1"),
                 array_len(doc, "documents"), "%s: documents", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_practice WHERE report_id = $1"),
                 array_len(doc, "practices"), "%s: practices", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_competition WHERE report_id = $1"),
                 array_len(doc, "competitions"), "%s: competitions", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_incentive WHERE report_id = $1"),
                 array_len(doc, "incentives"), "%s: incentives", path);
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_monitoring WHERE report_id = $1"),
                 cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "monitoring")) ? 1 : 0,
                 "%s: monitoring", path);
    cr_expect_eq(COUNT("SELECT teachers_total FROM mw.report_staff WHERE report_id = $1"),
                 cJSON_GetObjectItemCaseSensitive(staff, "teachers_total")->valueint, "%s", path);
    cr_expect_eq(COUNT("SELECT young_teachers FROM mw.report_staff WHERE report_id = $1"),
                 cJSON_GetObjectItemCaseSensitive(staff, "young_teachers")->valueint, "%s", path);
    cr_expect_eq(COUNT("SELECT young_teachers_mentored FROM mw.report_staff WHERE report_id = $1"),
                 cJSON_GetObjectItemCaseSensitive(staff, "young_teachers_mentored")->valueint, "%s",
                 path);
    /* Every pair member is a participant of the same report. */
    cr_expect_eq(COUNT("SELECT count(*) FROM mw.report_pair_member pm LEFT JOIN "
                       "mw.report_participant pp ON pp.report_id = pm.report_id AND "
                       "pp.pid = pm.pid AND pp.role = pm.role WHERE pm.report_id = $1 "
                       "AND pp.pid IS NULL"),
                 0, "%s: dangling pair members", path);
#undef COUNT
    free(token);
    cJSON_Delete(doc);
    free(body);
}

Test(ingest_sql, normalised_rows_match_the_documents)
{
    char *own = mwtest_data_path("sql/report_sosh14_entry.json");
    check_counts(own);
    free(own);
    /* Field by field for the own fixture. */
    char *row = sql_str(conn,
                        "SELECT string_agg(format('%s/%s/%s/%s/%s/%s/%s', p.pid, p.role, "
                        "p.category, p.minor, p.consent_by, p.name, p.trained_on), ';' "
                        "ORDER BY p.role, p.ord) FROM mw.report_participant p JOIN mw.report r "
                        "ON r.id = p.report_id JOIN mw.school s ON s.id = r.school_id "
                        "WHERE s.code = 'SOSH14'",
                        0, NULL);
    cr_expect_str_eq(row, "T-01/mentor/teacher/f/self/Орлова Галина Викторовна/2024-09-24;"
                          "T-02/mentor/veteran/f///;"
                          "Y-01/mentee/teacher_young_specialist/f/self//;"
                          "S-01/mentee/student_low_results/t/guardian//;"
                          "S-02/mentee/student_gifted/t/guardian/Петя/");
    free(row);
    row = sql_str(conn,
                  "SELECT string_agg(format('%s/%s/%s/%s/%s/%s/%s', p.pair_no, p.pair_code, "
                  "p.form, p.status, p.order_number, p.order_date, p.mentees), ';' "
                  "ORDER BY p.pair_no) FROM mw.report_pair p",
                  0, NULL);
    cr_expect_str_eq(row, "1/P1/teacher_teacher/active/14-а/2024-09-30/{Y-01};"
                          "2/P2/teacher_student/formed///{S-01,S-02}");
    free(row);
    row = sql_str(conn,
                  "SELECT string_agg(format('%s.%s/%s/%s', pair_no, ord, type, meeting_date), ';' "
                  "ORDER BY pair_no, ord) FROM mw.report_meeting",
                  0, NULL);
    cr_expect_str_eq(row, "1.1/organisational/2024-10-01;1.2/trial/2024-10-08");
    free(row);
    row = sql_str(conn,
                  "SELECT string_agg(format('%s/%s/%s/%s/%s', number, due_from, due_to, status, "
                  "done_on), ';' ORDER BY ord) FROM mw.report_roadmap_item",
                  0, NULL);
    cr_expect_str_eq(row, "1.1//2024-09-15/done/2024-09-14;"
                          "1.2/2024-10-01/2024-12-20/in_progress/");
    free(row);
    row = sql_str(conn,
                  "SELECT format('%s/%s/%s', satisfaction_mentors, satisfaction_mentees, quality) "
                  "FROM mw.report_monitoring m JOIN mw.report r ON r.id = m.report_id "
                  "JOIN mw.school s ON s.id = r.school_id WHERE s.code = 'SOSH14'",
                  0, NULL);
    cr_expect_str_eq(row, "87.5//70");
    free(row);
    row = sql_str(conn,
                  "SELECT comment FROM mw.report r JOIN mw.school s ON s.id = r.school_id "
                  "WHERE s.code = 'SOSH14'",
                  0, NULL);
    cr_expect_str_eq(row, "Входной мониторинг");
    free(row);
    /* The contract's examples, when present: every report among them. */
    DIR *d = opendir(EXAMPLES_DIR);
    int checked = 0;
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
                strstr(e->d_name, "meeting") != NULL)
                continue;
            char *path = mwtest_fmt("%s/%s", EXAMPLES_DIR, e->d_name);
            check_counts(path);
            free(path);
            checked++;
        }
        closedir(d);
    }
    cr_log_info("checked %d example reports of %s", checked, EXAMPLES_DIR);
}

Test(ingest_sql, a_failing_document_does_not_abort_the_batch)
{
    char *good = fixture("sql/report_sosh14_entry.json");
    char *bad = replace(good, "\"stage\": \"entry\"", "\"stage\": \"intermediate\"");
    char *bad2 = replace(bad, "\"category\": \"veteran\"", "\"category\": \"alien\"");
    char *other = replace(good, "\"SOSH14\"", "\"SOSH8\"");
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer a = ingest("tok-SOSH14", "k-a", good);
    cr_expect_eq(a.status, 201);
    struct answer b = ingest("tok-SOSH14", "k-b", bad2);
    cr_expect_eq(b.status, 500, "a value the database refuses: %d %s", b.status, b.code);
    cr_expect_str_eq(b.code, "internal_error");
    cr_expect_eq(PQtransactionStatus(conn), PQTRANS_INTRANS, "the batch was aborted");
    struct answer c = ingest("tok-SOSH14", NULL, "{\"school\": \"SOSH14\", broken");
    cr_expect_eq(c.status, 500, "not JSON: %d %s", c.status, c.code);
    struct answer d = ingest("tok-SOSH8", "k-a", other);
    cr_expect_eq(d.status, 201);
    struct answer m = meeting("tok-SOSH14", NULL,
                              "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", "
                              "\"pair\": \"P1\", \"type\": \"regular\", \"date\": \"2024-11-12\", "
                              "\"feedback\": true}");
    cr_expect_eq(m.status, 201);
    struct answer mb = meeting("tok-SOSH14", NULL,
                               "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", "
                               "\"pair\": \"P1\", \"type\": \"party\", \"date\": \"2024-11-12\", "
                               "\"feedback\": true}");
    cr_expect_eq(mb.status, 500);
    cr_expect_eq(PQtransactionStatus(conn), PQTRANS_INTRANS, "the batch was aborted");
    sql_ok(conn, "COMMIT", 0, NULL);

    cr_expect_eq(count_reports("SOSH14"), 1);
    cr_expect_eq(count_reports("SOSH8"), 1);
    cr_expect_eq(
        sql_long(conn, "SELECT count(*) FROM mw.report_slot WHERE stage = 'intermediate'", 0, NULL),
        0, "the failed report left its slot behind");
    cr_expect_eq(sql_long(conn,
                          "SELECT count(*) FROM mw.report_participant p WHERE NOT EXISTS "
                          "(SELECT 1 FROM mw.report r WHERE r.id = p.report_id)",
                          0, NULL),
                 0, "the failed report left facts behind");
    cr_expect_eq(sql_long(conn, "SELECT count(*) FROM mw.meeting_event", 0, NULL), 1);
    /* The key of the failed document is free again. */
    char *fixed = replace(bad, "\"young_teachers_mentored\": 5", "\"young_teachers_mentored\": 2");
    struct answer e = ingest("tok-SOSH14", "k-b", fixed);
    cr_expect_eq(e.status, 201);
    cr_expect_eq(e.version, 1);
    free(fixed);
    free(other);
    free(bad2);
    free(bad);
    free(good);
}

/* Sends an ingest on c without waiting; returns after the query is on its way. */
static void send_async(PGconn *c, const char *token, const char *key, const char *body)
{
    static char th[70], bh[70];
    const char *params[4];
    make_params(token, key, body, th, bh, params);
    cr_assert(PQsendQueryParams(c, report_sql, 4, NULL, params, NULL, NULL, 0) == 1, "%s",
              PQerrorMessage(c));
}

/* Whether c's query is still running after ms milliseconds. */
static bool still_busy(PGconn *c, int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&t, NULL);
    cr_assert(PQconsumeInput(c) == 1, "%s", PQerrorMessage(c));
    return PQisBusy(c) == 1;
}

static struct answer collect(PGconn *c)
{
    PGresult *res = PQgetResult(c);
    struct answer a;
    fill_answer(res, &a, true);
    PQclear(res);
    while ((res = PQgetResult(c)) != NULL)
        PQclear(res);
    return a;
}

Test(ingest_sql, concurrent_pushes_serialise)
{
    char *v1 = fixture("sql/report_sosh14_entry.json");
    char *v2 = replace(v1, "\"young_teachers_mentored\": 5", "\"young_teachers_mentored\": 6");
    PGconn *other = connect_db();

    /* The same key from two connections: the second replays the first once it commits. */
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer a = ingest("tok-SOSH14", "same-key", v1);
    cr_expect_eq(a.status, 201);
    send_async(other, "tok-SOSH14", "same-key", v1);
    cr_expect(still_busy(other, 300), "the second push did not wait for the first");
    sql_ok(conn, "COMMIT", 0, NULL);
    struct answer b = collect(other);
    cr_expect_eq(b.status, 200, "%d %s", b.status, b.code);
    cr_expect(b.replayed);
    cr_expect_eq(b.id, a.id);

    /* Two corrections at once: consecutive versions. */
    char *v3 = replace(v2, "\"comment\": \"Входной мониторинг\"", "\"comment\": \"v3\"");
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer c = ingest("tok-SOSH14", NULL, v2);
    send_async(other, "tok-SOSH14", NULL, v3);
    cr_expect(still_busy(other, 300));
    sql_ok(conn, "COMMIT", 0, NULL);
    struct answer d = collect(other);
    cr_expect_eq(c.version, 2);
    cr_expect_eq(d.status, 201);
    cr_expect_eq(d.version, 3);

    /* The same body without key at once: stored once. */
    char *v4 = replace(v2, "\"comment\": \"Входной мониторинг\"", "\"comment\": \"v4\"");
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer e = ingest("tok-SOSH14", NULL, v4);
    send_async(other, "tok-SOSH14", NULL, v4);
    cr_expect(still_busy(other, 300));
    sql_ok(conn, "COMMIT", 0, NULL);
    struct answer f = collect(other);
    cr_expect_eq(e.version, 4);
    cr_expect_eq(f.status, 200);
    cr_expect_eq(f.id, e.id);
    cr_expect_eq(count_reports("SOSH14"), 4);
    PQfinish(other);
    free(v4);
    free(v3);
    free(v2);
    free(v1);
}

/* ---- meetings and authentication --------------------------------------------------------- */

Test(ingest_sql, meeting_events)
{
    const char *ev =
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": \"P03\", "
        "\"type\": \"regular\", \"date\": \"2024-11-19\", \"feedback\": true, "
        "\"note\": \"Разбор открытого урока\"}";
    const char *ev2 =
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": "
        "\"P03\", \"type\": \"final\", \"date\": \"2025-05-19\", \"feedback\": false}";
    struct answer a = meeting("tok-SOSH14", "m-1", ev);
    cr_expect_eq(a.status, 201);
    cr_expect_str_eq(a.code, "created");
    cr_expect_gt(a.id, 0);
    struct answer b = meeting("tok-SOSH14", "m-1", ev);
    cr_expect_eq(b.status, 200);
    cr_expect(b.replayed);
    cr_expect_eq(b.id, a.id);
    cr_expect_str_eq(b.received_at, a.received_at);
    struct answer c = meeting("tok-SOSH14", "m-1", ev2);
    cr_expect_eq(c.status, 409);
    cr_expect_str_eq(c.code, "idempotency_conflict");
    struct answer d = meeting("tok-SOSH14", NULL, ev);
    cr_expect_eq(d.status, 200, "the same event without key replays");
    cr_expect_eq(d.id, a.id);
    struct answer e = meeting("tok-SOSH14", NULL, ev2);
    cr_expect_eq(e.status, 201);
    struct answer f = meeting("tok-ITL24", NULL, ev2);
    cr_expect_eq(f.status, 403);
    struct answer g = meeting("tok-district", NULL, ev2);
    cr_expect_eq(g.status, 403);
    struct answer h = meeting("tok-unknown", NULL, ev2);
    cr_expect_eq(h.status, 401);
    char *row = sql_str(conn,
                        "SELECT string_agg(format('%s/%s/%s/%s/%s/%s/%s', s.code, m.academic_year, "
                        "m.pair_code, m.type, m.meeting_date, m.feedback, m.note), ';' "
                        "ORDER BY m.id) FROM mw.meeting_event m JOIN mw.school s "
                        "ON s.id = m.school_id",
                        0, NULL);
    cr_expect_str_eq(row, "SOSH14/2024/2025/P03/regular/2024-11-19/t/Разбор открытого урока;"
                          "SOSH14/2024/2025/P03/final/2025-05-19/f/");
    free(row);
    /* The contract's example, when present. */
    char *example = mwtest_read_file(EXAMPLES_DIR "/meeting.example.json", NULL);
    if (example != NULL) {
        struct answer x = meeting("tok-SOSH14", NULL, example);
        cr_expect_eq(x.status, 201, "%s", x.code);
        free(example);
    }
}

/* A meeting event of SOSH14 whose note is `note` (so that two notes give two events). */
static char *meeting_event(const char *note)
{
    return mwtest_fmt("{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": "
                      "\"P07\", \"type\": \"regular\", \"date\": \"2024-12-03\", \"feedback\": "
                      "true, \"note\": \"%s\"}",
                      note);
}

static long meetings_stored(void)
{
    return sql_long(conn, "SELECT count(*) FROM mw.meeting_event", 0, NULL);
}

static void send_meeting_async(PGconn *c, const char *token, const char *key, const char *body)
{
    static char th[70], bh[70];
    const char *params[4];
    make_params(token, key, body, th, bh, params);
    cr_assert(PQsendQueryParams(c, meeting_sql, 4, NULL, params, NULL, NULL, 0) == 1, "%s",
              PQerrorMessage(c));
}

static struct answer collect_meeting(PGconn *c)
{
    PGresult *res = PQgetResult(c);
    struct answer a;
    fill_answer(res, &a, false);
    PQclear(res);
    while ((res = PQgetResult(c)) != NULL)
        PQclear(res);
    return a;
}

Test(ingest_sql, meeting_events_of_one_transaction_see_each_other)
{
    char *ev = meeting_event("одна транзакция");
    char *other = meeting_event("другое содержимое");
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer a = meeting("tok-SOSH14", "t-1", ev);
    cr_expect_eq(a.status, 201);
    struct answer b = meeting("tok-SOSH14", "t-1", ev);
    cr_expect_eq(b.status, 200, "the same key and body in the same batch: %d %s", b.status, b.code);
    cr_expect_eq(b.id, a.id);
    cr_expect_str_eq(b.received_at, a.received_at);
    struct answer c = meeting("tok-SOSH14", "t-2", ev);
    cr_expect_eq(c.status, 200, "the same body under another key replays");
    cr_expect_eq(c.id, a.id);
    struct answer d = meeting("tok-SOSH14", NULL, ev);
    cr_expect_eq(d.status, 200, "the same body without key replays");
    cr_expect_eq(d.id, a.id);
    struct answer e = meeting("tok-SOSH14", "t-1", other);
    cr_expect_eq(e.status, 409, "the key of another body in the same batch: %d %s", e.status,
                 e.code);
    cr_expect_eq(e.id, 0);
    struct answer f = meeting("tok-SOSH14", "t-2", other);
    cr_expect_eq(f.status, 201, "t-2 was not stored by the replay");
    cr_expect_eq(PQtransactionStatus(conn), PQTRANS_INTRANS);
    sql_ok(conn, "COMMIT", 0, NULL);
    cr_expect_eq(meetings_stored(), 2);
    /* The replay stored nothing under its key: t-2 belongs to the event that created it. */
    const char *key[] = {"t-2"};
    cr_expect_eq(sql_long(conn,
                          "SELECT count(*) FROM mw.meeting_event WHERE idempotency_key = $1 "
                          "AND note = 'другое содержимое'",
                          1, key),
                 1);
    free(other);
    free(ev);
}

Test(ingest_sql, identical_meeting_events_wait_for_the_first)
{
    PGconn *other = connect_db();
    char *ev = meeting_event("в двух соединениях");

    /* Another key, the same body: the second waits, then replays what the first committed. */
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer a = meeting("tok-SOSH14", "c-1", ev);
    cr_expect_eq(a.status, 201);
    send_meeting_async(other, "tok-SOSH14", "c-2", ev);
    cr_expect(still_busy(other, 300), "the identical event did not wait for the first");
    sql_ok(conn, "COMMIT", 0, NULL);
    struct answer b = collect_meeting(other);
    cr_expect_eq(b.status, 200, "%d %s", b.status, b.code);
    cr_expect(b.replayed);
    cr_expect_eq(b.id, a.id);
    cr_expect_str_eq(b.received_at, a.received_at);

    /* The same key with another body waits too, then conflicts. */
    char *ev2 = meeting_event("второе событие");
    char *ev3 = meeting_event("третье событие");
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer c = meeting("tok-SOSH14", "c-3", ev2);
    cr_expect_eq(c.status, 201);
    send_meeting_async(other, "tok-SOSH14", "c-3", ev3);
    cr_expect(still_busy(other, 300), "the same key did not wait for the first");
    sql_ok(conn, "COMMIT", 0, NULL);
    struct answer d = collect_meeting(other);
    cr_expect_eq(d.status, 409, "%d %s", d.status, d.code);

    /* When the first rolls back, the one that waited stores the event. */
    char *ev4 = meeting_event("откат");
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer e = meeting("tok-SOSH14", NULL, ev4);
    cr_expect_eq(e.status, 201);
    send_meeting_async(other, "tok-SOSH14", NULL, ev4);
    cr_expect(still_busy(other, 300));
    sql_ok(conn, "ROLLBACK", 0, NULL);
    struct answer f = collect_meeting(other);
    cr_expect_eq(f.status, 201, "%d %s", f.status, f.code);
    cr_expect_neq(f.id, e.id);

    cr_expect_eq(meetings_stored(), 3);
    PQfinish(other);
    free(ev4);
    free(ev3);
    free(ev2);
    free(ev);
}

Test(ingest_sql, a_meeting_event_the_database_refuses_fails_alone)
{
    char *good = meeting_event("хорошее");
    char *long_note_text = malloc(2002);
    cr_assert_not_null(long_note_text);
    memset(long_note_text, 'n', 2001);
    long_note_text[2001] = '\0';
    char *long_note = meeting_event(long_note_text);
    const char *refused[] = {
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": "
        "\"P1\", \"type\": \"regular\", \"date\": \"2024-02-30\", \"feedback\": true}",
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2026\", \"pair\": "
        "\"P1\", \"type\": \"regular\", \"date\": \"2024-02-03\", \"feedback\": true}",
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": "
        "\"\", \"type\": \"regular\", \"date\": \"2024-02-03\", \"feedback\": true}",
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", "
        "\"type\": \"regular\", \"date\": \"2024-02-03\", \"feedback\": true}",
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": "
        "\"P1\", \"type\": \"regular\", \"date\": \"2024-02-03\", \"feedback\": \"maybe\"}",
        "{\"school\": \"SOSH14\", broken",
        long_note,
    };
    sql_ok(conn, "BEGIN", 0, NULL);
    struct answer a = meeting("tok-SOSH14", "r-1", good);
    cr_expect_eq(a.status, 201);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char key[16];
        snprintf(key, sizeof(key), "r-bad-%zu", i);
        struct answer b = meeting("tok-SOSH14", key, refused[i]);
        cr_expect_eq(b.status, 500, "refused[%zu]: %d %s", i, b.status, b.code);
        cr_expect_str_eq(b.code, "internal_error");
        cr_expect_eq(PQtransactionStatus(conn), PQTRANS_INTRANS, "refused[%zu] aborted the batch",
                     i);
    }
    /* An idempotency key longer than the column allows fails alone too. */
    char key[300];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    char *keyed = meeting_event("длинный ключ");
    struct answer c = meeting("tok-SOSH14", key, keyed);
    cr_expect_eq(c.status, 500, "%d %s", c.status, c.code);
    cr_expect_eq(PQtransactionStatus(conn), PQTRANS_INTRANS);
    struct answer d = meeting("tok-SOSH14", "r-2", keyed);
    cr_expect_eq(d.status, 201);
    sql_ok(conn, "COMMIT", 0, NULL);
    cr_expect_eq(meetings_stored(), 2);
    free(keyed);
    free(long_note);
    free(long_note_text);
    free(good);
}

/* ---- many meeting events in one statement (mw.ingest_meetings) ----------------------------- */

/* One event of a combined call: the token's text, the key (NULL: none) and the body. */
struct combined_event {
    const char *token, *key, *body;
};

/* Calls mw.ingest_meetings with the events' arrays, built in SQL from a JSON array of
 * [token, key, body]: the token's and the body's SHA-256 as the collector computes them.
 * Returns the result, rows ordered by position. */
static PGresult *call_combined(const struct combined_event *events, int n)
{
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateArray();
        cJSON_AddItemToArray(e, cJSON_CreateString(events[i].token));
        cJSON_AddItemToArray(e, events[i].key ? cJSON_CreateString(events[i].key)
                                              : cJSON_CreateNull());
        cJSON_AddItemToArray(e, cJSON_CreateString(events[i].body));
        cJSON_AddItemToArray(list, e);
    }
    char *json = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);
    const char *p[] = {json};
    PGresult *res = PQexecParams(
        conn,
        "SELECT r.* FROM (SELECT array_agg(sha256(convert_to(e->>0, 'UTF8')) ORDER BY o) th, "
        "array_agg(e->>1 ORDER BY o) k, array_agg(sha256(convert_to(e->>2, 'UTF8')) ORDER BY o) s, "
        "array_agg(e->>2 ORDER BY o) b FROM jsonb_array_elements($1::jsonb) "
        "WITH ORDINALITY AS x(e, o)) a, mw.ingest_meetings(a.th, a.k, a.s, a.b) r ORDER BY r.ord",
        1, NULL, p, NULL, NULL, 0);
    free(json);
    return res;
}

/* Every event gets, at its position, the answer it would get alone and in that order: new
 * ones are stored, replays and reused keys are recognised within the call as across calls,
 * and refused tokens are refused. */
Test(ingest_sql, meeting_events_in_one_statement_answer_as_one_by_one)
{
    char *before = meeting_event("до вызова");
    char *n1 = meeting_event("новое 1"), *n2 = meeting_event("новое 2");
    char *n3 = meeting_event("новое 3"), *n4 = meeting_event("новое 4");
    char *n5 = meeting_event("новое 5");
    struct answer pre = meeting("tok-SOSH14", "pre-1", before);
    cr_assert_eq(pre.status, 201);

    const struct combined_event events[] = {
        {"tok-SOSH14", "k1", n1},        /* 1: new */
        {"tok-SOSH14", "pre-1", before}, /* 2: a replay of an earlier call's event */
        {"tok-SOSH14", "pre-1", n2},     /* 3: that key, another body */
        {"tok-SOSH14", NULL, n3},        /* 4: new, no key */
        {"tok-SOSH14", NULL, n3},        /* 5: the same body again: a replay of 4 */
        {"tok-SOSH14", "k1", n1},        /* 6: a replay of 1 */
        {"tok-SOSH14", "k1", n4},        /* 7: 1's key, another body */
        {"tok-unknown", NULL, n5},       /* 8 */
        {"tok-district", NULL, n5},      /* 9 */
        {"tok-ITL24", NULL, n5},         /* 10: another school's token */
        {"tok-revoked", NULL, n5},       /* 11 */
        {"tok-SOSH14", "k5", n5},        /* 12: new, after all of those */
    };
    static const int expected[] = {201, 200, 409, 201, 200, 200, 409, 401, 403, 403, 401, 201};
    enum { N = sizeof(events) / sizeof(events[0]) };
    PGresult *res = call_combined(events, N);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
    cr_assert_eq(PQntuples(res), N, "one row per event: %d", PQntuples(res));
    long long ids[N];
    for (int i = 0; i < N; i++) {
        cr_expect_eq(atoi(PQgetvalue(res, i, 0)), i + 1);
        int status = atoi(PQgetvalue(res, i, 1));
        cr_expect_eq(status, expected[i], "event %d: %d %s", i + 1, status, PQgetvalue(res, i, 2));
        ids[i] = atoll(PQgetvalue(res, i, 3));
        cr_expect_eq(strcmp(PQgetvalue(res, i, 4), "t") == 0, expected[i] == 200,
                     "event %d: replayed", i + 1);
        cr_expect_eq(PQgetisnull(res, i, 5), expected[i] >= 400, "event %d: received_at", i + 1);
    }
    cr_expect_str_eq(PQgetvalue(res, 0, 2), "created");
    cr_expect_str_eq(PQgetvalue(res, 2, 2), "idempotency_conflict");
    cr_expect_str_eq(PQgetvalue(res, 7, 2), "unauthorized");
    cr_expect_str_eq(PQgetvalue(res, 8, 2), "forbidden");
    cr_expect_eq(ids[1], pre.id, "2 replays the earlier event");
    cr_expect_eq(ids[4], ids[3], "5 replays 4");
    cr_expect_eq(ids[5], ids[0], "6 replays 1");
    cr_expect(ids[0] > 0 && ids[3] > 0 && ids[11] > 0);
    cr_expect_str_eq(PQgetvalue(res, 3, 5), PQgetvalue(res, 0, 5), "one statement, one time");
    PQclear(res);

    /* Stored: the earlier event and 1, 4 and 12, each once, with its own key and content. */
    cr_expect_eq(meetings_stored(), 4);
    char *rows = sql_str(conn,
                         "SELECT string_agg(format('%s=%s', coalesce(idempotency_key, '-'), note), "
                         "';' ORDER BY id) FROM mw.meeting_event",
                         0, NULL);
    cr_expect_str_eq(rows, "pre-1=до вызова;k1=новое 1;-=новое 3;k5=новое 5");
    free(rows);
    /* And a repeat of the whole call stores nothing: every event is now a replay or refused. */
    res = call_combined(events, N);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
    for (int i = 0; i < N; i++) {
        int status = atoi(PQgetvalue(res, i, 1));
        int want = expected[i] == 201 ? 200 : expected[i];
        cr_expect_eq(status, want, "again, event %d: %d", i + 1, status);
        if (want == 200)
            cr_expect_eq(atoll(PQgetvalue(res, i, 3)), i == 1 ? pre.id : ids[i]);
    }
    PQclear(res);
    cr_expect_eq(meetings_stored(), 4);
    free(before);
    free(n1);
    free(n2);
    free(n3);
    free(n4);
    free(n5);
}

/* A value the table refuses fails the whole call and stores nothing of it: the collector then
 * runs those events one by one, and alone only that one fails
 * (a_meeting_event_the_database_refuses_fails_alone). */
Test(ingest_sql, a_refused_value_fails_the_whole_combined_statement)
{
    char *good = meeting_event("хорошее");
    const char *bad =
        "{\"school\": \"SOSH14\", \"academic_year\": \"2024/2025\", \"pair\": "
        "\"P1\", \"type\": \"regular\", \"date\": \"2024-02-30\", \"feedback\": true}";
    const struct combined_event events[] = {{"tok-SOSH14", "g", good}, {"tok-SOSH14", "b", bad}};
    PGresult *res = call_combined(events, 2);
    cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    cr_expect_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22008");
    PQclear(res);
    cr_expect_eq(meetings_stored(), 0);
    res = PQexec(conn, "SELECT * FROM mw.ingest_meetings('{}', '{}', '{}', '{x}')");
    cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR, "arrays of unequal length");
    cr_expect_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22023");
    PQclear(res);
    res = PQexec(conn, "SELECT count(*) FROM mw.ingest_meetings('{}', '{}', '{}', '{}')");
    cr_expect_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
    cr_expect_str_eq(PQgetvalue(res, 0, 0), "0", "no events, no rows");
    PQclear(res);
    free(good);
}

Test(ingest_sql, meeting_event_columns_keep_their_rules)
{
    char *ev = meeting_event("правила таблицы");
    struct answer a = meeting("tok-SOSH14", "k-rules", ev);
    cr_assert_eq(a.status, 201);
    /* Whoever writes the table directly: the same rules as the function's. */
    static const struct {
        const char *what, *sql, *sqlstate;
    } cases[] = {
        {"same school and body",
         "INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, body_sha256) SELECT school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, body_sha256 FROM mw.meeting_event WHERE idempotency_key = $1",
         "23505"},
        {"same school and key",
         "INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, idempotency_key, body_sha256) SELECT school_id, academic_year, pair_code, "
         "type, meeting_date, feedback, idempotency_key, sha256('x') FROM mw.meeting_event "
         "WHERE idempotency_key = $1",
         "23505"},
        {"pair code of 65 characters",
         "INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, body_sha256) SELECT school_id, academic_year, repeat('p', 65), type, "
         "meeting_date, feedback, sha256('y') FROM mw.meeting_event WHERE idempotency_key = $1",
         "23514"},
        {"empty key",
         "INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, idempotency_key, body_sha256) SELECT school_id, academic_year, pair_code, "
         "type, meeting_date, feedback, '', sha256('z') FROM mw.meeting_event "
         "WHERE idempotency_key = $1",
         "23514"},
        {"note of 2001 characters",
         "INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, note, body_sha256) SELECT school_id, academic_year, pair_code, type, "
         "meeting_date, feedback, repeat('n', 2001), sha256('w') FROM mw.meeting_event "
         "WHERE idempotency_key = $1",
         "23514"},
        {"hash of 31 bytes",
         "INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, body_sha256) SELECT school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, substring(sha256('v') FROM 2) FROM mw.meeting_event "
         "WHERE idempotency_key = $1",
         "23514"},
        {"unknown school",
         "INSERT INTO mw.meeting_event (school_id, academic_year, pair_code, type, meeting_date, "
         "feedback, body_sha256) SELECT -1, academic_year, pair_code, type, meeting_date, "
         "feedback, sha256('u') FROM mw.meeting_event WHERE idempotency_key = $1",
         "23503"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *state = mwtest_sql_error(db_url, cases[i].sql, "k-rules");
        cr_expect(state != NULL && strcmp(state, cases[i].sqlstate) == 0, "%s: got %s, not %s",
                  cases[i].what, state ? state : "success", cases[i].sqlstate);
        free(state);
    }
    cr_expect_eq(meetings_stored(), 1);
    free(ev);
}

Test(ingest_sql, authenticate_resolves_scopes)
{
    const struct {
        const char *token, *expect;
    } cases[] = {
        {"tok-SOSH14", "school/orb/oktyabrsky/SOSH14/SOSH14"},
        {"tok-ITL24", "school/orb/leninsky/ITL24/ITL24"},
        {"tok-district", "district/orb/oktyabrsky//"},
        {"tok-region", "region/orb///"},
        {"tok-admin", "admin////"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char hash[70];
        sha256_param(cases[i].token, strlen(cases[i].token), hash);
        const char *p[] = {hash};
        char *row = sql_str(conn,
                            "SELECT format('%s/%s/%s/%s/%s', a.role, r.code, d.code, s.code, "
                            "a.school_code) FROM mw.authenticate($1) a "
                            "LEFT JOIN mw.region r ON r.id = a.region_id "
                            "LEFT JOIN mw.district d ON d.id = a.district_id "
                            "LEFT JOIN mw.school s ON s.id = a.school_id",
                            1, p);
        cr_expect_str_eq(row, cases[i].expect, "%s", cases[i].token);
        free(row);
        cr_expect_eq(sql_long(conn,
                              "SELECT count(*) FROM mw.authenticate($1) a JOIN mw.api_token t "
                              "ON t.id = a.token_id WHERE t.token_hash = $1",
                              1, p),
                     1);
    }
    const char *gone[] = {"tok-revoked", "tok-unknown", ""};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        char hash[70];
        sha256_param(gone[i], strlen(gone[i]), hash);
        const char *p[] = {hash};
        cr_expect_eq(sql_long(conn, "SELECT count(*) FROM mw.authenticate($1)", 1, p), 0, "%s",
                     gone[i]);
    }
}

/* ---- the token helpers the collector authenticates with (common/token.c; no database) ------- */

Test(token, hash_is_sha256_of_the_text)
{
    unsigned char h[TOKEN_HASH_LEN];
    token_hash("abc", 3, h);
    static const unsigned char abc[TOKEN_HASH_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    cr_expect_arr_eq(h, abc, TOKEN_HASH_LEN);
}

Test(token, generated_tokens_are_base64url_and_distinct)
{
    char a[TOKEN_TEXT_MAX], b[TOKEN_TEXT_MAX];
    cr_assert(token_generate(a));
    cr_assert(token_generate(b));
    cr_expect_eq(strlen(a), 46, "%s", a);
    cr_expect_eq(strncmp(a, "mw_", 3), 0, "%s", a);
    cr_expect_eq(strspn(a + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 43, "%s", a);
    cr_expect_str_neq(a, b);
}

Test(token, bearer_header_parsing)
{
    size_t len = 0;
    const char *t = token_from_authorization("Bearer mw_abc-_DEF", &len);
    cr_assert_not_null(t);
    cr_expect_eq(len, 11);
    cr_expect_eq(strncmp(t, "mw_abc-_DEF", len), 0);
    t = token_from_authorization("  bearer   tok==  ", &len);
    cr_assert_not_null(t, "scheme is case-insensitive, spaces around are allowed");
    cr_expect_eq(len, 5);
    cr_expect_eq(strncmp(t, "tok==", len), 0);
    const char *bad[] = {"",          "Bearer",         "Bearer ",           "Basic dXNlcjpw",
                         "Bearertok", "Bearer a b",     "Bearer tok=x",      "Bearer tök",
                         "Token abc", "Bearer \"abc\"", "Bearer abc\r\nX: y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_null(token_from_authorization(bad[i], &len), "accepted \"%s\"", bad[i]);
    cr_expect_null(token_from_authorization(NULL, &len));
    char huge[700] = "Bearer ";
    memset(huge + 7, 'a', sizeof(huge) - 8);
    huge[sizeof(huge) - 1] = '\0';
    cr_expect_null(token_from_authorization(huge, &len), "an absurdly long token was accepted");
}
