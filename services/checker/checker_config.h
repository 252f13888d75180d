/* The checker's configuration: a declarative table of options, command line over environment. */
#ifndef CHECKER_CHECKER_CONFIG_H
#define CHECKER_CHECKER_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "doctype.h"

#define CHECKER_VERSION "0.1.0"
#define CHECKER_DEFAULT_USER_AGENT                                                                 \
    "mentorwatch-checker/" CHECKER_VERSION                                                         \
    " (+district education office, upravlenie obrazovaniya; contact: admin@example.ru)"
/* Our token in robots.txt User-agent lines. */
#define CHECKER_ROBOTS_TOKEN "mentorwatch-checker"

struct checker_config {
    bool once;            /* --once: check the CSV's (or the database's) schools and exit */
    bool daemon;          /* --daemon: check the schools that are due, until SIGTERM */
    char *database;       /* --database / DATABASE_URL: store results there; NULL: none */
    char *district;       /* --district CODE: that district's schools (database) */
    char *school;         /* --school CODE: that one school (database) */
    int interval_days;    /* a school's next check after this many days; 0: next Nov/Apr */
    int lease_s;          /* daemon: seconds a claimed school stays ours; 0: site timeout + 300 */
    int claim_batch;      /* daemon: schools claimed at a time */
    int poll_s;           /* daemon: seconds between looks when nothing is due */
    int shutdown_grace_s; /* daemon: seconds SIGTERM waits for running checks */
    int db_timeout_ms;    /* one database statement */
    bool help, version;   /* --help, --version */
    char *schools;        /* --schools FILE.csv */
    char *required;       /* --required regulation,roadmap,... */
    doc_type_set required_set;
    char *user_agent; /* --user-agent / MW_CHECKER_USER_AGENT */
    char *ca_file;    /* --ca-file: extra CA certificates (PEM); NULL: the system's store */
    bool allow_private;
    bool ignore_robots;
    int max_transfers, per_host, host_delay_ms;
    int connect_timeout_s, timeout_s, low_speed_limit, low_speed_time_s, max_redirects;
    long max_page_bytes;
    int retries, retry_delay_ms;
    int max_depth, max_pages, max_documents, sites_parallel, site_timeout_s;
    char *log_level;
};

/*
 * Fills cfg from defaults, then the environment (keys that have one), then argv. Strict: an
 * unknown option, a missing value or a value out of bounds is reported on err with the option's
 * name and the function returns false.
 */
bool checker_config_load(struct checker_config *cfg, int argc, char **argv, FILE *err)
    __attribute__((warn_unused_result));
void checker_config_free(struct checker_config *cfg);

/* Every option with its environment key, default and meaning. */
void checker_config_print_help(FILE *out);

#endif
