/*
 * Report and meeting validation (common/report_validate.c) and the error answer
 * (common/problems.c). Data-driven: every <name>.json under tests/data/reports/valid and
 * tests/data/meetings/valid must give no problem; every <case>.json under .../invalid must give
 * exactly the set of "code<TAB>path" lines of <case>.expected (order-insensitive). The
 * published examples in services/collector/api/examples are valid cases too.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <cjson/cJSON.h>

#include "problems.h"
#include "report_validate.h"

#define EXAMPLES_DIR MW_TESTS_DIR "/../services/collector/api/examples"
#define GENERATOR    MW_TESTS_DIR "/bench/gen_report.py"

enum doc_kind { DOC_REPORT, DOC_MEETING };

/* The problem codes of REPORT_FORMAT.md ("Errors"); the data set must give each at least once. */
static const char *const contract_codes[] = {
    "invalid_json",
    "wrong_type",
    "missing_field",
    "unknown_field",
    "invalid_value",
    "invalid_format",
    "invalid_date",
    "impossible_date_range",
    "out_of_range",
    "too_long",
    "too_many",
    "duplicate_id",
    "unknown_reference",
    "inconsistent_count",
    "name_without_consent",
    "minor_without_guardian_consent",
};
#define CONTRACT_CODES (sizeof(contract_codes) / sizeof(contract_codes[0]))

/* ---- helpers ------------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size, "cannot read %s", path);
    buf[size] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)size;
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names of dir's files ending in suffix; NULL-terminated, caller frees all. */
static char **list_files(const char *dir, const char *suffix, size_t *count)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open directory %s", dir);
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof(*names));
    cr_assert_not_null(names);
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), slen = strlen(suffix);
        if (len <= slen || strcmp(e->d_name + len - slen, suffix) != 0)
            continue;
        if (n + 1 >= cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof(*names));
            cr_assert_not_null(names);
        }
        names[n] = strdup(e->d_name);
        cr_assert_not_null(names[n]);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    names[n] = NULL;
    *count = n;
    return names;
}

static void free_list(char **names)
{
    for (char **p = names; *p != NULL; p++)
        free(*p);
    free(names);
}

/*
 * Validates one JSON text the way the collector does: a text that does not parse is
 * invalid_json at "$" (the strict parser's job; cJSON_Parse stands in for it here).
 * Returns the validator's verdict and fills `out`. The key borrows from the tree: pass `tree`
 * to keep it (the caller deletes it), NULL to have it deleted here.
 */
static bool validate_text(const char *text, size_t len, enum doc_kind kind,
                          struct problem_list *out, struct report_key *key, cJSON **tree)
{
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (doc == NULL) {
        cr_assert(problems_add(out, "invalid_json", "$", "Тело запроса — не JSON"));
        return false;
    }
    bool ok = kind == DOC_REPORT ? report_validate(doc, out, key) : meeting_validate(doc, out, key);
    if (tree != NULL)
        *tree = doc;
    else
        cJSON_Delete(doc);
    return ok;
}

/* "code\tpath" of problem i (malloc'd). */
static char *problem_line(const struct problem *p)
{
    size_t n = strlen(p->code) + 1 + strlen(p->path) + 1;
    char *line = malloc(n);
    cr_assert_not_null(line);
    snprintf(line, n, "%s\t%s", p->code, p->path);
    return line;
}

/* Every problem has a code, a path starting with '$' and a non-empty message. */
static void expect_well_formed(const char *file, const struct problem_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct problem *p = &list->items[i];
        cr_expect(p->code != NULL && p->code[0] != '\0', "%s: problem %zu has no code", file, i);
        cr_expect(p->path != NULL && p->path[0] == '$', "%s: problem %zu: bad path", file, i);
        cr_expect(p->message != NULL && p->message[0] != '\0', "%s: %s has no message", file,
                  p->code);
    }
}

