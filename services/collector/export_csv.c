/* CSV exports as Excel with a Russian locale opens them: BOM, ';', CRLF, decimal commas. */
#include <stdbool.h>
#include <string.h>

#include "export_table.h"

#define CELL_BUF 128

/* Text a spreadsheet would evaluate as a formula (CSV injection): shown with a leading '. */
static bool formula_like(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

static bool append_str(struct export_output *out, const char *s)
{
    return export_output_append(out, s, strlen(s));
}

/* RFC 4180: quoted when it holds the separator, a quote or a line break; quotes doubled. */
static bool append_text(struct export_output *out, const char *s)
{
    bool quote = strpbrk(s, ";\"\r\n") != NULL;
    bool ok = true;
    if (quote)
        ok = append_str(out, "\"");
    if (formula_like(s))
        ok = ok && append_str(out, "'");
    for (const char *p = s; ok && *p != '\0';) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        ok = export_output_append(out, p, n);
        if (ok && q != NULL) {
            ok = append_str(out, "\"\"");
            p = q + 1;
        } else {
            p += n;
        }
    }
    if (ok && quote)
        ok = append_str(out, "\"");
    return ok;
}

/* A decimal number with a comma for the point. */
static bool append_number(struct export_output *out, const char *s)
{
    const char *dot = strchr(s, '.');
    if (dot == NULL)
        return append_str(out, s);
    return export_output_append(out, s, (size_t)(dot - s)) && append_str(out, ",") &&
           append_str(out, dot + 1);
}

bool export_csv(const struct export_table *t, struct export_output *out)
{
    bool ok = append_str(out, "\xEF\xBB\xBF");
    for (int c = 0; ok && c < t->cols; c++)
        ok = (c == 0 || append_str(out, ";")) && append_text(out, t->headers[c]);
    ok = ok && append_str(out, "\r\n");
    char buf[CELL_BUF];
    for (int r = 0; ok && r < t->rows; r++) {
        for (int c = 0; ok && c < t->cols; c++) {
            const char *text;
            enum export_cell_kind kind = export_cell(t, r, c, buf, sizeof(buf), &text);
            ok = c == 0 || append_str(out, ";");
            if (ok && kind == EXPORT_CELL_NUMBER)
                ok = append_number(out, text);
            else if (ok && kind == EXPORT_CELL_TEXT)
                ok = append_text(out, text);
        }
        ok = ok && append_str(out, "\r\n");
    }
    return ok;
}
