/* mwctl admin helpers: argv for getopt, connecting, code derivation, scope lookups. */
#include "admin.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_util.h"

const char *mwctl_database_url;

char **admin_argv(const char *name, int argc, char **argv, int *out_argc)
{
    int skip = argc > 0 && strcmp(argv[0], name) == 0 ? 1 : 0;
    int n = argc - skip + 1;
    char **args = calloc((size_t)n + 1, sizeof(*args));
    if (args == NULL)
        return NULL;
    static char prog[64];
    snprintf(prog, sizeof(prog), "mwctl %s", name);
    args[0] = prog;
    for (int i = skip; i < argc; i++)
        args[i - skip + 1] = argv[i];
    *out_argc = n;
    return args;
}

void admin_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mwctl %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

PGconn *admin_connect(const char *cmd, const char *url)
{
    char err[1024];
    PGconn *conn = db_connect(url != NULL ? url : mwctl_database_url, "mwctl", err, sizeof(err));
    if (conn == NULL)
        admin_error(cmd, "%s", err);
    return conn;
}

bool admin_is_code(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return n >= 1 && n <= 32;
}

/* Lower-case Russian letters а..я (U+0430..U+044F) and ё (U+0451). */
static const char *const translit_lower[32] = {
    "a", "b", "v", "g", "d", "e",  "zh", "z",  "i",  "y",    "k", "l", "m", "n", "o",  "p",
    "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "",  "y", "",  "e", "yu", "ya",
};

void admin_code_from_name(const char *name, char out[33])
{
    if (admin_is_code(name)) {
        snprintf(out, 33, "%s", name);
        return;
    }
    char buf[256];
    size_t n = 0;
    bool dash = false; /* a separator is pending */
    const unsigned char *p = (const unsigned char *)name;
    while (*p != '\0' && n < sizeof(buf) - 8) {
        const char *piece = NULL;
        char one[2] = {0, 0};
        unsigned cp = 0;
        if (p[0] < 0x80) {
            cp = p[0];
            p += 1;
        } else if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
            cp = (unsigned)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
            p += 2;
        } else {
            p++; /* other scripts and broken bytes: a separator */
            while ((*p & 0xC0) == 0x80)
                p++;
            cp = ' ';
        }
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            one[0] = (char)cp;
            piece = one;
        } else if (cp >= 'A' && cp <= 'Z') {
            one[0] = (char)(cp - 'A' + 'a');
            piece = one;
        } else if (cp >= 0x410 && cp <= 0x42F) {
            piece = translit_lower[cp - 0x410];
        } else if (cp >= 0x430 && cp <= 0x44F) {
            piece = translit_lower[cp - 0x430];
        } else if (cp == 0x401 || cp == 0x451) {
            piece = "e";
        }
        if (piece == NULL) {
            dash = n > 0;
            continue;
        }
        if (piece[0] == '\0')
            continue; /* ъ, ь */
        if (dash) {
            buf[n++] = '-';
            dash = false;
        }
        for (const char *c = piece; *c != '\0'; c++)
            buf[n++] = *c;
    }
    buf[n] = '\0';
    if (n > 32) {
        /* Cut at the last '-' within 32 characters when that keeps at least 8. */
        size_t cut = 32;
        for (size_t i = 32; i >= 8; i--) {
            if (buf[i] == '-') {
                cut = i;
                break;
            }
        }
        buf[cut] = '\0';
        n = cut;
    }
    while (n > 0 && buf[n - 1] == '-')
        buf[--n] = '\0';
    snprintf(out, 33, "%s", buf);
}

long long admin_find_scope(PGconn *conn, const char *cmd, const char *table, const char *key)
{
    char sql[256], err[1024];
    snprintf(sql, sizeof(sql),
             "SELECT id, code, name FROM mw.%s WHERE code = $1 OR lower(name) = lower($1) "
             "ORDER BY code = $1 DESC, id",
             table);
    const char *params[] = {key};
    PGresult *res = db_query(conn, sql, 1, params, err, sizeof(err));
    if (res == NULL) {
        admin_error(cmd, "looking up %s \"%s\": %s", table, key, err);
        return -1;
    }
    long long id = 0;
    int rows = PQntuples(res);
    if (rows == 1 || (rows > 1 && strcmp(PQgetvalue(res, 0, 1), key) == 0)) {
        id = atoll(PQgetvalue(res, 0, 0));
    } else if (rows > 1) {
        admin_error(cmd, "%s \"%s\" is ambiguous: give its code (%s or %s)", table, key,
                    PQgetvalue(res, 0, 1), PQgetvalue(res, 1, 1));
        id = -1;
    }
    PQclear(res);
    return id;
}

/* The most options a subcommand has, --help included. */
#define OPTIONS_MAX 16

int admin_parse_options(const char *cmd, const char *name, int argc, char **argv,
                        const struct admin_option *options, void (*usage)(FILE *),
                        bool operands_allowed, struct admin_args *out)
{
    *out = (struct admin_args){0};
    struct option longopts[OPTIONS_MAX + 1];
    char shortopts[2 * OPTIONS_MAX + 1];
    size_t n_long = 0, n_short = 0;
    for (const struct admin_option *o = options; o->name != NULL; o++) {
        if (n_long + 1 >= OPTIONS_MAX) { /* a programming error: say so rather than drop one */
            admin_error(cmd, "too many options");
            return ADMIN_FAIL;
        }
        longopts[n_long++] = (struct option){o->name, o->value ? required_argument : no_argument,
                                             NULL, (unsigned char)o->short_name};
        shortopts[n_short++] = o->short_name;
        if (o->value)
            shortopts[n_short++] = ':';
    }
    longopts[n_long++] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[n_long] = (struct option){NULL, 0, NULL, 0};
    shortopts[n_short++] = 'h';
    shortopts[n_short] = '\0';

    int n;
    out->argv = admin_argv(name, argc, argv, &n);
    if (out->argv == NULL) {
        admin_error(cmd, "out of memory");
        return ADMIN_FAIL;
    }
    int c;
    optind = 0;
    while ((c = getopt_long(n, out->argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return ADMIN_OK;
        }
        const struct admin_option *o = options;
        while (o->name != NULL && o->short_name != c)
            o++;
        if (o->name == NULL) { /* getopt printed what was wrong */
            usage(stderr);
            return ADMIN_USAGE;
        }
        if (o->value)
            *o->value = optarg;
        else
            *o->flag = o->flag_value;
    }
    out->operands = out->argv + optind;
    out->count = n - optind;
    if (!operands_allowed && out->count > 0) {
        admin_error(cmd, "unexpected argument \"%s\"", out->operands[0]);
        return ADMIN_USAGE;
    }
    return -1;
}

void admin_args_free(struct admin_args *args)
{
    free(args->argv);
    *args = (struct admin_args){0};
}