static void check_valid_dir(const char *dir, enum doc_kind kind, const char *prefix,
                            size_t *checked)
{
    size_t n;
    char **names = list_files(dir, ".json", &n);
    for (size_t i = 0; i < n; i++) {
        if (prefix != NULL &&
            (kind == DOC_MEETING) != (strncmp(names[i], prefix, strlen(prefix)) == 0))
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        size_t len;
        char *text = read_file(path, &len);
        struct problem_list out;
        problems_init(&out);
        struct report_key key = {NULL, NULL, NULL};
        bool ok = validate_text(text, len, kind, &out, &key, NULL);
        cr_expect(ok, "%s: expected valid, got %zu problem(s)", path, out.count);
        for (size_t j = 0; j < out.count; j++)
            cr_log_error("%s: %s %s %s", names[i], out.items[j].code, out.items[j].path,
                         out.items[j].message);
        if (ok) {
            cr_expect_not_null(key.school, "%s: key.school", path);
            cr_expect_not_null(key.academic_year, "%s: key.academic_year", path);
            cr_expect((kind == DOC_REPORT) == (key.stage != NULL), "%s: key.stage", path);
        }
        problems_free(&out);
        free(text);
        (*checked)++;
    }
    free_list(names);
}

/* Reads a .expected file into sorted lines; blank lines and '#' comments are skipped. */
static char **read_expected(const char *path, size_t *count)
{
    char *text = read_file(path, NULL);
    size_t n = 0, cap = 8;
    char **lines = malloc(cap * sizeof(*lines));
    cr_assert_not_null(lines);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        cr_assert_not_null(strchr(line, '\t'), "%s: line without a TAB: %s", path, line);
        if (n + 1 >= cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof(*lines));
            cr_assert_not_null(lines);
        }
        lines[n] = strdup(line);
        cr_assert_not_null(lines[n]);
        n++;
    }
    free(text);
    qsort(lines, n, sizeof(*lines), cmp_str);
    lines[n] = NULL;
    *count = n;
    return lines;
}

/* Codes seen across the invalid cases (for the coverage test). */
struct code_seen {
    bool seen[CONTRACT_CODES];
    size_t max_distinct; /* most distinct codes in one document */
};

static void note_codes(struct code_seen *cs, char **lines, size_t n)
{
    bool here[CONTRACT_CODES] = {false};
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < CONTRACT_CODES; c++) {
            size_t len = strlen(contract_codes[c]);
            if (strncmp(lines[i], contract_codes[c], len) == 0 && lines[i][len] == '\t')
                here[c] = cs->seen[c] = true;
        }
    }
    size_t distinct = 0;
    for (size_t c = 0; c < CONTRACT_CODES; c++)
        distinct += here[c];
    if (distinct > cs->max_distinct)
        cs->max_distinct = distinct;
}

static void check_invalid_dir(const char *dir, enum doc_kind kind, size_t *checked,
                              struct code_seen *cs)
{
    size_t n;
    char **names = list_files(dir, ".json", &n);
    for (size_t i = 0; i < n; i++) {
        char path[1024], expected_path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        snprintf(expected_path, sizeof(expected_path), "%s/%.*s.expected", dir,
                 (int)(strlen(names[i]) - 5), names[i]);
        size_t n_expected;
        char **expected = read_expected(expected_path, &n_expected);
        cr_expect_gt(n_expected, 0, "%s lists no problem", expected_path);

        size_t len;
        char *text = read_file(path, &len);
        struct problem_list out;
        problems_init(&out);
        struct report_key key = {NULL, NULL, NULL};
        bool ok = validate_text(text, len, kind, &out, &key, NULL);
        cr_expect(!ok, "%s: expected invalid", path);
        cr_expect(!out.truncated, "%s: list truncated", path);
        expect_well_formed(path, &out);

        char **got = malloc((out.count + 1) * sizeof(*got));
        cr_assert_not_null(got);
        for (size_t j = 0; j < out.count; j++)
            got[j] = problem_line(&out.items[j]);
        got[out.count] = NULL;
        qsort(got, out.count, sizeof(*got), cmp_str);

        /* merge the two sorted lists: report what is missing and what is unexpected */
        size_t a = 0, b = 0;
        while (a < n_expected || b < out.count) {
            int c = a == n_expected ? 1 : b == out.count ? -1 : strcmp(expected[a], got[b]);
            if (c == 0) {
                a++, b++;
            } else if (c < 0) {
                cr_expect_fail("%s: missing problem   %s", names[i], expected[a++]);
            } else {
                cr_expect_fail("%s: unexpected problem %s", names[i], got[b++]);
            }
        }
        for (size_t j = 1; j < out.count; j++)
            cr_expect_str_neq(got[j - 1], got[j], "%s: reported twice: %s", names[i], got[j]);

        if (cs != NULL)
            note_codes(cs, expected, n_expected);
        free_list(got);
        free_list(expected);
        problems_free(&out);
        free(text);
        (*checked)++;
    }
    free_list(names);
}

