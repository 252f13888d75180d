/* Microbenchmark of the collector's CPU work per document outside any I/O (tests/bench). */
/*
 * What the collector does to each body before the database (services/collector/routes_ingest.c:
 * ingest()), stage by stage, single-threaded, on the benchmark's own documents: the strict
 * parse (json_strict_parse_terminated: the validating scan, then cJSON's tree), the contract
 * check (report_validate / meeting_validate), cJSON_Delete, the body's SHA-256 and the token's.
 * It tells what the HTTP and database layers leave out of the collector's CPU per document in
 * bench_ingest.sh, without the noise of a shared machine.
 *
 * Two passes: "arena" is what the collector does (common/json_arena.h: cJSON's nodes bumped
 * from a per-thread arena released after each document); "malloc" is the same without the
 * arena scope, every node malloc'd and freed one by one: what the arena saves.
 *
 *   cc -O2 -I common tests/bench/ingest_cpu.c build-bench/common/libmwcommon.a \
 *      -lcjson -lcrypto -lpq -lpthread -o build-bench/ingest_cpu
 *   build-bench/ingest_cpu FIXTURE.tsv [ROUNDS]     (make_fixture.py's reports.tsv, meetings.tsv)
 *
 * The two passes alternate ROUNDS times over all documents; prints, for the fastest pass of
 * each, the mean µs per document of each stage and of the whole.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/sha.h>

#include "json_arena.h"
#include "json_strict.h"
#include "problems.h"
#include "report_validate.h"
#include "token.h"

#define PLACEHOLDER "@@SEQ@@"

struct doc {
    char *token;
    char *pre, *post; /* the body around PLACEHOLDER */
};

enum stage { ST_PARSE, ST_VALIDATE, ST_DELETE, ST_BODY_SHA, ST_TOKEN_SHA, ST_MAX };
static const char *const stage_names[ST_MAX] = {
    [ST_PARSE] = "json_strict_parse", [ST_VALIDATE] = "validate",    [ST_DELETE] = "cJSON_Delete",
    [ST_BODY_SHA] = "SHA256(body)",   [ST_TOKEN_SHA] = "token_hash",
};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static bool load(const char *path, struct doc **out, size_t *n_out, bool *is_report)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    struct doc *docs = NULL;
    size_t n = 0, cap = 0, len = 0;
    char *line = NULL;
    ssize_t got;
    *is_report = false;
    while ((got = getline(&line, &len, f)) > 0) {
        if (line[got - 1] == '\n')
            line[--got] = '\0';
        char *tab1 = strchr(line, '\t');
        char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        char *mark = tab2 ? strstr(tab2 + 1, PLACEHOLDER) : NULL;
        if (mark == NULL)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            docs = realloc(docs, cap * sizeof(*docs));
            if (docs == NULL)
                return false;
        }
        docs[n].token = strndup(tab1 + 1, (size_t)(tab2 - tab1 - 1));
        docs[n].pre = strndup(tab2 + 1, (size_t)(mark - tab2 - 1));
        docs[n].post = strdup(mark + strlen(PLACEHOLDER));
        if (strstr(docs[n].pre, "\"stage\":") != NULL)
            *is_report = true;
        n++;
    }
    free(line);
    fclose(f);
    *out = docs;
    *n_out = n;
    return n > 0;
}

/* One pass over every document ROUNDS times; adds the time of each stage to t[]. */
static bool run(const struct doc *docs, size_t n, int rounds, bool is_report, bool use_arena,
                double t[ST_MAX], size_t *count)
{
    char *body = malloc(1 << 21);
    if (body == NULL)
        return false;
    struct json_arena arena = {0};
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) {
            int len = snprintf(body, 1 << 21, "%sr%d-%zu%s", docs[i].pre, r, i, docs[i].post);
            double t0 = now_us();
            if (use_arena)
                json_arena_begin(&arena);
            struct json_strict_error jerr;
            cJSON *doc = json_strict_parse_terminated(body, (size_t)len, 32, &jerr);
            double t1 = now_us();
            if (doc == NULL) {
                fprintf(stderr, "document %zu: %s at %s\n", i, jerr.code, jerr.path);
                return false;
            }
            struct problem_list problems;
            problems_init(&problems);
            struct report_key key;
            bool ok = is_report ? report_validate(doc, &problems, &key)
                                : meeting_validate(doc, &problems, &key);
            problems_free(&problems);
            double t2 = now_us();
            if (!ok) {
                fprintf(stderr, "document %zu is not valid\n", i);
                return false;
            }
            cJSON_Delete(doc);
            if (use_arena)
                json_arena_end(&arena);
            double t3 = now_us();
            unsigned char sha[32];
            SHA256((const unsigned char *)body, (size_t)len, sha);
            double t4 = now_us();
            unsigned char th[TOKEN_HASH_LEN];
            token_hash(docs[i].token, strlen(docs[i].token), th);
            double t5 = now_us();
            t[ST_PARSE] += t1 - t0;
            t[ST_VALIDATE] += t2 - t1;
            t[ST_DELETE] += t3 - t2;
            t[ST_BODY_SHA] += t4 - t3;
            t[ST_TOKEN_SHA] += t5 - t4;
            (*count)++;
        }
    }
    json_arena_release(&arena);
    free(body);
    return true;
}

static void report(const char *pass, const double t[ST_MAX], size_t count)
{
    double total = 0;
    printf("%-8s", pass);
    for (int s = 0; s < ST_MAX; s++) {
        printf("  %s %.1f", stage_names[s], t[s] / (double)count);
        total += t[s];
    }
    printf("  | total %.1f µs/document (%zu documents)\n", total / (double)count, count);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURE.tsv [ROUNDS]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    struct doc *docs;
    size_t n;
    bool is_report;
    if (!load(argv[1], &docs, &n, &is_report)) {
        fprintf(stderr, "%s: no documents\n", argv[1]);
        return 1;
    }
    json_arena_install();

    /* The two passes alternate, ROUNDS times each, after a warm-up; the fastest pass of each
     * kind is kept: on a shared machine the minimum is the best estimate of the cost. */
    double best[2][ST_MAX], best_total[2] = {0, 0};
    size_t best_count[2] = {0, 0};
    double warm[ST_MAX] = {0};
    size_t cw = 0;
    if (!run(docs, n, 1, is_report, false, warm, &cw))
        return 1;
    for (int r = 0; r < rounds; r++) {
        for (int use_arena = 0; use_arena < 2; use_arena++) {
            double t[ST_MAX] = {0};
            size_t c = 0;
            if (!run(docs, n, 1, is_report, use_arena, t, &c))
                return 1;
            double total = 0;
            for (int s = 0; s < ST_MAX; s++)
                total += t[s];
            if (best_count[use_arena] == 0 || total < best_total[use_arena]) {
                memcpy(best[use_arena], t, sizeof(t));
                best_total[use_arena] = total;
                best_count[use_arena] = c;
            }
        }
    }
    report("malloc", best[0], best_count[0]);
    report("arena", best[1], best_count[1]);
    return 0;
}
