/* Checker options: one table (name, environment key, type, target, default, bounds, help). */
#include "checker_config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

enum opt_type { OPT_FLAG, OPT_INT, OPT_LONG, OPT_STRING, OPT_CODES, OPT_LOG_LEVEL };

struct option_def {
    const char *name; /* without the leading "--" */
    const char *env;  /* NULL: command line only */
    enum opt_type type;
    size_t offset;
    const char *default_value; /* NULL: none (strings stay NULL, flags false) */
    long min, max;
    const char *help;
};

#define FIELD(f) offsetof(struct checker_config, f)

static const struct option_def options[] = {
    {"once", NULL, OPT_FLAG, FIELD(once), NULL, 0, 0,
     "check every school of --schools (or of --district / --school) once, print JSON Lines, "
     "exit"},
    {"daemon", NULL, OPT_FLAG, FIELD(daemon), NULL, 0, 0,
     "check the schools that are due in --database, store, reschedule; until SIGTERM"},
    {"schools", NULL, OPT_STRING, FIELD(schools), NULL, 0, 0,
     "CSV of schools: code, website URL, optional section URL; a header row first"},
    {"database", "DATABASE_URL", OPT_STRING, FIELD(database), NULL, 0, 0,
     "PostgreSQL conninfo or URI: store the results there (schools matched by code)"},
    {"district", NULL, OPT_STRING, FIELD(district), NULL, 0, 0,
     "with --database: the district's schools (--once), or only them (--daemon)"},
    {"school", NULL, OPT_STRING, FIELD(school), NULL, 0, 0,
     "with --database --once: that one school"},
    {"required", "MW_CHECKER_REQUIRED", OPT_CODES, FIELD(required),
     "regulation,roadmap,order_implementation,order_curator,order_pairs,program", 0, 0,
     "document codes that must be found (comma-separated); with --database the district's "
     "list applies"},
    {"interval-days", "MW_CHECKER_INTERVAL_DAYS", OPT_INT, FIELD(interval_days), "0", 0, 3650,
     "with --database: a school is due again after this many days; 0: the next 1 November or "
     "1 April"},
    {"lease", "MW_CHECKER_LEASE", OPT_INT, FIELD(lease_s), "0", 0, 86400 * 7,
     "daemon: seconds a claimed school stays this checker's; 0: --site-timeout + 300"},
    {"claim-batch", "MW_CHECKER_CLAIM_BATCH", OPT_INT, FIELD(claim_batch), "8", 1, 1000,
     "daemon: due schools claimed at a time"},
    {"poll-interval", "MW_CHECKER_POLL_INTERVAL", OPT_INT, FIELD(poll_s), "60", 1, 86400,
     "daemon: seconds between looks for due schools when none is due"},
    {"shutdown-grace", "MW_CHECKER_SHUTDOWN_GRACE", OPT_INT, FIELD(shutdown_grace_s), "60", 0, 3600,
     "daemon: seconds SIGTERM waits for running checks before giving them back"},
    {"db-timeout-ms", "MW_DB_TIMEOUT_MS", OPT_INT, FIELD(db_timeout_ms), "15000", 100, 600000,
     "milliseconds one database statement may take"},
    {"user-agent", "MW_CHECKER_USER_AGENT", OPT_STRING, FIELD(user_agent),
     CHECKER_DEFAULT_USER_AGENT, 0, 0, "User-Agent naming the district office and a contact"},
    {"ca-file", "MW_CHECKER_CA_FILE", OPT_STRING, FIELD(ca_file), NULL, 0, 0,
     "PEM file of CA certificates to trust instead of the system's (e.g. with the Russian "
     "Trusted Root CA added)"},
    {"allow-private", "MW_CHECKER_ALLOW_PRIVATE", OPT_FLAG, FIELD(allow_private), NULL, 0, 0,
     "allow loopback, private, link-local and other non-public addresses (tests, intranets)"},
    {"ignore-robots", "MW_CHECKER_IGNORE_ROBOTS", OPT_FLAG, FIELD(ignore_robots), NULL, 0, 0,
     "do not fetch or honour robots.txt"},
    {"max-transfers", "MW_CHECKER_MAX_TRANSFERS", OPT_INT, FIELD(max_transfers), "32", 1, 1024,
     "HTTP transfers running at once over all sites"},
    {"per-host", "MW_CHECKER_PER_HOST", OPT_INT, FIELD(per_host), "2", 1, 16,
     "transfers running at once on one host"},
    {"host-delay-ms", "MW_CHECKER_HOST_DELAY_MS", OPT_INT, FIELD(host_delay_ms), "250", 0, 60000,
     "milliseconds between two requests to one host"},
    {"connect-timeout", "MW_CHECKER_CONNECT_TIMEOUT", OPT_INT, FIELD(connect_timeout_s), "10", 1,
     300, "seconds to connect"},
    {"timeout", "MW_CHECKER_TIMEOUT", OPT_INT, FIELD(timeout_s), "30", 1, 600,
     "seconds for one whole request"},
    {"low-speed-limit", "MW_CHECKER_LOW_SPEED_LIMIT", OPT_INT, FIELD(low_speed_limit), "100", 1,
     1000000, "bytes per second under which a transfer is too slow ..."},
    {"low-speed-time", "MW_CHECKER_LOW_SPEED_TIME", OPT_INT, FIELD(low_speed_time_s), "15", 1, 600,
     "... for this many seconds (then it is aborted)"},
    {"max-redirects", "MW_CHECKER_MAX_REDIRECTS", OPT_INT, FIELD(max_redirects), "5", 0, 20,
     "redirects followed per request"},
    {"max-page-bytes", "MW_CHECKER_MAX_PAGE_BYTES", OPT_LONG, FIELD(max_page_bytes), "2097152",
     65536, 64L * 1024 * 1024, "bytes read of one page (after decompression)"},
    {"retries", "MW_CHECKER_RETRIES", OPT_INT, FIELD(retries), "2", 0, 10,
     "retries after a timeout or a 5xx answer"},
    {"retry-delay-ms", "MW_CHECKER_RETRY_DELAY_MS", OPT_INT, FIELD(retry_delay_ms), "1000", 0,
     600000, "first retry's backoff; each next one waits twice as long"},
    {"max-depth", "MW_CHECKER_MAX_DEPTH", OPT_INT, FIELD(max_depth), "2", 1, 5,
     "links followed from the home page to find the section"},
    {"max-pages", "MW_CHECKER_MAX_PAGES", OPT_INT, FIELD(max_pages), "30", 1, 1000,
     "pages fetched per site to find and read the section"},
    {"max-documents", "MW_CHECKER_MAX_DOCUMENTS", OPT_INT, FIELD(max_documents), "100", 1, 10000,
     "document links verified per site"},
    {"sites-parallel", "MW_CHECKER_SITES_PARALLEL", OPT_INT, FIELD(sites_parallel), "64", 1, 100000,
     "sites checked at once"},
    {"site-timeout", "MW_CHECKER_SITE_TIMEOUT", OPT_INT, FIELD(site_timeout_s), "600", 1, 86400,
     "seconds after which nothing new starts for a site"},
    {"log-level", "MW_LOG_LEVEL", OPT_LOG_LEVEL, FIELD(log_level), "info", 0, 0,
     "error, warn, info or debug (logs go to standard error)"},
    {"help", NULL, OPT_FLAG, FIELD(help), NULL, 0, 0, "this text"},
    {"version", NULL, OPT_FLAG, FIELD(version), NULL, 0, 0, "the version"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static bool parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* Truthy values for flags given in the environment: 1, true, yes, on. */
static bool parse_flag(const char *text, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off", ""};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(text, yes[i]) == 0) {
            *out = true;
            return true;
        }
    }
    for (size_t i = 0; i < 5; i++) {
        if (strcmp(text, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool apply(struct checker_config *cfg, const struct option_def *o, const char *text,
                  const char *from, FILE *err)
{
    char *base = (char *)cfg;
    long v;
    switch (o->type) {
    case OPT_FLAG:
        if (!parse_flag(text, (bool *)(base + o->offset))) {
            fprintf(err, "checker: %s %s=%s is not a yes/no value (1, true, yes, on; 0, ...)\n",
                    from, o->env != NULL ? o->env : o->name, text);
            return false;
        }
        return true;
    case OPT_INT:
    case OPT_LONG:
        if (!parse_long(text, &v) || v < o->min || v > o->max) {
            fprintf(err, "checker: %s --%s=%s is not an integer from %ld to %ld (%s)\n", from,
                    o->name, text, o->min, o->max, o->help);
            return false;
        }
        if (o->type == OPT_INT)
            *(int *)(base + o->offset) = (int)v;
        else
            *(long *)(base + o->offset) = v;
        return true;
    case OPT_CODES:
    case OPT_STRING: {
        doc_type_set set;
        if (o->type == OPT_CODES) {
            if (!doc_type_parse_set(text, &set, err)) {
                fprintf(err, "checker: %s --%s is not a list of document codes\n", from, o->name);
                return false;
            }
            cfg->required_set = set;
        }
        char **slot = (char **)(base + o->offset);
        free(*slot);
        *slot = strdup(text);
        return *slot != NULL;
    }
    case OPT_LOG_LEVEL: {
        enum mw_log_level level;
        if (!mw_log_parse_level(text, &level)) {
            fprintf(err, "checker: %s --%s=%s is not one of error, warn, info, debug\n", from,
                    o->name, text);
            return false;
        }
        mw_log_threshold = level;
        char **slot = (char **)(base + o->offset);
        free(*slot);
        *slot = strdup(text);
        return *slot != NULL;
    }
    }
    return false;
}

static const struct option_def *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    }
    return NULL;
}

bool checker_config_load(struct checker_config *cfg, int argc, char **argv, FILE *err)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        if (o->default_value != NULL && !apply(cfg, o, o->default_value, "default", err))
            goto fail;
        const char *env = o->env != NULL ? getenv(o->env) : NULL;
        if (env != NULL && env[0] != '\0' && !apply(cfg, o, env, "environment", err))
            goto fail;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(err, "checker: unexpected argument \"%s\" (options start with --)\n", arg);
            goto fail;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        const struct option_def *o = find_option(name, len);
        if (o == NULL) {
            fprintf(err, "checker: unknown option --%.*s (see --help)\n", (int)len, name);
            goto fail;
        }
        const char *value;
        if (o->type == OPT_FLAG) {
            value = eq != NULL ? eq + 1 : "1";
        } else if (eq != NULL) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            fprintf(err, "checker: --%s needs a value (%s)\n", o->name, o->help);
            goto fail;
        }
        if (!apply(cfg, o, value, "option", err))
            goto fail;
    }
    return true;
fail:
    checker_config_free(cfg);
    return false;
}

void checker_config_free(struct checker_config *cfg)
{
    free(cfg->schools);
    free(cfg->database);
    free(cfg->district);
    free(cfg->school);
    free(cfg->required);
    free(cfg->user_agent);
    free(cfg->ca_file);
    free(cfg->log_level);
    memset(cfg, 0, sizeof(*cfg));
}

void checker_config_print_help(FILE *out)
{
    fprintf(out, "Options (environment key in brackets; the command line wins):\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        char left[64];
        snprintf(left, sizeof(left), "--%s%s", o->name, o->type == OPT_FLAG ? "" : " VALUE");
        fprintf(out, "  %-26s %s", left, o->help);
        if (o->default_value != NULL)
            fprintf(out, " (default: %s)", o->default_value);
        if (o->env != NULL)
            fprintf(out, " [%s]", o->env);
        fputc('\n', out);
    }
}
