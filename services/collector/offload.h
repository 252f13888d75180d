/* Work too long for an event loop (building an XLSX file) on a short-lived thread. */
#ifndef COLLECTOR_OFFLOAD_H
#define COLLECTOR_OFFLOAD_H

#include <stdbool.h>

#include <event2/event.h>

/* At most this many offloaded jobs run at once in the process; more are refused. */
#define OFFLOAD_MAX_RUNNING 4

typedef void (*offload_fn)(void *arg);

/*
 * Runs work(arg) on a new thread, then done(arg) on base's loop once work has returned.
 * work must touch nothing but arg (no libevent, no libpq, no request). False, and nothing
 * runs, when OFFLOAD_MAX_RUNNING jobs run already or no thread can be made.
 */
bool offload_start(struct event_base *base, offload_fn work, offload_fn done, void *arg)
    __attribute__((warn_unused_result));

#endif
