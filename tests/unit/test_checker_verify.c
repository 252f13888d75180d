/* Unit tests of document verification (sniffing, sizes, verdicts), the schools CSV and options. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker_config.h"
#include "schools.h"
#include "verify.h"

static unsigned char *filled(const char *head, size_t head_len, size_t len)
{
    unsigned char *b = calloc(1, len);
    cr_assert_not_null(b);
    memcpy(b, head, head_len);
    return b;
}

Test(verify, sniffing)
{
    unsigned char *b = filled("%PDF-1.7\n", 9, 4096);
    cr_expect_eq(verify_sniff(b, 4096, "application/pdf", "pdf"), KIND_PDF);
    free(b);
    b = filled("\r\n\r\n%PDF-1.4", 12, 2000); /* junk before the header */
    cr_expect_eq(verify_sniff(b, 2000, NULL, NULL), KIND_PDF);
    free(b);
    b = filled("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, 4096);
    cr_expect_eq(verify_sniff(b, 4096, "application/msword", "doc"), KIND_DOC);
    free(b);
    b = filled("{\\rtf1\\ansi", 11, 2000);
    cr_expect_eq(verify_sniff(b, 2000, NULL, NULL), KIND_RTF);
    free(b);
    /* ZIP: an ODT's mimetype entry at offset 30, a DOCX's word/ entry, or the name/type */
    b = filled("PK\x03\x04", 4, 4096);
    memcpy(b + 30, "mimetypeapplication/vnd.oasis.opendocument.text", 47);
    cr_expect_eq(verify_sniff(b, 4096, NULL, NULL), KIND_ODT);
    memset(b + 30, 0, 47);
    memcpy(b + 30, "word/document.xml", 17);
    cr_expect_eq(verify_sniff(b, 4096, NULL, NULL), KIND_DOCX);
    memset(b + 30, 0, 17);
    cr_expect_eq(verify_sniff(b, 4096, NULL, "docx"), KIND_DOCX);
    cr_expect_eq(verify_sniff(b, 4096, "application/vnd.oasis.opendocument.text", NULL), KIND_ODT);
    cr_expect_eq(verify_sniff(b, 4096, "application/zip", "zip"), KIND_NONE);
    free(b);
    const char *html = "\xEF\xBB\xBF  <!DOCTYPE html><title>404</title>";
    cr_expect_eq(verify_sniff((const unsigned char *)html, strlen(html), NULL, "pdf"), KIND_HTML);
    cr_expect_eq(verify_sniff((const unsigned char *)"GIF89a", 6, "image/gif", NULL), KIND_NONE);
    cr_expect_eq(verify_sniff((const unsigned char *)"", 0, NULL, NULL), KIND_NONE);
}

Test(verify, sizes)
{
    cr_expect_eq(verify_total_size(206, "bytes 0-4095/123456", -1, 4096, false), 123456);
    cr_expect_eq(verify_total_size(206, "bytes 0-4095/*", 4096, 4096, false), -1);
    cr_expect_eq(verify_total_size(200, NULL, 50000, 65536, true), 50000);
    cr_expect_eq(verify_total_size(200, NULL, -1, 65536, true), -1);
    cr_expect_eq(verify_total_size(200, NULL, -1, 900, false), 900);
}

Test(verify, verdicts)
{
    unsigned char *pdf = filled("%PDF-1.5", 8, 4096);
    struct verdict v = verify_answer(206, pdf, 4096, false, "application/pdf", "bytes 0-4095/90000",
                                     4096, "pdf", true);
    cr_expect(v.found && v.kind == KIND_PDF && v.bytes == 90000);
    v = verify_answer(200, pdf, 600, false, "application/pdf", NULL, 600, "pdf", true);
    cr_expect(!v.found && v.problem == PROBLEM_TOO_SMALL);
    v = verify_answer(404, pdf, 4096, false, "text/html", NULL, 300, "pdf", true);
    cr_expect(!v.found && v.problem == PROBLEM_HTTP_STATUS && v.kind == KIND_NONE);
    const char *page = "<html><title>Страница не найдена</title></html>";
    v = verify_answer(200, (const unsigned char *)page, strlen(page), false, "text/html", NULL, -1,
                      "pdf", true);
    cr_expect(!v.found && !v.html_page && v.problem == PROBLEM_HTML_INSTEAD);
    v = verify_answer(200, (const unsigned char *)page, strlen(page), false, "text/html", NULL, -1,
                      NULL, false);
    cr_expect(!v.found && v.html_page, "a card page: follow it");
    v = verify_answer(200, (const unsigned char *)"PK\x03\x04xx", 6, false, "application/zip", NULL,
                      5000, "zip", true);
    cr_expect(!v.found && v.problem == PROBLEM_NOT_A_DOCUMENT);
    /* a server that ignores Range: 64 KB read, the size from Content-Length */
    v = verify_answer(200, pdf, 4096, true, "application/pdf", NULL, 5000000, "pdf", true);
    cr_expect(v.found && v.bytes == 5000000);
    free(pdf);
    cr_expect(verify_is_error_page("страница не найдена", ""));
    cr_expect(verify_is_error_page("", "ошибка 404"));
    cr_expect(verify_is_error_page("404 not found", NULL));
    cr_expect(!verify_is_error_page("положение о наставничестве", "положение о наставничестве"));
    cr_expect(!verify_is_error_page("работа над ошибками", ""));
    cr_expect(verify_is_error_page("404", NULL));
    cr_expect(verify_is_error_page("403 доступ закрыт", ""));
    /* a school's or an order's number is not a status code */
    cr_expect(!verify_is_error_page("положение о наставничестве в мбоу сош 403",
                                    "положение о наставничестве в мбоу сош 403"));
    cr_expect(!verify_is_error_page("приказ 404 от 01 09 2024 о внедрении целевой модели", ""));
    cr_expect(verify_is_document_host("disk.yandex.ru"));
    cr_expect(verify_is_document_host("drive.google.com"));
    cr_expect(!verify_is_document_host("school.ru"));
    cr_expect(!verify_is_document_host(NULL));
}

