/* Runs with a database: the storing one-shot run and the daemon, on one event loop. */
#include "dbrun.h"

#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "checkdb.h"
#include "fetch.h"
#include "log.h"
#include "oneshot.h"
#include "output.h"
#include "schools.h"
#include "site.h"

#define STORE_ATTEMPTS 3

static const char *const sql_targets = "SELECT code, school_id, website, section_url, required "
                                       "FROM mw.check_targets($1, $2::text[])";
static const char *const sql_start_run = "SELECT mw.start_check_run($1, $2, $3, $4)";
static const char *const sql_finish_run = "SELECT mw.finish_check_run($1)";
static const char *const sql_claim = "SELECT code, school_id, website, section_url, required "
                                     "FROM mw.claim_site_checks($1, $2::int, $3::int, $4)";
static const char *const sql_release = "SELECT mw.release_site_checks($1, $2::bigint[])";
static const char *const sql_store =
    "SELECT code, site_check_id, missing, compliant, changes, next_due_at "
    "FROM mw.store_site_check($1::bigint, $2, $3, $4::int)";

enum run_phase {
    PHASE_STARTING, /* looking up the schools (one-shot) and opening the run */
    PHASE_CHECKING, /* sites running; the daemon claims more as they end */
    PHASE_STOPPING, /* daemon after SIGTERM: no new school; running checks end and store */
    PHASE_CLOSING,  /* the run is being closed in the database */
    PHASE_DONE,
    PHASE_MAX
};

static const char *const phase_names[] = {
    [PHASE_STARTING] = "starting", [PHASE_CHECKING] = "checking", [PHASE_STOPPING] = "stopping",
    [PHASE_CLOSING] = "closing",   [PHASE_DONE] = "done",
};
static_assert(sizeof(phase_names) / sizeof(phase_names[0]) == PHASE_MAX, "every phase has a name");

enum target_state {
    TARGET_WAITING,  /* in run->waiting, not started */
    TARGET_CHECKING, /* its site is running */
    TARGET_CHECKED,  /* site done, in run->finished until the reaper takes it */
    TARGET_STORING,  /* its line is being stored */
    TARGET_ABANDONED /* still running when the shutdown grace ran out: given back, never reaped */
};

/* One school to check: what the database (or the CSV) says about it, and its site. */
struct target {
    struct dbrun *run;
    struct target *prev, *next; /* run->active while started */
    enum target_state state;
    struct school school;      /* owned strings */
    char school_id[24];        /* "" when the database does not know the code: not stored */
    struct site_limits limits; /* the run's, with the district's required list */
    struct site *site;         /* while checking */
    char *line;                /* the JSON line, while storing */
    int store_attempts;
};

struct dbrun {
    const struct checker_config *cfg;
    bool daemon;
    FILE *out; /* JSON Lines of a one-shot run; NULL for the daemon */
    struct event_base *base;
    struct fetcher *fetcher;
    struct checkdb *db;
    struct site_limits limits;
    char worker[160]; /* host:pid, the lease holder's name */
    char run_id[24];
    char interval_s[24], lease_s[24];
    enum run_phase phase;
    struct school_list csv;

    struct target **waiting; /* claimed or listed, not started: [next_waiting, n_waiting) */
    size_t n_waiting, next_waiting, cap_waiting;
    struct target *active; /* started and not yet stored */
    int checking;          /* sites running */
    struct target **finished;
    size_t n_finished, cap_finished;

    struct event *reap_ev, *poll_ev, *grace_ev, *term_ev, *int_ev;
    bool claiming;  /* a claim is in flight */
    bool poll_wait; /* nothing more was due: wait for the poll timer */
    size_t checked, stored, not_stored;
    bool failed; /* a failure of ours: exit 1 */
};

/* Running sites left behind by a shutdown grace that ran out: kept reachable, never freed. */
static struct target *abandoned;

static void set_phase(struct dbrun *run, enum run_phase phase)
{
    if (run->phase != phase)
        log_debug("run_phase", "from=%s to=%s", phase_names[run->phase], phase_names[phase]);
    run->phase = phase;
}

