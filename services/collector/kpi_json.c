/* KPI rows written as JSON text straight from libpq's text values (no cJSON tree: a region's
 * school table is ~75,000 numbers, and building and printing a tree of them took longer than
 * the query). What comes between two values (keys, nesting) is worked out once per result. */
#include "kpi_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_json.h"

#define NEST_SEPARATOR "__"

enum value_kind { VALUE_NUMBER, VALUE_BOOL, VALUE_TIMESTAMP, VALUE_STRING };

/* The text around the values of one row: column c's value follows
 * text[start[c] .. start[c + 1]); text[start[columns] ..] closes the object. */
struct row_layout {
    int columns;
    size_t *start;
    enum value_kind *kind;
    struct export_output text;
};

static bool put(struct export_output *out, const char *s)
{
    return export_output_append(out, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped, UTF-8 as it is. */
static bool put_string(struct export_output *out, const char *s, size_t len)
{
    bool ok = put(out, "\"");
    size_t start = 0;
    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[8];
        snprintf(esc, sizeof(esc), c == '"' ? "\\\"" : c == '\\' ? "\\\\" : "\\u%04x", c);
        ok = export_output_append(out, s + start, i - start) && put(out, esc);
        start = i + 1;
    }
    return ok && export_output_append(out, s + start, len - start) && put(out, "\"");
}

static enum value_kind value_kind(Oid type)
{
    if (pg_type_is_number(type))
        return VALUE_NUMBER;
    return type == PG_OID_BOOL          ? VALUE_BOOL
           : type == PG_OID_TIMESTAMPTZ ? VALUE_TIMESTAMP
                                        : VALUE_STRING;
}

static void layout_free(struct row_layout *l)
{
    free(l->start);
    free(l->kind);
    export_output_free(&l->text);
}

static bool layout_build(struct row_layout *l, const PGresult *res)
{
    *l = (struct row_layout){.columns = PQnfields(res)};
    l->start = malloc(sizeof(*l->start) * ((size_t)l->columns + 2));
    l->kind = malloc(sizeof(*l->kind) * ((size_t)l->columns + 1));
    struct export_output *t = &l->text;
    bool ok = l->start != NULL && l->kind != NULL;
    const char *group = NULL; /* the nested object open now, by its prefix */
    size_t group_len = 0;
    for (int c = 0; ok && c < l->columns; c++) {
        l->start[c] = t->len;
        l->kind[c] = value_kind(PQftype(res, c));
        const char *name = PQfname(res, c);
        const char *sep = strstr(name, NEST_SEPARATOR);
        size_t prefix = sep ? (size_t)(sep - name) : 0;
        bool same_group = group && sep && prefix == group_len && strncmp(name, group, prefix) == 0;
        ok = c > 0 || put(t, "{");
        if (ok && group && !same_group) {
            ok = put(t, "}");
            group = NULL;
        }
        ok = ok && (c == 0 || put(t, ","));
        if (ok && sep && !same_group) {
            ok = put_string(t, name, prefix) && put(t, ":{");
            group = name;
            group_len = prefix;
        }
        const char *key = sep ? sep + strlen(NEST_SEPARATOR) : name;
        ok = ok && put_string(t, key, strlen(key)) && put(t, ":");
    }
    if (ok) {
        l->start[l->columns] = t->len;
        ok = (l->columns > 0 || put(t, "{")) && (group == NULL || put(t, "}")) && put(t, "}");
        l->start[l->columns + 1] = t->len;
    }
    if (!ok)
        layout_free(l);
    return ok;
}

static bool put_value(struct export_output *out, enum value_kind kind, const PGresult *res, int row,
                      int col)
{
    if (PQgetisnull(res, row, col))
        return export_output_append(out, "null", 4);
    const char *v = PQgetvalue(res, row, col);
    size_t len = (size_t)PQgetlength(res, row, col);
    switch (kind) {
    case VALUE_NUMBER:
        return export_output_append(out, v, len); /* a finite number's text is JSON */
    case VALUE_BOOL:
        return v[0] == 't' ? export_output_append(out, "true", 4)
                           : export_output_append(out, "false", 5);
    case VALUE_TIMESTAMP: {
        char iso[64];
        pg_iso_timestamp(v, iso, sizeof(iso));
        return put_string(out, iso, strlen(iso));
    }
    case VALUE_STRING:
        break;
    }
    return put_string(out, v, len);
}

static bool put_row(const struct row_layout *l, const PGresult *res, int row,
                    struct export_output *out)
{
    const char *text = l->text.data;
    bool ok = true;
    for (int c = 0; ok && c < l->columns; c++)
        ok = export_output_append(out, text + l->start[c], l->start[c + 1] - l->start[c]) &&
             put_value(out, l->kind[c], res, row, c);
    return ok && export_output_append(out, text + l->start[l->columns],
                                      l->start[l->columns + 1] - l->start[l->columns]);
}

bool kpi_json_object(const PGresult *res, int row, struct export_output *out)
{
    struct row_layout layout;
    if (!layout_build(&layout, res))
        return false;
    bool ok = put_row(&layout, res, row, out);
    layout_free(&layout);
    return ok;
}

bool kpi_json_rows(const PGresult *res, struct export_output *out)
{
    struct row_layout layout;
    if (!layout_build(&layout, res))
        return false;
    bool ok = put(out, "[");
    for (int r = 0; ok && r < PQntuples(res); r++)
        ok = (r == 0 || put(out, ",")) && put_row(&layout, res, r, out);
    layout_free(&layout);
    return ok && put(out, "]");
}
