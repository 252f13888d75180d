/* Turning PostgreSQL results into JSON for the API. */
#ifndef COLLECTOR_PG_JSON_H
#define COLLECTOR_PG_JSON_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>

/* Row `row` as an object: numbers and booleans typed by column OID, NULL as null,
 * json/jsonb columns embedded as JSON, everything else as strings. */
cJSON *pg_row_to_json(const PGresult *res, int row);

/* Every row, as an array of objects. */
cJSON *pg_rows_to_json(const PGresult *res);

#endif
