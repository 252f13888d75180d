/* mwctl check: the district's list of required documents and the website-check schedule. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "commands.h"
#include "db_util.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mwctl check required list --district CODE|NAME\n"
            "       mwctl check required set --district CODE|NAME --type CODE\n"
            "                                (--required | --optional) [--title TEXT]\n"
            "       mwctl check due (--district CODE|NAME | --school CODE)\n"
            "       mwctl check status --district CODE|NAME\n"
            "\n"
            "`required` shows or edits which documents the district's schools must publish\n"
            "(codes: regulation, roadmap, order_implementation, order_curator, order_pairs,\n"
            "program, order_mentor_school, order_final_event, target_model); a change applies\n"
            "from the next check. `due` makes schools due for a check now: the checker daemons\n"
            "take them at their next look. `status` lists each school's latest check. All\n"
            "accept --database URL.\n");
}

struct check_opts {
    const char *url, *district, *school, *type, *title;
    int required; /* 1 --required, 0 --optional, -1 neither */
};

static int parse_opts(const char *name, int argc, char **argv, struct check_opts *o)
{
    static const struct option longopts[] = {
        {"database", required_argument, NULL, 'D'},
        {"district", required_argument, NULL, 'd'},
        {"school", required_argument, NULL, 's'},
        {"type", required_argument, NULL, 't'},
        {"title", required_argument, NULL, 'T'},
        {"required", no_argument, NULL, 'r'},
        {"optional", no_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int n;
    char **args = admin_argv(name, argc, argv, &n);
    if (args == NULL) {
        admin_error("check", "out of memory");
        return ADMIN_FAIL;
    }
    *o = (struct check_opts){.required = -1};
    int c, rc = -1;
    optind = 0;
    while (rc < 0 && (c = getopt_long(n, args, "hD:d:s:t:T:ro", longopts, NULL)) != -1) {
        switch (c) {
        case 'D':
            o->url = optarg;
            break;
        case 'd':
            o->district = optarg;
            break;
        case 's':
            o->school = optarg;
            break;
        case 't':
            o->type = optarg;
            break;
        case 'T':
            o->title = optarg;
            break;
        case 'r':
        case 'o':
            o->required = c == 'r';
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
        admin_error("check", "unexpected argument \"%s\"", args[optind]);
        rc = ADMIN_USAGE;
    }
    free(args);
    return rc;
}

/* Connects and finds the district; its id in id[24]. NULL (printed) on failure. */
static PGconn *connect_district(const struct check_opts *o, char id[24])
{
    PGconn *conn = admin_connect("check", o->url);
    if (conn == NULL)
        return NULL;
    long long district_id = admin_find_scope(conn, "check", "district", o->district);
    if (district_id == 0)
        admin_error("check", "no district with code or name \"%s\"", o->district);
    if (district_id <= 0) {
        PQfinish(conn);
        return NULL;
    }
    snprintf(id, 24, "%lld", district_id);
    return conn;
}

/* Prints the rows of sql ($1 = the district's id) as aligned columns. */
static int print_query(PGconn *conn, const char *sql, const char *id, const char *header,
                       const char *what)
{
    char err[1024];
    const char *params[] = {id};
    PGresult *res = db_query(conn, sql, 1, params, err, sizeof(err));
    if (res == NULL) {
        admin_error("check", "%s", err);
        return ADMIN_FAIL;
    }
    printf("%s\n", header);
    for (int i = 0; i < PQntuples(res); i++) {
        for (int j = 0; j < PQnfields(res); j++)
            printf(j + 1 < PQnfields(res) ? "%-22s  " : "%s\n", PQgetvalue(res, i, j));
    }
    fprintf(stderr, "%d %s\n", PQntuples(res), what);
    PQclear(res);
    return ADMIN_OK;
}

static int required_list(int argc, char **argv)
{
    struct check_opts o;
    int rc = parse_opts("check required list", argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.district == NULL) {
        admin_error("check", "required list needs --district");
        return ADMIN_USAGE;
    }
    char id[24];
    PGconn *conn = connect_district(&o, id);
    if (conn == NULL)
        return ADMIN_FAIL;
    rc = print_query(conn,
                     "SELECT dd.type, CASE WHEN dd.required THEN 'required' ELSE 'optional' END, "
                     "dd.title FROM mw.district_document dd "
                     "JOIN mw.document_kind k ON k.type = dd.type "
                     "WHERE dd.district_id = $1 ORDER BY k.ord",
                     id, "type                    required?               title", "document(s)");
    PQfinish(conn);
    return rc;
}

static int required_set(int argc, char **argv)
{
    struct check_opts o;
    int rc = parse_opts("check required set", argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.district == NULL || o.type == NULL || o.required < 0) {
        admin_error("check", "required set needs --district, --type and --required or --optional");
        return ADMIN_USAGE;
    }
    if (o.title != NULL && (o.title[0] == '\0' || strlen(o.title) > 500)) {
        admin_error("check", "--title: 1 to 500 characters");
        return ADMIN_USAGE;
    }
    char id[24], err[1024];
    PGconn *conn = connect_district(&o, id);
    if (conn == NULL)
        return ADMIN_FAIL;
    const char *params[] = {id, o.type, o.required ? "true" : "false", o.title};
    PGresult *res = db_query(conn, "SELECT mw.set_district_document($1, $2, $3, $4)", 4, params,
                             err, sizeof(err));
    rc = ADMIN_FAIL;
    if (res == NULL) {
        admin_error("check", "%s", err);
    } else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        admin_error("check", "--type: unknown document code \"%s\" (see mwctl check --help)",
                    o.type);
        rc = ADMIN_USAGE;
    } else {
        printf("district %s: %s is %s\n", o.district, o.type, o.required ? "required" : "optional");
        rc = ADMIN_OK;
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int check_due(int argc, char **argv)
{
    struct check_opts o;
    int rc = parse_opts("check due", argc, argv, &o);
    if (rc >= 0)
        return rc;
    if ((o.district == NULL) == (o.school == NULL)) {
        admin_error("check", "due needs --district or --school (one of them)");
        return ADMIN_USAGE;
    }
    char id[24] = "", err[1024];
    PGconn *conn = o.district != NULL ? connect_district(&o, id) : admin_connect("check", o.url);
    if (conn == NULL)
        return ADMIN_FAIL;
    const char *params[] = {o.district != NULL ? id : NULL, o.school};
    PGresult *res = db_query(conn,
                             "SELECT mw.make_checks_due("
                             "(SELECT code FROM mw.district WHERE id = $1::bigint), $2)",
                             2, params, err, sizeof(err));
    rc = ADMIN_FAIL;
    if (res == NULL) {
        admin_error("check", "%s", err);
    } else if (strcmp(PQgetvalue(res, 0, 0), "0") == 0 && o.school != NULL) {
        admin_error("check", "no school with code \"%s\"", o.school);
    } else {
        printf("%s school(s) due for a check now\n", PQgetvalue(res, 0, 0));
        rc = ADMIN_OK;
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int check_status(int argc, char **argv)
{
    struct check_opts o;
    int rc = parse_opts("check status", argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.district == NULL) {
        admin_error("check", "status needs --district");
        return ADMIN_USAGE;
    }
    char id[24];
    PGconn *conn = connect_district(&o, id);
    if (conn == NULL)
        return ADMIN_FAIL;
    rc = print_query(
        conn,
        "SELECT s.code, coalesce(to_char(l.checked_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD HH24:MI'), '-'), "
        "CASE WHEN l.school_id IS NULL THEN 'not checked' WHEN l.compliant THEN 'compliant' "
        "ELSE 'missing: ' || array_to_string(l.missing, ',') END, "
        "to_char(cs.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') "
        "FROM mw.school s LEFT JOIN mw.school_site_latest l ON l.school_id = s.id "
        "LEFT JOIN mw.check_schedule cs ON cs.school_id = s.id "
        "WHERE s.district_id = $1 ORDER BY s.code",
        id,
        "school                  checked (UTC)           status                  next due (UTC)",
        "school(s)");
    PQfinish(conn);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    int skip = argc > 0 && strcmp(argv[0], "check") == 0 ? 1 : 0;
    argc -= skip;
    argv += skip;
    if (argc < 1) {
        usage(stderr);
        return ADMIN_USAGE;
    }
    if (strcmp(argv[0], "required") == 0 && argc >= 2 && strcmp(argv[1], "list") == 0)
        return required_list(argc - 2, argv + 2);
    if (strcmp(argv[0], "required") == 0 && argc >= 2 && strcmp(argv[1], "set") == 0)
        return required_set(argc - 2, argv + 2);
    if (strcmp(argv[0], "due") == 0)
        return check_due(argc - 1, argv + 1);
    if (strcmp(argv[0], "status") == 0)
        return check_status(argc - 1, argv + 1);
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        usage(stdout);
        return ADMIN_OK;
    }
    admin_error("check", "unknown subcommand \"%s\" (required list|set, due, status)", argv[0]);
    return ADMIN_USAGE;
}
