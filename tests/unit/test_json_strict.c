/* Unit tests of json_strict: JSONTestSuite, blns round trips, targeted refusals. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_strict.h"

#define CORPUS_DIR   MW_TESTS_DIR "/corpora/JSONTestSuite/test_parsing"
#define BLNS_FILE    MW_TESTS_DIR "/corpora/blns/blns.json"
#define REPORT_DEPTH 32 /* REPORT_FORMAT.md: nesting depth at most 32 */

/*
 * y_ texts refused on purpose: the collector refuses duplicate keys and "\u0000"
 * even though RFC 8259 only discourages them.
 */
static const struct {
    const char *name, *code;
} y_refused[] = {
    {"y_object_duplicated_key.json", "duplicate_key"},
    {"y_object_duplicated_key_and_value.json", "duplicate_key"},
    {"y_object_escaped_null_in_key.json", "nul_character"},
    {"y_string_null_escape.json", "nul_character"},
};

/* The decision for every i_ text at max_depth 32: NULL = accepted, else the code. */
static const struct {
    const char *name, *code;
} i_decisions[] = {
    {"i_number_double_huge_neg_exp.json", NULL}, /* 123.456e-789 underflows to 0 */
    {"i_number_huge_exp.json", "number_out_of_range"},
    {"i_number_neg_int_huge_exp.json", "number_out_of_range"},
    {"i_number_pos_double_huge_exp.json", "number_out_of_range"},
    {"i_number_real_neg_overflow.json", "number_out_of_range"},
    {"i_number_real_pos_overflow.json", "number_out_of_range"},
    {"i_number_real_underflow.json", NULL},        /* 123e-10000000 is 0 */
    {"i_number_too_big_neg_int.json", NULL},       /* beyond 2^53: rounded */
    {"i_number_too_big_pos_int.json", NULL},       /* beyond 2^53: rounded */
    {"i_number_very_big_negative_int.json", NULL}, /* beyond 2^53: rounded */
    {"i_object_key_lone_2nd_surrogate.json", "lone_surrogate"},
    {"i_string_1st_surrogate_but_2nd_missing.json", "lone_surrogate"},
    {"i_string_1st_valid_surrogate_2nd_invalid.json", "lone_surrogate"},
    {"i_string_UTF-16LE_with_BOM.json", "syntax_error"}, /* 0xFF 0xFE is no JSON */
    {"i_string_UTF-8_invalid_sequence.json", "invalid_utf8"},
    {"i_string_UTF8_surrogate_U+D800.json", "invalid_utf8"},
    {"i_string_incomplete_surrogate_and_escape_valid.json", "lone_surrogate"},
    {"i_string_incomplete_surrogate_pair.json", "lone_surrogate"},
    {"i_string_incomplete_surrogates_escape_valid.json", "lone_surrogate"},
    {"i_string_invalid_lonely_surrogate.json", "lone_surrogate"},
    {"i_string_invalid_surrogate.json", "lone_surrogate"},
    {"i_string_invalid_utf-8.json", "invalid_utf8"},
    {"i_string_inverted_surrogates_U+1D11E.json", "lone_surrogate"},
    {"i_string_iso_latin_1.json", "invalid_utf8"},
    {"i_string_lone_second_surrogate.json", "lone_surrogate"},
    {"i_string_lone_utf8_continuation_byte.json", "invalid_utf8"},
    {"i_string_not_in_unicode_range.json", "invalid_utf8"},
    {"i_string_overlong_sequence_2_bytes.json", "invalid_utf8"},
    {"i_string_overlong_sequence_6_bytes.json", "invalid_utf8"},
    {"i_string_overlong_sequence_6_bytes_null.json", "invalid_utf8"},
    {"i_string_truncated-utf-8.json", "invalid_utf8"},
    {"i_string_utf16BE_no_BOM.json", "syntax_error"}, /* NUL bytes between tokens */
    {"i_string_utf16LE_no_BOM.json", "syntax_error"},
    {"i_structure_500_nested_arrays.json", "too_deep"}, /* accepted at depth 1000 below */
    {"i_structure_UTF-8_BOM_empty_object.json", "byte_order_mark"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n, "short read on %s", path);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Parses doc[0..len) and expects a refusal with this code, offset and (if given) path. */
static void expect_refused_at(const char *doc, size_t len, int depth, const char *code,
                              size_t offset, const char *path)
{
    struct json_strict_error err;
    cJSON *tree = json_strict_parse(doc, len, depth, &err);
    int shown = doc ? (int)(len < 80 ? len : 80) : 0;
    if (tree) {
        cJSON_Delete(tree);
        cr_assert_fail("accepted, expected %s: %.*s", code, shown, doc ? doc : "");
    }
    cr_assert_not_null(err.code);
    cr_expect_str_eq(err.code, code, "%.*s", shown, doc ? doc : "");
    cr_expect_eq(err.offset, offset, "%s: offset %zu, expected %zu", code, err.offset, offset);
    cr_expect_not_null(err.message);
    if (path)
        cr_expect_str_eq(err.path, path);
}

#define REFUSED(lit, code, offset, path)                                                           \
    expect_refused_at((lit), sizeof(lit) - 1, REPORT_DEPTH, (code), (offset), (path))

/* Parses a literal and expects a tree (which the caller frees). */
static cJSON *accepted_len(const char *doc, size_t len, int depth)
{
    struct json_strict_error err;
    cJSON *tree = json_strict_parse(doc, len, depth, &err);
    cr_assert_not_null(tree, "refused %.*s: %s at %zu (%s)", (int)(len < 80 ? len : 80), doc,
                       err.code, err.offset, err.path);
    return tree;
}

#define ACCEPTED(lit) accepted_len((lit), sizeof(lit) - 1, REPORT_DEPTH)

/* Runs fn on every file of the corpus whose name starts with prefix; returns the count. */
static size_t for_each_corpus_file(const char *prefix,
                                   void (*fn)(const char *name, const char *buf, size_t len))
{
    DIR *dir = opendir(CORPUS_DIR);
    cr_assert_not_null(dir, "cannot open %s", CORPUS_DIR);
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, de->d_name);
        size_t len;
        char *buf = slurp(path, &len);
        fn(de->d_name, buf, len);
        free(buf);
        count++;
    }
    closedir(dir);
    return count;
}

