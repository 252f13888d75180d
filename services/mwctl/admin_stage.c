/* mwctl stage: sets and lists the districts' reporting deadlines (mw.stage). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "commands.h"
#include "db_util.h"

#define DEFAULT_TIMEZONE "Europe/Moscow"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mwctl stage set --district CODE|NAME --year YYYY/YYYY\n"
            "                       --stage entry|intermediate|final\n"
            "                       --deadline YYYY-MM-DD[THH:MM] [--timezone ZONE]\n"
            "       mwctl stage list [--district CODE|NAME] [--year YYYY/YYYY] [--timezone ZONE]\n"
            "\n"
            "A deadline is local time in ZONE (default " DEFAULT_TIMEZONE "); a date alone\n"
            "means the end of that day (23:59:59.999999). A report counts as on time when it\n"
            "is received at or before its district's deadline. `set` adds or replaces the\n"
            "deadline. Both accept --database URL.\n");
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static bool valid_year(const char *y)
{
    return strlen(y) == 9 && digits(y, 4) && y[4] == '/' && digits(y + 5, 4) &&
           atoi(y + 5) == atoi(y) + 1 && atoi(y) >= 2000 && atoi(y) <= 2099;
}

/* "YYYY-MM-DD" (with_time false) or "YYYY-MM-DDTHH:MM" / "YYYY-MM-DD HH:MM" (true). The
 * calendar check itself is PostgreSQL's. */
static bool valid_deadline(const char *d, bool *with_time)
{
    size_t n = strlen(d);
    if (n < 10 || !digits(d, 4) || d[4] != '-' || !digits(d + 5, 2) || d[7] != '-' ||
        !digits(d + 8, 2))
        return false;
    if (n == 10) {
        *with_time = false;
        return true;
    }
    *with_time = true;
    return n == 16 && (d[10] == 'T' || d[10] == ' ') && digits(d + 11, 2) && d[13] == ':' &&
           digits(d + 14, 2) && atoi(d + 11) < 24 && atoi(d + 14) < 60;
}

struct stage_opts {
    const char *url, *district, *year, *stage, *deadline, *timezone;
};

static int parse_opts(const char *name, int argc, char **argv, struct stage_opts *o)
{
    *o = (struct stage_opts){.timezone = DEFAULT_TIMEZONE};
    const struct admin_option options[] = {
        {.name = "database", .short_name = 'D', .value = &o->url},
        {.name = "district", .short_name = 'd', .value = &o->district},
        {.name = "year", .short_name = 'y', .value = &o->year},
        {.name = "stage", .short_name = 's', .value = &o->stage},
        {.name = "deadline", .short_name = 'e', .value = &o->deadline},
        {.name = "timezone", .short_name = 'z', .value = &o->timezone},
        {0},
    };
    struct admin_args args;
    int rc = admin_parse_options("stage", name, argc, argv, options, usage, false, &args);
    admin_args_free(&args);
    if (rc < 0 && o->year != NULL && !valid_year(o->year)) {
        admin_error("stage", "--year: an academic year like 2024/2025 expected, not \"%s\"",
                    o->year);
        rc = ADMIN_USAGE;
    }
    return rc;
}

