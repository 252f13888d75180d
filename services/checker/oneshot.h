/* The one-shot run: every school of a CSV checked once, JSON Lines on standard output. */
#ifndef CHECKER_ONESHOT_H
#define CHECKER_ONESHOT_H

#include <stdio.h>

#include "checker_config.h"
#include "fetch.h"
#include "site.h"

/* Exit status: 0 all schools reported, 1 a failure of ours (setup, memory, output), 2 bad input. */
int oneshot_run(const struct checker_config *cfg, FILE *out);

/* The fetcher's and the sites' settings from the options (shared with dbrun.c). */
struct fetch_config oneshot_fetch_config(const struct checker_config *cfg);
struct site_limits oneshot_site_limits(const struct checker_config *cfg);

/* The process's peak resident memory, -1 unknown. */
long oneshot_max_rss_kb(void);

#endif
