/* GET /api/v1/...: what schools, districts and regions read, each scoped by its token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db_pool.h"
#include "log.h"
#include "pg_json.h"
#include "request.h"
#include "routes.h"
#include "worker.h"

enum read_route {
    READ_ME,           /* /api/v1/me */
    READ_SCHOOLS,      /* /api/v1/schools */
    READ_SCHOOL,       /* /api/v1/schools/{code} */
    READ_REPORT,       /* /api/v1/schools/{code}/reports/{year}/{stage}[?version=N] */
    READ_HISTORY,      /* /api/v1/schools/{code}/reports/{year}/{stage}/history */
    READ_REPORT_BY_ID, /* /api/v1/reports/{id} */
    READ_COMPLETENESS, /* /api/v1/completeness?year=&stage=[&district=] */
};

enum read_step { STEP_AUTH, STEP_SCHOOL, STEP_DATA };

/* Who is asking: the row of mw.authenticate. Scope ids are NULL (empty) when not set. */
struct principal {
    char role[16];
    char region_id[24], district_id[24], school_id[24];
};

struct read_request {
    struct request base;
    enum read_route route;
    enum read_step step;
    unsigned char token_hash[32];
    struct principal me;
    char school_code[40];
    char school_id[24];
    char year[16];
    char stage[16];
    char version[16];
    char report_id[24];
    char district_code[40];
    struct db_job job;
};

static const char *const sql_school_lookup =
    "SELECT s.id, s.district_id, d.region_id FROM mw.school s "
    "JOIN mw.district d ON d.id = s.district_id WHERE s.code = $1";

static const char *const sql_schools =
    "SELECT s.code, s.name, s.website, d.code AS district, d.name AS district_name, "
    "(SELECT count(*) FROM mw.report_slot rs WHERE rs.school_id = s.id) AS reports "
    "FROM mw.school s JOIN mw.district d ON d.id = s.district_id "
    "WHERE ($1::bigint IS NULL OR d.region_id = $1) AND ($2::bigint IS NULL OR s.district_id = $2) "
    "AND ($3::bigint IS NULL OR s.id = $3) ORDER BY d.name, s.code";

static const char *const sql_school =
    "SELECT s.code, s.name, s.website, s.section_url, d.code AS district, d.name AS district_name, "
    "COALESCE((SELECT json_agg(json_build_object('academic_year', rc.academic_year, "
    "'stage', rc.stage, 'version', rc.version, 'report_id', rc.report_id, "
    "'received_at', rc.first_received_at, 'last_received_at', rc.last_received_at, "
    "'deadline', st.deadline, 'on_time', rc.first_received_at <= st.deadline) "
    "ORDER BY rc.academic_year DESC, "
    "array_position(ARRAY['entry','intermediate','final'], rc.stage::text)) "
    "FROM mw.report_current rc LEFT JOIN mw.stage st ON st.district_id = rc.district_id "
    "AND st.academic_year = rc.academic_year AND st.stage = rc.stage "
    "WHERE rc.school_id = s.id), '[]'::json) AS reports "
    "FROM mw.school s JOIN mw.district d ON d.id = s.district_id WHERE s.id = $1";

static const char *const sql_report_current =
    "SELECT r.id, r.version, r.received_at, r.raw FROM mw.report_slot rs "
    "JOIN mw.report r ON r.id = rs.current_report_id "
    "WHERE rs.school_id = $1 AND rs.academic_year = $2 AND rs.stage = $3";

static const char *const sql_report_version =
    "SELECT r.id, r.version, r.received_at, r.raw FROM mw.report r "
    "WHERE r.school_id = $1 AND r.academic_year = $2 AND r.stage = $3 AND r.version = $4::int";

static const char *const sql_history =
    "SELECT r.id, r.version, r.received_at, encode(r.body_sha256, 'hex') AS sha256, "
    "octet_length(r.raw) AS bytes, r.id = rs.current_report_id AS current "
    "FROM mw.report r JOIN mw.report_slot rs ON rs.school_id = r.school_id "
    "AND rs.academic_year = r.academic_year AND rs.stage = r.stage "
    "WHERE r.school_id = $1 AND r.academic_year = $2 AND r.stage = $3 ORDER BY r.version DESC";

