/* mwctl: the administrator's and school's command line; dispatches to subcommands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "commands.h"
#include "log.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"migrate", cmd_migrate, "apply the database migrations (migrations/*.sql)"},
    {"load-schools", cmd_load_schools, "load or update schools from a CSV file"},
    {"stage", cmd_stage, "set or list the deadlines of the reporting stages"},
    {"token", cmd_token, "issue, revoke or list API tokens"},
    {"check", cmd_check, "website checks: required documents, schools due, status"},
    {"push", cmd_push, "send a term report or meeting event to the collector"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: mwctl [--database URL] [--log-level LEVEL] COMMAND [ARGS...]\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "  --database URL     PostgreSQL conninfo or URI (default: $DATABASE_URL)\n"
                 "  --log-level LEVEL  error, warn, info (default) or debug\n"
                 "\n"
                 "`mwctl COMMAND --help` describes a command. Exit codes: 0 done, 1 failed or\n"
                 "refused, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"database", required_argument, NULL, 'd'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    /* "+": stop at the first non-option, the command; its options are its own. */
    while ((c = getopt_long(argc, argv, "+hd:l:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            mwctl_database_url = optarg;
            break;
        case 'l':
            if (!mw_log_parse_level(optarg, &mw_log_threshold)) {
                fprintf(stderr, "mwctl: unknown log level \"%s\"\n", optarg);
                return ADMIN_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return ADMIN_OK;
        default:
            usage(stderr);
            return ADMIN_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return ADMIN_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return ADMIN_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - optind - 1, argv + optind + 1);
    }
    fprintf(stderr, "mwctl: unknown command \"%s\" (see mwctl --help)\n", name);
    return ADMIN_USAGE;
}
