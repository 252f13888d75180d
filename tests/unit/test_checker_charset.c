/* Unit tests of the checker's charset module: html5lib's prescan cases, labels, decisions, iconv.
 */
#include <criterion/criterion.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"

#define ENCODING_DIR MW_TESTS_DIR "/corpora/html5lib-tests/encoding"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* UTF-8 text re-encoded with iconv (test input in legacy encodings). */
static char *encode(const char *utf8, const char *to, size_t *out_len)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    cr_assert(cd != (iconv_t)-1, "iconv cannot encode to %s", to);
    size_t in_len = strlen(utf8), cap = in_len * 4 + 8, left = cap;
    char *out = malloc(cap), *op = out, *ip = (char *)utf8;
    cr_assert_not_null(out);
    cr_assert_neq(iconv(cd, &ip, &in_len, &op, &left), (size_t)-1, "iconv to %s failed", to);
    iconv_close(cd);
    *out_len = cap - left;
    return out;
}

struct tally {
    int checked, beyond_prescan, scripted;
};

/*
 * One .dat file: "#data\n<bytes>\n#encoding\n<name>\n". A case whose expected label sits beyond
 * the first 1024 bytes needs the parser's later re-decision, and a document.write() case needs
 * a script engine; neither is what a prescan does, so they are counted and skipped.
 */
static void run_dat(const char *name, struct tally *t)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", ENCODING_DIR, name);
    size_t len;
    char *text = slurp(path, &len);
    char *p = text;
    while ((p = strstr(p, "#data\n")) != NULL) {
        char *data = p + 6;
        char *enc = strstr(data, "\n#encoding\n");
        cr_assert_not_null(enc, "%s: #data without #encoding", name);
        size_t data_len = (size_t)(enc - data);
        char *label = enc + 11;
        size_t label_len = strcspn(label, "\n");
        p = label + label_len;

        char expected_name[64];
        snprintf(expected_name, sizeof(expected_name), "%.*s", (int)label_len, label);
        enum charset expected;
        cr_assert(charset_from_label(label, label_len, &expected), "%s: unknown label %s", name,
                  expected_name);
        char saved = data[data_len];
        data[data_len] = '\0';
        const char *last_charset = NULL;
        for (char *q = data; (q = strstr(q, "charset")) != NULL; q++)
            last_charset = q;
        bool script = strstr(data, "document.write") != NULL;
        data[data_len] = saved;

        if (data_len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
            struct charset_decision d = charset_decide(NULL, data, data_len);
            cr_expect_eq(d.charset, CHARSET_UTF8, "%s: BOM case gave %s", name,
                         charset_name(d.charset));
            cr_expect_eq(d.source, CHARSET_FROM_BOM);
            t->checked++;
            continue;
        }
        enum charset got = CHARSET_MAX;
        bool found = charset_prescan(data, data_len, &got);
        if (expected == CHARSET_WINDOWS_1252) {
            /* the default: no label, or a label that names windows-1252 */
            cr_expect(!found || got == CHARSET_WINDOWS_1252,
                      "%s: expected no label, got %s for:\n%.*s", name, charset_name(got),
                      (int)(data_len < 300 ? data_len : 300), data);
            t->checked++;
            continue;
        }
        if (!found && script) {
            t->scripted++;
            continue;
        }
        if (!found && last_charset != NULL && (size_t)(last_charset - data) >= 1024) {
            t->beyond_prescan++;
            continue;
        }
        cr_expect(found && got == expected, "%s: expected %s, got %s for:\n%.*s", name,
                  expected_name, found ? charset_name(got) : "nothing",
                  (int)(data_len < 300 ? data_len : 300), data);
        t->checked++;
    }
    free(text);
}

Test(charset, html5lib_encoding_prescan)
{
    struct tally t = {0};
    run_dat("tests1.dat", &t);
    run_dat("tests2.dat", &t);
    run_dat("test-yahoo-jp.dat", &t);
    cr_log_info("html5lib encoding: %d checked, %d skipped (label beyond 1024 bytes), %d skipped "
                "(document.write)",
                t.checked, t.beyond_prescan, t.scripted);
    /* 82 cases in the three files; the skips are the ones the standard's prescan cannot see */
    cr_expect_eq(t.checked + t.beyond_prescan + t.scripted, 82);
    cr_expect_eq(t.beyond_prescan, 7); /* the 1024..4097-byte comments and the multi-script case */
    cr_expect_eq(t.scripted, 0);
}

