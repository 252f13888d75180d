/* mwtest: child processes: programs run to completion, servers in the background, the collector. */
#include "mwtest.h"
#include "mwtest_internal.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_TIMEOUT_MS       120000
#define STOP_TIMEOUT_MS      15000
#define HEALTHY_TIMEOUT_MS   10000
#define COLLECTOR_PORT_TRIES 3
#define READY_STREAK         12
#define MAX_ARGS             64

extern char **environ;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

/* ---- environment ------------------------------------------------------------------------- */

static bool same_key(const char *entry, const char *key, size_t key_len)
{
    return strncmp(entry, key, key_len) == 0 && entry[key_len] == '=';
}

char **mwtest_env_merge(const char *const *env)
{
    size_t n = 0, extra = 0;
    while (environ[n] != NULL)
        n++;
    while (env != NULL && env[extra] != NULL)
        extra++;
    char **out = mwtest_xmalloc((n + extra + 1) * sizeof *out);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        out[count++] = mwtest_xstrdup(environ[i]);
    for (size_t j = 0; j < extra; j++) {
        const char *eq = strchr(env[j], '=');
        size_t key_len = eq ? (size_t)(eq - env[j]) : strlen(env[j]);
        size_t kept = 0;
        for (size_t i = 0; i < count; i++) {
            if (same_key(out[i], env[j], key_len))
                free(out[i]);
            else
                out[kept++] = out[i];
        }
        count = kept;
        if (eq != NULL)
            out[count++] = mwtest_xstrdup(env[j]);
    }
    out[count] = NULL;
    return out;
}

void mwtest_env_free(char **env)
{
    if (env == NULL)
        return;
    for (char **p = env; *p != NULL; p++)
        free(*p);
    free(env);
}

/* In a freshly forked child: die with the parent, default SIGPIPE, then exec (never returns).
 * errno of a failed exec goes to report_fd when it is >= 0. */
static void child_exec(pid_t parent, const char *const *argv, char **envp, int report_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    execvpe(argv[0], (char *const *)argv, envp);
    int err = errno;
    if (report_fd >= 0) {
        ssize_t w = write(report_fd, &err, sizeof err);
        (void)w;
    } else {
        dprintf(2, "mwtest: cannot run %s: %s\n", argv[0], strerror(err));
    }
    _exit(127);
}

/* ---- programs run to completion ---------------------------------------------------------- */

static void make_pipe(int fds[2])
{
    cr_assert(pipe2(fds, O_CLOEXEC) == 0, "mwtest: pipe: %s", strerror(errno));
}

