/* The KPI tests' fixture: the demo district with hand-made reports, and checks of figures. */
#ifndef MW_TEST_FIXTURE_KPI_H
#define MW_TEST_FIXTURE_KPI_H

#include <math.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "fixture.h"

/*
 * fixture_setup, then the reports of tests/data/kpi for 2024/2025, intermediate stage:
 *   SOSH14  two versions (sosh14-v1, then the correction sosh14-v2), before the deadline
 *   ITL24   after the deadline (the district's deadline is moved to "now" between the two)
 *   OTHER1  in «Соседний район», which has set no deadline
 *   SOSH8, POGAD  nothing (missing: the deadline has passed)
 * and website checks (latest of each): SOSH14 misses order_pairs and program and has a broken
 * roadmap link; ITL24 compliant; SOSH8 misses program (an older check missed four);
 * OTHER1 misses order_pairs; POGAD was never checked.
 * The figures each level must show are worked out by hand in test_kpi.c.
 */
void kpi_fixture_setup(struct fixture *fx, const char *tag);

/* GET path with token; fails the test unless the status is `status`. The parsed body (an
 * error body too), to cJSON_Delete. */
cJSON *kpi_get_json(const struct fixture *fx, const char *path, const char *token, long status);

/* A member by a dotted path ("mentors_by_category.teacher"); NULL when absent. */
const cJSON *kpi_member(const cJSON *obj, const char *dotted);

/* An expected figure: KPI_NULL for a JSON null. */
#define KPI_NULL NAN
struct kpi_figure {
    const char *key;
    double value;
};

/* Checks every figure of the list against obj (cr_expect: all mismatches are reported). */
void kpi_expect_figures(const cJSON *obj, const struct kpi_figure *figures, size_t n,
                        const char *what);

/* The row of `rows` (an array of objects) whose member `key` is the string `value`. */
const cJSON *kpi_find_row(const cJSON *rows, const char *key, const char *value);

/* Days between today in Moscow and `date` (YYYY-MM-DD), as PostgreSQL counts them. */
long kpi_days_since(const struct fixture *fx, const char *date);

#endif
