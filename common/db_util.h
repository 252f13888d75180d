/* Blocking libpq helpers for the CLI and tests (never for the event loop). */
#ifndef MW_DB_UTIL_H
#define MW_DB_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/*
 * Connects to url (a libpq conninfo string or postgresql:// URI); NULL or "" means the
 * DATABASE_URL environment variable. application_name defaults to app_name. Returns NULL with
 * a message in err when there is no URL or the connection fails.
 */
PGconn *db_connect(const char *url, const char *app_name, char *err, size_t err_len)
    __attribute__((warn_unused_result));

/*
 * Runs sql with text parameters (NULL entries are SQL NULL). Returns the result when its status
 * is PGRES_COMMAND_OK or PGRES_TUPLES_OK; otherwise clears it, writes the server's message
 * (with its SQLSTATE) to err and returns NULL. The caller PQclear()s a returned result.
 */
PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, char *err,
                   size_t err_len) __attribute__((warn_unused_result));

/* db_query for statements without a result worth keeping. */
bool db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params, char *err,
             size_t err_len) __attribute__((warn_unused_result));

/* Formats the error of a failed result (or of the connection when res is NULL) into err:
 * "message (SQLSTATE xxxxx)" plus DETAIL and HINT when present, on one line. */
void db_format_error(const PGconn *conn, const PGresult *res, char *err, size_t err_len);

/* A database connection string with dbname replaced: for tests and tools that create
 * databases. Returns a malloc'd key=value conninfo, or NULL if url does not parse. */
char *db_url_with_dbname(const char *url, const char *dbname);

#endif
