/* KPI rows as JSON text, written straight from a PGresult. */
#ifndef COLLECTOR_KPI_JSON_H
#define COLLECTOR_KPI_JSON_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "export_table.h"

/*
 * Row `row` as an object: numbers and booleans typed by column OID, NULL as null, timestamps
 * in ISO 8601, the rest as strings. Columns "a__b" become member b of object a; the columns
 * of one object must be adjacent (as in mw.kpi_row). False when out of memory.
 */
bool kpi_json_object(const PGresult *res, int row, struct export_output *out)
    __attribute__((warn_unused_result));

/* Every row, as an array of such objects. */
bool kpi_json_rows(const PGresult *res, struct export_output *out)
    __attribute__((warn_unused_result));

#endif