static const char *expected_code(const char *name, bool *listed)
{
    *listed = false;
    for (size_t i = 0; i < COUNT(y_refused); i++)
        if (strcmp(name, y_refused[i].name) == 0) {
            *listed = true;
            return y_refused[i].code;
        }
    for (size_t i = 0; i < COUNT(i_decisions); i++)
        if (strcmp(name, i_decisions[i].name) == 0) {
            *listed = true;
            return i_decisions[i].code;
        }
    return NULL;
}

static void check_y(const char *name, const char *buf, size_t len)
{
    bool listed;
    const char *code = expected_code(name, &listed);
    struct json_strict_error err;
    cJSON *tree = json_strict_parse(buf, len, REPORT_DEPTH, &err);
    if (code) {
        cr_expect_null(tree, "%s: accepted, expected %s", name, code);
        cr_expect(tree || strcmp(err.code, code) == 0, "%s: %s, expected %s", name, err.code, code);
    } else {
        cr_expect_not_null(tree, "%s: refused with %s at %zu (%s)", name, err.code, err.offset,
                           err.path);
    }
    cJSON_Delete(tree);
}

static void check_n(const char *name, const char *buf, size_t len)
{
    struct json_strict_error err;
    cJSON *tree = json_strict_parse(buf, len, REPORT_DEPTH, &err);
    cr_expect_null(tree, "%s: accepted", name);
    cr_expect(tree || (err.code && err.message && err.offset <= len && err.path[0] == '$'),
              "%s: error not filled", name);
    cJSON_Delete(tree);
}

