/* A per-thread bump allocator behind cJSON's hooks (see json_arena.h). */
#include "json_arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

/* 256 KB holds a 20 KB report's tree and its scanner buffers with room to spare. */
#define CHUNK_SIZE ((size_t)256 * 1024)
#define ALIGNMENT  ((size_t)16)

struct json_arena_chunk {
    struct json_arena_chunk *next;
    size_t size; /* usable bytes in data */
    _Alignas(16) unsigned char data[];
};

static _Thread_local struct json_arena *current;

static struct json_arena_chunk *chunk_new(size_t need)
{
    size_t size = need > CHUNK_SIZE ? need : CHUNK_SIZE;
    if (size > SIZE_MAX - sizeof(struct json_arena_chunk))
        return NULL;
    struct json_arena_chunk *c = malloc(sizeof(*c) + size);
    if (c != NULL) {
        c->next = NULL;
        c->size = size;
    }
    return c;
}

static void *arena_alloc(struct json_arena *a, size_t n)
{
    if (n > SIZE_MAX - ALIGNMENT)
        return NULL;
    n = (n + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
    struct json_arena_chunk *c = a->chunks;
    if (c == NULL || c->size - a->used < n) {
        struct json_arena_chunk *fresh = chunk_new(n);
        if (fresh == NULL)
            return NULL;
        fresh->next = c;
        a->chunks = fresh;
        a->used = 0;
        c = fresh;
    }
    void *p = c->data + a->used;
    a->used += n;
    return p;
}

static bool arena_owns(const struct json_arena *a, const void *p)
{
    const unsigned char *q = p;
    for (const struct json_arena_chunk *c = a->chunks; c != NULL; c = c->next)
        if (q >= c->data && q < c->data + c->size)
            return true;
    return false;
}

static void *hook_malloc(size_t n)
{
    return current != NULL ? arena_alloc(current, n) : malloc(n);
}

static void hook_free(void *p)
{
    /* A tree made before the scope may still be freed inside it. */
    if (current != NULL && arena_owns(current, p))
        return;
    free(p);
}

void json_arena_install(void)
{
    cJSON_Hooks hooks = {.malloc_fn = hook_malloc, .free_fn = hook_free};
    cJSON_InitHooks(&hooks);
}

void json_arena_begin(struct json_arena *a)
{
    current = a;
}

void json_arena_end(struct json_arena *a)
{
    current = NULL;
    /* Keep the oldest chunk (the usual size); free the ones a big document added. */
    struct json_arena_chunk *c = a->chunks;
    while (c != NULL && c->next != NULL) {
        struct json_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = c;
    a->used = 0;
}

size_t json_arena_chunks(const struct json_arena *a)
{
    size_t n = 0;
    for (const struct json_arena_chunk *c = a->chunks; c != NULL; c = c->next)
        n++;
    return n;
}

void json_arena_release(struct json_arena *a)
{
    json_arena_end(a);
    free(a->chunks);
    a->chunks = NULL;
}
