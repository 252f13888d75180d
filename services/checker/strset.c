/* String set with linear probing; keys are copied and owned by the set. */
#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strset {
    char **slots;
    size_t cap, n; /* cap a power of two, kept at most half full */
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

struct strset *strset_new(void)
{
    struct strset *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->cap = 64;
    s->slots = calloc(s->cap, sizeof(*s->slots));
    if (s->slots == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

void strset_free(struct strset *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    free(s);
}

static size_t find(char **slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash(key) & (cap - 1);
    while (slots[i] != NULL && strcmp(slots[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static bool grow(struct strset *s)
{
    size_t cap = s->cap * 2;
    char **slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i] != NULL)
            slots[find(slots, cap, s->slots[i])] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return true;
}

int strset_add(struct strset *s, const char *key)
{
    size_t i = find(s->slots, s->cap, key);
    if (s->slots[i] != NULL)
        return 0;
    if ((s->n + 1) * 2 > s->cap) {
        if (!grow(s))
            return -1;
        i = find(s->slots, s->cap, key);
    }
    s->slots[i] = strdup(key);
    if (s->slots[i] == NULL)
        return -1;
    s->n++;
    return 1;
}

bool strset_has(const struct strset *s, const char *key)
{
    return s->slots[find(s->slots, s->cap, key)] != NULL;
}

size_t strset_count(const struct strset *s)
{
    return s->n;
}
