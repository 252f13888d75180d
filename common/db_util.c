/* Blocking libpq helpers: connect from a URL or DATABASE_URL, checked queries, error text. */
#include "db_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PGconn *db_connect(const char *url, const char *app_name, char *err, size_t err_len)
{
    if (url == NULL || url[0] == '\0')
        url = getenv("DATABASE_URL");
    if (url == NULL || url[0] == '\0') {
        snprintf(err, err_len, "no database given: use --database URL or set DATABASE_URL");
        return NULL;
    }
    const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const values[] = {url, app_name != NULL ? app_name : "mentorwatch", NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (conn == NULL) {
        snprintf(err, err_len, "out of memory connecting to the database");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        const char *msg = PQerrorMessage(conn);
        size_t n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            n--;
        snprintf(err, err_len, "cannot connect to the database: %.*s", (int)n, msg);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* Appends s to err at *pos, replacing newlines by spaces and dropping trailing newlines. */
static void append_flat(char *err, size_t err_len, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        n--;
    for (size_t i = 0; i < n && *pos + 1 < err_len; i++)
        err[(*pos)++] = s[i] == '\n' ? ' ' : s[i];
    err[*pos] = '\0';
}

void db_format_error(const PGconn *conn, const PGresult *res, char *err, size_t err_len)
{
    size_t pos = 0;
    if (err_len == 0)
        return;
    err[0] = '\0';
    const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (primary == NULL) {
        const char *msg = res != NULL ? PQresultErrorMessage(res) : "";
        if (msg == NULL || msg[0] == '\0')
            msg = PQerrorMessage(conn);
        if (msg == NULL || msg[0] == '\0')
            msg = res != NULL ? PQresStatus(PQresultStatus(res)) : "unknown error";
        append_flat(err, err_len, &pos, msg);
        return;
    }
    append_flat(err, err_len, &pos, primary);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state != NULL) {
        append_flat(err, err_len, &pos, " (SQLSTATE ");
        append_flat(err, err_len, &pos, state);
        append_flat(err, err_len, &pos, ")");
    }
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    if (detail != NULL) {
        append_flat(err, err_len, &pos, "; DETAIL: ");
        append_flat(err, err_len, &pos, detail);
    }
    const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    if (hint != NULL) {
        append_flat(err, err_len, &pos, "; HINT: ");
        append_flat(err, err_len, &pos, hint);
    }
}

PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, char *err,
                   size_t err_len)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    db_format_error(conn, res, err, err_len);
    PQclear(res);
    return NULL;
}

bool db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params, char *err,
             size_t err_len)
{
    PGresult *res = db_query(conn, sql, nparams, params, err, err_len);
    PQclear(res);
    return res != NULL;
}

/* Appends " key='value'" with the conninfo quoting rules (backslash before ' and \). */
static bool append_param(char **buf, size_t *len, size_t *cap, const char *key, const char *value)
{
    size_t need = *len + strlen(key) + 2 * strlen(value) + 6;
    if (need > *cap) {
        size_t ncap = need * 2;
        char *nbuf = realloc(*buf, ncap);
        if (nbuf == NULL)
            return false;
        *buf = nbuf;
        *cap = ncap;
    }
    char *p = *buf + *len;
    if (*len > 0)
        *p++ = ' ';
    p += sprintf(p, "%s='", key);
    for (const char *v = value; *v != '\0'; v++) {
        if (*v == '\'' || *v == '\\')
            *p++ = '\\';
        *p++ = *v;
    }
    *p++ = '\'';
    *p = '\0';
    *len = (size_t)(p - *buf);
    return true;
}

char *db_url_with_dbname(const char *url, const char *dbname)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url != NULL ? url : "", &errmsg);
    if (opts == NULL) {
        PQfreemem(errmsg);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = append_param(&buf, &len, &cap, "dbname", dbname);
    for (PQconninfoOption *o = opts; ok && o->keyword != NULL; o++) {
        if (o->val == NULL || strcmp(o->keyword, "dbname") == 0)
            continue;
        ok = append_param(&buf, &len, &cap, o->keyword, o->val);
    }
    PQconninfoFree(opts);
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}
