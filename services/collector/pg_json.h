/* Turning PostgreSQL results into JSON for the API. */
#ifndef COLLECTOR_PG_JSON_H
#define COLLECTOR_PG_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

/* Row `row` as an object: numbers and booleans typed by column OID, NULL as null,
 * json/jsonb columns embedded as JSON, everything else as strings. */
cJSON *pg_row_to_json(const PGresult *res, int row);

/* PostgreSQL's timestamptz text ("2026-11-23 10:19:57.89+00") as ISO 8601
 * ("2026-11-23T10:19:57.89+00:00"), the one form the API uses. */
void pg_iso_timestamp(const char *pg_text, char *out, size_t cap);

/* Every row, as an array of objects. */
cJSON *pg_rows_to_json(const PGresult *res);

#endif
