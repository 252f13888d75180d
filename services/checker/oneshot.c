/* One-shot mode: sites run concurrently up to a cap; each is printed and freed once done. */
#include "oneshot.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "fetch.h"
#include "log.h"
#include "output.h"
#include "schools.h"
#include "site.h"

struct runner {
    struct event_base *base;
    struct fetcher *fetcher;
    struct site_limits limits;
    struct school_list schools;
    size_t next;           /* the next school to start */
    int running;           /* sites started and not yet reaped */
    int parallel;          /* sites at once */
    struct event *reap_ev; /* prints and frees finished sites outside their callbacks */
    struct site **finished;
    size_t n_finished, cap_finished;
    FILE *out;
    size_t printed, failed_sites;
    bool output_failed;
};

static void on_site_done(struct site *site, void *arg)
{
    struct runner *r = arg;
    if (r->n_finished == r->cap_finished) {
        size_t cap = r->cap_finished ? r->cap_finished * 2 : 16;
        struct site **p = realloc(r->finished, cap * sizeof(*p));
        if (p == NULL) {
            /* cannot defer: print it now and free it on the next reap */
            log_error("checker_no_memory", "where=finished_list");
            return;
        }
        r->finished = p;
        r->cap_finished = cap;
    }
    r->finished[r->n_finished++] = site;
    event_active(r->reap_ev, EV_TIMEOUT, 0);
}

static void start_sites(struct runner *r)
{
    while (r->running < r->parallel && r->next < r->schools.n && !r->output_failed) {
        const struct school *school = &r->schools.items[r->next++];
        struct site *site = site_new(school, &r->limits, r->fetcher, on_site_done, r);
        if (site == NULL) {
            log_error("checker_no_memory", "where=site_new school=%s", school->code);
            r->failed_sites++;
            continue;
        }
        r->running++;
        site_start(site);
    }
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
    struct runner *r = arg;
    (void)fd;
    (void)what;
    for (size_t i = 0; i < r->n_finished; i++) {
        struct site *site = r->finished[i];
        struct site_result res;
        site_result(site, &res);
        if (!r->output_failed && !output_write(r->out, &res)) {
            log_error("output_failed", "school=%s", res.school->code);
            r->output_failed = true;
        }
        r->printed++;
        site_free(site);
        r->running--;
    }
    r->n_finished = 0;
    start_sites(r);
    if (r->running == 0 && (r->next >= r->schools.n || r->output_failed))
        event_base_loopexit(r->base, NULL);
}

struct fetch_config oneshot_fetch_config(const struct checker_config *cfg)
{
    return (struct fetch_config){
        .max_transfers = cfg->max_transfers,
        .per_host = cfg->per_host,
        .host_delay_ms = cfg->host_delay_ms,
        .connect_timeout_ms = cfg->connect_timeout_s * 1000,
        .timeout_ms = cfg->timeout_s * 1000,
        .low_speed_limit = cfg->low_speed_limit,
        .low_speed_time_s = cfg->low_speed_time_s,
        .max_redirects = cfg->max_redirects,
        .page_max_bytes = (size_t)cfg->max_page_bytes,
        .doc_max_bytes = 64 * 1024,
        .doc_range_bytes = 4096,
        .retries = cfg->retries,
        .retry_delay_ms = cfg->retry_delay_ms,
        .robots = !cfg->ignore_robots,
        .allow_private = cfg->allow_private,
        .user_agent = cfg->user_agent,
        .ca_file = cfg->ca_file,
        .robots_token = CHECKER_ROBOTS_TOKEN,
    };
}

struct site_limits oneshot_site_limits(const struct checker_config *cfg)
{
    return (struct site_limits){
        .max_depth = cfg->max_depth,
        .max_pages = cfg->max_pages,
        .max_documents = cfg->max_documents,
        .max_sections = 3,
        .max_nav = 8,
        .max_links = 5000,
        .site_timeout_ms = (uint64_t)cfg->site_timeout_s * 1000,
        .required = cfg->required_set,
    };
}

long oneshot_max_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

int oneshot_run(const struct checker_config *cfg, FILE *out)
{
    struct runner r = {.out = out, .parallel = cfg->sites_parallel};
    r.limits = oneshot_site_limits(cfg);
    if (!schools_load(cfg->schools, &r.schools, stderr))
        return 2;
    int status = 1;
    uint64_t t0 = fetch_now_ms();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("startup_failed", "reason=\"curl_global_init\"");
        schools_free(&r.schools);
        return 1;
    }
    struct fetch_config fc = oneshot_fetch_config(cfg);
    r.base = event_base_new();
    r.fetcher = r.base != NULL ? fetcher_new(r.base, &fc) : NULL;
    r.reap_ev = r.base != NULL ? event_new(r.base, -1, 0, on_reap, &r) : NULL;
    if (r.fetcher == NULL || r.reap_ev == NULL) {
        log_error("startup_failed", "reason=\"event loop or fetcher\"");
        goto out;
    }
    log_info("checker_started",
             "version=%s schools=%zu parallel=%d max_transfers=%d per_host=%d host_delay_ms=%d "
             "robots=%d allow_private=%d",
             CHECKER_VERSION, r.schools.n, r.parallel, fc.max_transfers, fc.per_host,
             fc.host_delay_ms, (int)fc.robots, (int)fc.allow_private);
    if (r.schools.n > 0) {
        start_sites(&r);
        if (event_base_dispatch(r.base) < 0) {
            log_error("event_loop_failed", "reason=dispatch");
            goto out;
        }
    }
    struct fetch_stats st;
    fetcher_stats(r.fetcher, &st);
    log_info("checker_done",
             "schools=%zu printed=%zu failed=%zu requests=%llu retried=%llu refused=%llu "
             "robots_fetched=%llu robots_denied=%llu bytes=%llu hosts=%zu ms=%llu max_rss_kb=%ld",
             r.schools.n, r.printed, r.failed_sites, (unsigned long long)st.started,
             (unsigned long long)st.retried, (unsigned long long)st.refused,
             (unsigned long long)st.robots_fetched, (unsigned long long)st.robots_denied,
             (unsigned long long)st.bytes, st.hosts, (unsigned long long)(fetch_now_ms() - t0),
             oneshot_max_rss_kb());
    status = r.output_failed || r.failed_sites > 0 ? 1 : 0;
out:
    /* Sites still running (an event loop failure): their fetches go with the fetcher. */
    fetcher_free(r.fetcher);
    for (size_t i = 0; i < r.n_finished; i++)
        site_free(r.finished[i]);
    free(r.finished);
    if (r.reap_ev != NULL)
        event_free(r.reap_ev);
    if (r.base != NULL)
        event_base_free(r.base);
    schools_free(&r.schools);
    curl_global_cleanup();
    return status;
}
