/* A query's result copied out of libpq for the CSV and XLSX exports, with its Russian labels. */
#ifndef COLLECTOR_EXPORT_TABLE_H
#define COLLECTOR_EXPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/*
 * Owns everything it points to (one arena), so it can outlive the PGresult and be handed
 * to another thread. Read-only once built.
 */
struct export_table {
    int rows, cols;
    const char **headers; /* [cols]: the column's label, or its name when it has none */
    const char **names;   /* [cols]: SQL column names ("a__b" for member b of a) */
    unsigned *types;      /* [cols]: PostgreSQL type OIDs */
    const char **values;  /* [rows * cols]: PostgreSQL's text, NULL for SQL NULL */
    /* Value labels ("stage:entry" -> "входной"), for the few coded text columns. */
    int n_value_labels;
    const char **value_keys, **value_texts;
    char *arena;
};

/* Copies `data` (any result) and the labels (rows of name, label: mw.kpi_label).
 * NULL when out of memory. */
struct export_table *export_table_new(const PGresult *data, const PGresult *labels)
    __attribute__((warn_unused_result));
void export_table_free(struct export_table *t);

enum export_cell_kind {
    EXPORT_CELL_EMPTY,
    EXPORT_CELL_NUMBER, /* text is a decimal number with a point */
    EXPORT_CELL_TEXT,
};

/*
 * What a person reads in cell (row, col): booleans as «да»/«нет», dates as DD.MM.YYYY,
 * timestamps in ISO 8601, coded values by their label. The text is `buf` or a string of
 * the table; valid until the next call with the same buf.
 */
enum export_cell_kind export_cell(const struct export_table *t, int row, int col, char *buf,
                                  size_t cap, const char **text);

/* A growable byte buffer for the builders. */
struct export_output {
    char *data;
    size_t len, cap;
};

bool export_output_append(struct export_output *out, const char *bytes, size_t len)
    __attribute__((warn_unused_result));
void export_output_free(struct export_output *out);

/* CSV for Excel with a Russian locale: UTF-8 BOM, ';' separators, CRLF, decimal commas,
 * RFC 4180 quoting; text that a spreadsheet would run as a formula gets a leading '. */
bool export_csv(const struct export_table *t, struct export_output *out)
    __attribute__((warn_unused_result));

/* An XLSX workbook of one sheet (bold frozen header row, numbers as numbers), built in a
 * temporary file under tmpdir and read back. False on failure (logged). */
bool export_xlsx(const struct export_table *t, const char *sheet_name, const char *tmpdir,
                 struct export_output *out) __attribute__((warn_unused_result));

#endif
