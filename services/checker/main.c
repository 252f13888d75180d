/* The checker: checks that school websites publish the required mentoring documents. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "checker_config.h"
#include "dbrun.h"
#include "log.h"
#include "oneshot.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: checker --once --schools FILE.csv [--database URL] [options]\n"
            "       checker --once --database URL (--district CODE | --school CODE) [options]\n"
            "       checker --daemon --database URL [--district CODE] [options]\n\n"
            "mentorwatch checker: finds each school's mentoring section («Наставничество») and\n"
            "checks that the required documents are published there. With --once it prints one\n"
            "JSON object per school on standard output (JSON Lines; see README.md) and exits;\n"
            "with a database it stores them too. With --daemon it checks the schools that are\n"
            "due, stores and reschedules them, until SIGTERM.\n\n");
    checker_config_print_help(out);
}

/* One mode and the options it needs; the reason on stderr otherwise. */
static bool valid_mode(const struct checker_config *cfg)
{
    const char *why = NULL;
    if (cfg->once == cfg->daemon)
        why = "give --once or --daemon";
    else if (cfg->daemon && cfg->database == NULL)
        why = "--daemon needs --database URL (or DATABASE_URL)";
    else if (cfg->daemon && (cfg->schools != NULL || cfg->school != NULL))
        why = "--daemon takes its schools from the database (--district CODE to limit them)";
    else if (cfg->once && cfg->database == NULL && cfg->schools == NULL)
        why = "--once needs --schools FILE.csv (or --database with --district or --school)";
    else if (cfg->once && cfg->database == NULL && (cfg->district || cfg->school))
        why = "--district and --school need --database URL (or DATABASE_URL)";
    else if (cfg->once && cfg->schools == NULL && (cfg->district == NULL) == (cfg->school == NULL))
        why = "with --database and no --schools, give --district CODE or --school CODE";
    else if (cfg->once && cfg->schools != NULL && (cfg->district || cfg->school))
        why = "--schools and --district/--school exclude each other";
    if (why != NULL)
        fprintf(stderr, "checker: %s\n", why);
    return why == NULL;
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
    } else if (!valid_mode(&cfg)) {
        fprintf(stderr, "\n");
        usage(stderr);
        status = 2;
    } else {
        signal(SIGPIPE, SIG_IGN); /* a closed stdout is an output error, not a death */
        status = cfg.database != NULL ? dbrun_run(&cfg, stdout) : oneshot_run(&cfg, stdout);
    }
    checker_config_free(&cfg);
    return status;
}
