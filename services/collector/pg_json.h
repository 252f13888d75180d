/* Turning PostgreSQL results into JSON for the API. */
#ifndef COLLECTOR_PG_JSON_H
#define COLLECTOR_PG_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

/* Type OIDs from pg_type.h (stable across PostgreSQL versions). */
enum pg_type_oid {
    PG_OID_BOOL = 16,
    PG_OID_INT8 = 20,
    PG_OID_INT2 = 21,
    PG_OID_INT4 = 23,
    PG_OID_JSON = 114,
    PG_OID_FLOAT4 = 700,
    PG_OID_FLOAT8 = 701,
    PG_OID_DATE = 1082,
    PG_OID_TIMESTAMPTZ = 1184,
    PG_OID_NUMERIC = 1700,
    PG_OID_JSONB = 3802,
};

/* An integer, numeric or float column: its text is a JSON number (when finite). */
bool pg_type_is_number(Oid type);

/* Row `row` as an object: numbers and booleans typed by column OID, NULL as null,
 * json/jsonb columns embedded as JSON, everything else as strings. */
cJSON *pg_row_to_json(const PGresult *res, int row);

/* PostgreSQL's timestamptz text ("2026-11-23 10:19:57.89+00") as ISO 8601
 * ("2026-11-23T10:19:57.89+00:00"), the one form the API uses. */
void pg_iso_timestamp(const char *pg_text, char *out, size_t cap);

/* Every row, as an array of objects. */
cJSON *pg_rows_to_json(const PGresult *res);

#endif
