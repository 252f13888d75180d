/* POST /api/v1/reports and /api/v1/meetings: strict parse, validate, group-committed insert. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <openssl/sha.h>

#include "db_pool.h"
#include "json_arena.h"
#include "json_strict.h"
#include "log.h"
#include "pg_json.h"
#include "problems.h"
#include "json_arena.h"
#include "report_validate.h"
#include "request.h"
#include "routes.h"
#include "worker.h"

#define JSON_MAX_DEPTH      32
#define IDEMPOTENCY_KEY_MAX 200

/* What differs between a term report and a meeting event. */
struct ingest_kind {
    const char *statement;          /* prepared ingest function */
    const char *combined_statement; /* the same for many documents at once, or NULL */
    bool (*validate)(const cJSON *doc, struct problem_list *out, struct report_key *key);
    enum metrics_accept created, replayed;
    enum metrics_route route;
    const char *invalid_message;
};

static const struct ingest_kind report_kind = {
    "ingest_report",         NULL,
    report_validate,         ACCEPT_REPORT_CREATED,
    ACCEPT_REPORT_REPLAYED,  ROUTE_REPORT_POST,
    "Отчёт содержит ошибки",
};
static const struct ingest_kind meeting_kind = {
    "ingest_meeting",
    "ingest_meetings",
    meeting_validate,
    ACCEPT_MEETING_CREATED,
    ACCEPT_MEETING_REPLAYED,
    ROUTE_MEETING_POST,
    "Событие встречи содержит ошибки",
};

/* A document on its way to the database. `base` first: the request owns the memory. */
struct ingest {
    struct request base;
    const struct ingest_kind *kind;
    unsigned char token_hash[32];
    unsigned char body_sha[32];
    char *body; /* NUL-terminated copy of the body */
    size_t body_len;
    char *idempotency_key;
    struct db_job job;
    /* A refusal held back until the token is checked (401 comes before 400/422). */
    int refusal_status;
    const char *refusal_code, *refusal_message;
    struct problem_list problems;
};

static void ingest_finish_free(struct ingest *in)
{
    free(in->body);
    free(in->idempotency_key);
    problems_free(&in->problems);
}

static void reply_unauthorized(struct request *r)
{
    request_add_header(r, "WWW-Authenticate", "Bearer");
    request_reply_error(r, 401, "unauthorized", "Токен доступа не указан, неизвестен или отозван");
}

static void reply_db_error(struct ingest *in, const PGresult *res)
{
    log_error("ingest_failed", "worker=%d error=\"%.300s\"", in->base.worker->index,
              res ? PQresultErrorMessage(res) : "-");
    ingest_finish_free(in);
    request_reply_error(&in->base, 500, "internal_error",
                        "Внутренняя ошибка сервера: документ не сохранён, повторите позже");
}

static const char *field(const PGresult *res, int row, const char *name)
{
    int col = PQfnumber(res, name);
    if (col < 0 || row >= PQntuples(res) || PQgetisnull(res, row, col))
        return NULL;
    return PQgetvalue(res, row, col);
}

