/* deploy/backup.sh, restore.sh and upgrade.sh against the test PostgreSQL: a backup restored
 * into a fresh database holds exactly what was there and serves again; an upgrade migrates
 * before it switches and restarts, and a failed migration switches and restarts nothing. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "fixture.h"
#include "fixture_deploy.h"

TestSuite(backup, .timeout = 300);

/*
 * One line per table of schema mw (and the migration record): its name and an md5 over every
 * row's text in order, then the sequences' positions. Equal fingerprints, equal contents.
 */
static char *fingerprint(const char *url)
{
    return mwtest_sql_str(
        url,
        "SELECT string_agg(line, E'\\n' ORDER BY line) FROM ("
        "  SELECT n.nspname || '.' || c.relname || ' ' || (xpath('/row/h/text()', query_to_xml("
        "      format('SELECT md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) "
        "              AS h FROM %I.%I t', n.nspname, c.relname), false, true, '')))[1]::text"
        "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "  WHERE c.relkind IN ('r', 'p') AND (n.nspname = $1"
        "        OR (n.nspname = 'public' AND c.relname = 'mw_schema_migrations'))"
        "  UNION ALL"
        "  SELECT schemaname || '.' || sequencename || ' ' || coalesce(last_value, 0)"
        "  FROM pg_sequences WHERE schemaname = $1) x(line)",
        "mw");
}

static long post_report(const struct fixture *fx, const char *token, const char *school,
                        const char *stage, const char *comment, const char *key, long *id)
{
    size_t len;
    char *body = fixture_report(school, "2024/2025", stage, comment, &len);
    struct mwtest_response resp;
    fixture_post(&resp, fx, "/api/v1/reports", token, body, len, key);
    long status = resp.status;
    cJSON *ans = cJSON_Parse(resp.body);
    const cJSON *id_item = cJSON_GetObjectItemCaseSensitive(ans, "id");
    *id = cJSON_IsNumber(id_item) ? (long)id_item->valuedouble : -1;
    cJSON_Delete(ans);
    mwtest_response_free(&resp);
    free(body);
    return status;
}

static long post_meeting(const struct fixture *fx, const char *date, const char *key)
{
    char *path = fixture_source_path("services/collector/api/examples/meeting.example.json");
    char *text = mwtest_read_file(path, NULL);
    cr_assert_not_null(text);
    cJSON *doc = cJSON_Parse(text);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "date", cJSON_CreateString(date));
    char *body = cJSON_PrintUnformatted(doc);
    struct mwtest_response resp;
    fixture_post(&resp, fx, "/api/v1/meetings", fx->token_sosh14, body, strlen(body), key);
    long status = resp.status;
    mwtest_response_free(&resp);
    free(body);
    cJSON_Delete(doc);
    free(text);
    free(path);
    return status;
}

