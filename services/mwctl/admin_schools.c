/* mwctl load-schools: loads or updates the schools of a CSV file (RFC 4180) in one transaction. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "commands.h"
#include "db_util.h"

#define CSV_MAX_BYTES  (64L * 1024 * 1024)
#define CSV_MAX_ROWS   100000
#define MAX_ERRORS     100
#define DEFAULT_REGION "Регион"

enum column { COL_CODE, COL_NAME, COL_WEBSITE, COL_DISTRICT, COL_REGION, COL_MAX };
static const char *const column_names[COL_MAX] = {
    [COL_CODE] = "code",         [COL_NAME] = "name",     [COL_WEBSITE] = "website",
    [COL_DISTRICT] = "district", [COL_REGION] = "region",
};

/* One record of the file: fields point into the parser's copy of the text. */
struct record {
    int line; /* line where the record starts */
    int nfields;
    char **fields;
};

struct school_row {
    int line;
    const char *code, *name, *district, *region;
    char *website; /* owned; NULL when empty */
};

struct loader {
    const char *path;
    int errors;
};

static void row_error(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void row_error(struct loader *ld, int line, const char *fmt, ...)
{
    if (ld->errors < MAX_ERRORS) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s:%d: ", ld->path, line);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    } else if (ld->errors == MAX_ERRORS) {
        fprintf(stderr, "%s: more errors not shown\n", ld->path);
    }
    ld->errors++;
}

/* Length of a valid UTF-8 sequence at p, 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    if (p[0] < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if ((p[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Strips spaces and tabs around s in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* trim, and every run of whitespace inside (line breaks of a quoted field too) becomes one space.
 */
static char *squash(char *s)
{
    s = trim(s);
    char *w = s;
    for (char *r = s; *r != '\0'; r++) {
        bool space = *r == ' ' || *r == '\t' || *r == '\n' || *r == '\r';
        if (space && w > s && w[-1] == ' ')
            continue;
        *w++ = space ? ' ' : *r;
    }
    *w = '\0';
    return s;
}

static bool add_field(struct record *r, char *field)
{
    char **nf = realloc(r->fields, (size_t)(r->nfields + 1) * sizeof(*nf));
    if (nf == NULL)
        return false;
    r->fields = nf;
    r->fields[r->nfields++] = field;
    return true;
}

static void free_records(struct record *recs, int n)
{
    for (int i = 0; i < n; i++)
        free(recs[i].fields);
    free(recs);
}

/*
 * Splits text (NUL-terminated, modified in place: fields are unescaped into it) into records
 * per RFC 4180: fields separated by ',', records by CRLF or LF, fields in double quotes may hold
 * ',', quotes ("" is one ") and line breaks. Blank lines are skipped. false after printing an
 * error with its line.
 */
