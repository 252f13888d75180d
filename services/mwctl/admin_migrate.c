/* mwctl migrate: brings the database schema up to date with migrations/. */
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
    const char *url = NULL, *dir = NULL;
    const struct admin_option options[] = {
        {.name = "database", .short_name = 'd', .value = &url},
        {.name = "dir", .short_name = 'D', .value = &dir},
        {0},
    };
    struct admin_args args;
    int rc = admin_parse_options("migrate", "migrate", argc, argv, options, usage, false, &args);
    admin_args_free(&args);
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
