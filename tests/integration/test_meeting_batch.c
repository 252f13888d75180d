/* Meeting events in group-commit batches: many at once through one event loop and one database
 * connection, so that they share transactions. Each one gets its own answer: an event that
 * fails leaves the others alone, identical events are stored once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "fixture.h"

#define PUSHERS 24

static struct fixture fx;

static void setup(void)
{
    /* One loop, one connection: every event waits in the same queue, and a batch takes all
     * of them that are waiting. */
    static const char *const env[] = {"MW_WORKERS=1", "MW_DB_CONNECTIONS=1", NULL};
    fixture_setup(&fx, "meeting_batch", env);
}

static void teardown(void)
{
    fixture_teardown(&fx);
}

TestSuite(meeting_batch, .init = setup, .fini = teardown, .timeout = 120);

struct push {
    const char *body;
    const char *key; /* NULL: no Idempotency-Key */
    long status;
    long id;
};

static void *push_one(void *arg)
{
    struct push *p = arg;
    struct mwtest_response resp;
    int rc = fixture_post(&resp, &fx, "/api/v1/meetings", fx.token_sosh14, p->body, strlen(p->body),
                          p->key);
    p->status = rc == 0 ? resp.status : -1;
    cJSON *ans = rc == 0 ? cJSON_Parse(resp.body) : NULL;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ans, "id");
    p->id = cJSON_IsNumber(id) ? (long)id->valuedouble : 0;
    cJSON_Delete(ans);
    mwtest_response_free(&resp);
    return NULL;
}

