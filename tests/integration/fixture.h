/* A demo district in a fresh database, with tokens, for the collector's integration tests. */
#ifndef MW_TEST_FIXTURE_H
#define MW_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "mwtest.h"

/*
 * Schools SOSH14, ITL24, SOSH8, POGAD in district "Демо район" and OTHER1 in "Соседний
 * район", both in region "Демо регион"; stage deadlines for 2024/2025 (entry in the past,
 * intermediate in the future); a school token for SOSH14, ITL24 and OTHER1, a district token
 * for each district, a region token.
 */
struct fixture {
    char *db;
    struct mwtest_proc *collector;
    char *token_sosh14, *token_itl24, *token_other1;
    char *token_district, *token_other_district, *token_region;
};

/* Creates the database and the tokens, then starts the collector with extra_env. */
void fixture_setup(struct fixture *fx, const char *tag, const char *const *extra_env);
void fixture_teardown(struct fixture *fx);

/* Runs `mwctl token issue <args>` and returns the token it printed. */
char *fixture_issue_token(const char *db, const char *const *args);

/* A report of the given school, year and stage built from an example report, with the
 * comment set to `comment` (so that two calls with different comments differ). */
char *fixture_report(const char *school, const char *year, const char *stage, const char *comment,
                     size_t *len);

/* POSTs body to path with the token (and the Idempotency-Key when key is not NULL). */
int fixture_post(struct mwtest_response *resp, const struct fixture *fx, const char *path,
                 const char *token, const char *body, size_t len, const char *key);

/* GET path with the token. */
int fixture_get(struct mwtest_response *resp, const struct fixture *fx, const char *path,
                const char *token);

#endif
