/* mwtest: helpers for the integration tests: private PostgreSQL, child processes, HTTP. */
#ifndef MWTEST_H
#define MWTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h> /* SIG* for mwtest_proc_stop */
#include <sys/types.h>

/*
 * Conventions
 * - A helper fails the current Criterion test (cr_assert) when the test cannot go on: no
 *   MW_TEST_PG_URL, a query that errors, a binary that will not start, out of memory. It says
 *   why in the message. What a test may want to check (an exit status, an HTTP status, a
 *   value) is returned instead.
 * - Returned strings are malloc'd and belong to the caller (free()).
 * - String lists (argv, env, headers) are NULL-terminated arrays.
 * - Environment, set by tests/run.sh:
 *     MW_TEST_PG_URL  libpq conninfo of the private cluster's superuser, database postgres
 *     MW_TEST_PG_CTL  deploy/pg-local.sh with the cluster's DIR and PORT; append a verb
 *     TMPDIR          where mwtest_temp_dir() goes (run.sh: .mentorwatch/test-tmp, wiped per run)
 * - Blocking everywhere; tests are run one at a time (--jobs 1).
 */

/* ---- paths, files, small things ------------------------------------------------------------ */

/* The CMake build directory the tests were built in (MW_BUILD_DIR). */
const char *mwtest_build_dir(void);

/* MW_TESTS_DIR "/data/" relative: a file of tests/data. */
char *mwtest_data_path(const char *relative);

/* asprintf that fails the test when out of memory. */
char *mwtest_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole file, NUL-terminated (not counted in *len, which may be NULL); NULL with errno set
 * when it cannot be read. */
char *mwtest_read_file(const char *path, size_t *len);

/* This process's scratch directory, made on first use under $TMPDIR (or /tmp). Removed at exit
 * unless it still holds the log of a process the test did not free (a failed test's evidence). */
const char *mwtest_temp_dir(void);

/* Writes data to mwtest_temp_dir()/name (mode 0600) and returns the path. */
char *mwtest_temp_file(const char *name, const void *data, size_t len);

/* A TCP port free on 127.0.0.1 right now (the kernel's choice; released before returning). */
int mwtest_free_port(void);

/* ---- PostgreSQL --------------------------------------------------------------------------- */

/*
 * Creates a fresh database mwt_<tag>_<pid>_<n> on the MW_TEST_PG_URL cluster (tag is reduced to
 * [a-z0-9_]), migrates it with `mwctl migrate --database <url>` when mwctl is built, and
 * returns its conninfo.
 */
char *mwtest_db_create(const char *tag);

/* The same database left empty (not migrated): a target for a restore, an old schema. */
char *mwtest_db_create_empty(const char *tag);

/* Terminates the database's sessions, drops it and frees url. NULL is a no-op. */
void mwtest_db_drop(char *url);

/* Runs `$MW_TEST_PG_CTL <verb>` (start, stop, restart, crash, status) and returns its exit
 * status; start and restart return once the server accepts connections. */
int mwtest_pg_ctl(const char *verb);

/*
 * Parameterised SQL on a new connection to url: $1, $2, ... are the string arguments after
 * sql (each a const char *, NULL for SQL NULL is NOT possible: the list ends at the first
 * NULL, which the macros append). A query that fails fails the test.
 *
 *   long n = mwtest_sql_long(url, "SELECT count(*) FROM mw.report WHERE school_id = $1", "5");
 */
/* Rows affected (INSERT/UPDATE/DELETE) or returned (SELECT). */
#define mwtest_sql_exec(url, ...) mwtest_sql_exec_(url, __VA_ARGS__, (const char *)NULL)
/* The first column of the first row; NULL when there is no row or the value is NULL. */
#define mwtest_sql_str(url, ...) mwtest_sql_str_(url, __VA_ARGS__, (const char *)NULL)
/* The first column of the first row as an integer; no row, NULL or not a number fail the test. */
#define mwtest_sql_long(url, ...) mwtest_sql_long_(url, __VA_ARGS__, (const char *)NULL)
/* For statements expected to fail: the SQLSTATE (e.g. "23505"), or NULL when it succeeded. */
#define mwtest_sql_error(url, ...) mwtest_sql_error_(url, __VA_ARGS__, (const char *)NULL)

long mwtest_sql_exec_(const char *url, const char *sql, ...) __attribute__((sentinel));
char *mwtest_sql_str_(const char *url, const char *sql, ...) __attribute__((sentinel));
long mwtest_sql_long_(const char *url, const char *sql, ...) __attribute__((sentinel));
char *mwtest_sql_error_(const char *url, const char *sql, ...) __attribute__((sentinel));

/* ---- running programs to completion ------------------------------------------------------- */

/*
 * Runs argv (argv[0] a path, or a name looked up in PATH) with this process's environment
 * changed by env ("KEY=VALUE" sets, "KEY" alone unsets; env may be NULL), feeding it input
 * (NULL: /dev/null) and capturing stdout into *out and stderr into *err (each may be NULL:
 * then that stream goes to the test's own). Returns the exit code, or 128 + signal. A program
 * that runs longer than 120 s is killed and fails the test.
 */
