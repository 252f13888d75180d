/* The schools CSV: school code, website URL, optional section URL; a header row first. */
#ifndef CHECKER_SCHOOLS_H
#define CHECKER_SCHOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "site.h"

#define SCHOOLS_MAX       100000
#define SCHOOLS_FIELD_MAX 4096

struct school_list {
    struct school *items;
    size_t n;
};

/*
 * RFC 4180 text: fields in double quotes may hold the delimiter, quotes ("") and newlines; the
 * delimiter is ',' or ';' (what the header row uses; spreadsheets in Russian locales write ';');
 * a UTF-8 BOM is skipped; CRLF or LF. The first row is the header. Blank rows are skipped; a row
 * without a code or a website is reported on err and skipped. false (with the line on err) on a
 * quote left open, a field over SCHOOLS_FIELD_MAX, more than SCHOOLS_MAX rows, or no memory.
 */
bool schools_parse(const char *text, size_t len, struct school_list *out, FILE *err)
    __attribute__((warn_unused_result));

/* schools_parse on a file's contents; false also when it cannot be read. */
bool schools_load(const char *path, struct school_list *out, FILE *err)
    __attribute__((warn_unused_result));

void schools_free(struct school_list *list);

#endif