static void check_i(const char *name, const char *buf, size_t len)
{
    bool listed;
    const char *code = expected_code(name, &listed);
    cr_expect(listed, "%s: no decision in i_decisions", name);
    struct json_strict_error err;
    cJSON *tree = json_strict_parse(buf, len, REPORT_DEPTH, &err);
    if (code)
        cr_expect(!tree && strcmp(err.code, code) == 0, "%s: %s, expected %s", name,
                  tree ? "accepted" : err.code, code);
    else
        cr_expect_not_null(tree, "%s: refused with %s", name, tree ? "" : err.code);
    cJSON_Delete(tree);
}

Test(json_corpus, y_accepted_except_policy)
{
    cr_expect_eq(for_each_corpus_file("y_", check_y), 95);
}

Test(json_corpus, n_refused)
{
    cr_expect_eq(for_each_corpus_file("n_", check_n), 188);
}

Test(json_corpus, i_decided)
{
    cr_expect_eq(for_each_corpus_file("i_", check_i), COUNT(i_decisions));
    cr_expect_eq(COUNT(i_decisions), 35);
}

Test(json_corpus, i_500_nested_arrays_within_1000)
{
    size_t len;
    char *buf = slurp(CORPUS_DIR "/i_structure_500_nested_arrays.json", &len);
    cJSON *tree = accepted_len(buf, len, 1000);
    cJSON_Delete(tree);
    free(buf);
}

/* Every blns string, put in {"s": ...} by cJSON, parses back to the same bytes. */
Test(json_blns, round_trip)
{
    size_t len;
    char *buf = slurp(BLNS_FILE, &len);
    cJSON *list = accepted_len(buf, len, REPORT_DEPTH);
    free(buf);
    cr_assert(cJSON_IsArray(list));
    cr_expect_eq(cJSON_GetArraySize(list), 515);

    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        cr_assert(cJSON_IsString(item));
        const char *s = item->valuestring;
        cJSON *obj = cJSON_CreateObject();
        cr_assert_not_null(cJSON_AddStringToObject(obj, "s", s));
        char *text = cJSON_PrintUnformatted(obj);
        cr_assert_not_null(text);

        cJSON *back = accepted_len(text, strlen(text), REPORT_DEPTH);
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(back, "s");
        cr_assert(cJSON_IsString(got), "%s", text);
        cr_expect_eq(strlen(got->valuestring), strlen(s), "%s", text);
        cr_expect_str_eq(got->valuestring, s);
        char *again = cJSON_PrintUnformatted(back);
        cr_expect_str_eq(again, text);

        free(again);
        cJSON_Delete(back);
        free(text);
        cJSON_Delete(obj);
    }
    cJSON_Delete(list);
}

Test(json_strict, duplicate_keys)
{
    static const char doc[] = "{\"mentors\":[{\"id\":\"m1\",\"name\":\"Анна\"},"
                              "{\"id\":\"m2\",\"name\":\"Борис\",\"name\":\"Вера\"}]}";
    size_t off = (size_t)(strstr(doc, ",\"name\":\"Вера\"") + 1 - doc);
    REFUSED(doc, "duplicate_key", off, "$.mentors[1].name");

    /* the same key after unescaping */
    REFUSED("{\"a\":1,\"\\u0061\":2}", "duplicate_key", 7, "$.a");
    /* the earliest repeat in document order, whatever the sort order */
    REFUSED("{\"b\":1,\"a\":1,\"b\":2,\"a\":2}", "duplicate_key", 13, "$.b");
    /* keys that are not identifiers are quoted in the path */
    REFUSED("{\"x y\":{\"k'\":1,\"k'\":2}}", "duplicate_key", 15, "$['x y']['k\\'']");
    /* a duplicate inside a value of an outer object with the same key */
    REFUSED("{\"a\":{\"a\":1},\"b\":{\"a\":1,\"a\":2}}", "duplicate_key", 24, "$.b.a");
    /* the empty key */
    REFUSED("{\"\":1,\"\":2}", "duplicate_key", 6, "$['']");
}