/* ---- data-driven suites -------------------------------------------------------------------- */

Test(report_data, valid_reports_have_no_problem)
{
    size_t checked = 0;
    check_valid_dir(MW_TESTS_DIR "/data/reports/valid", DOC_REPORT, NULL, &checked);
    cr_expect_geq(checked, 5, "too few valid reports: %zu", checked);
}

Test(report_data, published_examples_are_valid)
{
    size_t reports = 0, meetings = 0;
    check_valid_dir(EXAMPLES_DIR, DOC_REPORT, "meeting", &reports);
    check_valid_dir(EXAMPLES_DIR, DOC_MEETING, "meeting", &meetings);
    cr_expect_geq(reports, 4, "examples/ should hold at least four reports, has %zu", reports);
    cr_expect_geq(meetings, 1, "examples/ should hold meeting.example.json");
}

Test(report_data, invalid_reports_give_exactly_the_expected_problems)
{
    size_t checked = 0;
    struct code_seen cs = {{false}, 0};
    check_invalid_dir(MW_TESTS_DIR "/data/reports/invalid", DOC_REPORT, &checked, &cs);
    cr_expect_geq(checked, 15, "too few invalid cases: %zu", checked);
    for (size_t c = 0; c < CONTRACT_CODES; c++)
        cr_expect(cs.seen[c], "no invalid report case gives %s", contract_codes[c]);
    cr_expect_geq(cs.max_distinct, 10, "no case with 10+ different problem codes (max %zu)",
                  cs.max_distinct);
}

Test(meeting_data, valid_meetings_have_no_problem)
{
    size_t checked = 0;
    check_valid_dir(MW_TESTS_DIR "/data/meetings/valid", DOC_MEETING, NULL, &checked);
    cr_expect_geq(checked, 2);
}

Test(meeting_data, invalid_meetings_give_exactly_the_expected_problems)
{
    size_t checked = 0;
    check_invalid_dir(MW_TESTS_DIR "/data/meetings/invalid", DOC_MEETING, &checked, NULL);
    cr_expect_geq(checked, 3);
}

/* ---- programmatic cases -------------------------------------------------------------------- */

/* A valid report to mutate: the SOSH14 example. */
static cJSON *load_example(void)
{
    size_t len;
    char *text = read_file(EXAMPLES_DIR "/sosh14-2024-intermediate.json", &len);
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    cr_assert_not_null(doc);
    return doc;
}

Test(report_validate, fills_the_key_of_a_valid_report)
{
    cJSON *doc = load_example();
    struct problem_list out;
    problems_init(&out);
    struct report_key key = {NULL, NULL, NULL};
    cr_assert(report_validate(doc, &out, &key));
    cr_expect_eq(out.count, 0);
    cr_expect_str_eq(key.school, "SOSH14");
    cr_expect_str_eq(key.academic_year, "2024/2025");
    cr_expect_str_eq(key.stage, "intermediate");
    problems_free(&out);
    cJSON_Delete(doc);
}

Test(report_validate, a_huge_array_is_one_too_many_and_its_items_are_not_read)
{
    cJSON *doc = load_example();
    cJSON *mentors = cJSON_GetObjectItemCaseSensitive(doc, "mentors");
    for (int i = 0; i < 100000; i++) /* each item would give several problems */
        cr_assert(cJSON_AddItemToArray(mentors, cJSON_CreateObject()));
    struct problem_list out;
    problems_init(&out);
    struct report_key key;
    cr_assert_not(report_validate(doc, &out, &key));
    /* One problem, not one per item: the oversize array was not walked. */
    cr_assert_eq(out.count, 1, "got %zu problems", out.count);
    cr_expect_str_eq(out.items[0].code, "too_many");
    cr_expect_str_eq(out.items[0].path, "$.mentors");
    problems_free(&out);
    cJSON_Delete(doc);
}