static void on_ingested(struct db_job *job, enum db_outcome outcome, const PGresult *res)
{
    struct ingest *in = (struct ingest *)((char *)job - offsetof(struct ingest, job));
    struct request *r = &in->base;
    if (outcome == DB_UNAVAILABLE) {
        ingest_finish_free(in);
        request_reply_unavailable(r);
        return;
    }
    /* One row answers the document: its own result's, or its row of a combined one. */
    int row = job->row;
    if (outcome != DB_OK || row >= PQntuples(res)) {
        reply_db_error(in, res);
        return;
    }
    const char *status_text = field(res, row, "http_status");
    const char *code = field(res, row, "code");
    int status = status_text ? atoi(status_text) : 500;
    ingest_finish_free(in);

    switch (status) {
    case 200:
    case 201: {
        const char *id = field(res, row, "report_id");
        if (id == NULL)
            id = field(res, row, "meeting_id");
        const char *version = field(res, row, "version");
        const char *on_time = field(res, row, "on_time");
        const char *deadline = field(res, row, "deadline");
        const char *received = field(res, row, "received_at");
        bool replayed = status == 200;
        metrics_accepted(replayed ? in->kind->replayed : in->kind->created);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "status", replayed ? "replayed" : "created");
        cJSON_AddNumberToObject(out, "id", id ? strtod(id, NULL) : 0);
        if (version != NULL)
            cJSON_AddNumberToObject(out, "version", atoi(version));
        cJSON_AddBoolToObject(out, "replayed", replayed);
        char iso[64];
        if (received != NULL) {
            pg_iso_timestamp(received, iso, sizeof(iso));
            cJSON_AddStringToObject(out, "received_at", iso);
        }
        if (in->kind == &report_kind) {
            if (deadline != NULL) {
                pg_iso_timestamp(deadline, iso, sizeof(iso));
                cJSON_AddStringToObject(out, "deadline", iso);
            } else
                cJSON_AddNullToObject(out, "deadline");
            if (on_time != NULL)
                cJSON_AddBoolToObject(out, "on_time", on_time[0] == 't');
            else
                cJSON_AddNullToObject(out, "on_time");
        }
        char *text = cJSON_PrintUnformatted(out);
        cJSON_Delete(out);
        if (id != NULL && in->kind == &report_kind) {
            char location[96];
            snprintf(location, sizeof(location), "/api/v1/reports/%s", id);
            request_add_header(r, "Location", location);
        }
        request_reply_json(r, status, text ? text : "{}");
        free(text);
        return;
    }
    case 401:
        reply_unauthorized(r);
        return;
    case 403:
        request_reply_error(r, 403, "forbidden",
                            "Токен не даёт права отправлять документы этой школы");
        return;
    case 409:
        request_reply_error(r, 409, "idempotency_conflict",
                            "Этот ключ идемпотентности уже использован для другого содержимого");
        return;
    default:
        log_error("ingest_refused", "status=%d code=%s", status, code ? code : "-");
        request_reply_error(r, status >= 400 && status < 600 ? status : 500,
                            code ? code : "internal_error",
                            "Внутренняя ошибка сервера: документ не сохранён, повторите позже");
        return;
    }
}

/* The token was checked for a document we refuse anyway: 401/403 first, else the refusal. */
static void on_refusal_authenticated(struct db_job *job, enum db_outcome outcome,
                                     const PGresult *res)
{
    struct ingest *in = (struct ingest *)((char *)job - offsetof(struct ingest, job));
    struct request *r = &in->base;
    if (outcome == DB_UNAVAILABLE) {
        ingest_finish_free(in);
        request_reply_unavailable(r);
        return;
    }
    if (outcome != DB_OK) {
        reply_db_error(in, res);
        return;
    }
    if (PQntuples(res) == 0) {
        ingest_finish_free(in);
        reply_unauthorized(r);
        return;
    }
    const char *role = field(res, 0, "role");
    if (role == NULL || strcmp(role, "school") != 0) {
        ingest_finish_free(in);
        request_reply_error(r, 403, "forbidden", "Отправлять документы может только токен школы");
        return;
    }
    int status = in->refusal_status;
    char *body = problems_to_json(&in->problems, in->refusal_code, in->refusal_message);
    ingest_finish_free(in);
    if (body == NULL) {
        request_reply_error(r, 500, "internal_error", "Внутренняя ошибка сервера");
        return;
    }
    request_reply_json(r, status, body);
    free(body);
}

static void refuse_after_auth(struct ingest *in, int status, const char *code, const char *message)
{
    in->refusal_status = status;
    in->refusal_code = code;
    in->refusal_message = message;
    struct db_job *job = &in->job;
    memset(job, 0, sizeof(*job));
    job->kind = DB_JOB_READ;
    job->statement = "authenticate";
    job->n_params = 1;
    job->values[0] = (const char *)in->token_hash;
    job->lengths[0] = sizeof(in->token_hash);
    job->formats[0] = 1;
    job->done = on_refusal_authenticated;
    db_pool_submit(in->base.worker->db, job);
}

static bool valid_idempotency_key(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (key[i] < 0x21 || key[i] > 0x7e)
            return false;
    }
    return true;
}

