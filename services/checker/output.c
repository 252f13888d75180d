/* JSON Lines output of site results (format: services/checker/README.md). */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

static cJSON *string_or_null(const char *s)
{
    return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *number_or_null(long long v)
{
    return v >= 0 ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
}

/* "2024-05-17T09:30:00Z", or null for -1. */
static cJSON *time_or_null(long long t)
{
    if (t < 0)
        return cJSON_CreateNull();
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return cJSON_CreateNull();
    return cJSON_CreateString(buf);
}

/* Adds item to obj under key; a NULL item (out of memory) marks the object failed. */
static void put(cJSON *obj, const char *key, cJSON *item, bool *ok)
{
    if (item == NULL || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        *ok = false;
    }
}

static cJSON *document_json(const struct site_doc *d, bool *ok)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) {
        *ok = false;
        return NULL;
    }
    put(o, "type", cJSON_CreateString(doc_type_code(d->type)), ok);
    put(o, "url", cJSON_CreateString(d->url), ok);
    put(o, "title", cJSON_CreateString(d->title), ok);
    put(o, "status", cJSON_CreateString(doc_status_name(d->status)), ok);
    put(o, "http_status",
        d->http_status > 0 ? cJSON_CreateNumber((double)d->http_status) : cJSON_CreateNull(), ok);
    put(o, "content_type", string_or_null(d->content_type), ok);
    put(o, "kind", string_or_null(verify_kind_name(d->kind)), ok);
    put(o, "bytes", number_or_null(d->bytes), ok);
    put(o, "last_modified", time_or_null(d->last_modified), ok);
    put(o, "file_url", string_or_null(d->file_url), ok);
    const char *problem = d->problem == PROBLEM_FETCH ? fetch_error_name(d->fetch_error)
                                                      : verify_problem_name(d->problem);
    put(o, "problem", string_or_null(problem), ok);
    put(o, "matched_by", cJSON_CreateString(match_source_name(d->matched_by)), ok);
    put(o, "found_on", string_or_null(d->found_on), ok);
    return o;
}

char *output_json(const struct site_result *r)
{
    bool ok = true;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    put(o, "school", cJSON_CreateString(r->school->code), &ok);
    put(o, "website", string_or_null(r->website != NULL ? r->website : r->school->website), &ok);
    put(o, "section_url", string_or_null(r->section_url), &ok);
    cJSON *docs = cJSON_CreateArray();
    for (size_t i = 0; docs != NULL && i < r->n_docs; i++) {
        cJSON *d = document_json(&r->docs[i], &ok);
        if (d == NULL || !cJSON_AddItemToArray(docs, d)) {
            cJSON_Delete(d);
            ok = false;
        }
    }
    put(o, "documents", docs, &ok);
    cJSON *missing = cJSON_CreateArray();
    for (int t = 0; missing != NULL && t < DOC_TYPE_MAX; t++) {
        if ((r->required & (1u << t)) && !(r->found & (1u << t))) {
            cJSON *code = cJSON_CreateString(doc_type_code((enum doc_type)t));
            if (code == NULL || !cJSON_AddItemToArray(missing, code)) {
                cJSON_Delete(code);
                ok = false;
            }
        }
    }
    put(o, "missing", missing, &ok);
    cJSON *errors = cJSON_CreateArray();
    for (size_t i = 0; errors != NULL && i < r->n_errors; i++) {
        cJSON *e = cJSON_CreateObject();
        if (e == NULL || !cJSON_AddItemToArray(errors, e)) {
            cJSON_Delete(e);
            ok = false;
            break;
        }
        put(e, "url", string_or_null(r->errors[i].url), &ok);
        put(e, "code", cJSON_CreateString(r->errors[i].code), &ok);
        put(e, "detail", string_or_null(r->errors[i].detail), &ok);
    }
    put(o, "errors", errors, &ok);
    put(o, "pages_fetched", cJSON_CreateNumber(r->pages_fetched), &ok);
    put(o, "requests", cJSON_CreateNumber(r->requests), &ok);
    put(o, "documents_skipped", cJSON_CreateNumber((double)r->docs_skipped), &ok);
    put(o, "checked_at", time_or_null(r->started_unix), &ok);
    put(o, "elapsed_ms", cJSON_CreateNumber((double)r->elapsed_ms), &ok);
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

bool output_write(FILE *out, const struct site_result *r)
{
    char *text = output_json(r);
    if (text == NULL)
        return false;
    bool ok = fputs(text, out) >= 0 && fputc('\n', out) != EOF && fflush(out) == 0;
    cJSON_free(text);
    return ok;
}