static const char *const sql_report_by_id =
    "SELECT r.id, r.version, r.received_at, r.raw, r.school_id, s.district_id, d.region_id "
    "FROM mw.report r JOIN mw.school s ON s.id = r.school_id "
    "JOIN mw.district d ON d.id = s.district_id WHERE r.id = $1::bigint";

static const char *const sql_completeness =
    "SELECT s.code AS school, s.name, d.code AS district, st.deadline, "
    "rs.first_received_at AS received_at, rs.last_received_at, rs.current_version AS version, "
    "CASE WHEN rs.school_id IS NULL AND (st.deadline IS NULL OR st.deadline > now()) "
    "THEN 'pending' "
    "WHEN rs.school_id IS NULL THEN 'missing' WHEN st.deadline IS NULL THEN 'no_deadline' "
    "WHEN rs.first_received_at <= st.deadline THEN 'on_time' ELSE 'late' END AS status "
    "FROM mw.school s JOIN mw.district d ON d.id = s.district_id "
    "LEFT JOIN mw.stage st ON st.district_id = s.district_id AND st.academic_year = $4 "
    "AND st.stage = $5 "
    "LEFT JOIN mw.report_slot rs ON rs.school_id = s.id AND rs.academic_year = $4 "
    "AND rs.stage = $5 "
    "WHERE ($1::bigint IS NULL OR d.region_id = $1) AND ($2::bigint IS NULL OR s.district_id = $2) "
    "AND ($3::bigint IS NULL OR s.id = $3) AND ($6::text IS NULL OR d.code = $6) "
    "ORDER BY d.name, s.code";

static void on_step(struct db_job *job, enum db_outcome outcome, const PGresult *res);

