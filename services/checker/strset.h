/* A set of strings (URLs seen by one site's crawl): open addressing, grows as needed. */
#ifndef CHECKER_STRSET_H
#define CHECKER_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset;

struct strset *strset_new(void);
void strset_free(struct strset *s);

/* Adds a copy of key: 1 added, 0 already there, -1 out of memory. */
int strset_add(struct strset *s, const char *key) __attribute__((warn_unused_result));
bool strset_has(const struct strset *s, const char *key);
size_t strset_count(const struct strset *s);

#endif