static void maybe_claim(struct dbrun *run);
static void maybe_close(struct dbrun *run);
static void store(struct target *t);

/* ---- targets ----------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

static void target_free(struct target *t)
{
    if (t == NULL)
        return;
    site_free(t->site);
    free(t->line);
    free(t->school.code);
    free(t->school.website);
    free(t->school.section_url);
    free(t);
}

/* required: the district's comma-separated codes; NULL keeps the run's --required. */
static struct target *target_new(struct dbrun *run, const char *code, const char *website,
                                 const char *section_url, const char *school_id,
                                 const char *required, unsigned line)
{
    struct target *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->run = run;
    t->school.code = strdup(code);
    t->school.website = strdup(website != NULL ? website : "");
    t->school.section_url = dup_or_null(section_url);
    t->school.line = line;
    snprintf(t->school_id, sizeof(t->school_id), "%s", school_id != NULL ? school_id : "");
    t->limits = run->limits;
    if (required != NULL && !doc_type_parse_set(required, &t->limits.required, stderr))
        log_warn("district_list_unreadable", "school=%s required=\"%s\"", code, required);
    if (t->school.code == NULL || t->school.website == NULL ||
        (section_url != NULL && section_url[0] != '\0' && t->school.section_url == NULL)) {
        target_free(t);
        return NULL;
    }
    return t;
}

static bool push_ptr(struct target ***items, size_t *n, size_t *cap, struct target *t)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        struct target **p = realloc(*items, c * sizeof(*p));
        if (p == NULL)
            return false;
        *items = p;
        *cap = c;
    }
    (*items)[(*n)++] = t;
    return true;
}

static void active_add(struct dbrun *run, struct target *t)
{
    t->prev = NULL;
    t->next = run->active;
    if (run->active != NULL)
        run->active->prev = t;
    run->active = t;
}

static void active_remove(struct dbrun *run, struct target *t)
{
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        run->active = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
}

/* A started target's one end: stored, or given up on. */
static void target_done(struct target *t)
{
    struct dbrun *run = t->run;
    active_remove(run, t);
    target_free(t);
    maybe_claim(run);
    maybe_close(run);
}

/* ---- checking ---------------------------------------------------------------------------- */

static void on_site_done(struct site *site, void *arg)
{
    struct target *t = arg;
    struct dbrun *run = t->run;
    (void)site;
    if (t->state == TARGET_ABANDONED)
        return; /* its school was given back; the site is freed at the end */
    t->state = TARGET_CHECKED;
    if (!push_ptr(&run->finished, &run->n_finished, &run->cap_finished, t))
        log_error("checker_no_memory", "where=finished_list school=%s", t->school.code);
    event_active(run->reap_ev, EV_TIMEOUT, 0);
}

static void start_targets(struct dbrun *run)
{
    while (run->phase == PHASE_CHECKING && run->checking < run->cfg->sites_parallel &&
           run->next_waiting < run->n_waiting) {
        struct target *t = run->waiting[run->next_waiting++];
        t->site = site_new(&t->school, &t->limits, run->fetcher, on_site_done, t);
        if (t->site == NULL) {
            log_error("checker_no_memory", "where=site_new school=%s", t->school.code);
            run->not_stored++;
            run->failed = true;
            target_free(t);
            continue;
        }
        t->state = TARGET_CHECKING;
        active_add(run, t);
        run->checking++;
        site_start(t->site);
    }
    if (run->next_waiting == run->n_waiting)
        run->next_waiting = run->n_waiting = 0;
}

static void print_line(struct dbrun *run, const char *line)
{
    if (run->out == NULL)
        return;
    if (fputs(line, run->out) == EOF || fputc('\n', run->out) == EOF || fflush(run->out) != 0) {
        log_error("output_failed", "reason=stdout");
        run->out = NULL;
        run->failed = true;
    }
}