int mwtest_run(const char *const *argv, const char *const *env, const char *input, size_t input_len,
               char **out, char **err)
{
    cr_assert(argv != NULL && argv[0] != NULL, "mwtest_run: empty argv");
    signal(SIGPIPE, SIG_IGN); /* a child that exits before reading its input must not kill us */
    int in_p[2] = {-1, -1}, out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
    if (input != NULL)
        make_pipe(in_p);
    if (out != NULL)
        make_pipe(out_p);
    if (err != NULL)
        make_pipe(err_p);
    char **envp = mwtest_env_merge(env);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert(pid >= 0, "mwtest: fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        dup2(input != NULL ? in_p[0] : devnull, 0);
        if (out != NULL)
            dup2(out_p[1], 1);
        if (err != NULL)
            dup2(err_p[1], 2);
        child_exec(parent, argv, envp, -1);
    }
    mwtest_env_free(envp);
    if (input != NULL) {
        close(in_p[0]);
        fcntl(in_p[1], F_SETFL, O_NONBLOCK);
    }
    if (out != NULL)
        close(out_p[1]);
    if (err != NULL)
        close(err_p[1]);

    struct mwtest_buf bufs[2] = {{0}, {0}};
    int fds[3] = {input != NULL ? in_p[1] : -1, out_p[0], err_p[0]};
    size_t written = 0;
    if (fds[0] >= 0 && input_len == 0) {
        close(fds[0]);
        fds[0] = -1;
    }
    long long deadline = now_ms() + RUN_TIMEOUT_MS;
    bool timed_out = false;
    while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd[3];
        for (int i = 0; i < 3; i++) {
            pfd[i].fd = fds[i];
            pfd[i].events = i == 0 ? POLLOUT : POLLIN;
            pfd[i].revents = 0;
        }
        int n = poll(pfd, 3, (int)(left > 1000 ? 1000 : left));
        if (n < 0 && errno == EINTR)
            continue;
        cr_assert(n >= 0, "mwtest: poll: %s", strerror(errno));
        if (fds[0] >= 0 && pfd[0].revents) {
            ssize_t w = write(fds[0], input + written, input_len - written);
            if (w > 0)
                written += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input_len) {
                close(fds[0]);
                fds[0] = -1;
            }
        }
        for (int i = 1; i < 3; i++) {
            if (fds[i] < 0 || pfd[i].revents == 0)
                continue;
            char chunk[8192];
            ssize_t r = read(fds[i], chunk, sizeof chunk);
            if (r > 0) {
                mwtest_buf_append(&bufs[i - 1], chunk, (size_t)r);
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    if (timed_out)
        kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        free(bufs[0].data);
        free(bufs[1].data);
        cr_assert_fail("mwtest: %s ran longer than %d s and was killed", argv[0],
                       RUN_TIMEOUT_MS / 1000);
    }
    if (out != NULL)
        *out = mwtest_buf_finish(&bufs[0]);
    if (err != NULL)
        *err = mwtest_buf_finish(&bufs[1]);
    return decode_status(status);
}

int mwtest_mwctl_(const char *url, char **out, const char *arg, ...)
{
    const char *argv[MAX_ARGS + 2];
    char *mwctl = mwtest_binary("services/mwctl/mwctl");
    int n = 0;
    argv[n++] = mwctl;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a != NULL; a = va_arg(ap, const char *)) {
        cr_assert(n <= MAX_ARGS, "mwtest_mwctl: more than %d arguments", MAX_ARGS);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    cr_assert(access(mwctl, X_OK) == 0, "mwtest: %s is not built", mwctl);
    char *db_env = url ? mwtest_fmt("DATABASE_URL=%s", url) : NULL;
    const char *env[] = {db_env, NULL};
    int rc = mwtest_run(argv, url ? env : NULL, NULL, 0, out, NULL);
    free(db_env);
    free(mwctl);
    return rc;
}

/* ---- background processes ---------------------------------------------------------------- */

struct mwtest_proc *mwtest_proc_spawn(const char *const *argv, const char *const *env)
{
    static unsigned counter;
    cr_assert(argv != NULL && argv[0] != NULL, "mwtest_proc_spawn: empty argv");
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];

    struct mwtest_proc *proc = mwtest_xmalloc(sizeof *proc);
    *proc = (struct mwtest_proc){0};
    proc->log_path = mwtest_fmt("%s/%s-%u.log", mwtest_temp_dir(), base, counter++);
    int log_fd = open(proc->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    cr_assert(log_fd >= 0, "mwtest: cannot create %s: %s", proc->log_path, strerror(errno));
    int report[2];
    make_pipe(report);
    char **envp = mwtest_env_merge(env);
    signal(SIGPIPE, SIG_IGN);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert(pid >= 0, "mwtest: fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        dup2(devnull, 0);
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        close(report[0]);
        child_exec(parent, argv, envp, report[1]);
    }
    mwtest_env_free(envp);
    close(log_fd);
    close(report[1]);
    int child_errno = 0;
    ssize_t r;
    while ((r = read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
    }
    close(report[0]);
    proc->pid = pid;
    if (r > 0) {
        mwtest_proc_wait(proc, -1);
        cr_assert_fail("mwtest: cannot run %s: %s", argv[0], strerror(child_errno));
    }
    return proc;
}

int mwtest_proc_wait(struct mwtest_proc *proc, int timeout_ms)
{
    if (proc->exited)
        return proc->status;
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int status;
        pid_t r = waitpid(proc->pid, &status, timeout_ms < 0 ? 0 : WNOHANG);
        if (r == proc->pid) {
            proc->exited = true;
            proc->status = decode_status(status);
            return proc->status;
        }
        if (r < 0 && errno != EINTR) {
            cr_assert_fail("mwtest: waitpid(%d): %s", (int)proc->pid, strerror(errno));
        }
        if (timeout_ms >= 0 && now_ms() >= deadline)
            return -1;
        if (r == 0)
            sleep_ms(10);
    }
}

