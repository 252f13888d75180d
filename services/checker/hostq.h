/* Per-host politeness: queues by origin, a cap on transfers per host, a delay between starts. */
#ifndef CHECKER_HOSTQ_H
#define CHECKER_HOSTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct robots;

/* Embedded first in whatever waits in a host's queue (the fetcher's requests). */
struct hostq_item {
    struct hostq_item *next;
    uint64_t not_before; /* monotonic ms: a retry's backoff; 0 for now */
    bool opens_gate;     /* may start while the host is gated (its robots.txt request) */
};

/* What the fetcher knows of robots.txt for a host. */
enum robots_state {
    ROBOTS_UNKNOWN,  /* not asked yet */
    ROBOTS_FETCHING, /* its request is queued or running: the host is gated */
    ROBOTS_KNOWN,    /* rules (or none) in host->robots */
    ROBOTS_STATE_MAX
};

/* One origin ("https://school.ru:443"). Lives as long as the hostq. */
struct host {
    char *origin;
    struct hostq_item *head, *tail; /* waiting, FIFO (retries go to the front) */
    size_t queued;
    int active;          /* transfers running now */
    uint64_t last_start; /* monotonic ms of the latest start; 0 never */
    enum robots_state robots_state;
    struct robots *robots; /* ROBOTS_KNOWN: the rules that apply to us (never NULL then) */
    struct host *hash_next;
    struct host *ready_prev, *ready_next; /* ring of hosts with queued items */
    bool in_ready;
};

struct hostq;

struct hostq *hostq_new(int per_host, int delay_ms);
void hostq_free(struct hostq *q); /* frees hosts and their robots; not queued items */

/* The host of an origin, created on first use; NULL when out of memory. */
struct host *hostq_host(struct hostq *q, const char *origin);

/* Queues an item (at the front for retries). */
void hostq_push(struct hostq *q, struct host *h, struct hostq_item *item, bool front);

/*
 * The next item allowed to start at now: its host under the per-host cap, its delay since the
 * host's last start passed, the item's not_before passed, and the host not gated (robots.txt
 * pending) unless the item opens the gate. Hosts take turns. NULL when nothing may start; then
 * *wake_at is the earliest time something will be allowed (0: nothing waits on time alone).
 */
struct hostq_item *hostq_pop(struct hostq *q, uint64_t now, struct host **host, uint64_t *wake_at);

/* Takes every queued item of every host, for teardown: a NULL-terminated chain via next. */
struct hostq_item *hostq_drain(struct hostq *q);

void hostq_started(struct host *h, uint64_t now);
void hostq_finished(struct host *h);

size_t hostq_count(const struct hostq *q);  /* hosts known */
size_t hostq_queued(const struct hostq *q); /* items waiting over all hosts */

const char *hostq_robots_state_name(enum robots_state s);

#endif