static void ingest(struct worker *w, struct evhttp_request *req, const struct ingest_kind *kind)
{
    struct ingest *in = (struct ingest *)request_new(w, req, kind->route, sizeof(*in));
    if (in == NULL) {
        evhttp_send_error(req, 503, NULL);
        return;
    }
    struct request *r = &in->base;
    in->kind = kind;
    problems_init(&in->problems);
    if (!request_token_hash(r, in->token_hash)) {
        reply_unauthorized(r);
        return;
    }

    struct evbuffer *input = evhttp_request_get_input_buffer(req);
    in->body_len = evbuffer_get_length(input);
    in->body = malloc(in->body_len + 1);
    if (in->body == NULL) {
        request_reply_error(r, 503, "overloaded", "Сервер перегружен, повторите позже");
        return;
    }
    evbuffer_copyout(input, in->body, in->body_len);
    in->body[in->body_len] = '\0';

    const char *key = request_header(r, "Idempotency-Key");
    if (key != NULL) {
        if (!valid_idempotency_key(key)) {
            problems_add(&in->problems, "invalid_format", "Idempotency-Key",
                         "Ключ идемпотентности: от 1 до 200 видимых символов ASCII");
            refuse_after_auth(in, 400, "invalid_idempotency_key",
                              "Недопустимый заголовок Idempotency-Key");
            return;
        }
        in->idempotency_key = strdup(key);
    }

    /* The tree lives only until validation is done: its nodes come from the worker's arena. */
    json_arena_begin(&w->json_arena);
    struct json_strict_error jerr;
    cJSON *doc = json_strict_parse_terminated(in->body, in->body_len, JSON_MAX_DEPTH, &jerr);
    struct report_key rkey;
    bool valid = doc != NULL && kind->validate(doc, &in->problems, &rkey);
    cJSON_Delete(doc);
    json_arena_end(&w->json_arena);
    if (doc == NULL) {
        problems_add(&in->problems, jerr.code, jerr.path, jerr.message);
        /* Duplicate names and U+0000 are valid JSON by RFC 8259 but refused here (meaning
         * undefined; a NUL truncates text in C and PostgreSQL): their own codes, not
         * invalid_json, so a client can tell the two apart. */
        if (strcmp(jerr.code, "duplicate_key") == 0)
            refuse_after_auth(in, 400, "duplicate_key",
                              "В объекте JSON повторяется ключ: значение неоднозначно");
        else if (strcmp(jerr.code, "nul_character") == 0)
            refuse_after_auth(in, 400, "nul_character",
                              "Строки JSON не должны содержать символ U+0000");
        else
            refuse_after_auth(in, 400, "invalid_json", "Тело запроса не является корректным JSON");
        return;
    }
    if (!valid) {
        refuse_after_auth(in, 422, "validation_failed", kind->invalid_message);
        return;
    }

    SHA256((const unsigned char *)in->body, in->body_len, in->body_sha);
    struct db_job *job = &in->job;
    memset(job, 0, sizeof(*job));
    job->kind = DB_JOB_WRITE;
    job->statement = kind->statement;
    job->n_params = 4;
    job->values[0] = (const char *)in->token_hash;
    job->lengths[0] = sizeof(in->token_hash);
    job->formats[0] = 1;
    job->values[1] = in->idempotency_key; /* NULL is SQL NULL */
    job->values[2] = (const char *)in->body_sha;
    job->lengths[2] = sizeof(in->body_sha);
    job->formats[2] = 1;
    job->values[3] = in->body;
    /* bytea, text, bytea, text: the element types of the combined statement's arrays. */
    static const Oid combined_types[] = {17, 25, 17, 25};
    job->combined_statement = kind->combined_statement;
    job->combined_types = combined_types;
    job->done = on_ingested;
    db_pool_submit(w->db, job);
}

void route_post_report(struct worker *w, struct evhttp_request *req)
{
    ingest(w, req, &report_kind);
}

void route_post_meeting(struct worker *w, struct evhttp_request *req)
{
    ingest(w, req, &meeting_kind);
}