static const char *nonempty(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

static void copy_field(char *dst, size_t cap, const PGresult *res, int row, const char *name)
{
    int col = PQfnumber(res, name);
    dst[0] = '\0';
    if (col >= 0 && !PQgetisnull(res, row, col))
        snprintf(dst, cap, "%s", PQgetvalue(res, row, col));
}

static void submit(struct read_request *rr, const char *sql, int n, const char *const *values)
{
    struct db_job *job = &rr->job;
    memset(job, 0, sizeof(*job));
    job->kind = DB_JOB_READ;
    if (sql == NULL) {
        job->statement = "authenticate";
    } else {
        job->sql = sql;
    }
    job->n_params = n;
    for (int i = 0; i < n; i++)
        job->values[i] = values[i];
    if (sql == NULL) {
        job->lengths[0] = sizeof(rr->token_hash);
        job->formats[0] = 1;
    }
    job->done = on_step;
    db_pool_submit(rr->base.worker->db, job);
}

static void reply_forbidden(struct read_request *rr)
{
    request_reply_error(&rr->base, 403, "forbidden", "Нет доступа к данным этой школы");
}

/* Region tokens see aggregates only: raw reports carry personal data (152-ФЗ). */
static bool may_read_raw(const struct principal *me)
{
    return strcmp(me->role, "region") != 0;
}

/* Is the school (its ids from sql_school_lookup) inside the caller's scope? */
static bool in_scope(const struct principal *me, const char *school_id, const char *district_id,
                     const char *region_id)
{
    if (strcmp(me->role, "admin") == 0)
        return true;
    if (strcmp(me->role, "region") == 0)
        return strcmp(me->region_id, region_id) == 0;
    if (strcmp(me->role, "district") == 0)
        return strcmp(me->district_id, district_id) == 0;
    return strcmp(me->school_id, school_id) == 0;
}

static void reply_raw_report(struct read_request *rr, const PGresult *res)
{
    if (PQntuples(res) != 1) {
        request_reply_error(&rr->base, 404, "not_found", "Отчёт не найден");
        return;
    }
    char id[24], version[16], received[48], iso[64];
    copy_field(id, sizeof(id), res, 0, "id");
    copy_field(version, sizeof(version), res, 0, "version");
    copy_field(received, sizeof(received), res, 0, "received_at");
    pg_iso_timestamp(received, iso, sizeof(iso));
    request_add_header(&rr->base, "X-Report-Id", id);
    request_add_header(&rr->base, "X-Report-Version", version);
    request_add_header(&rr->base, "X-Received-At", iso);
    int col = PQfnumber(res, "raw");
    request_finish(&rr->base, 200, "application/json; charset=utf-8", PQgetvalue(res, 0, col),
                   (size_t)PQgetlength(res, 0, col));
}

static void reply_json_value(struct read_request *rr, cJSON *value)
{
    request_reply_cjson(&rr->base, value);
}

static void reply_completeness(struct read_request *rr, const PGresult *res)
{
    static const char *const statuses[] = {"on_time", "late", "missing", "pending", "no_deadline"};
    int counts[5] = {0};
    int rows = PQntuples(res);
    int col = PQfnumber(res, "status");
    for (int r = 0; r < rows; r++) {
        const char *s = PQgetvalue(res, r, col);
        for (int i = 0; i < 5; i++)
            if (strcmp(s, statuses[i]) == 0)
                counts[i]++;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "academic_year", rr->year);
    cJSON_AddStringToObject(out, "stage", rr->stage);
    cJSON_AddNumberToObject(out, "expected", rows);
    cJSON_AddNumberToObject(out, "reported", counts[0] + counts[1] + counts[4]);
    for (int i = 0; i < 5; i++)
        cJSON_AddNumberToObject(out, statuses[i], counts[i]);
    cJSON_AddItemToObject(out, "schools", pg_rows_to_json(res));
    reply_json_value(rr, out);
}

static void run_data_query(struct read_request *rr)
{
    const struct principal *me = &rr->me;
    const char *scope[] = {nonempty(me->region_id), nonempty(me->district_id),
                           nonempty(me->school_id)};
    rr->step = STEP_DATA;
    switch (rr->route) {
    case READ_ME:
        break;
    case READ_SCHOOLS:
        submit(rr, sql_schools, 3, scope);
        return;
    case READ_SCHOOL: {
        const char *v[] = {rr->school_id};
        submit(rr, sql_school, 1, v);
        return;
    }
    case READ_REPORT: {
        const char *v[] = {rr->school_id, rr->year, rr->stage, rr->version};
        submit(rr, rr->version[0] ? sql_report_version : sql_report_current, rr->version[0] ? 4 : 3,
               v);
        return;
    }
    case READ_HISTORY: {
        const char *v[] = {rr->school_id, rr->year, rr->stage};
        submit(rr, sql_history, 3, v);
        return;
    }
    case READ_REPORT_BY_ID: {
        const char *v[] = {rr->report_id};
        submit(rr, sql_report_by_id, 1, v);
        return;
    }
    case READ_COMPLETENESS: {
        const char *v[] = {scope[0], scope[1],  scope[2],
                           rr->year, rr->stage, nonempty(rr->district_code)};
        submit(rr, sql_completeness, 6, v);
        return;
    }
    }
}

static void reply_me(struct read_request *rr)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "role", rr->me.role);
    if (rr->school_code[0])
        cJSON_AddStringToObject(out, "school", rr->school_code);
    reply_json_value(rr, out);
}

static void on_data(struct read_request *rr, const PGresult *res)
{
    switch (rr->route) {
    case READ_ME:
        reply_me(rr);
        return;
    case READ_SCHOOLS:
        reply_json_value(rr, pg_rows_to_json(res));
        return;
    case READ_SCHOOL:
        reply_json_value(rr, PQntuples(res) == 1 ? pg_row_to_json(res, 0) : NULL);
        return;
    case READ_REPORT:
        reply_raw_report(rr, res);
        return;
    case READ_HISTORY:
        if (PQntuples(res) == 0)
            request_reply_error(&rr->base, 404, "not_found", "Отчёт не найден");
        else
            reply_json_value(rr, pg_rows_to_json(res));
        return;
    case READ_REPORT_BY_ID: {
        if (PQntuples(res) != 1) {
            request_reply_error(&rr->base, 404, "not_found", "Отчёт не найден");
            return;
        }
        char school[24], district[24], region[24];
        copy_field(school, sizeof(school), res, 0, "school_id");
        copy_field(district, sizeof(district), res, 0, "district_id");
        copy_field(region, sizeof(region), res, 0, "region_id");
        if (!in_scope(&rr->me, school, district, region) || !may_read_raw(&rr->me))
            reply_forbidden(rr);
        else
            reply_raw_report(rr, res);
        return;
    }
    case READ_COMPLETENESS:
        reply_completeness(rr, res);
        return;
    }
}

