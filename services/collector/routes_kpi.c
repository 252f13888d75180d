/* GET /api/v1/kpi/...: the district indicators as JSON, CSV or XLSX, scoped by the token. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_pool.h"
#include "export_table.h"
#include "log.h"
#include "kpi_json.h"
#include "offload.h"
#include "request.h"
#include "routes.h"
#include "worker.h"

enum kpi_table {
    KPI_SUMMARY,        /* one Kpi object: the whole scope */
    KPI_DISTRICTS,      /* a Kpi row per district */
    KPI_SCHOOLS,        /* a Kpi row per school */
    KPI_SERIES,         /* a Kpi row per academic year and stage */
    KPI_OVERDUE,        /* overdue roadmap items */
    KPI_CONSENT,        /* schools below 100 % consent */
    KPI_SITE_DOCUMENTS, /* website documents by schools missing them (latest checks) */
    KPI_TABLE_MAX
};

enum kpi_format { KPI_JSON, KPI_CSV, KPI_XLSX };

enum kpi_step { STEP_AUTH, STEP_SCOPE, STEP_LABELS, STEP_DATA, STEP_EXPORT };

static const char *const sql_rows =
    "SELECT * FROM mw.kpi_rows($1, $2, $3, $4::bigint, $5::bigint, $6::bigint) k "
    "ORDER BY k.academic_year, k.stage, k.region_name, k.district_name, k.school";

static const char *const sql_overdue =
    "SELECT o.school, o.school_name, o.district, o.district_name, o.number, o.title, "
    "o.due_from, o.due_to, o.status, CASE WHEN $6::boolean THEN o.responsible END AS responsible, "
    "o.as_of, o.days_overdue FROM mw.kpi_overdue($1, $2, $3::bigint, $4::bigint, $5::bigint) o "
    "ORDER BY o.days_overdue DESC, o.district_name, o.school, o.number";

static const char *const sql_consent =
    "SELECT c.school, c.school_name, c.district, c.district_name, c.participants, "
    "c.participants_with_consent, c.participants_without_consent, c.consent_share "
    "FROM mw.kpi_consent($1, $2, $3::bigint, $4::bigint, $5::bigint) c "
    "ORDER BY c.consent_share, c.district_name, c.school";

static const char *const sql_site_documents =
    "SELECT d.document, d.document_name, d.schools_checked, d.schools_missing, "
    "d.schools_broken, d.missing_share "
    "FROM mw.kpi_site_documents($1::bigint, $2::bigint, $3::bigint) d "
    "ORDER BY d.schools_missing DESC, d.schools_broken DESC, d.document";

/* The ids of the codes asked for in region=, district= and school= (NULL: no such code). */
static const char *const sql_scope =
    "SELECT r.id AS region_id, d.id AS district_id, d.region_id AS district_region, "
    "s.id AS school_id, s.district_id AS school_district, sd.region_id AS school_region "
    "FROM (SELECT 1) one LEFT JOIN mw.region r ON r.code = $1 "
    "LEFT JOIN mw.district d ON d.code = $2 LEFT JOIN mw.school s ON s.code = $3 "
    "LEFT JOIN mw.district sd ON sd.id = s.district_id";

static const char *const sql_labels = "SELECT name, label FROM mw.kpi_label";

static const struct kpi_table_def {
    const char *name;     /* the path segment, and the export's file name */
    const char *sheet;    /* the XLSX sheet's name */
    bool period;          /* year and stage are required */
    bool not_for_schools; /* school tokens get 403 */
} kpi_tables[] = {
    [KPI_SUMMARY] = {"summary", "Показатели", true, false},
    [KPI_DISTRICTS] = {"districts", "Районы", true, true},
    [KPI_SCHOOLS] = {"schools", "Школы", true, false},
    [KPI_SERIES] = {"series", "Динамика", false, false},
    [KPI_OVERDUE] = {"overdue", "Просроченные мероприятия", true, false},
    [KPI_CONSENT] = {"consent", "Согласия менее 100 %", true, false},
    [KPI_SITE_DOCUMENTS] = {"site-documents", "Документы на сайтах", false, false},
};
static_assert(sizeof(kpi_tables) / sizeof(kpi_tables[0]) == KPI_TABLE_MAX,
              "one definition per KPI table");

