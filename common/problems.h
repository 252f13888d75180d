/* A list of validation problems (code, JSONPath, Russian message) and its JSON form. */
#ifndef MW_PROBLEMS_H
#define MW_PROBLEMS_H

#include <stdbool.h>
#include <stddef.h>

#define PROBLEMS_MAX 1000 /* a list keeps at most this many; `truncated` tells */

struct problem {
    const char *code;    /* static machine code, e.g. "missing_field" */
    char *path;          /* owned JSONPath, e.g. "$.pairs[0].mentors[1]" */
    const char *message; /* static Russian message */
};

struct problem_list {
    struct problem *items;
    size_t count, capacity;
    bool truncated;
};

void problems_init(struct problem_list *list);
void problems_free(struct problem_list *list);

/* Appends one problem; `path` is copied. Returns false only when out of memory. */
bool problems_add(struct problem_list *list, const char *code, const char *path,
                  const char *message);

/*
 * Renders the error answer of REPORT_FORMAT.md:
 * {"code": code, "message": message, "errors": [...]}. Caller frees with free().
 */
char *problems_to_json(const struct problem_list *list, const char *code, const char *message);

#endif
