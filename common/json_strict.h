/* Strict JSON (RFC 8259) parsing: validates the bytes, then builds a cJSON tree. */
#ifndef MW_JSON_STRICT_H
#define MW_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct json_strict_error {
    size_t offset;       /* byte offset of the first offending byte */
    const char *code;    /* static machine code, e.g. "invalid_utf8", "duplicate_key" */
    const char *message; /* static Russian message for a person */
    char path[256];      /* JSONPath of the value being parsed ("$" if top-level) */
};

/*
 * Parses exactly `len` bytes as one JSON text. Refuses what cJSON alone would
 * let through: trailing bytes, invalid UTF-8 (overlong, surrogates, > U+10FFFF),
 * raw control characters in strings, "\u0000", lone surrogate escapes, duplicate
 * keys in an object (case-sensitive), numbers outside the JSON grammar or that
 * overflow a double, nesting deeper than max_depth. Returns a tree the caller
 * frees with cJSON_Delete, or NULL with *err filled.
 */
cJSON *json_strict_parse(const char *buf, size_t len, int max_depth, struct json_strict_error *err)
    __attribute__((warn_unused_result));

/* The same, without a copy, when buf[len] is readable and is '\0' (a request body kept as a
 * C string). */
cJSON *json_strict_parse_terminated(const char *buf, size_t len, int max_depth,
                                    struct json_strict_error *err)
    __attribute__((warn_unused_result));

#endif
