/* Turning PostgreSQL results into JSON for the API. */
#include "pg_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pg_type_is_number(Oid type)
{
    return type == PG_OID_INT2 || type == PG_OID_INT4 || type == PG_OID_INT8 ||
           type == PG_OID_NUMERIC || type == PG_OID_FLOAT4 || type == PG_OID_FLOAT8;
}

void pg_iso_timestamp(const char *pg_text, char *out, size_t cap)
{
    snprintf(out, cap, "%s", pg_text);
    char *t = strchr(out, ' ');
    if (t == NULL)
        return; /* not a timestamp PostgreSQL printed: leave it */
    *t = 'T';
    /* The offset follows the time; a whole-hour one comes as "+03", ISO wants "+03:00". */
    char *sign = strpbrk(t, "+-");
    size_t len = strlen(out);
    if (sign != NULL && strlen(sign) == 3 && len + 3 < cap)
        snprintf(out + len, cap - len, ":00");
}

static cJSON *value_to_json(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return cJSON_CreateNull();
    const char *v = PQgetvalue(res, row, col);
    Oid type = PQftype(res, col);
    if (pg_type_is_number(type))
        return cJSON_CreateNumber(strtod(v, NULL));
    switch (type) {
    case PG_OID_BOOL:
        return cJSON_CreateBool(v[0] == 't');
    case PG_OID_TIMESTAMPTZ: {
        char iso[64];
        pg_iso_timestamp(v, iso, sizeof(iso));
        return cJSON_CreateString(iso);
    }
    case PG_OID_JSON:
    case PG_OID_JSONB: {
        cJSON *parsed = cJSON_Parse(v); /* produced by PostgreSQL: well-formed */
        return parsed != NULL ? parsed : cJSON_CreateNull();
    }
    default:
        return cJSON_CreateString(v);
    }
}

cJSON *pg_row_to_json(const PGresult *res, int row)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return NULL;
    int cols = PQnfields(res);
    for (int c = 0; c < cols; c++)
        cJSON_AddItemToObject(obj, PQfname(res, c), value_to_json(res, row, c));
    return obj;
}

cJSON *pg_rows_to_json(const PGresult *res)
{
    cJSON *arr = cJSON_CreateArray();
    if (arr == NULL)
        return NULL;
    int rows = PQntuples(res);
    for (int r = 0; r < rows; r++)
        cJSON_AddItemToArray(arr, pg_row_to_json(res, r));
    return arr;
}