static int stage_set(int argc, char **argv)
{
    struct stage_opts o;
    int rc = parse_opts("stage set", argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.district == NULL || o.year == NULL || o.stage == NULL || o.deadline == NULL) {
        admin_error("stage", "set needs --district, --year, --stage and --deadline");
        return ADMIN_USAGE;
    }
    if (strcmp(o.stage, "entry") != 0 && strcmp(o.stage, "intermediate") != 0 &&
        strcmp(o.stage, "final") != 0) {
        admin_error("stage", "--stage: entry, intermediate or final expected, not \"%s\"", o.stage);
        return ADMIN_USAGE;
    }
    bool with_time;
    if (!valid_deadline(o.deadline, &with_time)) {
        admin_error("stage", "--deadline: YYYY-MM-DD or YYYY-MM-DDTHH:MM expected, not \"%s\"",
                    o.deadline);
        return ADMIN_USAGE;
    }

    PGconn *conn = admin_connect("stage", o.url);
    if (conn == NULL)
        return ADMIN_FAIL;
    rc = ADMIN_FAIL;
    long long district_id = admin_find_scope(conn, "stage", "district", o.district);
    if (district_id == 0)
        admin_error("stage", "no district with code or name \"%s\"", o.district);
    if (district_id <= 0)
        goto out;
    char id[24], err[1024];
    snprintf(id, sizeof(id), "%lld", district_id);
    const char *params[] = {id, o.year, o.stage, o.deadline, o.timezone};
    PGresult *res = db_query(
        conn,
        with_time ? "INSERT INTO mw.stage AS st (district_id, academic_year, stage, deadline) "
                    "VALUES ($1, $2, $3, replace($4, 'T', ' ')::timestamp AT TIME ZONE $5) "
                    "ON CONFLICT (district_id, academic_year, stage) DO UPDATE "
                    "SET deadline = EXCLUDED.deadline, updated_at = now() "
                    "RETURNING xmax = 0, to_char(st.deadline AT TIME ZONE $5, "
                    "'YYYY-MM-DD HH24:MI:SS'), (SELECT code FROM mw.district WHERE id = $1)"
                  : "INSERT INTO mw.stage AS st (district_id, academic_year, stage, deadline) "
                    "VALUES ($1, $2, $3, ($4::date + time '23:59:59.999999') AT TIME ZONE $5) "
                    "ON CONFLICT (district_id, academic_year, stage) DO UPDATE "
                    "SET deadline = EXCLUDED.deadline, updated_at = now() "
                    "RETURNING xmax = 0, to_char(st.deadline AT TIME ZONE $5, "
                    "'YYYY-MM-DD HH24:MI:SS'), (SELECT code FROM mw.district WHERE id = $1)",
        5, params, err, sizeof(err));
    if (res == NULL) {
        admin_error("stage", "%s", err);
        goto out;
    }
    printf("stage %s: district=%s year=%s stage=%s deadline=\"%s %s\"\n",
           strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? "added" : "updated", PQgetvalue(res, 0, 2),
           o.year, o.stage, PQgetvalue(res, 0, 1), o.timezone);
    PQclear(res);
    rc = ADMIN_OK;
out:
    PQfinish(conn);
    return rc;
}

static int stage_list(int argc, char **argv)
{
    struct stage_opts o;
    int rc = parse_opts("stage list", argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.stage != NULL || o.deadline != NULL) {
        admin_error("stage", "list takes only --district, --year and --timezone");
        return ADMIN_USAGE;
    }
    PGconn *conn = admin_connect("stage", o.url);
    if (conn == NULL)
        return ADMIN_FAIL;
    rc = ADMIN_FAIL;
    char id[24] = "";
    if (o.district != NULL) {
        long long district_id = admin_find_scope(conn, "stage", "district", o.district);
        if (district_id == 0)
            admin_error("stage", "no district with code or name \"%s\"", o.district);
        if (district_id <= 0)
            goto out;
        snprintf(id, sizeof(id), "%lld", district_id);
    }
    char err[1024];
    const char *params[] = {o.district != NULL ? id : NULL, o.year, o.timezone};
    PGresult *res = db_query(conn,
                             "SELECT d.code, st.academic_year, st.stage, "
                             "to_char(st.deadline AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI:SS'), "
                             "d.name FROM mw.stage st JOIN mw.district d ON d.id = st.district_id "
                             "WHERE ($1::bigint IS NULL OR st.district_id = $1) "
                             "AND ($2::text IS NULL OR st.academic_year = $2) "
                             "ORDER BY d.code, st.academic_year, st.stage",
                             3, params, err, sizeof(err));
    if (res == NULL) {
        admin_error("stage", "%s", err);
        goto out;
    }
    printf("%-32s  %-9s  %-12s  %-19s  %s\n", "district", "year", "stage", "deadline",
           "district name");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-32s  %-9s  %-12s  %-19s  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
    fprintf(stderr, "%d stage(s); deadlines in %s\n", PQntuples(res), o.timezone);
    PQclear(res);
    rc = ADMIN_OK;
out:
    PQfinish(conn);
    return rc;
}

int cmd_stage(int argc, char **argv)
{
    int skip = argc > 0 && strcmp(argv[0], "stage") == 0 ? 1 : 0;
    argc -= skip;
    argv += skip;
    if (argc < 1) {
        usage(stderr);
        return ADMIN_USAGE;
    }
    if (strcmp(argv[0], "set") == 0)
        return stage_set(argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return stage_list(argc - 1, argv + 1);
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        usage(stdout);
        return ADMIN_OK;
    }
    admin_error("stage", "unknown subcommand \"%s\" (set or list)", argv[0]);
    return ADMIN_USAGE;
}