/* Finished sites, outside their callbacks: the line printed, the site freed, the line stored. */
static void on_reap(evutil_socket_t fd, short what, void *arg)
{
    struct dbrun *run = arg;
    (void)fd;
    (void)what;
    for (size_t i = 0; i < run->n_finished; i++) {
        struct target *t = run->finished[i];
        struct site_result res;
        site_result(t->site, &res);
        t->line = output_json(&res);
        site_free(t->site);
        t->site = NULL;
        run->checking--;
        run->checked++;
        if (t->line == NULL) {
            log_error("checker_no_memory", "where=output_json school=%s", t->school.code);
            run->failed = true;
            run->not_stored++;
            target_done(t);
            continue;
        }
        print_line(run, t->line);
        if (t->school_id[0] == '\0') {
            run->not_stored++; /* reported when the list was read */
            target_done(t);
            continue;
        }
        store(t);
    }
    run->n_finished = 0;
    start_targets(run);
    maybe_claim(run);
    maybe_close(run);
}

/* ---- storing ----------------------------------------------------------------------------- */

static const char *field(const PGresult *res, int row, const char *name)
{
    int col = PQfnumber(res, name);
    return col >= 0 && !PQgetisnull(res, row, col) ? PQgetvalue(res, row, col) : "";
}

static void on_stored(enum checkdb_outcome outcome, const PGresult *res, void *arg)
{
    struct target *t = arg;
    struct dbrun *run = t->run;
    if (outcome == CHECKDB_UNAVAILABLE && t->store_attempts < STORE_ATTEMPTS) {
        log_warn("store_retry", "school=%s attempt=%d", t->school.code, t->store_attempts);
        store(t);
        return;
    }
    const char *code = outcome == CHECKDB_OK && PQntuples(res) == 1 ? field(res, 0, "code") : "";
    if (strcmp(code, "stored") == 0) {
        run->stored++;
        log_info("site_stored",
                 "school=%s check_id=%s missing=%s compliant=%s changes=%s next_due=\"%s\"",
                 t->school.code, field(res, 0, "site_check_id"), field(res, 0, "missing"),
                 field(res, 0, "compliant"), field(res, 0, "changes"),
                 field(res, 0, "next_due_at"));
    } else {
        run->not_stored++;
        if (strcmp(code, "unknown_school") == 0)
            log_warn("school_unknown", "school=%s stored=0", t->school.code);
        else
            log_error("store_failed", "school=%s outcome=%s code=%s", t->school.code,
                      checkdb_outcome_name(outcome), code[0] ? code : "-");
    }
    target_done(t);
}

static void store(struct target *t)
{
    struct dbrun *run = t->run;
    t->state = TARGET_STORING;
    t->store_attempts++;
    const char *v[] = {run->run_id, run->worker, t->line, run->interval_s};
    if (!checkdb_query(run->db, sql_store, 4, v, on_stored, t)) {
        log_error("checker_no_memory", "where=store school=%s", t->school.code);
        run->failed = true;
        run->not_stored++;
        target_done(t);
    }
}

/* ---- the daemon: claims, polls, stops ------------------------------------------------------ */

static bool add_waiting(struct dbrun *run, const PGresult *res, int row, const char *section_url,
                        unsigned line)
{
    struct target *t =
        target_new(run, field(res, row, "code"), field(res, row, "website"), section_url,
                   field(res, row, "school_id"), field(res, row, "required"), line);
    if (t == NULL || !push_ptr(&run->waiting, &run->n_waiting, &run->cap_waiting, t)) {
        target_free(t);
        log_error("checker_no_memory", "where=targets");
        run->failed = true;
        return false;
    }
    return true;
}

static void arm_poll(struct dbrun *run)
{
    run->poll_wait = true;
    struct timeval tv = {run->cfg->poll_s, 0};
    if (event_add(run->poll_ev, &tv) != 0)
        log_error("event_failed", "call=poll_timer");
}