static long metric(const char *name)
{
    struct mwtest_response resp;
    cr_assert_eq(fixture_get(&resp, &fx, "/metrics", NULL), 0);
    size_t len = strlen(name);
    long value = -1;
    for (const char *line = resp.body; line != NULL && *line != '\0';) {
        if (strncmp(line, name, len) == 0 && line[len] == ' ')
            value = atol(line + len + 1);
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    mwtest_response_free(&resp);
    return value;
}

static PGconn *connect_db(void)
{
    PGconn *c = PQconnectdb(fx.db);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/*
 * Sends every push at once while `blocker` holds a lock that INSERTs into mw.meeting_event
 * wait for: the first event to arrive waits in the database, the others in the collector's
 * queue, until every client is connected; then the lock goes and the waiting events form one
 * batch. Returns after every answer came.
 */
static void push_together(struct push *pushes, int n)
{
    struct mwtest_response warm;
    fixture_get(&warm, &fx, "/healthz", NULL); /* libcurl's global init, before threads */
    mwtest_response_free(&warm);
    long connected_before = metric("mw_client_connections");

    PGconn *blocker = connect_db();
    exec_ok(blocker, "BEGIN");
    exec_ok(blocker, "LOCK TABLE mw.meeting_event IN SHARE MODE");
    pthread_t threads[PUSHERS];
    cr_assert(n <= PUSHERS);
    for (int i = 0; i < n; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, push_one, &pushes[i]), 0);
    /* Every client connected (their requests are read as they connect) and then a little. */
    for (int waited = 0; waited < 5000; waited += 20) {
        if (metric("mw_client_connections") >= connected_before + n)
            break;
        usleep(20 * 1000);
    }
    usleep(300 * 1000);
    exec_ok(blocker, "COMMIT");
    PQfinish(blocker);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

/* An event the database refuses inside the INSERT (no function-level check catches it) aborts
 * the batch's transaction: that event gets 500, every other one of the batch is stored. With
 * more failing events in the batch than a batch is retried for a database error, too. */
Test(meeting_batch, failing_events_do_not_fail_the_rest_of_the_batch)
{
    /* A rule of this test's database only: notes starting with "boom" are refused. */
    mwtest_sql_exec(fx.db, "CREATE FUNCTION mw.test_refuse_boom() RETURNS trigger "
                           "LANGUAGE plpgsql AS $$ BEGIN "
                           "IF NEW.note LIKE 'boom%' THEN RAISE EXCEPTION 'refused by the test'; "
                           "END IF; RETURN NEW; END $$");
    mwtest_sql_exec(fx.db, "CREATE TRIGGER test_refuse_boom BEFORE INSERT ON mw.meeting_event "
                           "FOR EACH ROW EXECUTE FUNCTION mw.test_refuse_boom()");
    long rolled_back_before = metric("mw_batches_rolled_back_total");

    struct push pushes[PUSHERS];
    char *bodies[PUSHERS], *keys[PUSHERS];
    int failing = 0;
    for (int i = 0; i < PUSHERS; i++) {
        bool boom = i % 5 == 2; /* 5 of 24 */
        failing += boom;
        bodies[i] = mwtest_fmt("{\"school\":\"SOSH14\",\"academic_year\":\"2024/2025\","
                               "\"pair\":\"P%02d\",\"type\":\"regular\",\"date\":\"2024-11-12\","
                               "\"feedback\":true,\"note\":\"%s %d\"}",
                               i, boom ? "boom" : "встреча", i);
        keys[i] = mwtest_fmt("batch-%d", i);
        pushes[i] = (struct push){.body = bodies[i], .key = i % 2 ? keys[i] : NULL};
    }
    push_together(pushes, PUSHERS);

    for (int i = 0; i < PUSHERS; i++) {
        if (pushes[i].status != (i % 5 == 2 ? 500 : 201)) {
            mwtest_proc_dump_log(fx.collector);
            break;
        }
    }
    int created = 0;
    for (int i = 0; i < PUSHERS; i++) {
        bool boom = i % 5 == 2;
        cr_expect_eq(pushes[i].status, boom ? 500 : 201, "event %d: %ld", i, pushes[i].status);
        if (pushes[i].status == 201) {
            created++;
            char *id = mwtest_fmt("%ld", pushes[i].id);
            char *pair = mwtest_fmt("P%02d", i);
            cr_expect_eq(mwtest_sql_long(fx.db,
                                         "SELECT count(*) FROM mw.meeting_event "
                                         "WHERE id = $1 AND pair_code = $2",
                                         id, pair),
                         1, "event %d is stored under the id it was answered with", i);
            free(pair);
            free(id);
        }
    }
    cr_expect_eq(created, PUSHERS - failing);
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.meeting_event WHERE $1", "true"),
                 PUSHERS - failing, "nothing of a failing event stored");
    /* Each failing event rolled its batch back once: they did fail inside shared batches. */
    cr_expect_geq(metric("mw_batches_rolled_back_total") - rolled_back_before, failing);
    for (int i = 0; i < PUSHERS; i++) {
        free(bodies[i]);
        free(keys[i]);
    }
}

/* Distinct events that arrive together are stored by one statement (mw.ingest_meetings), and
 * each client gets its own event's answer. */
Test(meeting_batch, events_that_arrive_together_share_one_statement)
{
    enum { N = 20 };
    struct push pushes[N];
    char *bodies[N], *keys[N];
    for (int i = 0; i < N; i++) {
        bodies[i] = mwtest_fmt("{\"school\":\"SOSH14\",\"academic_year\":\"2024/2025\","
                               "\"pair\":\"Q%02d\",\"type\":\"planning\",\"date\":\"2024-10-%02d\","
                               "\"feedback\":%s}",
                               i, 1 + i, i % 2 ? "true" : "false");
        keys[i] = mwtest_fmt("together-%d", i);
        pushes[i] = (struct push){.body = bodies[i], .key = i % 3 ? keys[i] : NULL};
    }
    long statements_before = metric("mw_batch_statements_total");
    long documents_before = metric("mw_batch_size_sum");
    push_together(pushes, N);

    for (int i = 0; i < N; i++) {
        cr_expect_eq(pushes[i].status, 201, "event %d: %ld", i, pushes[i].status);
        char *id = mwtest_fmt("%ld", pushes[i].id);
        char *pair = mwtest_fmt("Q%02d", i);
        cr_expect_eq(mwtest_sql_long(fx.db,
                                     "SELECT count(*) FROM mw.meeting_event WHERE id = $1 "
                                     "AND pair_code = $2",
                                     id, pair),
                     1, "event %d is stored under the id it was answered with", i);
        free(pair);
        free(id);
    }
    long documents = metric("mw_batch_size_sum") - documents_before;
    long statements = metric("mw_batch_statements_total") - statements_before;
    cr_expect_eq(documents, N);
    /* The first one waited alone for the lock; the rest went together. */
    cr_expect_leq(statements, 3, "%ld statements for %ld events", statements, documents);
    for (int i = 0; i < N; i++) {
        free(bodies[i]);
        free(keys[i]);
    }
}

/* The same event pushed many times at once, under different keys and none, in one batch:
 * stored once, one 201, every other answer a replay of it. One key used for two bodies in the
 * same batch: the first stores its body, the second conflicts. */
Test(meeting_batch, identical_events_at_once_are_stored_once)
{
    const char *ev = "{\"school\":\"SOSH14\",\"academic_year\":\"2024/2025\",\"pair\":\"P1\","
                     "\"type\":\"final\",\"date\":\"2025-05-20\",\"feedback\":false}";
    const char *first = "{\"school\":\"SOSH14\",\"academic_year\":\"2024/2025\",\"pair\":\"P2\","
                        "\"type\":\"final\",\"date\":\"2025-05-20\",\"feedback\":false}";
    const char *second = "{\"school\":\"SOSH14\",\"academic_year\":\"2024/2025\",\"pair\":\"P3\","
                         "\"type\":\"final\",\"date\":\"2025-05-20\",\"feedback\":false}";
    enum { SAME = 16 };
    struct push pushes[SAME + 2];
    char *keys[SAME];
    for (int i = 0; i < SAME; i++) {
        keys[i] = mwtest_fmt("same-%d", i);
        pushes[i] = (struct push){.body = ev, .key = i % 3 == 0 ? NULL : keys[i]};
    }
    pushes[SAME] = (struct push){.body = first, .key = "reused"};
    pushes[SAME + 1] = (struct push){.body = second, .key = "reused"};
    push_together(pushes, SAME + 2);

    int created = 0, replayed = 0;
    for (int i = 0; i < SAME; i++) {
        created += pushes[i].status == 201;
        replayed += pushes[i].status == 200;
        cr_expect(pushes[i].status == 201 || pushes[i].status == 200, "push %d: %ld", i,
                  pushes[i].status);
        cr_expect_eq(pushes[i].id, pushes[0].id, "push %d answers the same event", i);
    }
    cr_expect_eq(created, 1, "one push stored the event");
    cr_expect_eq(replayed, SAME - 1);
    char *id = mwtest_fmt("%ld", pushes[0].id);
    cr_expect_eq(
        mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.meeting_event WHERE pair_code = $1", "P1"),
        1, "the event is stored once");
    cr_expect_eq(mwtest_sql_long(fx.db, "SELECT count(*) FROM mw.meeting_event WHERE id = $1", id),
                 1, "under the id every push was answered with");
    /* A replay stores nothing: at most the key of the push that stored the event is there. */
    cr_expect_leq(mwtest_sql_long(fx.db,
                                  "SELECT count(*) FROM mw.meeting_event "
                                  "WHERE idempotency_key LIKE $1",
                                  "same-%"),
                  1);

    long a = pushes[SAME].status, b = pushes[SAME + 1].status;
    cr_expect((a == 201 && b == 409) || (a == 409 && b == 201), "the reused key: %ld and %ld", a,
              b);
    cr_expect_eq(mwtest_sql_long(fx.db,
                                 "SELECT count(*) FROM mw.meeting_event WHERE idempotency_key = $1",
                                 "reused"),
                 1);
    const char *stored = a == 201 ? "P2" : "P3";
    cr_expect_eq(mwtest_sql_long(fx.db,
                                 "SELECT count(*) FROM mw.meeting_event "
                                 "WHERE idempotency_key = 'reused' AND pair_code = $1",
                                 stored),
                 1, "the key holds the body that was answered 201");
    free(id);
    for (int i = 0; i < SAME; i++)
        free(keys[i]);
}
