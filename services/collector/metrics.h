/* Process-wide counters and histograms, rendered in Prometheus text format. */
#ifndef COLLECTOR_METRICS_H
#define COLLECTOR_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/buffer.h>

enum metrics_route {
    ROUTE_REPORT_POST,
    ROUTE_MEETING_POST,
    ROUTE_READ,
    ROUTE_OPS,
    ROUTE_STATIC,
    ROUTE_UNKNOWN,
    ROUTE_MAX
};

enum metrics_accept {
    ACCEPT_REPORT_CREATED,
    ACCEPT_REPORT_REPLAYED,
    ACCEPT_MEETING_CREATED,
    ACCEPT_MEETING_REPLAYED,
    ACCEPT_MAX
};

void metrics_request(enum metrics_route route, int status, uint64_t latency_us);
void metrics_accepted(enum metrics_accept what);
/* A write batch ended: its documents, the statements that ran them (a run of combinable
 * documents takes one), and whether it committed. */
void metrics_observe_batch(int jobs, int statements, uint64_t latency_ms, bool committed);
void metrics_db_connection(int delta);
void metrics_client_connection(int delta);

/* Appends the whole exposition to `out`. */
void metrics_render(struct evbuffer *out);

#endif