static void on_step(struct db_job *job, enum db_outcome outcome, const PGresult *res)
{
    struct read_request *rr =
        (struct read_request *)((char *)job - offsetof(struct read_request, job));
    if (outcome == DB_UNAVAILABLE) {
        request_reply_unavailable(&rr->base);
        return;
    }
    if (outcome != DB_OK) {
        log_error("read_failed", "path=%s error=\"%.300s\"", rr->base.path,
                  res ? PQresultErrorMessage(res) : "-");
        const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        if (state != NULL && (strcmp(state, "22P02") == 0 || strcmp(state, "22003") == 0))
            request_reply_error(&rr->base, 400, "invalid_value", "Недопустимое значение в адресе");
        else
            request_reply_error(&rr->base, 500, "internal_error", "Внутренняя ошибка сервера");
        return;
    }
    switch (rr->step) {
    case STEP_AUTH:
        if (PQntuples(res) != 1) {
            request_add_header(&rr->base, "WWW-Authenticate", "Bearer");
            request_reply_error(&rr->base, 401, "unauthorized",
                                "Токен доступа не указан, неизвестен или отозван");
            return;
        }
        copy_field(rr->me.role, sizeof(rr->me.role), res, 0, "role");
        copy_field(rr->me.region_id, sizeof(rr->me.region_id), res, 0, "region_id");
        copy_field(rr->me.district_id, sizeof(rr->me.district_id), res, 0, "district_id");
        copy_field(rr->me.school_id, sizeof(rr->me.school_id), res, 0, "school_id");
        if (rr->route == READ_ME) {
            copy_field(rr->school_code, sizeof(rr->school_code), res, 0, "school_code");
            reply_me(rr);
            return;
        }
        if (rr->school_code[0] != '\0') {
            rr->step = STEP_SCHOOL;
            const char *v[] = {rr->school_code};
            submit(rr, sql_school_lookup, 1, v);
            return;
        }
        run_data_query(rr);
        return;
    case STEP_SCHOOL: {
        if (PQntuples(res) != 1) {
            request_reply_error(&rr->base, 404, "not_found", "Школа с таким кодом не найдена");
            return;
        }
        char district[24], region[24];
        copy_field(rr->school_id, sizeof(rr->school_id), res, 0, "id");
        copy_field(district, sizeof(district), res, 0, "district_id");
        copy_field(region, sizeof(region), res, 0, "region_id");
        if (!in_scope(&rr->me, rr->school_id, district, region) ||
            ((rr->route == READ_REPORT || rr->route == READ_HISTORY) && !may_read_raw(&rr->me))) {
            reply_forbidden(rr);
            return;
        }
        run_data_query(rr);
        return;
    }
    case STEP_DATA:
        on_data(rr, res);
        return;
    }
}

/* Copies the next path segment into dst; returns the rest or NULL if it doesn't fit. */
static const char *segment(const char *p, char *dst, size_t cap)
{
    const char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == 0 || n >= cap)
        return NULL;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return end ? end + 1 : p + n;
}

/* "2024-2025" in URLs stands for "2024/2025". */
static void normalise_year(char *year)
{
    if (strlen(year) == 9 && year[4] == '-')
        year[4] = '/';
}