static const struct kpi_format_def {
    const char *suffix, *content_type;
} kpi_formats[] = {
    [KPI_JSON] = {"", "application/json; charset=utf-8"},
    [KPI_CSV] = {".csv", "text/csv; charset=utf-8"},
    [KPI_XLSX] = {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
};

#define ID_LEN   24
#define CODE_LEN 40

struct kpi_request {
    struct request base;
    enum kpi_table table;
    enum kpi_format format;
    enum kpi_step step;
    unsigned char token_hash[32];
    /* The caller (mw.authenticate); ids are "" when not set. */
    char role[16];
    char my_region[ID_LEN], my_district[ID_LEN], my_school[ID_LEN];
    /* What was asked. */
    char year[16], stage[16];
    char region_code[CODE_LEN], district_code[CODE_LEN], school_code[CODE_LEN];
    /* The filters the data query gets; "" for none. */
    char region[ID_LEN], district[ID_LEN], school[ID_LEN];
    PGresult *labels;        /* exports: the column labels (a copy we own) */
    struct export_table *tt; /* exports: the rows, handed to the export thread */
    struct export_output out;
    bool export_ok;
    char tmpdir[256];
    struct db_job job;
};

static void on_step(struct db_job *job, enum db_outcome outcome, const PGresult *res);

static const char *nonempty(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

static void copy_field(char *dst, size_t cap, const PGresult *res, const char *name)
{
    int col = PQfnumber(res, name);
    dst[0] = '\0';
    if (col >= 0 && !PQgetisnull(res, 0, col))
        snprintf(dst, cap, "%s", PQgetvalue(res, 0, col));
}

/* Teardown of what the KPI request owns besides the request itself. */
static void release(struct kpi_request *kr)
{
    PQclear(kr->labels);
    kr->labels = NULL;
    export_table_free(kr->tt);
    kr->tt = NULL;
    export_output_free(&kr->out);
}

static void reply_error(struct kpi_request *kr, int status, const char *code, const char *message)
{
    release(kr);
    request_reply_error(&kr->base, status, code, message);
}

/* Sends one query; for the prepared `authenticate` ($1: the token's SHA-256, binary). */
static void submit(struct kpi_request *kr, const char *statement, const char *sql, int n,
                   const char *const *values)
{
    struct db_job *job = &kr->job;
    memset(job, 0, sizeof(*job));
    job->kind = DB_JOB_READ;
    job->statement = statement;
    job->sql = sql;
    job->n_params = n;
    for (int i = 0; i < n; i++)
        job->values[i] = values[i];
    if (statement != NULL) {
        job->lengths[0] = sizeof(kr->token_hash);
        job->formats[0] = 1;
    }
    job->done = on_step;
    db_pool_submit(kr->base.worker->db, job);
}

static bool is_role(const struct kpi_request *kr, const char *role)
{
    return strcmp(kr->role, role) == 0;
}

/* The level of one object covering the whole (narrowed) scope. */
static const char *scope_level(const struct kpi_request *kr)
{
    return kr->school[0]     ? "school"
           : kr->district[0] ? "district"
           : kr->region[0]   ? "region"
                             : "all";
}

static void run_data_query(struct kpi_request *kr)
{
    const char *period_year = kpi_tables[kr->table].period ? kr->year : NULL;
    const char *period_stage = kpi_tables[kr->table].period ? kr->stage : NULL;
    kr->step = STEP_DATA;
    switch (kr->table) {
    case KPI_SUMMARY:
    case KPI_SERIES:
    case KPI_DISTRICTS:
    case KPI_SCHOOLS: {
        const char *level = kr->table == KPI_DISTRICTS ? "district"
                            : kr->table == KPI_SCHOOLS ? "school"
                                                       : scope_level(kr);
        const char *v[] = {level,
                           period_year,
                           period_stage,
                           nonempty(kr->region),
                           nonempty(kr->district),
                           nonempty(kr->school)};
        submit(kr, NULL, sql_rows, 6, v);
        return;
    }
    case KPI_OVERDUE: {
        /* A region sees no names: `responsible` may be one. */
        const char *v[] = {kr->year,
                           kr->stage,
                           nonempty(kr->region),
                           nonempty(kr->district),
                           nonempty(kr->school),
                           is_role(kr, "region") ? "false" : "true"};
        submit(kr, NULL, sql_overdue, 6, v);
        return;
    }
    case KPI_CONSENT: {
        const char *v[] = {kr->year, kr->stage, nonempty(kr->region), nonempty(kr->district),
                           nonempty(kr->school)};
        submit(kr, NULL, sql_consent, 5, v);
        return;
    }
    case KPI_SITE_DOCUMENTS: {
        const char *v[] = {nonempty(kr->region), nonempty(kr->district), nonempty(kr->school)};
        submit(kr, NULL, sql_site_documents, 3, v);
        return;
    }
    case KPI_TABLE_MAX:
        break;
    }
    reply_error(kr, 404, "not_found", "Адрес не найден");
}

/* After authentication, or after the codes were looked up: labels (exports), then data. */
static void run_next_query(struct kpi_request *kr)
{
    if (kr->format != KPI_JSON && kr->labels == NULL) {
        kr->step = STEP_LABELS;
        submit(kr, NULL, sql_labels, 0, NULL);
        return;
    }
    run_data_query(kr);
}

/*
 * Turns the token's scope and the codes asked for (their ids in `res`, from sql_scope) into
 * the data query's filters. False when a code is unknown (404) or outside the scope (403),
 * answered here.
 */
static bool apply_scope(struct kpi_request *kr, const PGresult *res)
{
    char region[ID_LEN], district[ID_LEN], district_region[ID_LEN];
    char school[ID_LEN], school_district[ID_LEN], school_region[ID_LEN];
    copy_field(region, sizeof(region), res, "region_id");
    copy_field(district, sizeof(district), res, "district_id");
    copy_field(district_region, sizeof(district_region), res, "district_region");
    copy_field(school, sizeof(school), res, "school_id");
    copy_field(school_district, sizeof(school_district), res, "school_district");
    copy_field(school_region, sizeof(school_region), res, "school_region");
    if ((kr->region_code[0] && !region[0]) || (kr->district_code[0] && !district[0]) ||
        (kr->school_code[0] && !school[0])) {
        reply_error(kr, 404, "not_found", "Регион, район или школа с таким кодом не найдены");
        return false;
    }
    bool admin = is_role(kr, "admin");
    bool allowed = true;
    if (region[0])
        allowed = admin || (is_role(kr, "region") && strcmp(region, kr->my_region) == 0);
    if (allowed && district[0])
        allowed = admin || (is_role(kr, "region") && strcmp(district_region, kr->my_region) == 0) ||
                  (is_role(kr, "district") && strcmp(district, kr->my_district) == 0);
    if (allowed && school[0])
        allowed = admin || (is_role(kr, "region") && strcmp(school_region, kr->my_region) == 0) ||
                  (is_role(kr, "district") && strcmp(school_district, kr->my_district) == 0) ||
                  (is_role(kr, "school") && strcmp(school, kr->my_school) == 0);
    if (!allowed) {
        reply_error(kr, 403, "forbidden", "Нет доступа к данным этого региона, района или школы");
        return false;
    }
    if (region[0])
        snprintf(kr->region, sizeof(kr->region), "%s", region);
    if (district[0])
        snprintf(kr->district, sizeof(kr->district), "%s", district);
    if (school[0])
        snprintf(kr->school, sizeof(kr->school), "%s", school);
    return true;
}

/* The token's own scope: a region's, a district's or a school's id becomes a filter. */
static void apply_principal(struct kpi_request *kr, const PGresult *res)
{
    copy_field(kr->role, sizeof(kr->role), res, "role");
    copy_field(kr->my_region, sizeof(kr->my_region), res, "region_id");
    copy_field(kr->my_district, sizeof(kr->my_district), res, "district_id");
    copy_field(kr->my_school, sizeof(kr->my_school), res, "school_id");
    if (is_role(kr, "region"))
        snprintf(kr->region, sizeof(kr->region), "%s", kr->my_region);
    else if (is_role(kr, "district"))
        snprintf(kr->district, sizeof(kr->district), "%s", kr->my_district);
    else if (is_role(kr, "school"))
        snprintf(kr->school, sizeof(kr->school), "%s", kr->my_school);
}

/* 200 with the body built in kr->out, in the request's format. */
static void reply_output(struct kpi_request *kr)
{
    struct export_output body = kr->out;
    kr->out = (struct export_output){0};
    release(kr);
    request_finish_owned(&kr->base, 200, kpi_formats[kr->format].content_type, body.data, body.len);
}

static void reply_data_json(struct kpi_request *kr, const PGresult *res)
{
    if (kr->table == KPI_SUMMARY && PQntuples(res) != 1) {
        reply_error(kr, 404, "not_found", "В выбранном разрезе нет школ");
        return;
    }
    struct export_output *out = &kr->out;
    bool ok;
    if (kr->table == KPI_SUMMARY) {
        ok = kpi_json_object(res, 0, out);
    } else {
        char head[96] = "{";
        if (kpi_tables[kr->table].period) /* both validated: digits, '/', a stage's name */
            snprintf(head, sizeof(head), "{\"academic_year\":\"%s\",\"stage\":\"%s\",", kr->year,
                     kr->stage);
        ok = export_output_append(out, head, strlen(head)) &&
             export_output_append(out, "\"rows\":", 7) && kpi_json_rows(res, out) &&
             export_output_append(out, "}", 1);
    }
    if (!ok) {
        reply_error(kr, 500, "internal_error", "Внутренняя ошибка сервера");
        return;
    }
    reply_output(kr);
}

/* ---- exports: the table is built on a thread, the answer sent from the loop ---------------- */

static void build_export(void *arg)
{
    struct kpi_request *kr = arg;
    if (kr->format == KPI_CSV)
        kr->export_ok = export_csv(kr->tt, &kr->out);
    else
        kr->export_ok = export_xlsx(kr->tt, kpi_tables[kr->table].sheet, kr->tmpdir, &kr->out);
}

static void send_export(void *arg)
{
    struct kpi_request *kr = arg;
    if (!kr->export_ok) {
        reply_error(kr, 500, "internal_error", "Не удалось сформировать файл выгрузки");
        return;
    }
    char disposition[160];
    if (kpi_tables[kr->table].period) {
        char year[16];
        snprintf(year, sizeof(year), "%s", kr->year);
        year[4] = '-';
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"kpi-%s-%s-%s%s\"",
                 kpi_tables[kr->table].name, year, kr->stage, kpi_formats[kr->format].suffix);
    } else {
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"kpi-%s%s\"",
                 kpi_tables[kr->table].name, kpi_formats[kr->format].suffix);
    }
    request_add_header(&kr->base, "Content-Disposition", disposition);
    reply_output(kr);
}

