/* Turning PostgreSQL results into JSON for the API. */
#include "pg_json.h"

#include <stdlib.h>

/* Type OIDs from pg_type.h (stable across PostgreSQL versions). */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
    OID_JSONB = 3802,
};

static cJSON *value_to_json(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return cJSON_CreateNull();
    const char *v = PQgetvalue(res, row, col);
    switch (PQftype(res, col)) {
    case OID_BOOL:
        return cJSON_CreateBool(v[0] == 't');
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return cJSON_CreateNumber(strtod(v, NULL));
    case OID_JSON:
    case OID_JSONB: {
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
