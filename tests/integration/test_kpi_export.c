/* The KPI exports: CSV parsed back cell by cell, XLSX unzipped and its sheet XML read. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "fixture_kpi.h"

#define PERIOD "year=2024-2025&stage=intermediate"

static struct fixture fx;

static void setup(void)
{
    kpi_fixture_setup(&fx, "kpi_export");
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

TestSuite(kpi_export, .init = setup, .fini = teardown, .timeout = 120);

/* A parsed CSV: rows of cells (RFC 4180 with ';'). */
struct csv {
    int rows, cols[64];
    char *cell[64][160];
};

static void csv_free(struct csv *c)
{
    for (int r = 0; r < c->rows; r++)
        for (int i = 0; i < c->cols[r]; i++)
            free(c->cell[r][i]);
}

/* Parses text (after the BOM); fails the test on a malformed file or a bare LF line end. */
static void csv_parse(const char *p, struct csv *c)
{
    memset(c, 0, sizeof(*c));
    char *cell = malloc(strlen(p) + 1);
    size_t len = 0;
    bool quoted = false, at_start = true;
    while (*p != '\0') {
        if (quoted) {
            if (p[0] == '"' && p[1] == '"') {
                cell[len++] = '"';
                p += 2;
            } else if (p[0] == '"') {
                quoted = false;
                p++;
            } else {
                cell[len++] = *p++;
            }
            continue;
        }
        if (*p == '"' && at_start) {
            quoted = true;
            at_start = false;
            p++;
        } else if (*p == ';' || (p[0] == '\r' && p[1] == '\n')) {
            cr_assert(c->rows < 64 && c->cols[c->rows] < 160, "CSV too large for the test");
            cell[len] = '\0';
            c->cell[c->rows][c->cols[c->rows]++] = strdup(cell);
            len = 0;
            at_start = true;
            if (*p == ';') {
                p++;
            } else {
                c->rows++;
                p += 2;
            }
        } else {
            cr_assert(*p != '\n' && *p != '\r', "a bare line break outside quotes");
            cell[len++] = *p++;
            at_start = false;
        }
    }
    cr_assert(at_start && len == 0, "the file ends with CRLF");
    free(cell);
}

static int csv_column(const struct csv *c, const char *header)
{
    for (int i = 0; i < c->cols[0]; i++)
        if (strcmp(c->cell[0][i], header) == 0)
            return i;
    cr_assert_fail("no column «%s»", header);
    return -1;
}

static int csv_row(const struct csv *c, int col, const char *value)
{
    for (int r = 1; r < c->rows; r++)
        if (strcmp(c->cell[r][col], value) == 0)
            return r;
    cr_assert_fail("no row with «%s»", value);
    return -1;
}

static struct mwtest_response get_file(const char *path, const char *token, const char *type,
                                       const char *filename)
{
    struct mwtest_response resp;
    cr_assert_eq(fixture_get(&resp, &fx, path, token), 0);
    cr_assert_eq(resp.status, 200, "GET %s: %ld %.300s", path, resp.status, resp.body);
    cr_expect_str_eq(mwtest_header(&resp, "Content-Type"), type);
    char *disposition = mwtest_fmt("attachment; filename=\"%s\"", filename);
    cr_expect_str_eq(mwtest_header(&resp, "Content-Disposition"), disposition);
    free(disposition);
    return resp;
}

Test(kpi_export, schools_csv)
{
    struct mwtest_response resp =
        get_file("/api/v1/kpi/schools.csv?" PERIOD, fx.token_district, "text/csv; charset=utf-8",
                 "kpi-schools-2024-2025-intermediate.csv");
    cr_assert(resp.body_len > 3 && memcmp(resp.body, "\xEF\xBB\xBF", 3) == 0, "UTF-8 BOM");
    struct csv c;
    csv_parse(resp.body + 3, &c);
    cr_expect_eq(c.rows, 5, "a header and the district's four schools");
    for (int r = 1; r < c.rows; r++)
        cr_expect_eq(c.cols[r], c.cols[0], "row %d has every column", r);
    int school = csv_column(&c, "Код школы");
    int row = csv_row(&c, school, "SOSH14");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Школа")], "МОУ «СОШ №14»");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Этап")], "промежуточный");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Статус отчёта")], "вовремя");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Версия отчёта")], "2");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Охват молодых педагогов, %")], "37,5");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Целевой охват достигнут")], "нет");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Наставники: ветераны педагогического труда")],
                     "1");
    cr_expect_str_eq(c.cell[row][csv_column(&c, "Доля встреч с обратной связью, %")], "77,8");
    int sosh8 = csv_row(&c, school, "SOSH8");
    cr_expect_str_eq(c.cell[sosh8][csv_column(&c, "Статус отчёта")], "не сдан");
    cr_expect_str_eq(c.cell[sosh8][csv_column(&c, "Педагогов всего")], "", "NULL is empty");
    csv_free(&c);
    mwtest_response_free(&resp);
}

