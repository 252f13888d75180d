/*
 * Website checks in the district API: a school's latest check (documents, missing codes,
 * changes since the previous check), a district's summary (each school's status, the share
 * compliant, the documents missing most often), the district's list of required documents and
 * making schools due for a check. Scopes are applied in SQL from the token's principal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db_pool.h"
#include "json_strict.h"
#include "log.h"
#include "problems.h"
#include "request.h"
#include "routes.h"
#include "worker.h"

#define BODY_MAX_DEPTH 4

enum checks_route {
    CHECKS_SCHOOL,       /* GET /api/v1/schools/{code}/site-check */
    CHECKS_DISTRICT,     /* GET /api/v1/site-checks[?district=] */
    CHECKS_REQUIRED,     /* GET /api/v1/required-documents[?district=] */
    CHECKS_REQUIRED_SET, /* POST /api/v1/required-documents[?district=] */
    CHECKS_DUE,          /* POST /api/v1/site-checks/due[?district=] */
};

struct checks_request {
    struct request base;
    enum checks_route route;
    bool authenticated;
    unsigned char token_hash[32];
    char role[16], region_id[24], district_id[24], school_id[24];
    char school_code[40];   /* the path's, or the due body's "school" */
    char district_code[40]; /* ?district= */
    char type[32];          /* required-documents body */
    char required[8];       /* "true" / "false" */
    char *title;            /* NULL: keep */
    struct db_job job;
};

/*
 * Every data statement answers one row: status (200, 403, 404, 422) and body (JSON text).
 * A school's check takes $1 role, $2 district_id, $3 school code, $4 school_id (a region sees
 * aggregates only); the district and list reads $1 role, $2 region_id, $3 district_id, $4
 * ?district=.
 */
static const char *const sql_school =
    "WITH s AS (SELECT s.id, s.code, s.name, s.website, s.district_id, d.region_id, "
    "d.code AS district FROM mw.school s JOIN mw.district d ON d.id = s.district_id "
    "WHERE s.code = $3), "
    "a AS (SELECT * FROM s WHERE $1 = 'admin' OR ($1 = 'district' AND s.district_id = $2::bigint) "
    "OR ($1 = 'school' AND s.id = $4::bigint)) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 404 "
    "WHEN NOT EXISTS (SELECT 1 FROM a) THEN 403 ELSE 200 END AS status, "
    "(SELECT json_build_object('school', a.code, 'name', a.name, 'district', a.district, "
    "'website', a.website, "
    "'next_due_at', (SELECT cs.due_at FROM mw.check_schedule cs WHERE cs.school_id = a.id), "
    "'check', (SELECT json_build_object('id', c.id, 'checked_at', c.checked_at, "
    "'stored_at', c.stored_at, 'section_url', c.section_url, 'compliant', "
    "cardinality(c.missing) = 0, 'required', c.required, 'missing', c.missing, "
    "'broken', c.broken, 'found_count', c.found_count, 'errors', c.evidence->'errors', "
    "'pages_fetched', c.pages_fetched, 'requests', c.requests, "
    "'documents', (SELECT coalesce(json_agg(json_build_object('type', sd.type, 'url', sd.url, "
    "'title', sd.title, 'status', sd.status, 'http_status', sd.http_status, "
    "'content_type', sd.content_type, 'kind', sd.kind, 'bytes', sd.bytes, "
    "'last_modified', sd.last_modified, 'file_url', sd.file_url, 'problem', sd.problem) "
    "ORDER BY sd.ord), '[]'::json) FROM mw.site_check_document sd "
    "WHERE sd.site_check_id = c.id), "
    "'previous_check', (SELECT json_build_object('id', p.id, 'checked_at', p.checked_at, "
    "'section_url', p.section_url) FROM mw.site_check p WHERE p.id = c.previous_id), "
    "'changes', (SELECT coalesce(json_agg(json_build_object('change', ch.change, "
    "'type', ch.type, 'url', ch.url, 'fields', ch.fields, 'before', ch.before, "
    "'after', ch.after) ORDER BY ch.ord), '[]'::json) FROM mw.site_check_change ch "
    "WHERE ch.site_check_id = c.id)) "
    "FROM mw.site_check c WHERE c.school_id = a.id ORDER BY c.id DESC LIMIT 1)) "
    "FROM a)::text AS body";

