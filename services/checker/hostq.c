/* Host queues: origin hash table, a ring of hosts with waiting requests, caps and delays. */
#include "hostq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

#define BUCKETS 4096

struct hostq {
    int per_host;
    uint64_t delay_ms;
    struct host *buckets[BUCKETS];
    struct host *ready; /* the ring's cursor: the host whose turn is next */
    size_t hosts, queued;
};

static const char *const robots_state_names[] = {
    [ROBOTS_UNKNOWN] = "unknown",
    [ROBOTS_FETCHING] = "fetching",
    [ROBOTS_KNOWN] = "known",
};
static_assert(sizeof(robots_state_names) / sizeof(robots_state_names[0]) == ROBOTS_STATE_MAX,
              "every robots state has a name");

const char *hostq_robots_state_name(enum robots_state s)
{
    return (unsigned)s < ROBOTS_STATE_MAX ? robots_state_names[s] : "?";
}

struct hostq *hostq_new(int per_host, int delay_ms)
{
    struct hostq *q = calloc(1, sizeof(*q));
    if (q != NULL) {
        q->per_host = per_host > 0 ? per_host : 1;
        q->delay_ms = delay_ms > 0 ? (uint64_t)delay_ms : 0;
    }
    return q;
}

void hostq_free(struct hostq *q)
{
    if (q == NULL)
        return;
    for (size_t b = 0; b < BUCKETS; b++) {
        for (struct host *h = q->buckets[b], *next; h != NULL; h = next) {
            next = h->hash_next;
            robots_free(h->robots);
            free(h->origin);
            free(h);
        }
    }
    free(q);
}

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)(h % BUCKETS);
}

struct host *hostq_host(struct hostq *q, const char *origin)
{
    size_t b = hash(origin);
    for (struct host *h = q->buckets[b]; h != NULL; h = h->hash_next) {
        if (strcmp(h->origin, origin) == 0)
            return h;
    }
    struct host *h = calloc(1, sizeof(*h));
    if (h == NULL || (h->origin = strdup(origin)) == NULL) {
        free(h);
        return NULL;
    }
    h->hash_next = q->buckets[b];
    q->buckets[b] = h;
    q->hosts++;
    return h;
}

static void ready_insert(struct hostq *q, struct host *h)
{
    if (h->in_ready)
        return;
    h->in_ready = true;
    if (q->ready == NULL) {
        h->ready_prev = h->ready_next = h;
        q->ready = h;
        return;
    }
    /* just before the cursor: its turn comes last in this round */
    h->ready_next = q->ready;
    h->ready_prev = q->ready->ready_prev;
    h->ready_prev->ready_next = h;
    q->ready->ready_prev = h;
}

static void ready_remove(struct hostq *q, struct host *h)
{
    if (!h->in_ready)
        return;
    h->in_ready = false;
    if (h->ready_next == h) {
        q->ready = NULL;
    } else {
        h->ready_prev->ready_next = h->ready_next;
        h->ready_next->ready_prev = h->ready_prev;
        if (q->ready == h)
            q->ready = h->ready_next;
    }
    h->ready_prev = h->ready_next = NULL;
}

void hostq_push(struct hostq *q, struct host *h, struct hostq_item *item, bool front)
{
    if (front) {
        item->next = h->head;
        h->head = item;
        if (h->tail == NULL)
            h->tail = item;
    } else {
        item->next = NULL;
        if (h->tail != NULL)
            h->tail->next = item;
        else
            h->head = item;
        h->tail = item;
    }
    h->queued++;
    q->queued++;
    ready_insert(q, h);
}

static struct hostq_item *pop_head(struct hostq *q, struct host *h)
{
    struct hostq_item *it = h->head;
    h->head = it->next;
    if (h->head == NULL)
        h->tail = NULL;
    it->next = NULL;
    h->queued--;
    q->queued--;
    return it;
}

struct hostq_item *hostq_pop(struct hostq *q, uint64_t now, struct host **host, uint64_t *wake_at)
{
    *wake_at = 0;
    struct host *start = q->ready;
    if (start == NULL)
        return NULL;
    struct host *h = start;
    do {
        struct host *next = h->ready_next;
        struct hostq_item *head = h->head;
        bool gated = h->robots_state == ROBOTS_FETCHING && !head->opens_gate;
        if (!gated && h->active < q->per_host) {
            uint64_t due = head->not_before;
            if (h->last_start != 0 && h->last_start + q->delay_ms > due)
                due = h->last_start + q->delay_ms;
            if (due <= now) {
                struct hostq_item *it = pop_head(q, h);
                q->ready = next; /* the next host's turn */
                if (h->head == NULL)
                    ready_remove(q, h);
                *host = h;
                return it;
            }
            if (*wake_at == 0 || due < *wake_at)
                *wake_at = due;
        }
        h = next;
    } while (h != start);
    return NULL;
}

struct hostq_item *hostq_drain(struct hostq *q)
{
    struct hostq_item *all = NULL;
    while (q->ready != NULL) {
        struct host *h = q->ready;
        while (h->head != NULL) {
            struct hostq_item *it = pop_head(q, h);
            it->next = all;
            all = it;
        }
        ready_remove(q, h);
    }
    return all;
}

void hostq_started(struct host *h, uint64_t now)
{
    h->active++;
    h->last_start = now > 0 ? now : 1;
}

void hostq_finished(struct host *h)
{
    if (h->active > 0)
        h->active--;
}

size_t hostq_count(const struct hostq *q)
{
    return q->hosts;
}

size_t hostq_queued(const struct hostq *q)
{
    return q->queued;
}
