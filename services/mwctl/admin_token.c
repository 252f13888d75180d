/* mwctl token: issues (shown once, stored as SHA-256), revokes and lists API tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "commands.h"
#include "db_util.h"
#include "token.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mwctl token issue --role school --school CODE [--label TEXT]\n"
            "       mwctl token issue --role district --district CODE|NAME [--label TEXT]\n"
            "       mwctl token issue --role region --region CODE|NAME [--label TEXT]\n"
            "       mwctl token issue --role admin [--label TEXT]\n"
            "       mwctl token revoke ID\n"
            "       mwctl token list\n"
            "\n"
            "`issue` prints the new token on stdout, once: only its SHA-256 is stored, so it\n"
            "cannot be shown again (issue a new one and revoke the old if it is lost). `list`\n"
            "never shows tokens, only their ids, roles, scopes, labels and dates. All accept\n"
            "--database URL.\n");
}

struct token_opts {
    const char *url, *role, *school, *district, *region, *label;
};

static int parse_opts(const char *name, int argc, char **argv, struct token_opts *o,
                      struct admin_args *args)
{
    *o = (struct token_opts){0};
    const struct admin_option options[] = {
        {.name = "database", .short_name = 'D', .value = &o->url},
        {.name = "role", .short_name = 'r', .value = &o->role},
        {.name = "school", .short_name = 's', .value = &o->school},
        {.name = "district", .short_name = 'd', .value = &o->district},
        {.name = "region", .short_name = 'g', .value = &o->region},
        {.name = "label", .short_name = 'l', .value = &o->label},
        {0},
    };
    return admin_parse_options("token", name, argc, argv, options, usage, true, args);
}

/* Resolves the scope option of the role to an id; 0 for admin. -1 after printing an error. */
static long long resolve_scope(PGconn *conn, const struct token_opts *o, const char **column)
{
    char err[1024];
    *column = NULL;
    if (strcmp(o->role, "admin") == 0)
        return 0;
    if (strcmp(o->role, "school") == 0) {
        *column = "school_id";
        const char *params[] = {o->school};
        PGresult *res =
            db_query(conn, "SELECT id FROM mw.school WHERE code = $1", 1, params, err, sizeof(err));
        if (res == NULL) {
            admin_error("token", "%s", err);
            return -1;
        }
        long long id = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : 0;
        PQclear(res);
        if (id == 0) {
            admin_error("token", "no school with code \"%s\"", o->school);
            return -1;
        }
        return id;
    }
    const bool district = strcmp(o->role, "district") == 0;
    *column = district ? "district_id" : "region_id";
    const char *key = district ? o->district : o->region;
    long long id = admin_find_scope(conn, "token", district ? "district" : "region", key);
    if (id == 0)
        admin_error("token", "no %s with code or name \"%s\"", district ? "district" : "region",
                    key);
    return id > 0 ? id : -1;
}

static int token_issue(int argc, char **argv)
{
    struct token_opts o;
    struct admin_args args;
    int rc = parse_opts("token issue", argc, argv, &o, &args);
    if (rc < 0 && args.count > 0) {
        admin_error("token", "unexpected argument \"%s\"", args.operands[0]);
        rc = ADMIN_USAGE;
    }
    admin_args_free(&args);
    if (rc >= 0)
        return rc;
    if (o.role == NULL) {
        admin_error("token", "issue needs --role school|district|region|admin");
        return ADMIN_USAGE;
    }
    const struct {
        const char *role, *opt, *value;
    } scopes[] = {
        {"school", "--school", o.school},
        {"district", "--district", o.district},
        {"region", "--region", o.region},
    };
    bool known = strcmp(o.role, "admin") == 0;
    for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
        bool mine = strcmp(o.role, scopes[i].role) == 0;
        known = known || mine;
        if (mine && scopes[i].value == NULL) {
            admin_error("token", "--role %s needs %s", o.role, scopes[i].opt);
            return ADMIN_USAGE;
        }
        if (!mine && scopes[i].value != NULL) {
            admin_error("token", "%s does not go with --role %s", scopes[i].opt, o.role);
            return ADMIN_USAGE;
        }
    }
    if (!known) {
        admin_error("token", "--role: school, district, region or admin expected, not \"%s\"",
                    o.role);
        return ADMIN_USAGE;
    }
    if (o.label != NULL && strlen(o.label) > 500) {
        admin_error("token", "--label: at most 500 characters");
        return ADMIN_USAGE;
    }

    PGconn *conn = admin_connect("token", o.url);
    if (conn == NULL)
        return ADMIN_FAIL;
    rc = ADMIN_FAIL;
    const char *column;
    long long scope = resolve_scope(conn, &o, &column);
    if (scope < 0)
        goto out;

    char token[TOKEN_TEXT_MAX];
    if (!token_generate(token)) {
        admin_error("token", "no random bytes from getrandom(2)");
        goto out;
    }
    unsigned char hash[TOKEN_HASH_LEN];
    token_hash(token, strlen(token), hash);
    char hash_hex[2 + 2 * TOKEN_HASH_LEN + 1] = "\\x";
    for (int i = 0; i < TOKEN_HASH_LEN; i++)
        snprintf(hash_hex + 2 + 2 * i, 3, "%02x", hash[i]);
    char scope_id[24], err[1024];
    snprintf(scope_id, sizeof(scope_id), "%lld", scope);
    const bool is = column != NULL;
    const char *params[] = {
        hash_hex,
        o.role,
        is && strcmp(column, "school_id") == 0 ? scope_id : NULL,
        is && strcmp(column, "district_id") == 0 ? scope_id : NULL,
        is && strcmp(column, "region_id") == 0 ? scope_id : NULL,
        o.label,
    };
    PGresult *res = db_query(conn,
                             "INSERT INTO mw.api_token (token_hash, role, school_id, district_id, "
                             "region_id, label) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                             6, params, err, sizeof(err));
    if (res == NULL) {
        explicit_bzero(token, sizeof(token));
        admin_error("token", "%s", err);
        goto out;
    }
    printf("%s\n", token);
    fflush(stdout);
    explicit_bzero(token, sizeof(token));
    fprintf(stderr,
            "token %s issued: role=%s%s%s; it is shown only this once, only its SHA-256 is "
            "stored\n",
            PQgetvalue(res, 0, 0), o.role, is ? " " : "",
            is ? (o.school     ? o.school
                  : o.district ? o.district
                               : o.region)
               : "");
    PQclear(res);
    rc = ADMIN_OK;
out:
    PQfinish(conn);
    return rc;
}

