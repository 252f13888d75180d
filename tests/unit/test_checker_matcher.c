/* Unit tests of the document-type rules (data: tests/data/checker/doctypes.tsv), folding, scores.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matcher.h"
#include "textfold.h"

#define DOCTYPES MW_TESTS_DIR "/data/checker/doctypes.tsv"

static char *fold(const char *s)
{
    char *f = text_fold(s, strlen(s), 2048);
    cr_assert_not_null(f);
    return f;
}

Test(matcher, doctypes_table)
{
    FILE *f = fopen(DOCTYPES, "r");
    cr_assert_not_null(f, "cannot open %s", DOCTYPES);
    char line[2048];
    int lineno = 0, checked = 0;
    int per_type[DOC_TYPE_MAX + 1] = {0};
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *want = line, *where = strchr(line, '\t');
        cr_assert_not_null(where, "line %d: no tab", lineno);
        *where++ = '\0';
        char *text = strchr(where, '\t');
        cr_assert_not_null(text, "line %d: no text column", lineno);
        *text++ = '\0';
        cr_assert(strcmp(where, "section") == 0 || strcmp(where, "page") == 0, "line %d", lineno);
        char *folded = fold(text);
        struct doc_match m = {DOC_OTHER, -1};
        bool matched = matcher_doc_type(folded, strcmp(where, "section") == 0, &m);
        if (strcmp(want, "none") == 0) {
            cr_expect(!matched, "line %d: \"%s\" matched %s (rule %s), expected nothing", lineno,
                      text, doc_type_code(m.type), matcher_rule_name(m.rule));
            per_type[DOC_TYPE_MAX]++;
        } else {
            enum doc_type type;
            cr_assert(doc_type_parse(want, &type), "line %d: unknown code %s", lineno, want);
            cr_expect(matched && m.type == type, "line %d: \"%s\" gave %s (rule %s), expected %s",
                      lineno, text, matched ? doc_type_code(m.type) : "nothing",
                      matched ? matcher_rule_name(m.rule) : "-", want);
            per_type[type]++;
        }
        free(folded);
        checked++;
    }
    fclose(f);
    cr_log_info("%d titles checked", checked);
    cr_expect_geq(checked, 90);
    for (int t = 0; t < DOC_TYPE_MAX; t++)
        cr_expect_gt(per_type[t], 0, "no title for %s", doc_type_code((enum doc_type)t));
}

Test(matcher, folding)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"ПОЛОЖЕНИЕ О НАСТАВНИЧЕСТВЕ", "положение о наставничестве"},
        {"Ёлка, ёж и ЁМКОСТЬ", "елка еж и емкость"},
        {"Приказ №14-а «О ВНЕДРЕНИИ»", "приказ 14 а о внедрении"},
        {"  План\u00a0мероприятий\t(дорожная\u2003карта)  ", "план мероприятий дорожная карта"},
        {"polozhenie_o_nastavnichestve.pdf", "polozhenie o nastavnichestve pdf"},
        {"Настав\u00adничество", "наставничество"},
        {"\"Дорожная карта\"—2024", "дорожная карта 2024"},
        {"a\xFF\xFE"
         "b",
         "a b"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *f = fold(cases[i].in);
        cr_expect_str_eq(f, cases[i].want, "fold(\"%s\")", cases[i].in);
        free(f);
    }
    char *cut = text_fold("один два три", strlen("один два три"), 16); /* 15 + 7 > 16 */
    cr_expect_str_eq(cut, "один два", "cut at a word boundary");
    free(cut);
    char *c = text_collapse(" a \u00a0 b\r\n c\u00ad ", strlen(" a \u00a0 b\r\n c\u00ad "), 100);
    cr_expect_str_eq(c, "a b c");
    free(c);
}

Test(matcher, phrases)
{
    cr_expect(text_has_phrase("дорожная карта", "дорожн карт", 21));
    cr_expect(text_has_phrase("план дорожной карты", "дорожн карт", 21));
    cr_expect(!text_has_phrase("дорожная и карта", "дорожн карт", 21));
    cr_expect(!text_has_phrase("подорожник", "дорожн", 12));
    cr_expect(text_has_phrase("о внедрении", "о внедрени", 19));
    cr_expect(!text_has_phrase("по внедрению", "о внедрени", 19));
}