static int count_dumps(const char *dir)
{
    char *pattern = mwtest_fmt("%s/mentorwatch-*.dump", dir);
    glob_t g;
    int n = glob(pattern, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
    if (n > 0)
        globfree(&g);
    free(pattern);
    return n;
}

Test(backup, dump_dropped_database_restores_into_a_fresh_one_identical_and_serving)
{
    struct fixture fx;
    fixture_setup(&fx, "backup", NULL);
    long first_id = 0, id;
    cr_assert_eq(post_report(&fx, fx.token_sosh14, "SOSH14", "entry", "v1", "bk-1", &first_id),
                 201);
    cr_assert_eq(post_report(&fx, fx.token_sosh14, "SOSH14", "entry", "v2", "bk-2", &id), 201);
    cr_assert_eq(post_report(&fx, fx.token_sosh14, "SOSH14", "intermediate", NULL, "bk-3", &id),
                 201);
    cr_assert_eq(
        post_report(&fx, fx.token_itl24, "ITL24", "entry", "имя «в кавычках»", "bk-4", &id), 201);
    cr_assert_eq(post_meeting(&fx, "2024-11-19", "bk-m1"), 201);
    cr_assert_eq(post_meeting(&fx, "2024-11-26", "bk-m2"), 201);
    long max_id = mwtest_sql_long(fx.db, "SELECT max(id) FROM mw.report WHERE $1", "true");
    char *before = fingerprint(fx.db);
    cr_assert_not_null(before);

    /* Three backups into a directory that keeps two. */
    char *dir = mwtest_fmt("%s/backups", mwtest_temp_dir());
    char *env_db = mwtest_fmt("DATABASE_URL=%s", fx.db);
    char *env_dir = mwtest_fmt("MW_BACKUP_DIR=%s", dir);
    const char *env[] = {env_db, env_dir, "MW_BACKUP_KEEP=2", NULL};
    char *dump = NULL;
    for (int i = 0; i < 3; i++) {
        free(dump);
        dump = NULL;
        char *err = NULL;
        int rc = fixture_script("deploy/backup.sh", env, &dump, &err, NULL);
        cr_assert_eq(rc, 0, "backup.sh failed: %s", err);
        free(err);
        dump[strcspn(dump, "\n")] = '\0';
    }
    cr_expect_eq(count_dumps(dir), 2, "MW_BACKUP_KEEP=2 keeps the newest two");
    struct stat st;
    cr_assert_eq(stat(dump, &st), 0, "the printed path %s exists", dump);
    cr_expect_eq(st.st_mode & 0777, 0600, "a dump holds personal data: mode 0600");

    /* The database is lost. */
    cr_assert_eq(mwtest_proc_stop(fx.collector, SIGTERM), 0);
    mwtest_proc_free(fx.collector);
    fx.collector = NULL;
    mwtest_db_drop(fx.db);
    fx.db = NULL;

    char *target = mwtest_db_create_empty("restored");
    char *out = NULL, *err = NULL;
    int rc = fixture_script("deploy/restore.sh", NULL, &out, &err, dump, target);
    cr_assert_eq(rc, 0, "restore.sh failed: %s", err);
    cr_expect_not_null(strstr(out, "report_versions=4"), "%s", out);
    cr_expect_not_null(strstr(out, "meeting_events=2"), "%s", out);
    cr_expect_not_null(strstr(out, "schools=5"), "%s", out);
    char *after = fingerprint(target);
    cr_expect_str_eq(after, before, "every table and sequence as it was");

    /* It serves again: tokens, idempotency keys and sequences came back. */
    fx.db = target;
    fx.collector = mwtest_collector_start(target, NULL);
    cr_expect_eq(post_report(&fx, fx.token_sosh14, "SOSH14", "entry", "v1", "bk-1", &id), 200,
                 "the first report's key replays");
    cr_expect_eq(id, first_id, "under its original id");
    cr_expect_eq(post_report(&fx, fx.token_sosh14, "SOSH14", "entry", "v3", "bk-5", &id), 201);
    cr_expect_gt(id, max_id, "the id sequence continues after the restored rows");
    cr_expect_eq(post_meeting(&fx, "2024-11-26", "bk-m2"), 200, "a meeting's key replays");

    free(before);
    free(after);
    free(out);
    free(err);
    free(dump);
    free(env_db);
    free(env_dir);
    free(dir);
    fixture_teardown(&fx);
}

Test(backup, restore_refuses_a_database_that_is_not_empty)
{
    char *db = mwtest_db_create("notempty");
    char *env_db = mwtest_fmt("DATABASE_URL=%s", db);
    char *path = mwtest_fmt("%s/notempty.dump", mwtest_temp_dir());
    const char *env[] = {env_db, NULL};
    cr_assert_eq(fixture_script("deploy/backup.sh", env, NULL, NULL, path), 0);
    char *err = NULL;
    int rc = fixture_script("deploy/restore.sh", NULL, NULL, &err, path, db);
    cr_expect_neq(rc, 0, "restore.sh wrote over a database in use");
    cr_expect_not_null(strstr(err, "not empty"), "%s", err);
    /* backup.sh never overwrites a backup either. */
    char *err2 = NULL;
    cr_expect_neq(fixture_script("deploy/backup.sh", env, NULL, &err2, path), 0);
    cr_expect_not_null(strstr(err2, "exists"), "%s", err2);
    free(err);
    free(err2);
    free(path);
    free(env_db);
    mwtest_db_drop(db);
}

/* ---- upgrade ------------------------------------------------------------------------------- */

struct release_dirs {
    char *root;       /* temp dir of this test */
    char *current;    /* the MW_CURRENT symlink */
    char *old_prefix; /* what current points to at first */
    char *new_prefix; /* the release being installed */
    char *seen;       /* the restart command writes what it saw here */
    char *backups;
};

static void symlink_or_fail(const char *target, const char *link)
{
    cr_assert_eq(symlink(target, link), 0, "symlink %s -> %s", link, target);
}

/* A release made of the built mwctl and a migrations directory of the given SQL files
 * (source migrations by name, plus extra "NAME=SQL" files written here). */
static char *make_release(const char *root, const char *name, const char *const *migrations,
                          const char *const *extra)
{
    char *prefix = mwtest_fmt("%s/%s", root, name);
    char *bin = mwtest_fmt("%s/bin", prefix);
    char *share = mwtest_fmt("%s/share", prefix);
    char *mw = mwtest_fmt("%s/share/mentorwatch", prefix);
    char *dir = mwtest_fmt("%s/share/mentorwatch/migrations", prefix);
    cr_assert(mkdir(prefix, 0700) == 0 && mkdir(bin, 0700) == 0 && mkdir(share, 0700) == 0 &&
              mkdir(mw, 0700) == 0 && mkdir(dir, 0700) == 0);
    char *mwctl = mwtest_binary("services/mwctl/mwctl");
    char *link = mwtest_fmt("%s/mwctl", bin);
    symlink_or_fail(mwctl, link);
    for (size_t i = 0; migrations[i] != NULL; i++) {
        char *relative = mwtest_fmt("migrations/%s", migrations[i]);
        char *src = fixture_source_path(relative);
        char *dst = mwtest_fmt("%s/%s", dir, migrations[i]);
        symlink_or_fail(src, dst);
        free(dst);
        free(src);
        free(relative);
    }
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        const char *eq = strchr(extra[i], '=');
        char *dst = mwtest_fmt("%s/%.*s", dir, (int)(eq - extra[i]), extra[i]);
        FILE *f = fopen(dst, "w");
        cr_assert(f != NULL && fputs(eq + 1, f) >= 0 && fclose(f) == 0);
        free(dst);
    }
    free(link);
    free(mwctl);
    free(dir);
    free(mw);
    free(share);
    free(bin);
    return prefix;
}