static int token_revoke(int argc, char **argv)
{
    struct token_opts o;
    struct admin_args args;
    int rc = parse_opts("token revoke", argc, argv, &o, &args);
    const char *id = NULL;
    if (rc < 0) {
        if (args.count != 1) {
            admin_error("token", "revoke needs one token id (see mwctl token list)");
            rc = ADMIN_USAGE;
        } else if (o.role || o.school || o.district || o.region || o.label) {
            admin_error("token", "revoke takes only the token id");
            rc = ADMIN_USAGE;
        } else {
            id = args.operands[0];
            size_t len = strlen(id);
            bool ok = len >= 1 && len <= 18 && id[0] != '0';
            for (size_t i = 0; ok && i < len; i++)
                ok = id[i] >= '0' && id[i] <= '9';
            if (!ok) {
                admin_error("token", "revoke: \"%s\" is not a token id", id);
                rc = ADMIN_USAGE;
            }
        }
    }
    admin_args_free(&args); /* id points into the caller's argv, not into args */
    if (rc >= 0)
        return rc;

    PGconn *conn = admin_connect("token", o.url);
    if (conn == NULL)
        return ADMIN_FAIL;
    char err[1024];
    const char *params[] = {id};
    PGresult *res = db_query(conn,
                             "WITH t AS (SELECT id, revoked_at FROM mw.api_token WHERE id = $1), "
                             "u AS (UPDATE mw.api_token a SET revoked_at = now() FROM t "
                             "WHERE a.id = t.id AND t.revoked_at IS NULL RETURNING a.id) "
                             "SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM u), "
                             "(SELECT to_char(revoked_at, 'YYYY-MM-DD HH24:MI:SSOF') FROM t)",
                             1, params, err, sizeof(err));
    rc = ADMIN_FAIL;
    if (res == NULL) {
        admin_error("token", "%s", err);
    } else if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
        admin_error("token", "no token with id %s", id);
    } else if (strcmp(PQgetvalue(res, 0, 1), "1") == 0) {
        printf("token %s revoked\n", id);
        rc = ADMIN_OK;
    } else {
        printf("token %s was already revoked at %s\n", id, PQgetvalue(res, 0, 2));
        rc = ADMIN_OK;
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int token_list(int argc, char **argv)
{
    struct token_opts o;
    struct admin_args args;
    int rc = parse_opts("token list", argc, argv, &o, &args);
    if (rc < 0 && (args.count > 0 || o.role || o.school || o.district || o.region || o.label)) {
        admin_error("token", "list takes no arguments but --database");
        rc = ADMIN_USAGE;
    }
    admin_args_free(&args);
    if (rc >= 0)
        return rc;
    PGconn *conn = admin_connect("token", o.url);
    if (conn == NULL)
        return ADMIN_FAIL;
    char err[1024];
    PGresult *res =
        db_query(conn,
                 "SELECT t.id, t.role, coalesce(s.code, d.code, r.code, ''), "
                 "to_char(t.created_at, 'YYYY-MM-DD HH24:MI'), "
                 "coalesce(to_char(t.revoked_at, 'YYYY-MM-DD HH24:MI'), ''), coalesce(t.label, '') "
                 "FROM mw.api_token t LEFT JOIN mw.school s ON s.id = t.school_id "
                 "LEFT JOIN mw.district d ON d.id = t.district_id "
                 "LEFT JOIN mw.region r ON r.id = t.region_id ORDER BY t.id",
                 0, NULL, err, sizeof(err));
    rc = ADMIN_FAIL;
    if (res == NULL) {
        admin_error("token", "%s", err);
    } else {
        printf("%-6s  %-8s  %-32s  %-16s  %-16s  %s\n", "id", "role", "scope", "created", "revoked",
               "label");
        for (int i = 0; i < PQntuples(res); i++)
            printf("%-6s  %-8s  %-32s  %-16s  %-16s  %s\n", PQgetvalue(res, i, 0),
                   PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                   PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
        rc = ADMIN_OK;
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

int cmd_token(int argc, char **argv)
{
    int skip = argc > 0 && strcmp(argv[0], "token") == 0 ? 1 : 0;
    argc -= skip;
    argv += skip;
    if (argc < 1) {
        usage(stderr);
        return ADMIN_USAGE;
    }
    if (strcmp(argv[0], "issue") == 0)
        return token_issue(argc - 1, argv + 1);
    if (strcmp(argv[0], "revoke") == 0)
        return token_revoke(argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return token_list(argc - 1, argv + 1);
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        usage(stdout);
        return ADMIN_OK;
    }
    admin_error("token", "unknown subcommand \"%s\" (issue, revoke or list)", argv[0]);
    return ADMIN_USAGE;
}
