/* Validation of term reports and meeting events against contract v1 (pure, no I/O). */
#ifndef MW_REPORT_VALIDATE_H
#define MW_REPORT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "problems.h"

/* The fields the collector needs to route a valid document. Pointers borrow from the tree. */
struct report_key {
    const char *school;        /* school code */
    const char *academic_year; /* "2024/2025" */
    const char *stage;         /* "entry" | "intermediate" | "final"; NULL for a meeting event */
};

/*
 * Checks a parsed report against REPORT_FORMAT.md and appends every problem found
 * to `out` (it does not stop at the first). Returns true when there is none; then
 * `key` is filled.
 */
bool report_validate(const cJSON *doc, struct problem_list *out, struct report_key *key);

/* The same for a meeting event (POST /api/v1/meetings). */
bool meeting_validate(const cJSON *doc, struct problem_list *out, struct report_key *key);

#endif