/* Every migration of the source tree, by file name, NULL-terminated; *n counts them. */
static char **source_migrations(size_t *n)
{
    char *pattern = fixture_source_path("migrations/[0-9]*.sql");
    glob_t g;
    cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
    char **names = calloc(g.gl_pathc + 1, sizeof(*names));
    for (size_t i = 0; i < g.gl_pathc; i++)
        names[i] = strdup(strrchr(g.gl_pathv[i], '/') + 1);
    *n = g.gl_pathc;
    globfree(&g);
    free(pattern);
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names[i] != NULL; i++)
        free(names[i]);
    free(names);
}

/* A database migrated to the first `applied` migrations, and an installation whose current
 * release is "old"; the new release has the migrations plus extra. */
static char *setup_upgrade(struct release_dirs *r, const char *const *extra, size_t applied)
{
    static unsigned counter;
    r->root = mwtest_fmt("%s/upgrade-%u", mwtest_temp_dir(), counter++);
    cr_assert_eq(mkdir(r->root, 0700), 0);
    size_t n;
    char **all = source_migrations(&n);
    cr_assert_gt(n, applied, "there is a newer migration than the old release's");
    char *saved = all[applied];
    all[applied] = NULL;
    r->old_prefix = make_release(r->root, "old", (const char *const *)all, NULL);
    all[applied] = saved;
    r->new_prefix = make_release(r->root, "new", (const char *const *)all, extra);
    free_names(all);
    r->current = mwtest_fmt("%s/current", r->root);
    symlink_or_fail(r->old_prefix, r->current);
    r->seen = mwtest_fmt("%s/seen", r->root);
    r->backups = mwtest_fmt("%s/backups", r->root);

    char *db = mwtest_db_create_empty("upgrade");
    char *mwctl = mwtest_fmt("%s/bin/mwctl", r->old_prefix);
    char *dir = mwtest_fmt("%s/share/mentorwatch/migrations", r->old_prefix);
    char *env_db = mwtest_fmt("DATABASE_URL=%s", db);
    const char *env[] = {env_db, NULL};
    const char *argv[] = {mwctl, "migrate", "--dir", dir, NULL};
    cr_assert_eq(mwtest_run(argv, env, NULL, 0, NULL, NULL), 0, "the old release's schema");
    free(env_db);
    free(dir);
    free(mwctl);
    return db;
}