/* $4 ?district=. A district (or ?district=) gets one object; a region or an administrator
 * without ?district= gets {"districts": [...]}. A region sees no per-school list. */
static const char *const sql_district =
    "WITH t AS (SELECT d.id, d.code, d.name, d.region_id FROM mw.district d "
    "WHERE CASE WHEN $4::text IS NOT NULL THEN d.code = $4 WHEN $1 = 'district' "
    "THEN d.id = $3::bigint WHEN $1 = 'region' THEN d.region_id = $2::bigint "
    "ELSE $1 = 'admin' END), "
    "a AS (SELECT * FROM t WHERE $1 = 'admin' OR ($1 = 'district' AND t.id = $3::bigint) "
    "OR ($1 = 'region' AND t.region_id = $2::bigint)), "
    "sc AS (SELECT s.id, s.code, s.name, s.district_id, l.site_check_id, l.checked_at, "
    "l.section_url, l.compliant, l.missing, l.broken, l.found_count, cs.due_at "
    "FROM mw.school s JOIN a ON a.id = s.district_id "
    "LEFT JOIN mw.school_site_latest l ON l.school_id = s.id "
    "LEFT JOIN mw.check_schedule cs ON cs.school_id = s.id), "
    "o AS (SELECT a.name, jsonb_build_object('district', a.code, 'district_name', a.name, "
    "'schools_total', (SELECT count(*) FROM sc WHERE sc.district_id = a.id), "
    "'schools_checked', (SELECT count(*) FROM sc WHERE sc.district_id = a.id "
    "AND sc.site_check_id IS NOT NULL), "
    "'schools_compliant', (SELECT count(*) FROM sc WHERE sc.district_id = a.id AND sc.compliant), "
    "'compliant_share', (SELECT round(count(*) FILTER (WHERE sc.compliant)::numeric "
    "/ nullif(count(sc.site_check_id), 0), 3) FROM sc WHERE sc.district_id = a.id), "
    "'missing_most_often', (SELECT coalesce(jsonb_agg(jsonb_build_object('type', m.t, "
    "'title', dd.title, 'schools', m.n) ORDER BY m.n DESC, m.t), '[]'::jsonb) "
    "FROM (SELECT x.t, count(*) AS n FROM sc CROSS JOIN LATERAL unnest(sc.missing) AS x(t) "
    "WHERE sc.district_id = a.id GROUP BY x.t) m LEFT JOIN mw.district_document dd "
    "ON dd.district_id = a.id AND dd.type::text = m.t)) "
    "|| CASE WHEN $1 = 'region' THEN '{}'::jsonb ELSE jsonb_build_object('schools', "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('school', sc.code, 'name', sc.name, "
    "'checked_at', sc.checked_at, 'site_check_id', sc.site_check_id, "
    "'section_url', sc.section_url, 'compliant', sc.compliant, 'missing', sc.missing, "
    "'broken', sc.broken, 'found_count', sc.found_count, 'next_due_at', sc.due_at) "
    "ORDER BY sc.code), '[]'::jsonb) FROM sc WHERE sc.district_id = a.id)) END AS obj FROM a) "
    "SELECT CASE WHEN $1 = 'school' THEN 403 WHEN NOT EXISTS (SELECT 1 FROM t) THEN 404 "
    "WHEN NOT EXISTS (SELECT 1 FROM a) THEN 403 ELSE 200 END AS status, "
    "CASE WHEN $1 = 'district' OR $4::text IS NOT NULL THEN (SELECT o.obj FROM o LIMIT 1) "
    "ELSE jsonb_build_object('districts', (SELECT coalesce(jsonb_agg(o.obj ORDER BY o.name), "
    "'[]'::jsonb) FROM o)) END::text AS body";

/* $4 ?district=. A school reads its own district's list. */
static const char *const sql_required =
    "WITH t AS (SELECT d.id, d.code, d.region_id FROM mw.district d "
    "WHERE CASE WHEN $4::text IS NOT NULL THEN d.code = $4 ELSE d.id = $3::bigint END), "
    "a AS (SELECT * FROM t WHERE $1 = 'admin' OR ($1 IN ('district', 'school') "
    "AND t.id = $3::bigint) OR ($1 = 'region' AND t.region_id = $2::bigint)) "
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN 404 "
    "WHEN NOT EXISTS (SELECT 1 FROM a) THEN 403 ELSE 200 END AS status, "
    "(SELECT json_build_object('district', a.code, 'documents', "
    "(SELECT json_agg(json_build_object('type', dd.type, 'title', dd.title, "
    "'required', dd.required, 'updated_at', dd.updated_at) ORDER BY k.ord) "
    "FROM mw.district_document dd JOIN mw.document_kind k ON k.type = dd.type "
    "WHERE dd.district_id = a.id)) FROM a)::text AS body";

/* $1 role, $2 district_id, $3 ?district=, $4 type, $5 required, $6 title (NULL: keep). */
static const char *const sql_required_set =
    "WITH t AS (SELECT d.id, d.code FROM mw.district d "
    "WHERE CASE WHEN $3::text IS NOT NULL THEN d.code = $3 ELSE d.id = $2::bigint END), "
    "a AS (SELECT * FROM t WHERE $1 = 'admin' OR ($1 = 'district' AND t.id = $2::bigint)), "
    "u AS (SELECT a.code, mw.set_district_document(a.id, $4, $5::boolean, $6) AS done, "
    "(SELECT dd.title FROM mw.district_document dd WHERE dd.district_id = a.id "
    "AND dd.type::text = $4) AS old_title FROM a) "
    "SELECT CASE WHEN $1 NOT IN ('district', 'admin') THEN 403 "
    "WHEN NOT EXISTS (SELECT 1 FROM t) THEN 404 WHEN NOT EXISTS (SELECT 1 FROM a) THEN 403 "
    "WHEN NOT (SELECT u.done FROM u) THEN 422 ELSE 200 END AS status, "
    "(SELECT json_build_object('district', u.code, 'type', $4, 'required', $5::boolean, "
    "'title', coalesce($6, u.old_title, (SELECT k.title FROM mw.document_kind k "
    "WHERE k.type::text = $4))) FROM u WHERE u.done)::text AS body";

/* $1 role, $2 district_id, $3 ?district=, $4 school code (NULL: every school). */
static const char *const sql_due =
    "WITH t AS (SELECT d.id, d.code FROM mw.district d "
    "WHERE CASE WHEN $3::text IS NOT NULL THEN d.code = $3 ELSE d.id = $2::bigint END), "
    "a AS (SELECT * FROM t WHERE $1 = 'admin' OR ($1 = 'district' AND t.id = $2::bigint)), "
    "s AS (SELECT s.id FROM mw.school s JOIN a ON a.id = s.district_id WHERE s.code = $4), "
    "u AS (SELECT mw.make_checks_due(a.code, $4) AS n FROM a "
    "WHERE $4::text IS NULL OR EXISTS (SELECT 1 FROM s)) "
    "SELECT CASE WHEN $1 NOT IN ('district', 'admin') THEN 403 "
    "WHEN NOT EXISTS (SELECT 1 FROM t) THEN 404 WHEN NOT EXISTS (SELECT 1 FROM a) THEN 403 "
    "WHEN NOT EXISTS (SELECT 1 FROM u) THEN 404 ELSE 200 END AS status, "
    "(SELECT json_build_object('due', u.n) FROM u)::text AS body";

static void on_step(struct db_job *job, enum db_outcome outcome, const PGresult *res);

static void checks_free(struct checks_request *cr)
{
    free(cr->title);
    cr->title = NULL;
}

static void reply_error(struct checks_request *cr, int status, const char *code, const char *msg)
{
    checks_free(cr);
    request_reply_error(&cr->base, status, code, msg);
}

static void copy_field(char *dst, size_t cap, const PGresult *res, const char *name)
{
    int col = PQfnumber(res, name);
    dst[0] = '\0';
    if (col >= 0 && !PQgetisnull(res, 0, col))
        snprintf(dst, cap, "%s", PQgetvalue(res, 0, col));
}

static const char *nonempty(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

static void submit_data(struct checks_request *cr)
{
    struct db_job *job = &cr->job;
    memset(job, 0, sizeof(*job));
    job->kind = DB_JOB_READ;
    job->done = on_step;
    const char *role = cr->role;
    switch (cr->route) {
    case CHECKS_SCHOOL: {
        job->sql = sql_school;
        const char *v[] = {role, nonempty(cr->district_id), cr->school_code,
                           nonempty(cr->school_id)};
        job->n_params = 4;
        memcpy(job->values, v, sizeof(v));
        break;
    }
    case CHECKS_DISTRICT:
    case CHECKS_REQUIRED: {
        job->sql = cr->route == CHECKS_DISTRICT ? sql_district : sql_required;
        const char *v[] = {role, nonempty(cr->region_id), nonempty(cr->district_id),
                           nonempty(cr->district_code)};
        job->n_params = 4;
        memcpy(job->values, v, sizeof(v));
        break;
    }
    case CHECKS_REQUIRED_SET: {
        job->kind = DB_JOB_WRITE;
        job->sql = sql_required_set;
        const char *v[] = {role,
                           nonempty(cr->district_id),
                           nonempty(cr->district_code),
                           cr->type,
                           cr->required,
                           cr->title};
        job->n_params = 6;
        memcpy(job->values, v, sizeof(v));
        break;
    }
    case CHECKS_DUE: {
        job->kind = DB_JOB_WRITE;
        job->sql = sql_due;
        const char *v[] = {role, nonempty(cr->district_id), nonempty(cr->district_code),
                           nonempty(cr->school_code)};
        job->n_params = 4;
        memcpy(job->values, v, sizeof(v));
        break;
    }
    }
    db_pool_submit(cr->base.worker->db, job);
}

static void reply_data(struct checks_request *cr, const PGresult *res)
{
    char status[8];
    copy_field(status, sizeof(status), res, "status");
    int col = PQfnumber(res, "body");
    if (strcmp(status, "200") == 0 && col >= 0 && !PQgetisnull(res, 0, col)) {
        checks_free(cr);
        request_finish(&cr->base, 200, "application/json; charset=utf-8", PQgetvalue(res, 0, col),
                       (size_t)PQgetlength(res, 0, col));
    } else if (strcmp(status, "403") == 0) {
        reply_error(cr, 403, "forbidden", "Нет доступа к этим данным");
    } else if (strcmp(status, "422") == 0) {
        struct problem_list problems;
        problems_init(&problems);
        problems_add(&problems, "invalid_value", "$.type", "Неизвестный код документа");
        checks_free(cr);
        request_reply_problems(&cr->base, 422, "validation_failed", "Запрос не прошёл проверку",
                               &problems);
        problems_free(&problems);
    } else {
        reply_error(cr, 404, "not_found",
                    cr->route == CHECKS_SCHOOL || cr->route == CHECKS_DUE ? "Школа не найдена"
                                                                          : "Район не найден");
    }
}

static void on_step(struct db_job *job, enum db_outcome outcome, const PGresult *res)
{
    struct checks_request *cr =
        (struct checks_request *)((char *)job - offsetof(struct checks_request, job));
    if (outcome == DB_UNAVAILABLE) {
        checks_free(cr);
        request_reply_unavailable(&cr->base);
        return;
    }
    if (outcome != DB_OK || PQntuples(res) != 1) {
        log_error("checks_read_failed", "path=%s error=\"%.300s\"", cr->base.path,
                  res ? PQresultErrorMessage(res) : "-");
        reply_error(cr, 500, "internal_error", "Внутренняя ошибка сервера");
        return;
    }
    if (cr->authenticated) {
        reply_data(cr, res);
        return;
    }
    cr->authenticated = true;
    copy_field(cr->role, sizeof(cr->role), res, "role");
    copy_field(cr->region_id, sizeof(cr->region_id), res, "region_id");
    copy_field(cr->district_id, sizeof(cr->district_id), res, "district_id");
    copy_field(cr->school_id, sizeof(cr->school_id), res, "school_id");
    submit_data(cr);
}

/* An "authenticate" row with no match is 0 rows: answered 401 here, before on_step's check. */
static void on_auth(struct db_job *job, enum db_outcome outcome, const PGresult *res)
{
    struct checks_request *cr =
        (struct checks_request *)((char *)job - offsetof(struct checks_request, job));
    if (outcome == DB_OK && PQntuples(res) == 0) {
        request_add_header(&cr->base, "WWW-Authenticate", "Bearer");
        reply_error(cr, 401, "unauthorized", "Токен доступа не указан, неизвестен или отозван");
        return;
    }
    on_step(job, outcome, res);
}

/* The body of POST /api/v1/required-documents: {"type": code, "required": bool, "title"?}. */
static bool parse_required_body(struct checks_request *cr, const cJSON *doc,
                                struct problem_list *problems)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    const cJSON *required = cJSON_GetObjectItemCaseSensitive(doc, "required");
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(doc, "title");
    if (!cJSON_IsObject(doc)) {
        problems_add(problems, "invalid_type", "$", "Ожидается объект JSON");
        return false;
    }
    if (!cJSON_IsString(type) || strlen(type->valuestring) >= sizeof(cr->type) ||
        type->valuestring[0] == '\0')
        problems_add(problems, type == NULL ? "missing_field" : "invalid_value", "$.type",
                     "Укажите код документа, например regulation");
    else
        snprintf(cr->type, sizeof(cr->type), "%s", type->valuestring);
    if (!cJSON_IsBool(required))
        problems_add(problems, required == NULL ? "missing_field" : "invalid_type", "$.required",
                     "Укажите required: true или false");
    else
        snprintf(cr->required, sizeof(cr->required), "%s",
                 cJSON_IsTrue(required) ? "true" : "false");
    if (title != NULL && !cJSON_IsNull(title)) {
        size_t n = 0; /* characters: UTF-8 lead bytes */
        for (const char *c = cJSON_IsString(title) ? title->valuestring : ""; *c; c++)
            n += ((unsigned char)*c & 0xC0) != 0x80;
        if (n == 0 || n > 500)
            problems_add(problems, "invalid_value", "$.title",
                         "Название документа: непустая строка до 500 символов");
        else
            cr->title = strdup(title->valuestring);
    }
    for (const cJSON *item = doc->child; item != NULL; item = item->next) {
        if (strcmp(item->string, "type") != 0 && strcmp(item->string, "required") != 0 &&
            strcmp(item->string, "title") != 0) {
            char path[300];
            snprintf(path, sizeof(path), "$.%.250s", item->string);
            problems_add(problems, "unknown_field", path, "Неизвестное поле");
        }
    }
    return problems->count == 0;
}

/* The body of POST /api/v1/site-checks/due: empty, {} or {"school": code}. */
static bool parse_due_body(struct checks_request *cr, const cJSON *doc,
                           struct problem_list *problems)
{
    if (!cJSON_IsObject(doc)) {
        problems_add(problems, "invalid_type", "$", "Ожидается объект JSON");
        return false;
    }
    for (const cJSON *item = doc->child; item != NULL; item = item->next) {
        if (strcmp(item->string, "school") != 0) {
            char path[300];
            snprintf(path, sizeof(path), "$.%.250s", item->string);
            problems_add(problems, "unknown_field", path, "Неизвестное поле");
        } else if (!cJSON_IsString(item) || item->valuestring[0] == '\0' ||
                   strlen(item->valuestring) >= sizeof(cr->school_code)) {
            problems_add(problems, "invalid_value", "$.school", "Укажите код школы");
        } else {
            snprintf(cr->school_code, sizeof(cr->school_code), "%s", item->valuestring);
        }
    }
    return problems->count == 0;
}

/* Parses and checks a POST body; false when the request was answered (400/413/422). */
static bool read_body(struct checks_request *cr, struct evhttp_request *req)
{
    struct evbuffer *input = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(input);
    if (len == 0 && cr->route == CHECKS_DUE)
        return true;
    if (len > 16384) {
        reply_error(cr, 413, "payload_too_large", "Слишком большое тело запроса");
        return false;
    }
    char body[16384];
    evbuffer_copyout(input, body, len);
    struct json_strict_error jerr;
    cJSON *doc = json_strict_parse(body, len, BODY_MAX_DEPTH, &jerr);
    struct problem_list problems;
    problems_init(&problems);
    bool ok;
    if (doc == NULL) {
        problems_add(&problems, jerr.code, jerr.path, jerr.message);
        checks_free(cr);
        request_reply_problems(&cr->base, 400, "invalid_json",
                               "Тело запроса не является корректным JSON", &problems);
        ok = false;
    } else if (!(cr->route == CHECKS_DUE ? parse_due_body(cr, doc, &problems)
                                         : parse_required_body(cr, doc, &problems))) {
        checks_free(cr);
        request_reply_problems(&cr->base, 422, "validation_failed", "Запрос не прошёл проверку",
                               &problems);
        ok = false;
    } else {
        ok = true;
    }
    cJSON_Delete(doc);
    problems_free(&problems);
    return ok;
}

/* Which route, from method and path; false when none of ours. *bad_method: ours, other method. */
static bool parse_route(const char *path, bool get, bool post, enum checks_route *route,
                        char school_code[40], bool *bad_method)
{
    *bad_method = false;
    bool want_get = true;
    if (strcmp(path, "/api/v1/site-checks") == 0) {
        *route = CHECKS_DISTRICT;
    } else if (strcmp(path, "/api/v1/site-checks/due") == 0) {
        *route = CHECKS_DUE;
        want_get = false;
    } else if (strcmp(path, "/api/v1/required-documents") == 0) {
        *route = post ? CHECKS_REQUIRED_SET : CHECKS_REQUIRED;
        want_get = !post;
    } else if (strncmp(path, "/api/v1/schools/", 16) == 0) {
        const char *code = path + 16, *slash = strchr(code, '/');
        if (slash == NULL || strcmp(slash, "/site-check") != 0 || slash == code ||
            (size_t)(slash - code) >= 40)
            return false;
        memcpy(school_code, code, (size_t)(slash - code));
        school_code[slash - code] = '\0';
        *route = CHECKS_SCHOOL;
    } else {
        return false;
    }
    *bad_method = want_get ? !get : !post;
    return true;
}

int route_checks(struct worker *w, struct evhttp_request *req, const char *path, bool get,
                 bool post)
{
    enum checks_route route;
    char school_code[40] = "";
    bool bad_method;
    if (!parse_route(path, get, post, &route, school_code, &bad_method))
        return 0;
    struct checks_request *cr =
        (struct checks_request *)request_new(w, req, ROUTE_READ, sizeof(*cr));
    if (cr == NULL) {
        evhttp_send_error(req, 503, NULL);
        return 1;
    }
    cr->route = route;
    snprintf(cr->school_code, sizeof(cr->school_code), "%s", school_code);
    if (bad_method) {
        request_add_header(&cr->base, "Allow",
                           route == CHECKS_REQUIRED ? "GET, POST"
                           : route == CHECKS_DUE    ? "POST"
                                                    : "GET");
        reply_error(cr, 405, "method_not_allowed", "Метод не поддерживается для этого адреса");
        return 1;
    }
    char *district = request_query_param(&cr->base, "district");
    if (district != NULL && strlen(district) < sizeof(cr->district_code))
        snprintf(cr->district_code, sizeof(cr->district_code), "%s", district);
    bool district_too_long = district != NULL && strlen(district) >= sizeof(cr->district_code);
    free(district);
    if (district_too_long) {
        reply_error(cr, 404, "not_found", "Район не найден");
        return 1;
    }
    if ((route == CHECKS_REQUIRED_SET || route == CHECKS_DUE) && !read_body(cr, req))
        return 1;
    if (!request_token_hash(&cr->base, cr->token_hash)) {
        request_add_header(&cr->base, "WWW-Authenticate", "Bearer");
        reply_error(cr, 401, "unauthorized", "Токен доступа не указан, неизвестен или отозван");
        return 1;
    }
    struct db_job *job = &cr->job;
    memset(job, 0, sizeof(*job));
    job->kind = DB_JOB_READ;
    job->statement = "authenticate";
    job->n_params = 1;
    job->values[0] = (const char *)cr->token_hash;
    job->lengths[0] = sizeof(cr->token_hash);
    job->formats[0] = 1;
    job->done = on_auth;
    db_pool_submit(w->db, job);
    return 1;
}