static bool parse_csv(struct loader *ld, char *text, struct record **out, int *count)
{
    struct record *recs = NULL;
    int n = 0, cap = 0, line = 1;
    char *p = text;
    while (*p != '\0') {
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
            p += *p == '\r' ? 2 : 1;
            line++;
            continue;
        }
        if (n == cap) {
            cap = cap == 0 ? 256 : cap * 2;
            struct record *nr =
                cap <= CSV_MAX_ROWS + 1 ? realloc(recs, (size_t)cap * sizeof(*nr)) : NULL;
            if (nr == NULL) {
                row_error(ld, line, "more than %d rows, or out of memory", CSV_MAX_ROWS);
                goto fail;
            }
            recs = nr;
        }
        struct record *r = &recs[n++];
        *r = (struct record){.line = line};
        for (;;) { /* one field per turn */
            char *field = p, *w = p;
            if (*p == '"') {
                p++;
                for (;;) {
                    if (*p == '\0') {
                        row_error(ld, r->line, "a quoted field is not closed");
                        goto fail;
                    }
                    if (*p == '"') {
                        if (p[1] == '"') {
                            *w++ = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    if (*p == '\n')
                        line++;
                    *w++ = *p++;
                }
                if (*p != ',' && *p != '\n' && *p != '\0' && !(*p == '\r' && p[1] == '\n')) {
                    row_error(ld, line, "unexpected character after a closing quote");
                    goto fail;
                }
            } else {
                while (*p != ',' && *p != '\n' && *p != '\0' && !(*p == '\r' && p[1] == '\n')) {
                    if (*p == '"') {
                        row_error(ld, line,
                                  "a quote inside an unquoted field (quote the field "
                                  "and double the quote)");
                        goto fail;
                    }
                    *w++ = *p++;
                }
            }
            char sep = *p;
            bool crlf = sep == '\r';
            *w = '\0'; /* w <= p: safe even when it overwrites the separator just read */
            if (!add_field(r, field)) {
                row_error(ld, r->line, "out of memory");
                goto fail;
            }
            if (sep == ',') {
                p++;
                continue;
            }
            if (sep != '\0') {
                p += crlf ? 2 : 1;
                line++;
            }
            break;
        }
    }
    *out = recs;
    *count = n;
    return true;
fail:
    free_records(recs, n);
    return false;
}

/* Normalises a website: "" -> NULL; a bare host ("school14.ru/nast") gets "http://". */
static bool normalise_website(const char *in, char **out)
{
    *out = NULL;
    if (in[0] == '\0')
        return true;
    if (strlen(in) > 2000)
        return false;
    for (const char *c = in; *c != '\0'; c++) {
        if ((unsigned char)*c <= ' ')
            return false;
    }
    bool has_scheme = strncasecmp(in, "http://", 7) == 0 || strncasecmp(in, "https://", 8) == 0;
    if (!has_scheme && strstr(in, "://") != NULL)
        return false;
    const char *host = has_scheme ? strstr(in, "://") + 3 : in;
    if (host[0] == '\0' || host[0] == '/' || strchr(host, '.') == NULL)
        return false;
    if (has_scheme)
        *out = strdup(in);
    else if (asprintf(out, "http://%s", in) < 0)
        *out = NULL;
    return *out != NULL;
}

static char *read_file(struct loader *ld, size_t *len)
{
    FILE *f = strcmp(ld->path, "-") == 0 ? stdin : fopen(ld->path, "rb");
    if (f == NULL) {
        admin_error("load-schools", "%s: %s", ld->path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used + 1 >= cap) {
            cap = cap == 0 ? 65536 : cap * 2;
            char *nb = cap <= (size_t)CSV_MAX_BYTES + 1 ? realloc(buf, cap) : NULL;
            if (nb == NULL) {
                admin_error("load-schools", "%s: larger than %ld bytes or out of memory", ld->path,
                            CSV_MAX_BYTES);
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) {
                admin_error("load-schools", "%s: read error", ld->path);
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (buf != NULL) {
        buf[used] = '\0';
        *len = used;
    }
    return buf;
}

/* Checks the bytes: UTF-8, no NUL. Prints the line of the first offence. */
static bool check_text(struct loader *ld, const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    int line = 1;
    while (p < end) {
        if (*p == '\0') {
            row_error(ld, line, "a NUL byte");
            return false;
        }
        size_t n = utf8_seq(p, end);
        if (n == 0) {
            row_error(ld, line, "not UTF-8 (save the file as UTF-8; Excel: \"CSV UTF-8\")");
            return false;
        }
        if (*p == '\n')
            line++;
        p += n;
    }
    return true;
}

/* Maps the header's columns; col[c] = index of column c or -1. */
static bool map_header(struct loader *ld, const struct record *hdr, int col[COL_MAX])
{
    for (int c = 0; c < COL_MAX; c++)
        col[c] = -1;
    bool ok = true;
    for (int i = 0; i < hdr->nfields; i++) {
        char *name = trim(hdr->fields[i]);
        int found = -1;
        for (int c = 0; c < COL_MAX; c++) {
            if (strcasecmp(name, column_names[c]) == 0)
                found = c;
        }
        if (found < 0) {
            row_error(ld, hdr->line,
                      "unknown column \"%s\" in the header (columns: code, name, website, "
                      "district, and optionally region)",
                      name);
            ok = false;
        } else if (col[found] >= 0) {
            row_error(ld, hdr->line, "column \"%s\" appears twice in the header", name);
            ok = false;
        } else {
            col[found] = i;
        }
    }
    for (int c = 0; c < COL_REGION; c++) {
        if (col[c] < 0) {
            row_error(ld, hdr->line, "the header has no column \"%s\"", column_names[c]);
            ok = false;
        }
    }
    return ok;
}

static int compare_rows_by_code(const void *a, const void *b)
{
    const struct school_row *x = *(const struct school_row *const *)a;
    const struct school_row *y = *(const struct school_row *const *)b;
    int c = strcmp(x->code, y->code);
    return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Reports every school code that appears on more than one line. */
static void check_duplicates(struct loader *ld, struct school_row *rows, int nrows)
{
    struct school_row **sorted = calloc(nrows > 0 ? (size_t)nrows : 1, sizeof(*sorted));
    if (sorted == NULL) {
        row_error(ld, 1, "out of memory");
        return;
    }
    int n = 0;
    for (int i = 0; i < nrows; i++) {
        if (rows[i].code != NULL) /* NULL: a row refused for its field count */
            sorted[n++] = &rows[i];
    }
    qsort(sorted, (size_t)n, sizeof(*sorted), compare_rows_by_code);
    for (int i = 1; i < n; i++) {
        if (strcmp(sorted[i]->code, sorted[i - 1]->code) == 0)
            row_error(ld, sorted[i]->line, "school code \"%s\" already on line %d", sorted[i]->code,
                      sorted[i - 1]->line);
    }
    free(sorted);
}

/* Validates every data record into rows; false when any is bad (all are reported). */
static bool build_rows(struct loader *ld, struct record *recs, int nrecs, const int col[COL_MAX],
                       const char *region_opt, struct school_row *rows)
{
    for (int i = 1; i < nrecs; i++) {
        struct record *r = &recs[i];
        struct school_row *row = &rows[i - 1];
        *row = (struct school_row){.line = r->line};
        if (r->nfields != recs[0].nfields) {
            row_error(ld, r->line, "%d fields, the header has %d", r->nfields, recs[0].nfields);
            continue;
        }
        row->code = trim(r->fields[col[COL_CODE]]);
        row->name = squash(r->fields[col[COL_NAME]]);
        row->district = squash(r->fields[col[COL_DISTRICT]]);
        const char *website = trim(r->fields[col[COL_WEBSITE]]);
        const char *region = col[COL_REGION] >= 0 ? squash(r->fields[col[COL_REGION]]) : "";
        row->region = region_opt != NULL ? region_opt : region[0] != '\0' ? region : DEFAULT_REGION;

        if (!admin_is_code(row->code))
            row_error(ld, r->line, "school code \"%s\": 1-32 of A-Z a-z 0-9 _ - expected",
                      row->code);
        if (row->name[0] == '\0' || utf8_chars(row->name) > 1000)
            row_error(ld, r->line, "school name: 1-1000 characters expected");
        if (row->district[0] == '\0' || utf8_chars(row->district) > 500)
            row_error(ld, r->line, "district: 1-500 characters expected");
        if (utf8_chars(row->region) > 500)
            row_error(ld, r->line, "region: at most 500 characters expected");
        if (!normalise_website(website, &row->website))
            row_error(ld, r->line, "website \"%s\": an http(s) address expected", website);
    }
    check_duplicates(ld, rows, nrecs - 1);
    return ld->errors == 0;
}

struct counts {
    int schools_added, schools_updated, schools_unchanged, districts_added, regions_added;
};

/* Creates a region or district with a code derived from its name, unique among its table. */
static long long create_scope(PGconn *conn, const char *table, const char *name,
                              long long region_id, char *err, size_t err_len)
{
    char base[33], code[40], sql[256], region[24];
    admin_code_from_name(name, base);
    if (base[0] == '\0')
        snprintf(base, sizeof(base), "%s", strcmp(table, "region") == 0 ? "region" : "district");
    snprintf(region, sizeof(region), "%lld", region_id);
    for (int attempt = 1; attempt < 1000; attempt++) {
        if (attempt == 1) {
            snprintf(code, sizeof(code), "%s", base);
        } else {
            char suffix[8];
            int sl = snprintf(suffix, sizeof(suffix), "-%d", attempt);
            int keep = (int)strlen(base) > 32 - sl ? 32 - sl : (int)strlen(base);
            snprintf(code, sizeof(code), "%.*s%s", keep, base, suffix);
        }
        if (strcmp(table, "region") == 0)
            snprintf(sql, sizeof(sql),
                     "INSERT INTO mw.region (code, name) VALUES ($1, $2) "
                     "ON CONFLICT (code) DO NOTHING RETURNING id");
        else
            snprintf(sql, sizeof(sql),
                     "INSERT INTO mw.district (code, name, region_id) VALUES ($1, $2, $3) "
                     "ON CONFLICT (code) DO NOTHING RETURNING id");
        const char *params[] = {code, name, region};
        PGresult *res =
            db_query(conn, sql, strcmp(table, "region") == 0 ? 2 : 3, params, err, err_len);
        if (res == NULL)
            return -1;
        long long id = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : 0;
        PQclear(res);
        if (id > 0) {
            printf("%s \"%s\" created with code %s\n", table, name, code);
            return id;
        }
    }
    snprintf(err, err_len, "no free code for %s \"%s\"", table, name);
    return -1;
}

/* The id of the district named or coded key, created under region when missing. */
static long long resolve_district(PGconn *conn, const struct school_row *row, struct counts *cnt,
                                  char *err, size_t err_len)
{
    long long id = admin_find_scope(conn, "load-schools", "district", row->district);
    if (id != 0)
        return id; /* found, or -1 (reported) */
    long long region_id = admin_find_scope(conn, "load-schools", "region", row->region);
    if (region_id < 0)
        return -1;
    if (region_id == 0) {
        region_id = create_scope(conn, "region", row->region, 0, err, err_len);
        if (region_id < 0)
            return -1;
        cnt->regions_added++;
    }
    id = create_scope(conn, "district", row->district, region_id, err, err_len);
    if (id > 0)
        cnt->districts_added++;
    return id;
}

static bool load_rows(PGconn *conn, struct loader *ld, struct school_row *rows, int nrows,
                      struct counts *cnt)
{
    char err[1024];
    for (int i = 0; i < nrows; i++) {
        struct school_row *row = &rows[i];
        err[0] = '\0';
        long long district_id = resolve_district(conn, row, cnt, err, sizeof(err));
        if (district_id < 0) {
            row_error(ld, row->line, "district \"%s\": %s", row->district,
                      err[0] != '\0' ? err : "see above");
            return false;
        }
        char district[24];
        snprintf(district, sizeof(district), "%lld", district_id);
        const char *params[] = {district, row->code, row->name, row->website};
        PGresult *res =
            db_query(conn,
                     "INSERT INTO mw.school AS s (district_id, code, name, website) "
                     "VALUES ($1, $2, $3, $4) "
                     "ON CONFLICT (code) DO UPDATE SET district_id = EXCLUDED.district_id, "
                     "name = EXCLUDED.name, website = EXCLUDED.website, updated_at = now() "
                     "WHERE (s.district_id, s.name, s.website) IS DISTINCT FROM "
                     "(EXCLUDED.district_id, EXCLUDED.name, EXCLUDED.website) "
                     "RETURNING (xmax = 0) AS inserted",
                     4, params, err, sizeof(err));
        if (res == NULL) {
            row_error(ld, row->line, "school \"%s\": %s", row->code, err);
            return false;
        }
        if (PQntuples(res) == 0)
            cnt->schools_unchanged++;
        else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
            cnt->schools_added++;
        else
            cnt->schools_updated++;
        PQclear(res);
    }
    return true;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mwctl load-schools [--database URL] [--region NAME|CODE] FILE.csv\n"
            "\n"
            "Loads schools from a UTF-8 CSV file (RFC 4180: comma-separated, fields with commas,\n"
            "quotes or line breaks in double quotes, \"\" for a quote) whose header row names the\n"
            "columns code, name, website, district and optionally region, in any order. Adds\n"
            "new schools and updates known ones (by code); creates missing districts, and their\n"
            "region: --region, else the row's region column, else \"" DEFAULT_REGION "\". A new\n"
            "district or region gets a code transliterated from its name (e.g. \"Октябрьский\n"
            "район\" -> oktyabrskiy-rayon). Districts and regions are found by code or name.\n"
            "A website without http:// or https:// gets http://. All in one transaction: with\n"
            "any bad row, every bad row is listed (FILE:LINE: reason) and nothing is loaded.\n");
}

int cmd_load_schools(int argc, char **argv)
{
    const char *url = NULL, *region = NULL;
    const struct admin_option options[] = {
        {.name = "database", .short_name = 'd', .value = &url},
        {.name = "region", .short_name = 'r', .value = &region},
        {0},
    };
    struct admin_args args;
    int rc = admin_parse_options("load-schools", "load-schools", argc, argv, options, usage, true,
                                 &args);
    struct loader ld = {0};
    if (rc < 0 && args.count != 1) {
        admin_error("load-schools", "one CSV file expected (see --help)");
        rc = ADMIN_USAGE;
    } else if (rc < 0) {
        ld.path = args.operands[0];
    }
    if (rc < 0 && region != NULL && (region[0] == '\0' || utf8_chars(region) > 500)) {
        admin_error("load-schools", "--region: 1-500 characters expected");
        rc = ADMIN_USAGE;
    }
    admin_args_free(&args); /* the operands point into main's argv, which lives on */
    if (rc >= 0)
        return rc;

    size_t len = 0;
    char *text = read_file(&ld, &len);
    if (text == NULL)
        return ADMIN_FAIL;
    struct record *recs = NULL;
    int nrecs = 0;
    struct school_row *rows = NULL;
    int col[COL_MAX];
    PGconn *conn = NULL;
    rc = ADMIN_FAIL;
    char *body = text;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        body += 3; /* Excel's byte order mark */
    if (!check_text(&ld, body, len - (size_t)(body - text)) || !parse_csv(&ld, body, &recs, &nrecs))
        goto out;
    if (nrecs == 0) {
        admin_error("load-schools", "%s: empty file (a header row is expected)", ld.path);
        goto out;
    }
    if (!map_header(&ld, &recs[0], col))
        goto out;
    rows = calloc((size_t)nrecs, sizeof(*rows));
    if (rows == NULL) {
        admin_error("load-schools", "out of memory");
        goto out;
    }
    if (!build_rows(&ld, recs, nrecs, col, region, rows))
        goto out;

    conn = admin_connect("load-schools", url);
    if (conn == NULL)
        goto out;
    char err[1024];
    struct counts cnt = {0};
    if (!db_exec(conn, "BEGIN", 0, NULL, err, sizeof(err))) {
        admin_error("load-schools", "%s", err);
        goto out;
    }
    if (!load_rows(conn, &ld, rows, nrecs - 1, &cnt) ||
        !db_exec(conn, "COMMIT", 0, NULL, err, sizeof(err))) {
        if (ld.errors == 0)
            admin_error("load-schools", "%s", err);
        PQclear(PQexec(conn, "ROLLBACK"));
        goto out;
    }
    printf("schools: %d added, %d updated, %d unchanged; districts: %d added; regions: %d "
           "added\n",
           cnt.schools_added, cnt.schools_updated, cnt.schools_unchanged, cnt.districts_added,
           cnt.regions_added);
    rc = ADMIN_OK;
out:
    if (rc != ADMIN_OK && ld.errors > 0)
        fprintf(stderr, "mwctl load-schools: %d error(s); nothing was loaded\n", ld.errors);
    PQfinish(conn);
    if (rows != NULL) {
        for (int i = 0; i < nrecs - 1; i++)
            free(rows[i].website);
    }
    free(rows);
    free_records(recs, nrecs);
    free(text);
    return rc;
}