static void parse_csv(const char *text, struct school_list *out, bool want_ok)
{
    FILE *err = fopen("/dev/null", "w");
    bool ok = schools_parse(text, strlen(text), out, err);
    fclose(err);
    cr_assert_eq(ok, want_ok, "schools_parse(%s)", text);
}

Test(schools, csv)
{
    struct school_list l;
    parse_csv("\xEF\xBB\xBF"
              "code,website,section\r\n"
              "SOSH14,http://sosh14.ru/,\r\n"
              "\r\n"
              "\"GIM 2\",\"https://gim2.ru/?a=1,b=2\",\"https://gim2.ru/\"\"q\"\"/\"\r\n"
              "  LIC1 , lic1.ru \n"
              "NOSITE,\n"
              ",http://nocode.ru/\n"
              "MULTI,\"http://multi.ru/\n"
              "x\",http://multi.ru/s/,extra,fields\n",
              &l, true);
    cr_assert_eq(l.n, 4);
    cr_expect_str_eq(l.items[0].code, "SOSH14");
    cr_expect_str_eq(l.items[0].website, "http://sosh14.ru/");
    cr_expect_null(l.items[0].section_url);
    cr_expect_str_eq(l.items[1].code, "GIM 2");
    cr_expect_str_eq(l.items[1].website, "https://gim2.ru/?a=1,b=2");
    cr_expect_str_eq(l.items[1].section_url, "https://gim2.ru/\"q\"/");
    cr_expect_str_eq(l.items[2].code, "LIC1");
    cr_expect_str_eq(l.items[2].website, "lic1.ru");
    cr_expect_str_eq(l.items[3].website, "http://multi.ru/\nx");
    cr_expect_str_eq(l.items[3].section_url, "http://multi.ru/s/");
    schools_free(&l);

    parse_csv("код;сайт;раздел\nШК1;http://shk1.ru/;http://shk1.ru/nastavnichestvo/\n", &l, true);
    cr_assert_eq(l.n, 1);
    cr_expect_str_eq(l.items[0].code, "ШК1");
    cr_expect_str_eq(l.items[0].section_url, "http://shk1.ru/nastavnichestvo/");
    schools_free(&l);

    parse_csv("code,website\n", &l, true);
    cr_expect_eq(l.n, 0);
    schools_free(&l);
    parse_csv("", &l, true);
    cr_expect_eq(l.n, 0);
    schools_free(&l);
    parse_csv("code,website\nA,\"http://a.ru/\n", &l, false);
}

Test(config, options)
{
    char *argv[] = {"checker",      "--once",     "--schools",           "s.csv",
                    "--per-host=3", "--required", "regulation, program", "--allow-private",
                    "--timeout",    "5"};
    struct checker_config cfg;
    FILE *err = fopen("/dev/null", "w");
    cr_assert(checker_config_load(&cfg, 10, argv, err));
    cr_expect(cfg.once && cfg.allow_private && !cfg.ignore_robots);
    cr_expect_str_eq(cfg.schools, "s.csv");
    cr_expect_eq(cfg.per_host, 3);
    cr_expect_eq(cfg.timeout_s, 5);
    cr_expect_eq(cfg.host_delay_ms, 250);
    cr_expect_eq(cfg.required_set, (1u << DOC_REGULATION) | (1u << DOC_PROGRAM));
    cr_expect(strncmp(cfg.user_agent, "mentorwatch-checker/", 20) == 0);
    for (const char *p = cfg.user_agent; *p != '\0'; p++)
        cr_expect((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7F, "ASCII User-Agent");
    checker_config_free(&cfg);

    char *bad1[] = {"checker", "--per-host", "0"};
    cr_expect(!checker_config_load(&cfg, 3, bad1, err));
    char *bad2[] = {"checker", "--required", "regulation,bogus"};
    cr_expect(!checker_config_load(&cfg, 3, bad2, err));
    char *bad3[] = {"checker", "--nope"};
    cr_expect(!checker_config_load(&cfg, 2, bad3, err));
    char *bad4[] = {"checker", "--schools"};
    cr_expect(!checker_config_load(&cfg, 2, bad4, err));

    setenv("MW_CHECKER_USER_AGENT", "district-robot/1 (+mailto:it@uo.example)", 1);
    setenv("MW_CHECKER_ALLOW_PRIVATE", "1", 1);
    char *envargs[] = {"checker"};
    cr_assert(checker_config_load(&cfg, 1, envargs, err));
    cr_expect_str_eq(cfg.user_agent, "district-robot/1 (+mailto:it@uo.example)");
    cr_expect(cfg.allow_private);
    checker_config_free(&cfg);
    char *override[] = {"checker", "--user-agent", "x/1"};
    cr_assert(checker_config_load(&cfg, 3, override, err));
    cr_expect_str_eq(cfg.user_agent, "x/1", "the command line wins");
    checker_config_free(&cfg);
    setenv("MW_CHECKER_ALLOW_PRIVATE", "maybe", 1);
    cr_expect(!checker_config_load(&cfg, 1, envargs, err));
    unsetenv("MW_CHECKER_ALLOW_PRIVATE");
    unsetenv("MW_CHECKER_USER_AGENT");
    fclose(err);
}
