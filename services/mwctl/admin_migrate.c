/* mwctl migrate: brings the database schema up to date with migrations/. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "commands.h"
#include "migrate.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mwctl migrate [--database URL] [--dir DIR]\n"
                 "\n"
                 "Applies the numbered SQL files of DIR (default: $MW_MIGRATIONS_DIR, else the\n"
                 "source tree's migrations/) that the database does not have yet, each in its own\n"
                 "transaction. Safe to run again; refuses a database newer than this mentorwatch\n"
                 "and applied files that were changed.\n");
}

int cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"database", required_argument, NULL, 'd'},
        {"dir", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int n;
    char **args = admin_argv("migrate", argc, argv, &n);
    if (args == NULL) {
        admin_error("migrate", "out of memory");
        return ADMIN_FAIL;
    }
    const char *url = NULL, *dir = NULL;
    int c, rc = -1;
    optind = 0;
    while (rc < 0 && (c = getopt_long(n, args, "hd:D:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            url = optarg;
            break;
        case 'D':
            dir = optarg;
            break;
        case 'h':
            usage(stdout);
            rc = ADMIN_OK;
            break;
        default:
            usage(stderr);
            rc = ADMIN_USAGE;
        }
    }
    if (rc < 0 && optind < n) {
        admin_error("migrate", "unexpected argument \"%s\"", args[optind]);
        rc = ADMIN_USAGE;
    }
    free(args);
    if (rc >= 0)
        return rc;

    PGconn *conn = admin_connect("migrate", url);
    if (conn == NULL)
        return ADMIN_FAIL;
    struct mw_migrate_summary sum;
    char err[2048];
    if (dir == NULL)
        dir = mw_migrations_dir();
    bool ok = mw_migrate(conn, dir, &sum, err, sizeof(err));
    PQfinish(conn);
    if (!ok) {
        admin_error("migrate", "%s", err);
        return ADMIN_FAIL;
    }
    printf("migrations: %d applied, %d already applied; database at version %d\n", sum.applied,
           sum.skipped, sum.db_version);
    return ADMIN_OK;
}