Test(charset, labels_and_misspellings)
{
    static const struct {
        const char *label;
        enum charset want;
    } cases[] = {
        {"windows-1251", CHARSET_WINDOWS_1251},
        {"Windows-1251", CHARSET_WINDOWS_1251},
        {" cp1251 ", CHARSET_WINDOWS_1251},
        {"CP1251", CHARSET_WINDOWS_1251},
        {"x-cp1251", CHARSET_WINDOWS_1251},
        {"win-1251", CHARSET_WINDOWS_1251},
        {"cp-1251", CHARSET_WINDOWS_1251},
        {"windows1251", CHARSET_WINDOWS_1251},
        {"win1251", CHARSET_WINDOWS_1251},
        {"windows_1251", CHARSET_WINDOWS_1251},
        {"WIN 1251", CHARSET_WINDOWS_1251},
        {"\tcp1251\n", CHARSET_WINDOWS_1251},
        {"utf8", CHARSET_UTF8},
        {"UTF-8", CHARSET_UTF8},
        {"utf_8", CHARSET_UTF8},
        {"koi8r", CHARSET_KOI8_R},
        {"KOI8-R", CHARSET_KOI8_R},
        {"koi8_r", CHARSET_KOI8_R},
        {"koi8-u", CHARSET_KOI8_U},
        {"cp866", CHARSET_IBM866},
        {"iso-8859-5", CHARSET_ISO_8859_5},
        {"MAC-CYRILLIC", CHARSET_MAC_CYRILLIC},
        {"latin1", CHARSET_WINDOWS_1252},
        {"iso-8859-1", CHARSET_WINDOWS_1252},
        {"us-ascii", CHARSET_WINDOWS_1252},
        {"utf-16", CHARSET_UTF16LE},
        {"shift_jis", CHARSET_SHIFT_JIS},
        {"gb2312", CHARSET_GBK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum charset got;
        cr_expect(charset_from_label(cases[i].label, strlen(cases[i].label), &got) &&
                      got == cases[i].want,
                  "label \"%s\"", cases[i].label);
    }
    /* a stray quote is part of the value: browsers refuse it, and so do we */
    static const char *const unknown[] = {"",   "bogus", "windows-9999", "utf",
                                          "cp", "1251x", "iso8859-2\"",  "'cp1251'"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        enum charset got;
        cr_expect(!charset_from_label(unknown[i], strlen(unknown[i]), &got), "label \"%s\"",
                  unknown[i]);
    }
}

Test(charset, content_type_parameter)
{
    enum charset cs;
    cr_expect(charset_from_content_type("text/html; charset=windows-1251", &cs) &&
              cs == CHARSET_WINDOWS_1251);
    cr_expect(charset_from_content_type("text/html;charset=\"KOI8-R\"", &cs) &&
              cs == CHARSET_KOI8_R);
    cr_expect(charset_from_content_type("text/html; CHARSET=win-1251", &cs) &&
              cs == CHARSET_WINDOWS_1251);
    cr_expect(!charset_from_content_type("text/html", &cs));
    cr_expect(!charset_from_content_type("text/html; charset=", &cs));
    cr_expect(!charset_from_content_type(NULL, &cs));
}

#define RUSSIAN                                                                                                                                                         \
    "<p>Положение о системе наставничества педагогических работников муниципального "              \
    "бюджетного общеобразовательного учреждения. Дорожная карта (план мероприятий) по "           \
    "реализации Положения о системе наставничества. Приказ о назначении куратора внедрения " \
    "целевой модели наставничества. Программа наставничества на учебный год.</p>"

Test(charset, decisions)
{
    size_t n;
    char *cp1251 = encode("<html><body>" RUSSIAN "</body></html>", "WINDOWS-1251", &n);
    struct charset_decision d = charset_decide("text/html; charset=windows-1251", cp1251, n);
    cr_expect(d.charset == CHARSET_WINDOWS_1251 && d.source == CHARSET_FROM_HTTP);

    /* no label at all: uchardet */
    d = charset_decide("text/html", cp1251, n);
    cr_expect(d.charset == CHARSET_WINDOWS_1251 && d.source == CHARSET_FROM_GUESS,
              "guessed %s from %s", charset_name(d.charset), charset_source_name(d.source));
    free(cp1251);

    char *koi = encode("<html><body>" RUSSIAN "</body></html>", "KOI8-R", &n);
    d = charset_decide(NULL, koi, n);
    cr_expect(d.charset == CHARSET_KOI8_R && d.source == CHARSET_FROM_GUESS, "guessed %s",
              charset_name(d.charset));
    free(koi);

    /* a misspelt label in <meta http-equiv> */
    char *meta = encode("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
                        "charset=win-1251\"></head><body>" RUSSIAN "</body></html>",
                        "WINDOWS-1251", &n);
    d = charset_decide("text/html", meta, n);
    cr_expect(d.charset == CHARSET_WINDOWS_1251 && d.source == CHARSET_FROM_META);
    free(meta);

    /* labelled windows-1251, written in UTF-8: UTF-8 */
    const char *mislabelled =
        "<html><head><meta charset=\"windows-1251\"></head><body>" RUSSIAN "</body></html>";
    d = charset_decide(NULL, mislabelled, strlen(mislabelled));
    cr_expect(d.charset == CHARSET_UTF8 && d.source == CHARSET_FROM_UTF8_CHECK);
    d = charset_decide("text/html; charset=cp1251", mislabelled, strlen(mislabelled));
    cr_expect(d.charset == CHARSET_UTF8 && d.source == CHARSET_FROM_UTF8_CHECK);

    /* a BOM wins over the header */
    const char *bom = "\xEF\xBB\xBF<p>Наставничество</p>";
    d = charset_decide("text/html; charset=windows-1251", bom, strlen(bom));
    cr_expect(d.charset == CHARSET_UTF8 && d.source == CHARSET_FROM_BOM && d.bom_len == 3);
    d = charset_decide(NULL, "\xFF\xFE<\0p\0", 6);
    cr_expect(d.charset == CHARSET_UTF16LE && d.bom_len == 2);

    /* plain ASCII, no label */
    d = charset_decide(NULL, "<p>hello</p>", 12);
    cr_expect(d.charset == CHARSET_UTF8 && d.source == CHARSET_FROM_UTF8_CHECK);
}

Test(charset, conversion)
{
    size_t n, out_len;
    char *cp1251 = encode("Положение о наставничестве", "WINDOWS-1251", &n);
    char *utf8 = charset_to_utf8(CHARSET_WINDOWS_1251, cp1251, n, &out_len);
    cr_assert_not_null(utf8);
    cr_expect_str_eq(utf8, "Положение о наставничестве");
    cr_expect_eq(out_len, strlen(utf8));
    free(utf8);
    free(cp1251);

    /* 0x98 is no character in windows-1251: U+FFFD, and conversion goes on */
    utf8 = charset_to_utf8(CHARSET_WINDOWS_1251, "a\x98\xc0z", 4, &out_len);
    cr_assert_not_null(utf8);
    cr_expect_str_eq(utf8, "a\xEF\xBF\xBD\xD0\x90z");
    free(utf8);

    /* UTF-8 input is checked: bad bytes, overlongs, surrogates and a cut sequence */
    utf8 = charset_to_utf8(CHARSET_UTF8, "a\xFF\xC0\xAF\xED\xA0\x80\xD0", 8, &out_len);
    cr_assert_not_null(utf8);
    cr_expect_str_eq(utf8, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                           "\xEF\xBF\xBD\xEF\xBF\xBD");
    free(utf8);

    /* a double-byte encoding cut in the middle of a character */
    utf8 = charset_to_utf8(CHARSET_SHIFT_JIS, "ab\x82", 3, &out_len);
    cr_assert_not_null(utf8);
    cr_expect_str_eq(utf8, "ab\xEF\xBF\xBD");
    free(utf8);

    utf8 = charset_to_utf8(CHARSET_UTF16LE, "<\0p\0\x1f\x04", 6, &out_len);
    cr_assert_not_null(utf8);
    cr_expect_str_eq(utf8, "<pП");
    free(utf8);

    utf8 = charset_to_utf8(CHARSET_KOI8_R, "", 0, &out_len);
    cr_assert_not_null(utf8);
    cr_expect_eq(out_len, 0);
    free(utf8);
}

Test(charset, prescan_details)
{
    enum charset cs;
    const char *p = "<!-- <meta charset=koi8-r> --><meta charset=\"cp1251\">";
    cr_expect(charset_prescan(p, strlen(p), &cs) && cs == CHARSET_WINDOWS_1251);
    p = "<meta http-equiv=content-type content=\"text/html; charset=windows1251\">";
    cr_expect(charset_prescan(p, strlen(p), &cs) && cs == CHARSET_WINDOWS_1251);
    p = "<meta content=\"text/html; charset=windows-1251\">"; /* no http-equiv: ignored */
    cr_expect(!charset_prescan(p, strlen(p), &cs));
    p = "<meta charset=\"bogus\"><meta charset=\"koi8-r\">";
    cr_expect(charset_prescan(p, strlen(p), &cs) && cs == CHARSET_KOI8_R);
    p = "<meta charset=utf-16le>";
    cr_expect(charset_prescan(p, strlen(p), &cs) && cs == CHARSET_UTF8);
    p = "<meta charset=\"cp1251"; /* cut off */
    cr_expect(!charset_prescan(p, strlen(p), &cs));
}