static void start_export(struct kpi_request *kr, const PGresult *res)
{
    kr->tt = export_table_new(res, kr->labels);
    if (kr->tt == NULL) {
        reply_error(kr, 500, "internal_error", "Внутренняя ошибка сервера");
        return;
    }
    const char *tmpdir = getenv("TMPDIR");
    snprintf(kr->tmpdir, sizeof(kr->tmpdir), "%s", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    kr->step = STEP_EXPORT;
    if (!offload_start(kr->base.worker->base, build_export, send_export, kr)) {
        release(kr);
        request_add_header(&kr->base, "Retry-After", "2");
        request_reply_error(&kr->base, 503, "overloaded",
                            "Сервер формирует другие выгрузки, повторите запрос позже");
    }
}

static void on_step(struct db_job *job, enum db_outcome outcome, const PGresult *res)
{
    struct kpi_request *kr =
        (struct kpi_request *)((char *)job - offsetof(struct kpi_request, job));
    if (outcome == DB_UNAVAILABLE) {
        release(kr);
        request_reply_unavailable(&kr->base);
        return;
    }
    if (outcome != DB_OK) {
        log_error("kpi_failed", "path=%s step=%d error=\"%.300s\"", kr->base.path, (int)kr->step,
                  res ? PQresultErrorMessage(res) : "-");
        reply_error(kr, 500, "internal_error", "Внутренняя ошибка сервера");
        return;
    }
    switch (kr->step) {
    case STEP_AUTH:
        if (PQntuples(res) != 1) {
            request_add_header(&kr->base, "WWW-Authenticate", "Bearer");
            reply_error(kr, 401, "unauthorized", "Токен доступа не указан, неизвестен или отозван");
            return;
        }
        apply_principal(kr, res);
        if (kpi_tables[kr->table].not_for_schools && is_role(kr, "school")) {
            reply_error(kr, 403, "forbidden", "Школе доступны только её собственные показатели");
            return;
        }
        if (kr->region_code[0] || kr->district_code[0] || kr->school_code[0]) {
            kr->step = STEP_SCOPE;
            const char *v[] = {nonempty(kr->region_code), nonempty(kr->district_code),
                               nonempty(kr->school_code)};
            submit(kr, NULL, sql_scope, 3, v);
            return;
        }
        run_next_query(kr);
        return;
    case STEP_SCOPE:
        if (apply_scope(kr, res))
            run_next_query(kr);
        return;
    case STEP_LABELS:
        kr->labels = PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
        if (kr->labels == NULL) {
            reply_error(kr, 500, "internal_error", "Внутренняя ошибка сервера");
            return;
        }
        run_data_query(kr);
        return;
    case STEP_DATA:
        if (kr->format == KPI_JSON)
            reply_data_json(kr, res);
        else
            start_export(kr, res);
        return;
    case STEP_EXPORT:
        return; /* no query runs in this step */
    }
}

/* ---- the request: path, query parameters, token ------------------------------------------- */

static bool parse_path(struct kpi_request *kr, const char *path)
{
    static const char prefix[] = "/api/v1/kpi/";
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *name = path + sizeof(prefix) - 1;
    for (int t = 0; t < KPI_TABLE_MAX; t++) {
        size_t n = strlen(kpi_tables[t].name);
        if (strncmp(name, kpi_tables[t].name, n) != 0)
            continue;
        for (int f = KPI_JSON; f <= KPI_XLSX; f++) {
            if (strcmp(name + n, kpi_formats[f].suffix) == 0) {
                kr->table = (enum kpi_table)t;
                kr->format = (enum kpi_format)f;
                return true;
            }
        }
    }
    return false;
}

/* Copies query parameter `name` into dst; false when absent or too long. */
static bool query_param(struct kpi_request *kr, const char *name, char *dst, size_t cap)
{
    char *v = request_query_param(&kr->base, name);
    bool ok = v != NULL && strlen(v) < cap;
    if (ok)
        snprintf(dst, cap, "%s", v);
    free(v);
    return ok;
}

static bool valid_code(const char *code)
{
    return strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
           strlen(code);
}

/* "2024-2025" or "2024/2025" with the second year the first + 1; a stage of the contract. */
static bool valid_period(char *year, const char *stage)
{
    if (strlen(year) == 9 && year[4] == '-')
        year[4] = '/';
    if (strlen(year) != 9 || year[4] != '/' || strspn(year, "0123456789") != 4 ||
        strspn(year + 5, "0123456789") != 4 || atoi(year + 5) != atoi(year) + 1)
        return false;
    return strcmp(stage, "entry") == 0 || strcmp(stage, "intermediate") == 0 ||
           strcmp(stage, "final") == 0;
}

/* Reads the parameters; false when they are wrong (answered here). */
static bool read_parameters(struct kpi_request *kr)
{
    char *present = request_query_param(&kr->base, "region");
    bool bad = present != NULL && !query_param(kr, "region", kr->region_code, CODE_LEN);
    free(present);
    present = request_query_param(&kr->base, "district");
    bad = bad || (present != NULL && !query_param(kr, "district", kr->district_code, CODE_LEN));
    free(present);
    present = request_query_param(&kr->base, "school");
    bad = bad || (present != NULL && !query_param(kr, "school", kr->school_code, CODE_LEN));
    free(present);
    if (bad || !valid_code(kr->region_code) || !valid_code(kr->district_code) ||
        !valid_code(kr->school_code)) {
        reply_error(kr, 400, "invalid_value", "Код региона, района или школы указан неверно");
        return false;
    }
    if (!kpi_tables[kr->table].period)
        return true;
    if (!query_param(kr, "year", kr->year, sizeof(kr->year)) ||
        !query_param(kr, "stage", kr->stage, sizeof(kr->stage))) {
        reply_error(kr, 400, "missing_field",
                    "Укажите параметры year (например 2024-2025) и stage");
        return false;
    }
    if (!valid_period(kr->year, kr->stage)) {
        reply_error(kr, 400, "invalid_value",
                    "Учебный год пишется как 2024-2025, этап: entry, intermediate или final");
        return false;
    }
    return true;
}

int route_kpi(struct worker *w, struct evhttp_request *req, const char *path)
{
    struct kpi_request probe;
    memset(&probe, 0, sizeof(probe));
    if (!parse_path(&probe, path))
        return 0;
    struct kpi_request *kr = (struct kpi_request *)request_new(w, req, ROUTE_READ, sizeof(*kr));
    if (kr == NULL) {
        evhttp_send_error(req, 503, NULL);
        return 1;
    }
    kr->table = probe.table;
    kr->format = probe.format;
    if (!read_parameters(kr))
        return 1;
    if (!request_token_hash(&kr->base, kr->token_hash)) {
        request_add_header(&kr->base, "WWW-Authenticate", "Bearer");
        reply_error(kr, 401, "unauthorized", "Токен доступа не указан, неизвестен или отозван");
        return 1;
    }
    kr->step = STEP_AUTH;
    const char *v[] = {(const char *)kr->token_hash};
    submit(kr, "authenticate", NULL, 1, v);
    return 1;
}
