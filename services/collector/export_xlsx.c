/* XLSX exports with libxlsxwriter: one sheet, bold frozen header row, numbers as numbers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "export_table.h"
#include "log.h"

#define CELL_BUF        128
#define WIDTH_MIN       8.0
#define WIDTH_MAX       60.0
#define WIDTH_PER_CHAR  1.1
#define HEADER_ROW_HIGH 45.0

/* A column as wide as its header wants, within reason (the header wraps). */
static double header_width(const char *header)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)header; *p != '\0'; p++)
        chars += (*p & 0xC0) != 0x80; /* count UTF-8 characters, not bytes */
    double width = (double)chars * WIDTH_PER_CHAR / 2.0 + 2.0;
    return width < WIDTH_MIN ? WIDTH_MIN : width > WIDTH_MAX ? WIDTH_MAX : width;
}

static lxw_error write_sheet(lxw_workbook *wb, const struct export_table *t, const char *sheet_name)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet_name);
    lxw_format *bold = workbook_add_format(wb);
    if (ws == NULL || bold == NULL)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    format_set_bold(bold);
    format_set_text_wrap(bold);
    format_set_align(bold, LXW_ALIGN_VERTICAL_TOP);
    lxw_error err = worksheet_set_row(ws, 0, HEADER_ROW_HIGH, NULL);
    for (int c = 0; err == LXW_NO_ERROR && c < t->cols; c++) {
        err =
            worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, header_width(t->headers[c]), NULL);
        if (err == LXW_NO_ERROR)
            err = worksheet_write_string(ws, 0, (lxw_col_t)c, t->headers[c], bold);
    }
    if (err == LXW_NO_ERROR)
        worksheet_freeze_panes(ws, 1, 0);
    char buf[CELL_BUF];
    for (int r = 0; err == LXW_NO_ERROR && r < t->rows; r++) {
        for (int c = 0; err == LXW_NO_ERROR && c < t->cols; c++) {
            const char *text;
            enum export_cell_kind kind = export_cell(t, r, c, buf, sizeof(buf), &text);
            lxw_row_t row = (lxw_row_t)r + 1;
            if (kind == EXPORT_CELL_NUMBER)
                err = worksheet_write_number(ws, row, (lxw_col_t)c, strtod(text, NULL), NULL);
            else if (kind == EXPORT_CELL_TEXT)
                err = worksheet_write_string(ws, row, (lxw_col_t)c, text, NULL);
        }
    }
    return err;
}

static bool read_whole(const char *path, struct export_output *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    char chunk[65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ok = export_output_append(out, chunk, n);
    ok = ok && !ferror(f);
    fclose(f);
    return ok;
}

bool export_xlsx(const struct export_table *t, const char *sheet_name, const char *tmpdir,
                 struct export_output *out)
{
    /* libxlsxwriter 1.1.4 (Debian 12) writes to a named file only: a private one of ours. */
    char path[4096];
    snprintf(path, sizeof(path), "%s/mw-export-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    if (fd < 0) {
        log_error("export_xlsx_failed", "step=mkstemp dir=%s error=\"%s\"", tmpdir,
                  strerror(errno));
        return false;
    }
    close(fd);
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
    lxw_workbook *wb = workbook_new_opt(path, &options);
    lxw_error err = wb != NULL ? write_sheet(wb, t, sheet_name) : LXW_ERROR_MEMORY_MALLOC_FAILED;
    if (wb != NULL) {
        lxw_error closed = workbook_close(wb); /* writes the file; frees wb in any case */
        if (err == LXW_NO_ERROR)
            err = closed;
    }
    bool ok = err == LXW_NO_ERROR && read_whole(path, out);
    if (!ok)
        log_error("export_xlsx_failed", "step=write error=\"%s\"", lxw_strerror(err));
    unlink(path);
    return ok;
}