static void free_release_dirs(struct release_dirs *r)
{
    free(r->root);
    free(r->current);
    free(r->old_prefix);
    free(r->new_prefix);
    free(r->seen);
    free(r->backups);
}

static int run_upgrade(const struct release_dirs *r, const char *db, char **err)
{
    char *env_db = mwtest_fmt("DATABASE_URL=%s", db);
    char *env_current = mwtest_fmt("MW_CURRENT=%s", r->current);
    char *env_backups = mwtest_fmt("MW_BACKUP_DIR=%s", r->backups);
    /* "Restarting" records what a starting service would find: the schema version and the
     * release that current points to. */
    char *env_restart =
        mwtest_fmt("MW_UPGRADE_RESTART=psql --no-psqlrc -Atc 'SELECT max(version) FROM "
                   "public.mw_schema_migrations' \"$DATABASE_URL\" > %s && readlink %s >> %s",
                   r->seen, r->current, r->seen);
    const char *env[] = {
        env_db, env_current, env_backups, env_restart, "MW_UPGRADE_READY_URL=", NULL};
    int rc = fixture_script("deploy/upgrade.sh", env, NULL, err, r->new_prefix);
    free(env_db);
    free(env_current);
    free(env_backups);
    free(env_restart);
    return rc;
}

Test(backup, upgrade_backs_up_migrates_then_switches_and_restarts)
{
    struct release_dirs r;
    char *db = setup_upgrade(&r, NULL, 3);
    size_t n;
    char **all = source_migrations(&n);
    /* Versions may skip numbers (a file numbered on another branch): the newest is the last
     * file's, glob() sorts them. */
    long newest = atol(all[n - 1]);
    free_names(all);
    cr_assert_eq(mwtest_sql_long(db,
                                 "SELECT max(version) FROM public.mw_schema_migrations "
                                 "WHERE $1",
                                 "true"),
                 3);

    char *err = NULL;
    int rc = run_upgrade(&r, db, &err);
    cr_assert_eq(rc, 0, "upgrade.sh failed: %s", err);
    cr_expect_eq(count_dumps(r.backups), 1, "a backup first");
    long latest = mwtest_sql_long(
        db, "SELECT max(version) FROM public.mw_schema_migrations WHERE $1", "true");
    cr_expect_eq(latest, newest, "every migration applied");
    cr_expect_eq(
        mwtest_sql_long(db, "SELECT count(*) FROM public.mw_schema_migrations WHERE $1", "true"),
        (long)n);
    char *seen = mwtest_read_file(r.seen, NULL);
    cr_assert_not_null(seen, "the restart command ran");
    char *expected = mwtest_fmt("%ld\n%s\n", latest, r.new_prefix);
    cr_expect_str_eq(seen, expected, "at restart the schema was migrated and current switched");
    free(expected);
    free(seen);
    free(err);
    mwtest_db_drop(db);
    free_release_dirs(&r);
}

Test(backup, upgrade_with_a_failing_migration_switches_and_restarts_nothing)
{
    struct release_dirs r;
    static const char *const broken[] = {"9999_broken.sql=SELECT 1 / 0;\n", NULL};
    char *db = setup_upgrade(&r, broken, 3);
    char *err = NULL;
    int rc = run_upgrade(&r, db, &err);
    cr_expect_neq(rc, 0, "the upgrade stops");
    cr_expect_not_null(strstr(err, "migration failed"), "%s", err);
    cr_expect_eq(access(r.seen, F_OK), -1, "nothing was restarted");
    char buf[4096];
    ssize_t len = readlink(r.current, buf, sizeof(buf) - 1);
    cr_assert_gt(len, 0);
    buf[len] = '\0';
    cr_expect_str_eq(buf, r.old_prefix, "current still points to the running release");
    cr_expect_eq(mwtest_sql_long(db,
                                 "SELECT count(*) FROM public.mw_schema_migrations "
                                 "WHERE version = $1",
                                 "9999"),
                 0, "the broken migration left nothing");
    free(err);
    mwtest_db_drop(db);
    free_release_dirs(&r);
}