Test(json_strict, keys_are_case_sensitive)
{
    cJSON *tree = ACCEPTED("{\"A\":1,\"a\":2,\"a \":3,\"\\u0410\":4,\"\\u0430\":5}");
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(tree, "a")->valueint, 2);
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(tree, "A")->valueint, 1);
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(tree, "а")->valueint, 5); /* Cyrillic */
    cJSON_Delete(tree);

    /* the same key in sibling objects is fine */
    tree = ACCEPTED("[{\"a\":1},{\"a\":2},{\"b\":{\"a\":3}}]");
    cJSON_Delete(tree);
}

Test(json_strict, nul)
{
    REFUSED("{\"ad\\u0000min\":1}", "nul_character", 4, "$");
    REFUSED("[\"admin\\u0000x\"]", "nul_character", 7, "$[0]");
    REFUSED("{\"k\":\"\\u0000\"}", "nul_character", 6, "$.k");
    REFUSED("[\"a\0b\"]", "control_character", 3, "$[0]");
    REFUSED("[1,\0]", "syntax_error", 3, "$[1]");
    /* a NUL right after the value is trailing data, not the end */
    REFUSED("[1]\0", "trailing_data", 3, "$");
}

Test(json_strict, invalid_utf8)
{
    REFUSED("[\"\xC0\x80\"]", "invalid_utf8", 2, "$[0]");                 /* overlong NUL */
    REFUSED("{\"\xC0\x80\":1}", "invalid_utf8", 2, "$");                  /* ... in a key */
    REFUSED("[\"ok\xE0\x80\xAF\"]", "invalid_utf8", 4, "$[0]");           /* overlong '/' */
    REFUSED("[\"\xF0\x82\x82\xAC\"]", "invalid_utf8", 2, "$[0]");         /* overlong */
    REFUSED("[\"\xED\xA0\xBD\xED\xB8\x80\"]", "invalid_utf8", 2, "$[0]"); /* CESU U+1F600 */
    REFUSED("[\"\xED\xBF\xBF\"]", "invalid_utf8", 2, "$[0]");             /* U+DFFF */
    REFUSED("[\"\xF4\x90\x80\x80\"]", "invalid_utf8", 2, "$[0]");         /* U+110000 */
    REFUSED("[\"\xF5\x80\x80\x80\"]", "invalid_utf8", 2, "$[0]");
    REFUSED("[\"\xFF\"]", "invalid_utf8", 2, "$[0]");
    REFUSED("[\"\x80\"]", "invalid_utf8", 2, "$[0]");     /* lone continuation */
    REFUSED("[\"\xE2\x82\"]", "invalid_utf8", 2, "$[0]"); /* truncated */
    REFUSED("[\"\xE2\x82", "unexpected_end", 4, "$[0]");  /* cut by the end */
    REFUSED("{\"a\":{\"\xD0\xBA\xFF\":1}}", "invalid_utf8", 9, "$.a");
    REFUSED("[\xC3\xA9]", "syntax_error", 1, "$[0]"); /* UTF-8 outside a string */

    cJSON *tree = ACCEPTED("[\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xF0\x90\x80"
                           "\x80\xF4\x8F\xBF\xBF\x7F\"]");
    cJSON_Delete(tree);
}

Test(json_strict, control_characters_and_whitespace)
{
    REFUSED("[\"a\nb\"]", "control_character", 3, "$[0]");
    REFUSED("[\"\t\"]", "control_character", 2, "$[0]");
    REFUSED("{\"\x1F\":1}", "control_character", 2, "$");
    REFUSED("[1,\f2]", "syntax_error", 3, "$[1]");
    REFUSED("[\v1]", "syntax_error", 1, "$[0]");
    REFUSED("[\xC2\xA0 1]", "syntax_error", 1, "$[0]"); /* no-break space */
    cJSON *tree = ACCEPTED(" \t\r\n[ \t\r\n1 \t\r\n, \"\\u001f\x7f\" ] \t\r\n");
    cJSON_Delete(tree);
}

