/*
 * Runs with a database: the one-shot run that stores (--once --database, schools from the CSV
 * or from the database) and the daemon (--daemon: claims due schools, checks, stores,
 * reschedules, until SIGTERM). Both on one event loop with the fetcher and an asynchronous
 * PostgreSQL connection.
 */
#ifndef CHECKER_DBRUN_H
#define CHECKER_DBRUN_H

#include <stdio.h>

#include "checker_config.h"

/*
 * Exit status: 0 every school checked and stored (daemon: stopped cleanly); 1 a failure of
 * ours or results left unstored (unknown school codes included); 2 bad input.
 * `out` gets the JSON Lines of a one-shot run; the daemon prints nothing there.
 */
int dbrun_run(const struct checker_config *cfg, FILE *out);

#endif