Test(report_validate, the_list_stops_at_PROBLEMS_MAX_and_says_truncated)
{
    cJSON *doc = load_example();
    cJSON *mentors = cJSON_GetObjectItemCaseSensitive(doc, "mentors");
    for (int i = 0; i < 1990; i++) { /* 6 problems each: 11,940 in all */
        cJSON *m = cJSON_CreateObject();
        cr_assert_not_null(cJSON_AddNumberToObject(m, "id", i));
        cr_assert_not_null(cJSON_AddStringToObject(m, "category", "boss"));
        cr_assert_not_null(cJSON_AddStringToObject(m, "unknown", "x"));
        cr_assert_not_null(cJSON_AddNullToObject(m, "consent"));
        cr_assert(cJSON_AddItemToArray(mentors, m));
    }
    struct problem_list out;
    problems_init(&out);
    struct report_key key;
    cr_assert_not(report_validate(doc, &out, &key));
    cr_expect_eq(out.count, PROBLEMS_MAX);
    cr_expect(out.truncated);
    char *json = problems_to_json(&out, "validation_failed", "Отчёт содержит ошибки");
    cr_assert_not_null(json);
    cJSON *answer = cJSON_Parse(json);
    cr_assert_not_null(answer);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(answer, "errors")),
                 PROBLEMS_MAX);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "truncated")));
    cJSON_Delete(answer);
    free(json);
    problems_free(&out);
    cJSON_Delete(doc);
}

Test(report_validate, string_lengths_are_counted_in_characters)
{
    cJSON *doc = load_example();
    cJSON *mentor = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "mentors"), 0);
    char name[201 * 4 + 1] = "";
    for (int i = 0; i < 50; i++)
        strcat(name, "Ж😀"); /* 2 + 4 bytes: 100 characters, 300 bytes */
    for (int i = 0; i < 100; i++)
        strcat(name, "я"); /* 200 characters, 500 bytes */
    cr_assert(cJSON_ReplaceItemInObjectCaseSensitive(mentor, "name", cJSON_CreateString(name)));
    struct problem_list out;
    problems_init(&out);
    struct report_key key;
    cr_expect(report_validate(doc, &out, &key), "200 characters in 500 bytes is not too long");
    strcat(name, "a");
    cr_assert(cJSON_ReplaceItemInObjectCaseSensitive(mentor, "name", cJSON_CreateString(name)));
    cr_expect_not(report_validate(doc, &out, &key));
    cr_assert_eq(out.count, 1);
    cr_expect_str_eq(out.items[0].code, "too_long");
    cr_expect_str_eq(out.items[0].path, "$.mentors[0].name");
    problems_free(&out);
    cJSON_Delete(doc);
}

Test(report_validate, a_problem_list_that_already_holds_problems_is_appended_to)
{
    cJSON *doc = load_example();
    struct problem_list out;
    problems_init(&out);
    cr_assert(problems_add(&out, "earlier", "$", "earlier"));
    struct report_key key;
    cr_expect(report_validate(doc, &out, &key), "the earlier problem is not this report's");
    cr_expect_eq(out.count, 1);
    problems_free(&out);
    cJSON_Delete(doc);
}

Test(meeting_validate, fills_the_key_without_a_stage)
{
    size_t len;
    char *text = read_file(EXAMPLES_DIR "/meeting.example.json", &len);
    struct problem_list out;
    problems_init(&out);
    struct report_key key = {NULL, NULL, "x"};
    cJSON *tree = NULL;
    cr_assert(validate_text(text, len, DOC_MEETING, &out, &key, &tree));
    cr_expect_str_eq(key.school, "SOSH14");
    cr_expect_str_eq(key.academic_year, "2024/2025");
    cr_expect_null(key.stage);
    cJSON_Delete(tree);
    problems_free(&out);
    free(text);
}