Test(json_strict, escapes)
{
    REFUSED("[\"\\x41\"]", "invalid_escape", 2, "$[0]");
    REFUSED("[\"\\U0041\"]", "invalid_escape", 2, "$[0]");
    REFUSED("[\"\\u00G1\"]", "invalid_escape", 2, "$[0]");
    REFUSED("[\"\\'\"]", "invalid_escape", 2, "$[0]");
    REFUSED("[\"\\uD800\"]", "lone_surrogate", 2, "$[0]");
    REFUSED("[\"\\uDC00\\uD800\"]", "lone_surrogate", 2, "$[0]");
    REFUSED("[\"\\uD800\\uD800\"]", "lone_surrogate", 2, "$[0]");
    REFUSED("[\"\\uD800\\n\"]", "lone_surrogate", 2, "$[0]");
    REFUSED("[\"\\uD800\\u12\"]", "invalid_escape", 8, "$[0]");
    REFUSED("[\"\\u12", "unexpected_end", 6, "$[0]");

    cJSON *tree = ACCEPTED("[\"\\uD83D\\uDE00\\u00e9\\/\\\\\\\"\\b\\f\\n\\r\\t\"]");
    cr_expect_str_eq(tree->child->valuestring, "\xF0\x9F\x98\x80\xC3\xA9/\\\"\b\f\n\r\t");
    cJSON_Delete(tree);
}

Test(json_strict, trailing_data)
{
    REFUSED("{\"a\":1} \r\n\t x", "trailing_data", 12, "$");
    REFUSED("[1]x", "trailing_data", 3, "$");
    REFUSED("[][]", "trailing_data", 2, "$");
    REFUSED("1 2", "trailing_data", 2, "$");
    REFUSED("\"a\"\"b\"", "trailing_data", 3, "$");

    /* bytes past len are not read */
    static const char doc[] = "[1]garbage";
    cJSON *tree = accepted_len(doc, 3, REPORT_DEPTH);
    cJSON_Delete(tree);
    expect_refused_at(doc, 2, REPORT_DEPTH, "unexpected_end", 2, "$[0]");
}

Test(json_strict, empty_and_bom)
{
    expect_refused_at("", 0, REPORT_DEPTH, "empty_body", 0, "$");
    REFUSED(" \r\n\t", "empty_body", 4, "$");
    expect_refused_at(NULL, 0, REPORT_DEPTH, "empty_body", 0, "$");
    REFUSED("\xEF\xBB\xBF{}", "byte_order_mark", 0, "$");
    REFUSED("\xEF\xBB\xBF", "byte_order_mark", 0, "$");
    REFUSED(" \xEF\xBB\xBF{}", "syntax_error", 1, "$");

    /* err may be NULL */
    cr_expect_null(json_strict_parse("x", 1, REPORT_DEPTH, NULL));
}

Test(json_strict, numbers_outside_grammar)
{
    static const char *const bad[] = {"[-01]",  "[01]",       "[2.]",        "[.5]",    "[0.e1]",
                                      "[+1]",   "[1e]",       "[1e+]",       "[0x1F]",  "[NaN]",
                                      "[-NaN]", "[Infinity]", "[-Infinity]", "[1.5.2]", "[1e5e]",
                                      "[- 1]",  "[1-2]",      "[1E+2x]"};
    for (size_t i = 0; i < COUNT(bad); i++) {
        struct json_strict_error err;
        cJSON *tree = json_strict_parse(bad[i], strlen(bad[i]), REPORT_DEPTH, &err);
        cr_expect_null(tree, "%s accepted", bad[i]);
        cr_expect(tree || strcmp(err.code, "invalid_number") == 0, "%s: %s", bad[i], err.code);
        cr_expect(tree || strcmp(err.path, "$[0]") == 0, "%s: path %s", bad[i], err.path);
        cJSON_Delete(tree);
    }
    REFUSED("[-01]", "invalid_number", 3, "$[0]");
    REFUSED("{\"n\":0.e1}", "invalid_number", 7, "$.n");
    REFUSED("-", "unexpected_end", 1, "$");
    REFUSED("2.", "unexpected_end", 2, "$");
}

