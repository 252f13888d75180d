/* The collector: configuration, worker threads, signals and orderly shutdown. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/thread.h>

#include "config.h"
#include "json_arena.h"
#include "log.h"
#include "routes.h"
#include "worker.h"

#define COLLECTOR_VERSION "0.1.0"

static void usage(FILE *out)
{
    fprintf(out, "usage: collector [--help] [--version]\n\n"
                 "mentorwatch collector: schools push term reports and meeting events over\n"
                 "HTTP; each is validated and acknowledged after its commit in PostgreSQL.\n\n");
    config_print_help(out);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("collector %s\n", COLLECTOR_VERSION);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    struct collector_config cfg;
    if (!config_load(&cfg, stderr))
        return 2;

    /* Answers and query results of megabytes (a region's school table, exports): by default
     * glibc gives such memory back to the kernel after each request and page-faults it in
     * again on the next, which took a third of the collector's CPU on those requests. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);

    /* Signals go to the main thread's sigwait only; workers inherit the mask. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!routes_static_load(cfg.static_dir)) {
        log_error("startup_failed", "reason=\"out of memory loading MW_STATIC_DIR\"");
        config_free(&cfg);
        return 1;
    }
    if (evthread_use_pthreads() != 0) {
        log_error("startup_failed", "reason=\"libevent threads\"");
        return 1;
    }
    json_arena_install(); /* before any worker thread parses */
    struct worker *workers = calloc((size_t)cfg.workers, sizeof(*workers));
    if (workers == NULL)
        return 1;
    int started = 0;
    bool ok = true;
    for (int i = 0; i < cfg.workers && ok; i++) {
        ok = worker_init(&workers[i], i, &cfg) && worker_start(&workers[i]);
        if (ok)
            started++;
    }
    if (ok)
        log_info("collector_started",
                 "version=%s listen=%s:%d workers=%d db_connections=%d "
                 "batch_max=%d",
                 COLLECTOR_VERSION, cfg.listen_host, cfg.listen_port, cfg.workers,
                 cfg.db_connections, cfg.batch_max);
    else
        log_error("startup_failed", "listen=%s:%d", cfg.listen_host, cfg.listen_port);

    while (ok) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0)
            continue;
        if (sig == SIGHUP)
            continue; /* nothing to reload yet; never die on it */
        log_info("collector_stopping", "signal=%d", sig);
        break;
    }
    for (int i = 0; i < started; i++)
        worker_request_stop(&workers[i]);
    for (int i = 0; i < started; i++)
        worker_join(&workers[i]);
    for (int i = 0; i < cfg.workers; i++)
        worker_free(&workers[i]);
    free(workers);
    routes_static_free();
    log_info("collector_stopped", "clean=%s", ok ? "yes" : "no");
    config_free(&cfg);
    return ok ? 0 : 1;
}