static void on_claimed(enum checkdb_outcome outcome, const PGresult *res, void *arg)
{
    struct dbrun *run = arg;
    run->claiming = false;
    if (outcome != CHECKDB_OK) {
        log_warn("claim_failed", "outcome=%s retry_s=%d", checkdb_outcome_name(outcome),
                 run->cfg->poll_s);
        arm_poll(run);
        maybe_close(run);
        return;
    }
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        add_waiting(run, res, i, field(res, i, "section_url"), 0);
    if (n > 0)
        log_info("checks_claimed", "schools=%d worker=%s", n, run->worker);
    if (n == 0)
        arm_poll(run); /* nothing (more) is due: look again later */
    if (run->phase == PHASE_CHECKING) {
        start_targets(run);
        maybe_claim(run);
    }
    maybe_close(run); /* stopping: what was claimed meanwhile is given back there */
}

/* Claims due schools while there is room and no claim is in flight. */
static void maybe_claim(struct dbrun *run)
{
    if (!run->daemon || run->phase != PHASE_CHECKING || run->claiming || run->poll_wait)
        return;
    int room = run->cfg->sites_parallel - run->checking - (int)(run->n_waiting - run->next_waiting);
    if (room <= 0)
        return;
    char limit[16];
    snprintf(limit, sizeof(limit), "%d",
             room < run->cfg->claim_batch ? room : run->cfg->claim_batch);
    const char *v[] = {run->worker, limit, run->lease_s, run->cfg->district};
    if (!checkdb_query(run->db, sql_claim, 4, v, on_claimed, run)) {
        log_error("checker_no_memory", "where=claim");
        arm_poll(run);
        return;
    }
    run->claiming = true;
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    struct dbrun *run = arg;
    (void)fd;
    (void)what;
    run->poll_wait = false;
    maybe_claim(run);
}

static void on_released(enum checkdb_outcome outcome, const PGresult *res, void *arg)
{
    (void)arg;
    if (outcome == CHECKDB_OK && PQntuples(res) == 1)
        log_info("checks_released", "schools=%s", PQgetvalue(res, 0, 0));
    else
        log_warn("release_failed", "outcome=%s (the leases run out by themselves)",
                 checkdb_outcome_name(outcome));
}

/* Gives back schools this checker holds and will not check: not started, or (grace ran out)
 * still running. The ones given back are the waiting ones (freed) or `running` ones. */
static void release(struct dbrun *run, bool running_too)
{
    size_t cap = 2 + 24 * (run->n_waiting - run->next_waiting);
    for (struct target *t = run->active; t != NULL; t = t->next)
        cap += 24;
    char *ids = malloc(cap);
    if (ids == NULL)
        return; /* the leases run out by themselves */
    size_t len = 0, n = 0;
    ids[len++] = '{';
    for (size_t i = run->next_waiting; i < run->n_waiting; i++) {
        struct target *t = run->waiting[i];
        len += (size_t)snprintf(ids + len, cap - len, "%s%s", n++ ? "," : "", t->school_id);
        target_free(t);
    }
    run->next_waiting = run->n_waiting = 0;
    for (struct target *t = running_too ? run->active : NULL; t != NULL; t = t->next) {
        if (t->state == TARGET_CHECKING)
            len += (size_t)snprintf(ids + len, cap - len, "%s%s", n++ ? "," : "", t->school_id);
    }
    snprintf(ids + len, cap - len, "}");
    if (n > 0) {
        const char *v[] = {run->worker, ids};
        if (!checkdb_query(run->db, sql_release, 2, v, on_released, run))
            log_error("checker_no_memory", "where=release");
    }
    free(ids);
}