Test(json_strict, number_values)
{
    cJSON *tree = ACCEPTED("[-0, 1E+2, 12345678901234567890, 1e-999, -0.0e-5, 1.5e308, 0e999999]");
    const cJSON *n = tree->child;
    cr_expect(n->valuedouble == 0.0 && signbit(n->valuedouble), "-0");
    n = n->next;
    cr_expect_eq(n->valuedouble, 100.0);
    n = n->next;
    cr_expect_eq(n->valuedouble, 12345678901234567890.0);
    n = n->next;
    cr_expect_eq(n->valuedouble, 0.0);
    cJSON_Delete(tree);

    REFUSED("[1e999]", "number_out_of_range", 1, "$[0]");
    REFUSED("{\"n\":-1e999}", "number_out_of_range", 5, "$.n");
    REFUSED("1e99999999999999999999999999", "number_out_of_range", 0, "$");
    REFUSED("[0.1e310]", "number_out_of_range", 1, "$[0]");
}

/* Around DBL_MAX the verdict must agree with strtod on the whole number. */
Test(json_strict, number_overflow_boundary)
{
    /* 2^1024 - 2^970: halfway between DBL_MAX and 2^1024, so it rounds up to infinity */
    static const char mid[] = "17976931348623158079372897140530341507993413271003782693617377898"
                              "04449682927647509466490179775872070963302864166928879109465555478"
                              "51940402630657488671505820681908902000708383676273854845817711531"
                              "76447573027006985557136695962284291481986083493647529271907416844"
                              "4365510704342711559699508093042880177904174497792";
    static const char below[] = "1797693134862315807937289714053034150799341327100378269361737789"
                                "8044496829276475094664901797758720709633028641669288791094655554"
                                "7851940402630657488671505820681908902000708383676273854845817711"
                                "5317644757302700698555713669596228429148198608349364752927190741"
                                "68444365510704342711559699508093042880177904174497791";
    char cases[12][1024];
    int n = 0;
    snprintf(cases[n++], sizeof cases[0], "%s", mid);
    snprintf(cases[n++], sizeof cases[0], "%s", below);
    snprintf(cases[n++], sizeof cases[0], "-%s.99999999", below);
    snprintf(cases[n++], sizeof cases[0], "0.%se309", mid);
    snprintf(cases[n++], sizeof cases[0], "0.000%se312", below);
    snprintf(cases[n++], sizeof cases[0], "%s000e-3", mid);
    snprintf(cases[n++], sizeof cases[0], "%.1s.%se308", below, below + 1);
    snprintf(cases[n++], sizeof cases[0], "1.7976931348623157e308");
    snprintf(cases[n++], sizeof cases[0], "1.7976931348623158e+308");
    snprintf(cases[n++], sizeof cases[0], "-1.7976931348623159E308");
    snprintf(cases[n++], sizeof cases[0], "0.17976931348623157e309");
    snprintf(cases[n++], sizeof cases[0], "17976931348623157e292");

    for (int i = 0; i < n; i++) {
        bool finite = !isinf(strtod(cases[i], NULL));
        struct json_strict_error err;
        cJSON *tree = json_strict_parse(cases[i], strlen(cases[i]), REPORT_DEPTH, &err);
        cr_expect_eq(tree != NULL, finite, "%.40s...: strtod says %s", cases[i],
                     finite ? "finite" : "inf");
        if (tree)
            cr_expect(isfinite(tree->valuedouble));
        cJSON_Delete(tree);
    }
    cJSON *tree = accepted_len(below, strlen(below), REPORT_DEPTH);
    cr_expect_eq(tree->valuedouble, DBL_MAX);
    cJSON_Delete(tree);
    expect_refused_at(mid, strlen(mid), REPORT_DEPTH, "number_out_of_range", 0, "$");
}

