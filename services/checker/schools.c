/* CSV reading for the one-shot mode's list of schools. */
#include "schools.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 3

struct row {
    char *fields[MAX_FIELDS];
    size_t n; /* fields seen (more than MAX_FIELDS are read and dropped) */
};

static void row_clear(struct row *r)
{
    for (size_t i = 0; i < MAX_FIELDS; i++) {
        free(r->fields[i]);
        r->fields[i] = NULL;
    }
    r->n = 0;
}

/* Trims ASCII spaces around a field (outside quotes only matters for unquoted ones). */
static char *trimmed_copy(const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return strndup(s, len);
}

static char detect_delimiter(const char *text, size_t len)
{
    size_t commas = 0, semicolons = 0;
    bool quoted = false;
    for (size_t i = 0; i < len && text[i] != '\n'; i++) {
        if (text[i] == '"')
            quoted = !quoted;
        else if (!quoted && text[i] == ',')
            commas++;
        else if (!quoted && text[i] == ';')
            semicolons++;
    }
    return semicolons > commas ? ';' : ',';
}

static bool add_school(struct school_list *out, size_t *cap, struct row *r, unsigned line,
                       FILE *err)
{
    const char *code = r->n > 0 ? r->fields[0] : NULL;
    const char *site = r->n > 1 ? r->fields[1] : NULL;
    if (code == NULL || code[0] == '\0' || site == NULL || site[0] == '\0') {
        fprintf(err, "schools: line %u: a school code and a website are needed; row skipped\n",
                line);
        return true;
    }
    if (out->n >= SCHOOLS_MAX) {
        fprintf(err, "schools: more than %d schools\n", SCHOOLS_MAX);
        return false;
    }
    if (out->n == *cap) {
        size_t new_cap = *cap ? *cap * 2 : 64;
        struct school *p = realloc(out->items, new_cap * sizeof(*p));
        if (p == NULL)
            return false;
        out->items = p;
        *cap = new_cap;
    }
    struct school *s = &out->items[out->n++];
    const char *section =
        r->n > 2 && r->fields[2] != NULL && r->fields[2][0] != '\0' ? r->fields[2] : NULL;
    *s = (struct school){r->fields[0], r->fields[1], NULL, line};
    r->fields[0] = r->fields[1] = NULL;
    if (section != NULL) {
        s->section_url = r->fields[2];
        r->fields[2] = NULL;
    }
    return true;
}

bool schools_parse(const char *text, size_t len, struct school_list *out, FILE *err)
{
    memset(out, 0, sizeof(*out));
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    char delim = detect_delimiter(text, len);
    size_t cap = 0, pos = 0;
    unsigned line = 1, row_line = 1, rows = 0;
    struct row r = {0};
    char *field = malloc(SCHOOLS_FIELD_MAX + 1);
    bool ok = field != NULL;
    while (ok && pos <= len) {
        /* one field */
        size_t n = 0;
        bool quoted = pos < len && text[pos] == '"', had_quotes = quoted;
        if (quoted)
            pos++;
        for (;;) {
            if (pos >= len) {
                if (quoted) {
                    fprintf(err, "schools: line %u: a quoted field is not closed\n", row_line);
                    ok = false;
                }
                break;
            }
            char c = text[pos];
            if (quoted) {
                if (c == '"' && pos + 1 < len && text[pos + 1] == '"') {
                    c = '"';
                    pos++;
                } else if (c == '"') {
                    quoted = false;
                    pos++;
                    continue;
                }
            } else if (c == delim || c == '\n' || c == '\r') {
                break;
            }
            if (c == '\n')
                line++;
            if (n >= SCHOOLS_FIELD_MAX) {
                fprintf(err, "schools: line %u: a field is longer than %d bytes\n", row_line,
                        SCHOOLS_FIELD_MAX);
                ok = false;
                break;
            }
            field[n++] = c;
            pos++;
        }
        if (!ok)
            break;
        if (r.n < MAX_FIELDS) {
            r.fields[r.n] = had_quotes ? strndup(field, n) : trimmed_copy(field, n);
            ok = r.fields[r.n] != NULL;
        }
        r.n++;
        if (pos < len && text[pos] == delim) {
            pos++;
            continue;
        }
        /* end of row */
        bool blank = r.n == 1 && r.fields[0] != NULL && r.fields[0][0] == '\0';
        if (ok && !blank && rows++ > 0)
            ok = add_school(out, &cap, &r, row_line, err);
        row_clear(&r);
        if (pos < len && text[pos] == '\r')
            pos++;
        if (pos < len && text[pos] == '\n')
            pos++;
        line++;
        row_line = line;
        if (pos >= len)
            break;
    }
    row_clear(&r);
    free(field);
    if (!ok)
        schools_free(out);
    return ok;
}

bool schools_load(const char *path, struct school_list *out, FILE *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(err, "schools: cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    bool ok = text != NULL;
    while (ok) {
        if (len == cap) {
            char *p = cap < 256u * 1024 * 1024 ? realloc(text, cap * 2) : NULL;
            if (p == NULL) {
                fprintf(err, "schools: %s is too large\n", path);
                ok = false;
                break;
            }
            text = p;
            cap *= 2;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                fprintf(err, "schools: cannot read %s: %s\n", path, strerror(errno));
                ok = false;
            }
            break;
        }
    }
    fclose(f);
    ok = ok && schools_parse(text, len, out, err);
    free(text);
    return ok;
}

void schools_free(struct school_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].code);
        free(list->items[i].website);
        free(list->items[i].section_url);
    }
    free(list->items);
    memset(list, 0, sizeof(*list));
}