static void on_grace(evutil_socket_t fd, short what, void *arg)
{
    struct dbrun *run = arg;
    (void)fd;
    (void)what;
    log_warn("shutdown_grace_over", "checking=%d (given back)", run->checking);
    release(run, true);
    run->checking = 0; /* abandoned: their sites are never reaped */
    for (struct target *t = run->active, *next; t != NULL; t = next) {
        next = t->next;
        if (t->state == TARGET_CHECKING) {
            active_remove(run, t);
            t->state = TARGET_ABANDONED;
            t->next = abandoned;
            abandoned = t;
        }
    }
    maybe_close(run);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct dbrun *run = arg;
    (void)what;
    if (run->phase >= PHASE_STOPPING)
        return;
    log_info("daemon_stopping", "signal=%d checking=%d", (int)sig, run->checking);
    set_phase(run, PHASE_STOPPING);
    event_del(run->poll_ev);
    release(run, false);
    if (run->cfg->shutdown_grace_s > 0) {
        struct timeval tv = {run->cfg->shutdown_grace_s, 0};
        event_add(run->grace_ev, &tv);
    } else {
        on_grace(-1, 0, run);
    }
    maybe_close(run);
}

/* ---- the run's start and end ------------------------------------------------------------- */

static void on_closed(enum checkdb_outcome outcome, const PGresult *res, void *arg)
{
    struct dbrun *run = arg;
    (void)res;
    if (outcome != CHECKDB_OK)
        log_warn("run_close_failed", "run=%s outcome=%s", run->run_id,
                 checkdb_outcome_name(outcome));
    set_phase(run, PHASE_DONE);
    event_base_loopexit(run->base, NULL);
}

/* The end: a one-shot run with every school stored, or a stopping daemon with nothing left. */
static void maybe_close(struct dbrun *run)
{
    bool idle = run->active == NULL && run->n_finished == 0 && !run->claiming;
    bool over = run->phase == PHASE_STOPPING ||
                (run->phase == PHASE_CHECKING && !run->daemon && run->n_waiting == 0);
    if (!idle || !over)
        return;
    if (run->phase == PHASE_STOPPING)
        release(run, false); /* claimed while stopping */
    set_phase(run, PHASE_CLOSING);
    const char *v[] = {run->run_id};
    if (!checkdb_query(run->db, sql_finish_run, 1, v, on_closed, run))
        on_closed(CHECKDB_UNAVAILABLE, NULL, run);
}

static void give_up(struct dbrun *run, const char *what, enum checkdb_outcome outcome)
{
    log_error("database_failed", "step=%s outcome=%s", what, checkdb_outcome_name(outcome));
    fprintf(stderr, "checker: the database did not answer (%s); nothing was checked\n", what);
    run->failed = true;
    set_phase(run, PHASE_DONE);
    event_base_loopexit(run->base, NULL);
}

static void on_run_started(enum checkdb_outcome outcome, const PGresult *res, void *arg)
{
    struct dbrun *run = arg;
    if (outcome != CHECKDB_OK || PQntuples(res) != 1) {
        give_up(run, "start_check_run", outcome);
        return;
    }
    snprintf(run->run_id, sizeof(run->run_id), "%s", PQgetvalue(res, 0, 0));
    log_info("run_started", "run=%s mode=%s worker=%s schools=%zu", run->run_id,
             run->daemon ? "daemon" : "once", run->worker, run->n_waiting);
    set_phase(run, PHASE_CHECKING);
    start_targets(run);
    maybe_claim(run);
    maybe_close(run);
}

static void start_run(struct dbrun *run)
{
    const char *v[] = {run->daemon ? "daemon" : "once", run->cfg->district, run->worker,
                       CHECKER_VERSION};
    if (!checkdb_query(run->db, sql_start_run, 4, v, on_run_started, run))
        give_up(run, "start_check_run", CHECKDB_UNAVAILABLE);
}

/* The CSV's schools matched with the database's rows by code. */
static void targets_from_csv(struct dbrun *run, const PGresult *res)
{
    int n = PQntuples(res);
    for (size_t i = 0; i < run->csv.n; i++) {
        const struct school *s = &run->csv.items[i];
        int row = -1;
        for (int r = 0; r < n && row < 0; r++) {
            if (strcmp(field(res, r, "code"), s->code) == 0)
                row = r;
        }
        bool known = row >= 0 && field(res, row, "school_id")[0] != '\0';
        if (!known) {
            log_warn("school_unknown", "school=%s line=%u stored=0", s->code, s->line);
            fprintf(stderr,
                    "checker: line %u: school \"%s\" is not in the database: checked and "
                    "printed, not stored\n",
                    s->line, s->code);
        }
        const char *section = s->section_url != NULL ? s->section_url
                              : known                ? field(res, row, "section_url")
                                                     : NULL;
        struct target *t =
            target_new(run, s->code, s->website, section, known ? field(res, row, "school_id") : "",
                       known ? field(res, row, "required") : NULL, s->line);
        if (t == NULL || !push_ptr(&run->waiting, &run->n_waiting, &run->cap_waiting, t)) {
            target_free(t);
            log_error("checker_no_memory", "where=targets");
            run->failed = true;
            return;
        }
    }
}

