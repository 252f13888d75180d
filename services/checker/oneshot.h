/* The one-shot run: every school of a CSV checked once, JSON Lines on standard output. */
#ifndef CHECKER_ONESHOT_H
#define CHECKER_ONESHOT_H

#include <stdio.h>

#include "checker_config.h"

/* Exit status: 0 all schools reported, 1 a failure of ours (setup, memory, output), 2 bad input. */
int oneshot_run(const struct checker_config *cfg, FILE *out);

#endif
