/* A per-thread bump allocator behind cJSON's hooks, for trees that live within one request. */
#ifndef MW_JSON_ARENA_H
#define MW_JSON_ARENA_H

#include <stddef.h>

/*
 * Parsing a 20 KB report makes about a thousand cJSON nodes and strings; with malloc, their
 * allocation and one-by-one freeing cost a third of the collector's CPU per report. Inside a
 * scope, cJSON's allocations on this thread are bumped from the arena and its frees are no-ops;
 * json_arena_end releases everything at once. Outside any scope, and on other threads, cJSON
 * uses malloc and free as usual.
 *
 * Rule: a tree made inside a scope is deleted (or dropped) inside it, and nothing made inside
 * a scope is used after json_arena_end.
 */
struct json_arena_chunk;

struct json_arena {
    struct json_arena_chunk *chunks; /* newest first; the oldest is kept between scopes */
    size_t used;                     /* bytes taken from the newest chunk */
};

/* Installs the hooks: once per process, before any thread uses cJSON. */
void json_arena_install(void);

/* Starts a scope on this thread (scopes do not nest). */
void json_arena_begin(struct json_arena *a);

/* Ends the scope: everything allocated in it is gone; the first chunk is kept for reuse. */
void json_arena_end(struct json_arena *a);

/* How many chunks the arena holds now (for tests and diagnostics). */
size_t json_arena_chunks(const struct json_arena *a);

/* Frees the arena's memory (outside a scope). */
void json_arena_release(struct json_arena *a);

#endif