static void on_targets(enum checkdb_outcome outcome, const PGresult *res, void *arg)
{
    struct dbrun *run = arg;
    if (outcome != CHECKDB_OK) {
        give_up(run, "check_targets", outcome);
        return;
    }
    if (run->cfg->schools != NULL) {
        targets_from_csv(run, res);
    } else {
        for (int i = 0; i < PQntuples(res); i++) {
            if (field(res, i, "school_id")[0] == '\0') {
                fprintf(stderr, "checker: school \"%s\" is not in the database\n",
                        field(res, i, "code"));
                log_error("school_unknown", "school=%s", field(res, i, "code"));
                run->failed = true;
                continue;
            }
            if (!add_waiting(run, res, i, field(res, i, "section_url"), 0))
                break;
        }
        if (PQntuples(res) == 0) {
            fprintf(stderr, "checker: district \"%s\" is unknown or has no school with a website\n",
                    run->cfg->district);
            log_error("district_empty", "district=%s", run->cfg->district);
            run->failed = true;
        }
    }
    if (run->failed) {
        set_phase(run, PHASE_DONE);
        event_base_loopexit(run->base, NULL);
        return;
    }
    start_run(run);
}

/* {"a","b"}: a text[] literal of the codes, quoted. NULL when out of memory. */
static char *codes_literal(const struct school_list *list)
{
    size_t cap = 3;
    for (size_t i = 0; i < list->n; i++)
        cap += 2 * strlen(list->items[i].code) + 3;
    char *out = malloc(cap), *p = out;
    if (out == NULL)
        return NULL;
    *p++ = '{';
    for (size_t i = 0; i < list->n; i++) {
        if (i > 0)
            *p++ = ',';
        *p++ = '"';
        for (const char *c = list->items[i].code; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

static bool look_up_targets(struct dbrun *run)
{
    const struct checker_config *cfg = run->cfg;
    char *codes = NULL;
    if (cfg->schools != NULL) {
        codes = codes_literal(&run->csv);
    } else if (cfg->school != NULL) {
        struct school one = {.code = cfg->school};
        struct school_list l = {.items = &one, .n = 1};
        codes = codes_literal(&l);
    }
    if (codes == NULL && (cfg->schools != NULL || cfg->school != NULL))
        return false;
    const char *v[] = {cfg->schools != NULL ? NULL : cfg->district, codes};
    bool ok = checkdb_query(run->db, sql_targets, 2, v, on_targets, run);
    free(codes);
    return ok;
}

/* ---- set-up and teardown ----------------------------------------------------------------- */

static bool set_up(struct dbrun *run)
{
    const struct checker_config *cfg = run->cfg;
    char host[128] = "localhost";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    snprintf(run->worker, sizeof(run->worker), "%s:%ld", host, (long)getpid());
    snprintf(run->interval_s, sizeof(run->interval_s), "%ld", (long)cfg->interval_days * 86400L);
    snprintf(run->lease_s, sizeof(run->lease_s), "%d",
             cfg->lease_s > 0 ? cfg->lease_s : cfg->site_timeout_s + 300);
    run->limits = oneshot_site_limits(cfg);
    struct fetch_config fc = oneshot_fetch_config(cfg);
    run->base = event_base_new();
    if (run->base == NULL)
        return false;
    run->fetcher = fetcher_new(run->base, &fc);
    run->db = checkdb_new(run->base, cfg->database, cfg->db_timeout_ms);
    run->reap_ev = event_new(run->base, -1, 0, on_reap, run);
    run->poll_ev = evtimer_new(run->base, on_poll, run);
    run->grace_ev = evtimer_new(run->base, on_grace, run);
    if (run->fetcher == NULL || run->db == NULL || run->reap_ev == NULL || run->poll_ev == NULL ||
        run->grace_ev == NULL)
        return false;
    if (run->daemon) {
        run->term_ev = evsignal_new(run->base, SIGTERM, on_signal, run);
        run->int_ev = evsignal_new(run->base, SIGINT, on_signal, run);
        if (run->term_ev == NULL || run->int_ev == NULL || event_add(run->term_ev, NULL) != 0 ||
            event_add(run->int_ev, NULL) != 0)
            return false;
    }
    return true;
}

static void tear_down(struct dbrun *run)
{
    /* The database first: queued statements go without callbacks, so no target is touched. */
    checkdb_free(run->db);
    fetcher_free(run->fetcher);
    for (struct target *t = run->active, *next; t != NULL; t = next) {
        next = t->next;
        if (t->site != NULL && site_state(t->site) == SITE_RUNNING) {
            t->next = abandoned; /* an event loop failure: its fetches went with the fetcher */
            abandoned = t;
        } else {
            target_free(t);
        }
    }
    /* Abandoned sites that ended meanwhile can go; the others stay (see `abandoned`). */
    for (struct target **pp = &abandoned; *pp != NULL;) {
        struct target *t = *pp;
        if (t->site == NULL || site_state(t->site) != SITE_RUNNING) {
            *pp = t->next;
            target_free(t);
        } else {
            pp = &t->next;
        }
    }
    for (size_t i = run->next_waiting; i < run->n_waiting; i++)
        target_free(run->waiting[i]);
    free(run->waiting);
    free(run->finished);
    struct event *evs[] = {run->reap_ev, run->poll_ev, run->grace_ev, run->term_ev, run->int_ev};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
        if (evs[i] != NULL)
            event_free(evs[i]);
    if (run->base != NULL)
        event_base_free(run->base);
    schools_free(&run->csv);
}

int dbrun_run(const struct checker_config *cfg, FILE *out)
{
    struct dbrun run = {.cfg = cfg, .daemon = cfg->daemon, .out = cfg->daemon ? NULL : out};
    if (cfg->schools != NULL && !schools_load(cfg->schools, &run.csv, stderr))
        return 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("startup_failed", "reason=\"curl_global_init\"");
        schools_free(&run.csv);
        return 1;
    }
    uint64_t t0 = fetch_now_ms();
    if (!set_up(&run)) {
        log_error("startup_failed", "reason=\"event loop, fetcher or database\"");
        run.failed = true;
    } else {
        log_info("checker_started", "version=%s mode=%s worker=%s district=%s parallel=%d",
                 CHECKER_VERSION, run.daemon ? "daemon" : "once", run.worker,
                 cfg->district != NULL ? cfg->district : "-", cfg->sites_parallel);
        if (run.daemon)
            start_run(&run);
        else if (!look_up_targets(&run))
            run.failed = true;
        if (!run.failed && event_base_dispatch(run.base) < 0) {
            log_error("event_loop_failed", "reason=dispatch");
            run.failed = true;
        }
    }
    log_info(run.daemon ? "daemon_stopped" : "checker_done",
             "run=%s checked=%zu stored=%zu not_stored=%zu ms=%llu max_rss_kb=%ld",
             run.run_id[0] ? run.run_id : "-", run.checked, run.stored, run.not_stored,
             (unsigned long long)(fetch_now_ms() - t0), oneshot_max_rss_kb());
    /* A one-shot run answers for every school; a daemon for stopping cleanly. */
    bool ok = !run.failed && run.phase == PHASE_DONE && (run.daemon || run.not_stored == 0);
    tear_down(&run);
    curl_global_cleanup();
    return ok ? 0 : 1;
}