Test(kpi_export, overdue_csv_quoting)
{
    struct mwtest_response resp =
        get_file("/api/v1/kpi/overdue.csv?" PERIOD, fx.token_district, "text/csv; charset=utf-8",
                 "kpi-overdue-2024-2025-intermediate.csv");
    /* The title with a quote and a ';' is quoted, its quotes doubled. */
    cr_expect_not_null(strstr(resp.body, ";\"Приказ \"\"О наставничестве\"\"; этап 1\";"));
    struct csv c;
    csv_parse(resp.body + 3, &c);
    cr_assert_eq(c.rows, 3);
    int title = csv_column(&c, "Мероприятие");
    cr_expect_str_eq(c.cell[1][title], "Приказ \"О наставничестве\"; этап 1");
    cr_expect_str_eq(c.cell[2][title], "'=Школа наставников", "a formula is shown as text");
    cr_expect_str_eq(c.cell[1][csv_column(&c, "Срок")], "15.12.2024");
    cr_expect_str_eq(c.cell[1][csv_column(&c, "Статус отчёта")], "запланировано");
    cr_expect_str_eq(c.cell[2][csv_column(&c, "Ответственный")], "Иванова И. И.");
    char *days = mwtest_fmt("%ld", kpi_days_since(&fx, "2024-12-15"));
    cr_expect_str_eq(c.cell[1][csv_column(&c, "Дней просрочки")], days);
    free(days);
    csv_free(&c);
    mwtest_response_free(&resp);
}

Test(kpi_export, series_csv_has_no_period_in_its_name)
{
    struct mwtest_response resp = get_file("/api/v1/kpi/series.csv", fx.token_region,
                                           "text/csv; charset=utf-8", "kpi-series.csv");
    struct csv c;
    csv_parse(resp.body + 3, &c);
    cr_expect_eq(c.rows, 3, "a header and two periods");
    int stage = csv_column(&c, "Этап");
    cr_expect_str_eq(c.cell[1][stage], "входной");
    cr_expect_str_eq(c.cell[2][stage], "промежуточный");
    cr_expect_str_eq(c.cell[2][csv_column(&c, "Доля сдавших отчёт, %")], "60,0");
    csv_free(&c);
    mwtest_response_free(&resp);
}

Test(kpi_export, districts_xlsx)
{
    struct mwtest_response resp =
        get_file("/api/v1/kpi/districts.xlsx?" PERIOD, fx.token_region,
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "kpi-districts-2024-2025-intermediate.xlsx");
    cr_assert(resp.body_len > 4 && memcmp(resp.body, "PK\x03\x04", 4) == 0, "a ZIP file");
    char *path = mwtest_temp_file("districts.xlsx", resp.body, resp.body_len);
    char *sheet = NULL, *book = NULL;
    int rc =
        mwtest_run((const char *const[]){"unzip", "-p", path, "xl/worksheets/sheet1.xml", NULL},
                   NULL, NULL, 0, &sheet, NULL);
    cr_assert_eq(rc, 0, "unzip the sheet");
    rc = mwtest_run((const char *const[]){"unzip", "-p", path, "xl/workbook.xml", NULL}, NULL, NULL,
                    0, &book, NULL);
    cr_assert_eq(rc, 0, "unzip the workbook");
    cr_expect_not_null(strstr(book, "name=\"Районы\""), "the sheet's name");
    /* Row 1: bold headers; rows 2-3: the districts by name, numbers as numbers. */
    cr_expect_not_null(strstr(sheet, "<c r=\"E1\" s=\"1\" t=\"inlineStr\"><is><t>Район</t>"));
    cr_expect_not_null(strstr(sheet, "<c r=\"E2\" t=\"inlineStr\"><is><t>Демо район</t>"));
    cr_expect_not_null(strstr(sheet, "<c r=\"E3\" t=\"inlineStr\"><is><t>Соседний район</t>"));
    cr_expect_not_null(strstr(sheet, "<c r=\"O2\"><v>4</v></c>"), "schools expected");
    cr_expect_not_null(strstr(sheet, "<c r=\"V2\"><v>50</v></c>"), "reporting rate");
    cr_expect_not_null(strstr(sheet, "<c r=\"AA2\"><v>58.3</v></c>"), "young coverage");
    cr_expect_not_null(strstr(sheet, "state=\"frozen\""), "the header row is frozen");
    free(sheet);
    free(book);
    free(path);
    mwtest_response_free(&resp);
}

Test(kpi_export, scoped_like_the_json)
{
    struct mwtest_response resp;
    cr_assert_eq(fixture_get(&resp, &fx, "/api/v1/kpi/districts.csv?" PERIOD, fx.token_sosh14), 0);
    cr_expect_eq(resp.status, 403);
    mwtest_response_free(&resp);
    cr_assert_eq(fixture_get(&resp, &fx, "/api/v1/kpi/overdue.csv?" PERIOD, fx.token_region), 0);
    cr_expect_eq(resp.status, 200);
    cr_expect_null(strstr(resp.body, "Иванова"), "no responsible for a region");
    cr_expect_not_null(strstr(resp.body, "OTHER1"));
    mwtest_response_free(&resp);
}