int mwtest_run(const char *const *argv, const char *const *env, const char *input, size_t input_len,
               char **out, char **err);

/*
 * Runs the built mwctl with the arguments after out (the macro ends the list), DATABASE_URL set
 * to url (unless url is NULL), stdout captured into *out (may be NULL), stderr to the test's.
 * Returns its exit status as mwtest_run does.
 *
 *   mwtest_mwctl(url, &out, "token", "issue", "--school", "SOSH14");
 */
#define mwtest_mwctl(url, out, ...) mwtest_mwctl_(url, out, __VA_ARGS__, (const char *)NULL)
int mwtest_mwctl_(const char *url, char **out, const char *arg, ...) __attribute__((sentinel));

/* Path of a built binary: mwtest_build_dir() "/" relative, e.g. "services/mwctl/mwctl". */
char *mwtest_binary(const char *relative);

/* ---- long-running child processes (servers) ----------------------------------------------- */

struct mwtest_proc {
    pid_t pid;      /* the child; still valid (not reused) until mwtest_proc_free */
    int port;       /* collector: the port it listens on; 0 for other programs */
    char *base_url; /* collector: "http://127.0.0.1:<port>"; NULL for other programs */
    char *log_path; /* its stdout and stderr, appended */
    bool exited;    /* reaped: status is valid */
    int status;     /* exit code, or 128 + signal */
};

/*
 * Starts argv in the background (environment changed by env as for mwtest_run), its stdout and
 * stderr to a log in mwtest_temp_dir(). The child gets SIGKILL if the test process dies first,
 * so a failed assertion leaves no server behind. Does not wait for anything.
 */
struct mwtest_proc *mwtest_proc_spawn(const char *const *argv, const char *const *env);

/* Polls GET health_url until it answers 200 (true), the process exits or timeout_ms passes. */
bool mwtest_proc_wait_healthy(struct mwtest_proc *proc, const char *health_url, int timeout_ms);

/* mwtest_proc_spawn, then waits up to 10 s for GET health_url to answer 200; if it does not,
 * prints the log and fails the test. */
struct mwtest_proc *mwtest_proc_start(const char *const *argv, const char *const *env,
                                      const char *health_url);

/* Waits up to timeout_ms for the process to exit; returns its status, or -1 if still running. */
int mwtest_proc_wait(struct mwtest_proc *proc, int timeout_ms);

/* Sends sig (0: send nothing, just wait) and waits up to 15 s for the exit; if it does not
 * come, sends SIGKILL (status 137). Returns the exit status. Idempotent once exited. */
int mwtest_proc_stop(struct mwtest_proc *proc, int sig);

/* SIGKILLs the process if it still runs, reaps it, removes its log and frees proc. */
void mwtest_proc_free(struct mwtest_proc *proc);

/* Whether the log holds needle now / within timeout_ms. */
bool mwtest_log_contains(struct mwtest_proc *proc, const char *needle);
bool mwtest_log_wait_for(struct mwtest_proc *proc, const char *needle, int timeout_ms);

/* Copies the log to stderr (so it shows in ctest's output), framed by its path. */
void mwtest_proc_dump_log(struct mwtest_proc *proc);

/*
 * Starts the built collector on a free 127.0.0.1 port with DATABASE_URL=database_url,
 * MW_LISTEN=127.0.0.1:<port>, MW_LOG_LEVEL=info, then extra_env (may be NULL; later entries
 * win). mwtest_collector_start returns once it can serve: GET /healthz and then GET /readyz
 * (its database connected) answer 200 within 10 s; if not, it prints the log and fails the
 * test (a port taken meanwhile is retried). mwtest_collector_spawn does not wait: for a start
 * that must fail, or with the database away (then wait on /healthz with
 * mwtest_proc_wait_healthy).
 */
struct mwtest_proc *mwtest_collector_start(const char *database_url, const char *const *extra_env);
struct mwtest_proc *mwtest_collector_spawn(const char *database_url, const char *const *extra_env);

/* ---- HTTP (libcurl, blocking) -------------------------------------------------------------- */

struct mwtest_response {
    long status; /* HTTP status; 0 when no answer came */
    char *body;  /* NUL-terminated (not counted in body_len); "" when empty */
    size_t body_len;
    char *headers;     /* the final answer's header block as received ("Name: value\r\n"...) */
    char *priv_values; /* private to mwtest_header */
};

/*
 * Sends one request and waits for the answer (30 s at most; no proxy, no redirects).
 * token adds "Authorization: Bearer <token>"; body (body_len bytes; NULL for none) gets
 * "Content-Type: application/json" unless headers ("Name: value") say otherwise; "Expect:" is
 * sent empty unless headers set it. Returns 0 when an answer came (any status), else the
 * CURLcode; *out is filled in either case and must be freed with mwtest_response_free.
 */
int mwtest_http(struct mwtest_response *out, const char *method, const char *url, const char *token,
                const char *body, size_t body_len, const char *const *headers);

void mwtest_response_free(struct mwtest_response *resp);

/* The value of the answer's header name (case-insensitive; the first if repeated), or NULL. */
const char *mwtest_header(const struct mwtest_response *resp, const char *name);

#endif
