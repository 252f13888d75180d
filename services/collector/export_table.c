/* A query's result copied out of libpq for the exports, and how each cell reads to a person. */
#include "export_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_json.h"

#define LABEL_KEY_MAX 128

/* Bump allocation inside the table's single arena. */
struct arena {
    char *base;
    size_t used, cap;
};

static const char *arena_copy(struct arena *a, const char *s, size_t len)
{
    char *dst = a->base + a->used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    a->used += len + 1;
    return dst;
}

/* "a__b" -> "a.b": the label key of a nested member. */
static void label_key(const char *name, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; name[i] != '\0' && o + 1 < cap; i++) {
        if (name[i] == '_' && name[i + 1] == '_') {
            out[o++] = '.';
            i++;
        } else {
            out[o++] = name[i];
        }
    }
    out[o] = '\0';
}

static const char *find_label(const PGresult *labels, const char *key)
{
    int n = labels ? PQntuples(labels) : 0;
    for (int r = 0; r < n; r++)
        if (strcmp(PQgetvalue(labels, r, 0), key) == 0)
            return PQgetvalue(labels, r, 1);
    return NULL;
}

static size_t arena_size(const PGresult *data, const PGresult *labels)
{
    size_t size = 0;
    int rows = PQntuples(data), cols = PQnfields(data);
    for (int c = 0; c < cols; c++)
        size += strlen(PQfname(data, c)) + 1;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            size += (size_t)PQgetlength(data, r, c) + 1;
    int n = labels ? PQntuples(labels) : 0;
    for (int r = 0; r < n; r++)
        size += (size_t)PQgetlength(labels, r, 0) + (size_t)PQgetlength(labels, r, 1) + 2;
    return size + 1;
}

struct export_table *export_table_new(const PGresult *data, const PGresult *labels)
{
    struct export_table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->rows = PQntuples(data);
    t->cols = PQnfields(data);
    int n_labels = labels ? PQntuples(labels) : 0;
    size_t cells = (size_t)t->rows * (size_t)t->cols;
    struct arena a = {.cap = arena_size(data, labels)};
    a.base = malloc(a.cap);
    t->arena = a.base;
    t->headers = calloc((size_t)t->cols + 1, sizeof(*t->headers));
    t->names = calloc((size_t)t->cols + 1, sizeof(*t->names));
    t->types = calloc((size_t)t->cols + 1, sizeof(*t->types));
    t->values = calloc(cells + 1, sizeof(*t->values));
    t->value_keys = calloc((size_t)n_labels + 1, sizeof(*t->value_keys));
    t->value_texts = calloc((size_t)n_labels + 1, sizeof(*t->value_texts));
    if (a.base == NULL || t->headers == NULL || t->names == NULL || t->types == NULL ||
        t->values == NULL || t->value_keys == NULL || t->value_texts == NULL) {
        export_table_free(t);
        return NULL;
    }

    for (int r = 0; r < n_labels; r++) {
        const char *key = PQgetvalue(labels, r, 0);
        if (strchr(key, ':') == NULL)
            continue; /* a column's label: used for the headers below */
        t->value_keys[t->n_value_labels] = arena_copy(&a, key, strlen(key));
        const char *text = PQgetvalue(labels, r, 1);
        t->value_texts[t->n_value_labels++] = arena_copy(&a, text, strlen(text));
    }
    for (int c = 0; c < t->cols; c++) {
        const char *name = PQfname(data, c);
        char key[LABEL_KEY_MAX];
        t->names[c] = arena_copy(&a, name, strlen(name));
        t->types[c] = (unsigned)PQftype(data, c);
        label_key(name, key, sizeof(key));
        const char *label = find_label(labels, key);
        t->headers[c] = label != NULL ? arena_copy(&a, label, strlen(label)) : t->names[c];
    }
    for (int r = 0; r < t->rows; r++)
        for (int c = 0; c < t->cols; c++)
            t->values[(size_t)r * (size_t)t->cols + (size_t)c] =
                PQgetisnull(data, r, c)
                    ? NULL
                    : arena_copy(&a, PQgetvalue(data, r, c), (size_t)PQgetlength(data, r, c));
    return t;
}

void export_table_free(struct export_table *t)
{
    if (t == NULL)
        return;
    free(t->headers);
    free(t->names);
    free(t->types);
    free((void *)t->values);
    free((void *)t->value_keys);
    free((void *)t->value_texts);
    free(t->arena);
    free(t);
}

static const char *value_label(const struct export_table *t, int col, const char *value)
{
    size_t name_len = strlen(t->names[col]);
    for (int i = 0; i < t->n_value_labels; i++) {
        const char *key = t->value_keys[i];
        if (strncmp(key, t->names[col], name_len) == 0 && key[name_len] == ':' &&
            strcmp(key + name_len + 1, value) == 0)
            return t->value_texts[i];
    }
    return NULL;
}

/* "2024-10-31" -> "31.10.2024" (the form Russian spreadsheets read as a date). */
static const char *russian_date(const char *iso, char *buf, size_t cap)
{
    if (strlen(iso) != 10 || iso[4] != '-' || iso[7] != '-')
        return iso;
    snprintf(buf, cap, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
    return buf;
}

enum export_cell_kind export_cell(const struct export_table *t, int row, int col, char *buf,
                                  size_t cap, const char **text)
{
    const char *v = t->values[(size_t)row * (size_t)t->cols + (size_t)col];
    *text = "";
    if (v == NULL)
        return EXPORT_CELL_EMPTY;
    unsigned type = t->types[col];
    if (pg_type_is_number(type)) {
        *text = v;
        return EXPORT_CELL_NUMBER;
    }
    if (type == PG_OID_BOOL) {
        *text = v[0] == 't' ? "да" : "нет";
    } else if (type == PG_OID_DATE) {
        *text = russian_date(v, buf, cap);
    } else if (type == PG_OID_TIMESTAMPTZ) {
        pg_iso_timestamp(v, buf, cap); /* as the JSON API writes them */
        *text = buf;
    } else {
        const char *label = value_label(t, col, v);
        *text = label != NULL ? label : v;
    }
    return EXPORT_CELL_TEXT;
}

bool export_output_append(struct export_output *out, const char *bytes, size_t len)
{
    if (out->len + len + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 4096;
        while (cap < out->len + len + 1)
            cap *= 2;
        char *data = realloc(out->data, cap);
        if (data == NULL)
            return false;
        out->data = data;
        out->cap = cap;
    }
    memcpy(out->data + out->len, bytes, len);
    out->len += len;
    out->data[out->len] = '\0';
    return true;
}

void export_output_free(struct export_output *out)
{
    free(out->data);
    out->data = NULL;
    out->len = out->cap = 0;
}