/* The benchmark/demo generator's output must pass (needs python3; skipped without it). */
Test(report_generator, output_is_valid_and_about_the_size_asked)
{
    if (system("command -v python3 >/dev/null 2>&1") != 0)
        cr_skip_test("python3 not installed");
    static const struct {
        const char *school, *year, *stage;
        int seed, size;
    } runs[] = {
        {"SOSH14", "2024/2025", "entry", 11, 20000},
        {"ITL24", "2022/2023", "intermediate", 12, 20000},
        {"SOSH8", "2021/2022", "final", 13, 20000},
        {"POGAD", "2099/2100", "final", 14, 30000},
        {"B00042", "2024/2025", "intermediate", 15, 200000},
    };
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        char cmd[512];
        snprintf(cmd, sizeof(cmd),
                 "python3 '%s' --school %s --year %s --stage %s --seed %d "
                 "--size %d",
                 GENERATOR, runs[i].school, runs[i].year, runs[i].stage, runs[i].seed,
                 runs[i].size);
        FILE *p = popen(cmd, "r");
        cr_assert_not_null(p, "%s", cmd);
        size_t cap = 1 << 20, len = 0;
        char *buf = malloc(cap);
        cr_assert_not_null(buf);
        size_t got;
        while ((got = fread(buf + len, 1, cap - len, p)) > 0) {
            len += got;
            if (len == cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                cr_assert_not_null(buf);
            }
        }
        cr_assert_eq(pclose(p), 0, "%s failed", cmd);
        cr_expect(len > (size_t)runs[i].size * 8 / 10 && len < (size_t)runs[i].size * 12 / 10,
                  "%s: %zu bytes", cmd, len);
        struct problem_list out;
        problems_init(&out);
        struct report_key key;
        cJSON *tree = NULL;
        cr_expect(validate_text(buf, len, DOC_REPORT, &out, &key, &tree), "%s: invalid", cmd);
        for (size_t j = 0; j < out.count; j++)
            cr_log_error("%s: %s %s", runs[i].school, out.items[j].code, out.items[j].path);
        if (out.count == 0) {
            cr_expect_str_eq(key.school, runs[i].school);
            cr_expect_str_eq(key.stage, runs[i].stage);
        }
        cJSON_Delete(tree);
        problems_free(&out);
        free(buf);
    }
}

/* ---- problems.c ---------------------------------------------------------------------------- */

Test(problems, renders_the_error_answer)
{
    struct problem_list list;
    problems_init(&list);
    char path[] = "$.pairs[0].mentors[1]";
    cr_assert(problems_add(&list, "unknown_reference", path, "Наставник не указан"));
    path[0] = 'X'; /* the list holds its own copy */
    cr_assert(problems_add(&list, "wrong_type", "$['a\"b']", "Ожидается строка"));
    char *json = problems_to_json(&list, "validation_failed", "Отчёт содержит ошибки");
    cr_assert_not_null(json);
    cr_expect_str_eq(json, "{\"code\":\"validation_failed\",\"message\":\"Отчёт содержит ошибки\","
                           "\"errors\":[{\"code\":\"unknown_reference\",\"path\":"
                           "\"$.pairs[0].mentors[1]\",\"message\":\"Наставник не указан\"},"
                           "{\"code\":\"wrong_type\",\"path\":\"$['a\\\"b']\",\"message\":"
                           "\"Ожидается строка\"}]}");
    free(json);
    problems_free(&list);
    cr_expect_eq(list.count, 0);
    cr_expect_null(list.items);
}

Test(problems, an_empty_list_renders_an_empty_errors_array)
{
    struct problem_list list;
    problems_init(&list);
    char *json = problems_to_json(&list, "invalid_json", "Тело запроса — не JSON");
    cr_assert_not_null(json);
    cr_expect_str_eq(json, "{\"code\":\"invalid_json\",\"message\":\"Тело запроса — не JSON\","
                           "\"errors\":[]}");
    free(json);
    problems_free(&list);
}

Test(problems, keeps_at_most_PROBLEMS_MAX_and_marks_truncated)
{
    struct problem_list list;
    problems_init(&list);
    for (int i = 0; i < PROBLEMS_MAX + 5; i++)
        cr_assert(problems_add(&list, "too_long", "$.comment", "Слишком длинное значение"));
    cr_expect_eq(list.count, PROBLEMS_MAX);
    cr_expect(list.truncated);
    char *json = problems_to_json(&list, "validation_failed", "Отчёт содержит ошибки");
    cr_assert_not_null(json);
    static const char tail[] = ",\"truncated\":true}";
    size_t len = strlen(json);
    cr_expect(len > sizeof(tail) && strcmp(json + len - (sizeof(tail) - 1), tail) == 0,
              "ends with: %s", json + (len > 40 ? len - 40 : 0));
    free(json);
    problems_free(&list);
}
