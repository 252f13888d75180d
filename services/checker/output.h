/* The one-shot output: one JSON object per school, one line each (JSON Lines). */
#ifndef CHECKER_OUTPUT_H
#define CHECKER_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "site.h"

/* The school's findings as a JSON text without newlines (malloc'd); NULL when out of memory. */
char *output_json(const struct site_result *r);

/* Writes output_json and "\n", flushed; false when the stream failed (e.g. a closed pipe). */
bool output_write(FILE *out, const struct site_result *r) __attribute__((warn_unused_result));

#endif