int mwtest_proc_stop(struct mwtest_proc *proc, int sig)
{
    if (proc->exited)
        return proc->status;
    if (sig != 0)
        kill(proc->pid, sig);
    int status = mwtest_proc_wait(proc, STOP_TIMEOUT_MS);
    if (status < 0) {
        fprintf(stderr, "mwtest: pid %d did not exit within %d s after signal %d: killed\n",
                (int)proc->pid, STOP_TIMEOUT_MS / 1000, sig);
        kill(proc->pid, SIGKILL);
        status = mwtest_proc_wait(proc, -1);
    }
    return status;
}

void mwtest_proc_free(struct mwtest_proc *proc)
{
    if (proc == NULL)
        return;
    if (!proc->exited) {
        kill(proc->pid, SIGKILL);
        mwtest_proc_wait(proc, -1);
    }
    unlink(proc->log_path);
    free(proc->log_path);
    free(proc->base_url);
    free(proc);
}

bool mwtest_log_contains(struct mwtest_proc *proc, const char *needle)
{
    size_t len = 0;
    char *log = mwtest_read_file(proc->log_path, &len);
    bool found = log != NULL && memmem(log, len, needle, strlen(needle)) != NULL;
    free(log);
    return found;
}

bool mwtest_log_wait_for(struct mwtest_proc *proc, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (mwtest_log_contains(proc, needle))
            return true;
        if (now_ms() >= deadline)
            return false;
        sleep_ms(20);
    }
}

void mwtest_proc_dump_log(struct mwtest_proc *proc)
{
    size_t len = 0;
    char *log = mwtest_read_file(proc->log_path, &len);
    fprintf(stderr, "---- %s (pid %d%s) ----\n", proc->log_path, (int)proc->pid,
            proc->exited ? ", exited" : "");
    if (log != NULL)
        fwrite(log, 1, len, stderr);
    if (len > 0 && log[len - 1] != '\n')
        fputc('\n', stderr);
    fprintf(stderr, "---- end of %s ----\n", proc->log_path);
    fflush(stderr);
    free(log);
}

bool mwtest_proc_wait_healthy(struct mwtest_proc *proc, const char *health_url, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (mwtest_proc_wait(proc, 0) >= 0)
            return false;
        struct mwtest_response resp;
        int rc = mwtest_http_timeout(&resp, "GET", health_url, 1000);
        bool ok = rc == 0 && resp.status == 200;
        mwtest_response_free(&resp);
        if (ok)
            return true;
        if (now_ms() >= deadline)
            return false;
        sleep_ms(25);
    }
}

struct mwtest_proc *mwtest_proc_start(const char *const *argv, const char *const *env,
                                      const char *health_url)
{
    struct mwtest_proc *proc = mwtest_proc_spawn(argv, env);
    if (!mwtest_proc_wait_healthy(proc, health_url, HEALTHY_TIMEOUT_MS)) {
        mwtest_proc_dump_log(proc);
        cr_assert_fail("mwtest: %s did not answer GET %s with 200 within %d s%s", argv[0],
                       health_url, HEALTHY_TIMEOUT_MS / 1000,
                       proc->exited ? " (it exited: log above)" : " (log above)");
    }
    return proc;
}

/* ---- the collector ----------------------------------------------------------------------- */