static bool parse_route(struct read_request *rr, const char *path)
{
    const char *p;
    if (strcmp(path, "/api/v1/me") == 0) {
        rr->route = READ_ME;
        return true;
    }
    if (strcmp(path, "/api/v1/schools") == 0) {
        rr->route = READ_SCHOOLS;
        return true;
    }
    if (strcmp(path, "/api/v1/completeness") == 0) {
        rr->route = READ_COMPLETENESS;
        return true;
    }
    if (strncmp(path, "/api/v1/reports/", 16) == 0) {
        p = segment(path + 16, rr->report_id, sizeof(rr->report_id));
        rr->route = READ_REPORT_BY_ID;
        return p != NULL && *p == '\0' &&
               strspn(rr->report_id, "0123456789") == strlen(rr->report_id);
    }
    if (strncmp(path, "/api/v1/schools/", 16) != 0)
        return false;
    p = segment(path + 16, rr->school_code, sizeof(rr->school_code));
    if (p == NULL)
        return false;
    if (*p == '\0') {
        rr->route = READ_SCHOOL;
        return true;
    }
    if (strncmp(p, "reports/", 8) != 0)
        return false;
    p = segment(p + 8, rr->year, sizeof(rr->year));
    if (p == NULL || (p = segment(p, rr->stage, sizeof(rr->stage))) == NULL)
        return false;
    normalise_year(rr->year);
    if (*p == '\0') {
        rr->route = READ_REPORT;
        return true;
    }
    if (strcmp(p, "history") == 0) {
        rr->route = READ_HISTORY;
        return true;
    }
    return false;
}

static bool valid_year_stage(const char *year, const char *stage)
{
    if (strlen(year) != 9 || year[4] != '/' || strspn(year, "0123456789") != 4 ||
        strspn(year + 5, "0123456789") != 4 || atoi(year + 5) != atoi(year) + 1)
        return false;
    return strcmp(stage, "entry") == 0 || strcmp(stage, "intermediate") == 0 ||
           strcmp(stage, "final") == 0;
}

static bool copy_param(struct read_request *rr, const char *name, char *dst, size_t cap)
{
    char *v = request_query_param(&rr->base, name);
    bool ok = v != NULL && strlen(v) < cap;
    if (ok)
        snprintf(dst, cap, "%s", v);
    free(v);
    return ok;
}

int route_read(struct worker *w, struct evhttp_request *req, const char *path)
{
    if (strncmp(path, "/api/v1/", 8) != 0)
        return 0;
    struct read_request probe;
    memset(&probe, 0, sizeof(probe));
    if (!parse_route(&probe, path))
        return 0;
    struct read_request *rr = (struct read_request *)request_new(w, req, ROUTE_READ, sizeof(*rr));
    if (rr == NULL) {
        evhttp_send_error(req, 503, NULL);
        return 1;
    }
    struct request saved = rr->base;
    *rr = probe;
    rr->base = saved;
    if (rr->route == READ_REPORT)
        copy_param(rr, "version", rr->version, sizeof(rr->version));
    if (rr->route == READ_COMPLETENESS) {
        if (!copy_param(rr, "year", rr->year, sizeof(rr->year)) ||
            !copy_param(rr, "stage", rr->stage, sizeof(rr->stage))) {
            request_reply_error(&rr->base, 400, "missing_field",
                                "Укажите параметры year (например 2024-2025) и stage");
            return 1;
        }
        normalise_year(rr->year);
        copy_param(rr, "district", rr->district_code, sizeof(rr->district_code));
    }
    if ((rr->route == READ_REPORT || rr->route == READ_HISTORY || rr->route == READ_COMPLETENESS) &&
        !valid_year_stage(rr->year, rr->stage)) {
        request_reply_error(
            &rr->base, 400, "invalid_value",
            "Учебный год пишется как 2024-2025, этап: entry, intermediate или final");
        return 1;
    }
    if (rr->version[0] != '\0' && strspn(rr->version, "0123456789") != strlen(rr->version)) {
        request_reply_error(&rr->base, 400, "invalid_value", "Номер версии должен быть числом");
        return 1;
    }
    if (!request_token_hash(&rr->base, rr->token_hash)) {
        request_add_header(&rr->base, "WWW-Authenticate", "Bearer");
        request_reply_error(&rr->base, 401, "unauthorized",
                            "Токен доступа не указан, неизвестен или отозван");
        return 1;
    }
    rr->step = STEP_AUTH;
    const char *v[] = {(const char *)rr->token_hash};
    submit(rr, NULL, 1, v);
    return 1;
}