/* "[[[...]]]" nested n deep; the caller frees. */
static char *nested_arrays(int n)
{
    char *s = malloc(2 * (size_t)n + 1);
    cr_assert_not_null(s);
    memset(s, '[', (size_t)n);
    memset(s + n, ']', (size_t)n);
    s[2 * n] = '\0';
    return s;
}

Test(json_strict, depth_limit)
{
    char *at = nested_arrays(REPORT_DEPTH), *above = nested_arrays(REPORT_DEPTH + 1);
    cJSON *tree = accepted_len(at, strlen(at), REPORT_DEPTH);
    cJSON_Delete(tree);

    char path[256] = "$";
    for (int i = 0; i < REPORT_DEPTH; i++)
        strcat(path, "[0]");
    expect_refused_at(above, strlen(above), REPORT_DEPTH, "too_deep", REPORT_DEPTH, path);
    free(at);
    free(above);

    /* objects count too; the path names the member that would be too deep */
    static const char deep[] = "{\"a\":{\"b\":[{}]}}", ok[] = "{\"a\":{\"b\":[]}}";
    expect_refused_at(deep, strlen(deep), 3, "too_deep", 11, "$.a.b[0]");
    tree = accepted_len(ok, strlen(ok), 3);
    cJSON_Delete(tree);

    /* depth 0 allows scalars only */
    tree = accepted_len("\"x\"", 3, 0);
    cJSON_Delete(tree);
    expect_refused_at("[]", 2, 0, "too_deep", 0, "$");
    expect_refused_at("[]", 2, -5, "too_deep", 0, "$");

    /* beyond cJSON's own limit (1000) the limit is clamped to it */
    char *limit = nested_arrays(CJSON_NESTING_LIMIT),
         *past = nested_arrays(CJSON_NESTING_LIMIT + 1);
    tree = accepted_len(limit, strlen(limit), 5000);
    cJSON_Delete(tree);
    struct json_strict_error err;
    cr_expect_null(json_strict_parse(past, strlen(past), 5000, &err));
    cr_expect_str_eq(err.code, "too_deep");
    cr_expect_eq(err.offset, CJSON_NESTING_LIMIT);
    cr_expect_lt(strlen(err.path), sizeof err.path);
    free(limit);
    free(past);
}

Test(json_strict, syntax_and_paths)
{
    static const char esc[] = "{\"a\\\"b\":{\"c\":[1,2,{\"d\\u0001\":[x]}]}}";
    REFUSED(esc, "syntax_error", (size_t)(strchr(esc, 'x') - esc), "$['a\"b'].c[2]['d\\u0001'][0]");
    static const char cyr[] = "{\"ключ\":{\"b_1\":[true,false,null,?]}}";
    REFUSED(cyr, "syntax_error", (size_t)(strchr(cyr, '?') - cyr), "$['ключ'].b_1[3]");
    REFUSED("{\"a\":1,}", "syntax_error", 7, "$");
    REFUSED("[1,]", "syntax_error", 3, "$[1]");
    REFUSED("{\"a\" 1}", "syntax_error", 5, "$.a");
    REFUSED("{\"a\":tru}", "syntax_error", 8, "$.a");
    REFUSED("{\"a\":[1,{\"b\":nul", "unexpected_end", 16, "$.a[1].b");
    REFUSED("{\"_a1\":{\"1a\":[]]}", "syntax_error", 15, "$._a1['1a']");
}

