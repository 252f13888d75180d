/* Shared by mwctl's admin subcommands (admin_*.c): options, database, codes, lookups. */
#ifndef MWCTL_ADMIN_H
#define MWCTL_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

/* Exit codes of every admin subcommand. */
enum admin_exit {
    ADMIN_OK = 0,    /* done */
    ADMIN_FAIL = 1,  /* refused data, nothing found, a database error */
    ADMIN_USAGE = 2, /* bad options or arguments */
};

/* The --database given before the subcommand (main.c); NULL: DATABASE_URL. */
extern const char *mwctl_database_url;

/* Builds a getopt-ready argv ("mwctl <name>" first) from a subcommand's argc/argv, which may or
 * may not start with the subcommand's own name. Free with free(); NULL when out of memory. */
char **admin_argv(const char *name, int argc, char **argv, int *out_argc);

/* One option of a subcommand: "--name VALUE" (or "-s VALUE") stores VALUE in *value; a flag
 * (value NULL) stores flag_value in *flag. --help and -h need no row. */
struct admin_option {
    const char *name;
    char short_name;
    const char **value;
    int *flag;
    int flag_value;
};

/* What follows the options: operands[0..count). Valid until admin_args_free. */
struct admin_args {
    char **argv; /* admin_argv's array */
    char **operands;
    int count;
};

/*
 * Parses a subcommand's options against `options` (ended by a row with a NULL name). Returns -1
 * to go on, with the operands in *out (none allowed unless `operands_allowed`); otherwise the
 * exit code: ADMIN_OK after --help (usage on stdout), ADMIN_USAGE for a bad option or operand
 * (usage or the reason on stderr, prefixed "mwctl <cmd>: "), ADMIN_FAIL when out of memory.
 * `name` is the subcommand as admin_argv takes it. Call admin_args_free(out) in every case.
 */
int admin_parse_options(const char *cmd, const char *name, int argc, char **argv,
                        const struct admin_option *options, void (*usage)(FILE *),
                        bool operands_allowed, struct admin_args *out);
void admin_args_free(struct admin_args *args);

/* Connects to the database (url NULL: mwctl_database_url, then DATABASE_URL); on failure prints
 * the reason prefixed with "mwctl <cmd>: " and returns NULL. */
PGconn *admin_connect(const char *cmd, const char *url);

/* Prints "mwctl <cmd>: <message>" to stderr. */
void admin_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether s is a code: 1-32 of A-Z a-z 0-9 _ - (schools, districts, regions). */
bool admin_is_code(const char *s);

/*
 * The code a new district or region gets from its name: Russian letters transliterated (ISO 9
 * style, "Октябрьский район" -> "oktyabrskiy-rayon"), lower case, every other run of characters
 * one '-', at most 32 characters (cut at a '-' when possible). A name that is a code already
 * keeps its spelling. "" if nothing is left (the caller picks a fallback).
 */
void admin_code_from_name(const char *name, char out[33]);

/*
 * Finds a row of mw.region or mw.district (table) by code or by name (case-insensitive
 * for names). Returns its id (> 0), 0 when none matches, -1 when the name is ambiguous or the
 * query fails (printed).
 */
long long admin_find_scope(PGconn *conn, const char *cmd, const char *table, const char *key);

#endif
