/* KPI rows written as JSON text straight from libpq's text values (no cJSON tree: a region's
 * school table is ~75,000 numbers, and building and printing a tree of them took longer than
 * the query). */
#include "kpi_json.h"

#include <stdio.h>
#include <string.h>

#include "pg_json.h"

#define NEST_SEPARATOR "__"

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

static bool put_value(struct export_output *out, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return put(out, "null");
    const char *v = PQgetvalue(res, row, col);
    Oid type = PQftype(res, col);
    if (pg_type_is_number(type))
        return put(out, v); /* PostgreSQL's text of a finite number is a JSON number */
    switch (type) {
    case PG_OID_BOOL:
        return put(out, v[0] == 't' ? "true" : "false");
    case PG_OID_TIMESTAMPTZ: {
        char iso[64];
        pg_iso_timestamp(v, iso, sizeof(iso));
        return put_string(out, iso, strlen(iso));
    }
    default:
        return put_string(out, v, (size_t)PQgetlength(res, row, col));
    }
}

bool kpi_json_object(const PGresult *res, int row, struct export_output *out)
{
    bool ok = put(out, "{");
    const char *group = NULL; /* the nested object open now, by its prefix */
    size_t group_len = 0;
    for (int c = 0; ok && c < PQnfields(res); c++) {
        const char *name = PQfname(res, c);
        const char *sep = strstr(name, NEST_SEPARATOR);
        size_t prefix = sep ? (size_t)(sep - name) : 0;
        bool same_group = group && sep && prefix == group_len && strncmp(name, group, prefix) == 0;
        if (group && !same_group) {
            ok = put(out, "}");
            group = NULL;
        }
        ok = ok && (c == 0 || put(out, ","));
        if (ok && sep && !same_group) {
            ok = put_string(out, name, prefix) && put(out, ":{");
            group = name;
            group_len = prefix;
        }
        const char *key = sep ? sep + strlen(NEST_SEPARATOR) : name;
        ok =
            ok && put_string(out, key, strlen(key)) && put(out, ":") && put_value(out, res, row, c);
    }
    if (ok && group)
        ok = put(out, "}");
    return ok && put(out, "}");
}

bool kpi_json_rows(const PGresult *res, struct export_output *out)
{
    bool ok = put(out, "[");
    for (int r = 0; ok && r < PQntuples(res); r++)
        ok = (r == 0 || put(out, ",")) && kpi_json_object(res, r, out);
    return ok && put(out, "]");
}