Test(matcher, section_and_navigation_scores)
{
    static const struct {
        const char *text, *url;
        bool section, nav;
    } cases[] = {
        {"Наставничество", "http://s.ru/nastavnichestvo/", true, false},
        {"Целевая модель наставничества", "http://s.ru/page/12", true, false},
        {"Наставничество в школе", "http://s.ru/p/1", true, false},
        {"Документы", "http://s.ru/nastavnichestvo/dokumenty/", true, true},
        {"Наставник года — итоги конкурса", "http://s.ru/news/1234", false, false},
        {"Сведения об образовательной организации", "http://s.ru/sveden/", false, true},
        {"Основные сведения", "http://s.ru/sveden/common/", false, true},
        {"Документы", "http://s.ru/dokumenty/", false, true},
        {"Педагогам и сотрудникам", "http://s.ru/pedagogam-i-sotrudnikam/", false, true},
        {"Наша школа", "http://s.ru/nasha-shkola/", false, true},
        {"Новости", "http://s.ru/news/", false, false},
        {"Контакты", "http://s.ru/contacts/", false, false},
        {"",
         "http://s.ru/nasha-shkola/%D0%BD%D0%B0%D1%81%D1%82%D0%B0%D0%B2%D0%BD%D0%B8%D1%87%D0"
         "%B5%D1%81%D1%82%D0%B2%D0%BE/",
         true, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = fold(cases[i].text), *path = matcher_fold_url(cases[i].url);
        cr_assert_not_null(path);
        int s = matcher_section_score(text, path), n = matcher_nav_score(text, path);
        cr_expect_eq(s >= MATCHER_SECTION_MIN, cases[i].section, "section score %d for %s %s", s,
                     cases[i].text, cases[i].url);
        cr_expect_eq(n >= MATCHER_NAV_MIN, cases[i].nav, "nav score %d for %s %s", n, cases[i].text,
                     cases[i].url);
        free(text);
        free(path);
    }
    /* the menu entry beats a page that merely mentions mentoring */
    char *a = fold("Наставничество"), *b = fold("Наставники нашей школы");
    char *pa = matcher_fold_url("http://s.ru/nastavnichestvo/"),
         *pb = matcher_fold_url("http://s.ru/p/2");
    cr_expect_gt(matcher_section_score(a, pa), matcher_section_score(b, pb));
    free(a);
    free(b);
    free(pa);
    free(pb);
}

Test(matcher, generic_texts_and_shapes)
{
    static const char *const generic[] = {"Скачать", "скачать (PDF, 1.2 Мб)", "Подробнее",
                                          "",        "Открыть документ",      "download"};
    for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++) {
        char *f = fold(generic[i]);
        cr_expect(matcher_is_generic_text(f), "\"%s\"", generic[i]);
        free(f);
    }
    char *f = fold("Положение о наставничестве");
    cr_expect(!matcher_is_generic_text(f));
    free(f);
    static const struct {
        const char *url;
        enum url_shape shape;
    } shapes[] = {
        {"http://s.ru/docs/polojenie.pdf", URL_DOC_FILE},
        {"http://s.ru/docs/Prikaz.DOCX", URL_DOC_FILE},
        {"http://s.ru/file/download?id=101", URL_DOC_FILE},
        {"http://s.ru/file/card?id=101", URL_DOC_PAGE},
        {"http://s.ru/?attachment_id=55", URL_DOC_PAGE},
        {"http://s.ru/2023/10/polozhenie/attachment/polozhenie-o-nastavnichestve/", URL_DOC_PAGE},
        {"http://s.ru/upload/iblock/ab1/ab12cd.pdf", URL_DOC_FILE},
        {"http://s.ru/upload/images/logo.png", URL_OTHER_FILE},
        {"http://s.ru/files/archive.zip", URL_OTHER_FILE},
        {"http://s.ru/nastavnichestvo/", URL_PAGE},
        {"http://s.ru/index.php/ru/nastavnichestvo.html", URL_PAGE},
        {"http://s.ru/?p=12", URL_PAGE},
        {"http://s.ru/news/2023.10", URL_PAGE},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
        cr_expect_eq(matcher_url_shape(shapes[i].url), shapes[i].shape, "%s: %s", shapes[i].url,
                     matcher_url_shape_name(matcher_url_shape(shapes[i].url)));
}