struct mwtest_proc *mwtest_collector_spawn(const char *database_url, const char *const *extra_env)
{
    char *collector = mwtest_binary("services/collector/collector");
    cr_assert(access(collector, X_OK) == 0, "mwtest: %s is not built", collector);
    int port = mwtest_free_port();
    char *env_db = database_url ? mwtest_fmt("DATABASE_URL=%s", database_url) : NULL;
    char *env_listen = mwtest_fmt("MW_LISTEN=127.0.0.1:%d", port);
    const char *env[MAX_ARGS + 4];
    int n = 0;
    if (env_db != NULL)
        env[n++] = env_db;
    env[n++] = env_listen;
    env[n++] = "MW_LOG_LEVEL=info";
    for (int i = 0; extra_env != NULL && extra_env[i] != NULL; i++) {
        cr_assert(n < MAX_ARGS + 3, "mwtest: more than %d environment entries", MAX_ARGS);
        env[n++] = extra_env[i];
    }
    env[n] = NULL;
    /* MW_TEST_COLLECTOR_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") runs the collector
     * under a tool: tests/run.sh uses it for a memcheck pass over the real service. */
    const char *argv[MAX_ARGS + 2];
    int argc = 0;
    char *wrapper =
        getenv("MW_TEST_COLLECTOR_WRAPPER") ? strdup(getenv("MW_TEST_COLLECTOR_WRAPPER")) : NULL;
    for (char *save = NULL, *word = wrapper ? strtok_r(wrapper, " ", &save) : NULL;
         word != NULL && argc < MAX_ARGS; word = strtok_r(NULL, " ", &save))
        argv[argc++] = word;
    argv[argc++] = collector;
    argv[argc] = NULL;
    struct mwtest_proc *proc = mwtest_proc_spawn(argv, env);
    free(wrapper);
    proc->port = port;
    proc->base_url = mwtest_fmt("http://127.0.0.1:%d", port);
    free(env_db);
    free(env_listen);
    free(collector);
    return proc;
}

/*
 * Alive is not yet ready: polls GET /readyz (the database pool connected) until it answers 200
 * READY_STREAK times in a row or the deadline passes. Each worker thread has its own listening
 * socket (SO_REUSEPORT) and its own pool, so one 200 may come from the one worker already
 * connected; every poll is a new connection, and a streak makes a still-unready worker all but
 * certain to have been asked. A collector without /readyz (404) counts as ready.
 */
static bool wait_ready(struct mwtest_proc *proc, long long deadline)
{
    char *ready = mwtest_fmt("%s/readyz", proc->base_url);
    int streak = 0;
    for (;;) {
        struct mwtest_response resp;
        int rc = mwtest_http_timeout(&resp, "GET", ready, 1000);
        bool ok = rc == 0 && (resp.status == 200 || resp.status == 404);
        mwtest_response_free(&resp);
        streak = ok ? streak + 1 : 0;
        if (streak >= READY_STREAK || now_ms() >= deadline || mwtest_proc_wait(proc, 0) >= 0)
            break;
        if (!ok)
            sleep_ms(25);
    }
    free(ready);
    return streak >= READY_STREAK;
}

struct mwtest_proc *mwtest_collector_start(const char *database_url, const char *const *extra_env)
{
    for (int attempt = 1;; attempt++) {
        struct mwtest_proc *proc = mwtest_collector_spawn(database_url, extra_env);
        long long deadline = now_ms() + HEALTHY_TIMEOUT_MS;
        char *health = mwtest_fmt("%s/healthz", proc->base_url);
        bool healthy = mwtest_proc_wait_healthy(proc, health, HEALTHY_TIMEOUT_MS);
        free(health);
        if (healthy && wait_ready(proc, deadline))
            return proc;
        /* The port was free when chosen; someone may have taken it since. */
        if (proc->exited && attempt < COLLECTOR_PORT_TRIES && mwtest_log_contains(proc, "in use")) {
            mwtest_proc_free(proc);
            continue;
        }
        mwtest_proc_dump_log(proc);
        cr_assert_fail("mwtest: the collector did not answer GET /healthz and /readyz with 200 "
                       "within %d s%s; log above",
                       HEALTHY_TIMEOUT_MS / 1000, proc->exited ? " (it exited)" : "");
    }
}
