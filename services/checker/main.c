/* The checker: checks that school websites publish the required mentoring documents. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "checker_config.h"
#include "log.h"
#include "oneshot.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: checker --once --schools FILE.csv [options]\n\n"
            "mentorwatch checker: finds each school's mentoring section («Наставничество») and\n"
            "checks that the required documents are published there. With --once it prints one\n"
            "JSON object per school on standard output (JSON Lines; see README.md) and exits.\n\n");
    checker_config_print_help(out);
}

int main(int argc, char **argv)
{
    /* libcurl converts IDN hosts (школа.рф) with libidn2, which reads them in the locale's
     * encoding; pages are converted to UTF-8, so the process works in UTF-8. Only LC_CTYPE:
     * numbers and messages stay in the C locale. */
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL && setlocale(LC_CTYPE, "C.utf8") == NULL)
        fprintf(stderr, "checker: no UTF-8 locale (C.UTF-8); IDN host names will fail\n");
    struct checker_config cfg;
    if (!checker_config_load(&cfg, argc, argv, stderr)) {
        fprintf(stderr, "\n");
        usage(stderr);
        return 2;
    }
    int status = 0;
    if (cfg.help) {
        usage(stdout);
    } else if (cfg.version) {
        printf("checker %s\n", CHECKER_VERSION);
    } else if (!cfg.once) {
        fprintf(stderr, "checker: only --once is implemented yet (the daemon mode comes later)\n");
        status = 2;
    } else if (cfg.schools == NULL) {
        fprintf(stderr, "checker: --once needs --schools FILE.csv\n");
        status = 2;
    } else {
        signal(SIGPIPE, SIG_IGN); /* a closed stdout is an output error, not a death */
        status = oneshot_run(&cfg, stdout);
    }
    checker_config_free(&cfg);
    return status;
}