/* A long path is cut at a whole character and ends with "...". */
Test(json_strict, path_truncation)
{
    char doc[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(doc, "{\"ключ\":");
    strcat(doc, "x");
    struct json_strict_error err;
    cr_assert_null(json_strict_parse(doc, strlen(doc), 64, &err));
    cr_expect_str_eq(err.code, "syntax_error");
    size_t n = strlen(err.path);
    cr_expect_lt(n, sizeof err.path);
    cr_expect_geq(n, sizeof err.path - 16);
    cr_expect_str_eq(err.path + n - 3, "...");
    cr_expect_eq(strncmp(err.path, "$['ключ']['ключ']", strlen("$['ключ']['ключ']")), 0);

    /* still valid UTF-8: as a JSON string it passes the strict parser */
    char quoted[sizeof err.path + 2];
    snprintf(quoted, sizeof quoted, "\"%s\"", err.path);
    cJSON *tree = accepted_len(quoted, strlen(quoted), 1);
    cJSON_Delete(tree);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* {"k0":0,"k1":1,...}; with `dup`, the last key repeats "k5". The caller frees. */
static char *many_keys(int n, bool dup, size_t *len, size_t *dup_offset)
{
    size_t cap = (size_t)n * 24 + 16, o = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    s[o++] = '{';
    for (int i = 0; i < n; i++) {
        if (dup && i == n - 1)
            *dup_offset = o + (i > 0);
        o += (size_t)snprintf(s + o, cap - o, "%s\"k%d\":%d", i ? "," : "",
                              dup && i == n - 1 ? 5 : i, i);
    }
    s[o++] = '}';
    s[o] = '\0';
    *len = o;
    return s;
}

/* Best of `runs` seconds to parse doc, which must be accepted with `items` members. */
static double time_parse(const char *doc, size_t len, int items, int runs)
{
    double best = INFINITY;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        cJSON *tree = accepted_len(doc, len, REPORT_DEPTH);
        double t = now() - t0;
        if (t < best)
            best = t;
        cr_expect_eq(cJSON_GetArraySize(tree), items);
        cJSON_Delete(tree);
    }
    return best;
}

/*
 * A hostile body may carry 100 000 keys: the duplicate check must stay O(k log k).
 * Besides a generous bound (sanitizers, valgrind), the object must cost about what
 * the same keys spread over 100 000 one-key objects cost, not the 10^10 key
 * comparisons a quadratic check would make.
 */
Test(json_strict, hundred_thousand_keys)
{
    size_t len, dup_offset = 0;
    char *doc = many_keys(100000, false, &len, &dup_offset);
    double t = time_parse(doc, len, 100000, 2);
    /* the same bytes as [{"k0":0},{"k1":1},...] */
    char *spread = malloc(len + 2 * 100000 + 1);
    cr_assert_not_null(spread);
    size_t o = 0;
    spread[o++] = '[';
    for (size_t i = 1; i < len - 1; i++) {
        if (doc[i] == '"' && (doc[i - 1] == '{' || doc[i - 1] == ','))
            spread[o++] = '{';
        if (doc[i] == ',')
            spread[o++] = '}';
        spread[o++] = doc[i];
    }
    spread[o++] = '}';
    spread[o++] = ']';
    double base = time_parse(spread, o, 100000, 2);
    free(spread);
    free(doc);

    cr_log_info("100000 keys in one object (%zu bytes): %.4f s; in 100000 objects: %.4f s", len, t,
                base);
    cr_expect_lt(t, 10.0, "100000 keys took %.3f s", t);
    cr_expect_lt(t, 10 * base, "one object: %.4f s, spread: %.4f s", t, base);

    doc = many_keys(100000, true, &len, &dup_offset);
    expect_refused_at(doc, len, REPORT_DEPTH, "duplicate_key", dup_offset, "$.k5");
    free(doc);
}
