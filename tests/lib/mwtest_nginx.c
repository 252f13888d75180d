/* mwtest: a private nginx for fixture websites (configuration, start, access log, stop). */
#include "mwtest_nginx.h"
#include "mwtest_internal.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define START_TRIES 3

/* s with every "@NAME@" of names/values replaced; malloc'd. */
static char *substitute(const char *s, const char *const *names, const char *const *values,
                        size_t n)
{
    struct mwtest_buf out = {0};
    while (*s != '\0') {
        bool done = false;
        if (*s == '@') {
            for (size_t i = 0; i < n && !done; i++) {
                size_t len = strlen(names[i]);
                if (strncmp(s + 1, names[i], len) == 0 && s[1 + len] == '@') {
                    mwtest_buf_append(&out, values[i], strlen(values[i]));
                    s += len + 2;
                    done = true;
                }
            }
        }
        if (!done)
            mwtest_buf_append(&out, s++, 1);
    }
    return mwtest_buf_finish(&out);
}

static const char *nginx_binary(void)
{
    return access("/usr/sbin/nginx", X_OK) == 0 ? "/usr/sbin/nginx" : "nginx";
}

static char *write_config(const struct mwtest_nginx *n, const char *servers,
                          const char *const *vars)
{
    const char *names[34], *values[34];
    char *owned[32];
    size_t count = 0, n_owned = 0;
    char port[16];
    snprintf(port, sizeof(port), "%d", n->port);
    names[count] = "PORT";
    values[count++] = port;
    names[count] = "DIR";
    values[count++] = n->dir;
    for (size_t i = 0; vars != NULL && vars[i] != NULL; i++) {
        cr_assert(count < 34 && n_owned < 32, "mwtest_nginx: too many variables");
        const char *eq = strchr(vars[i], '=');
        cr_assert_not_null(eq, "mwtest_nginx: variable \"%s\" is not NAME=value", vars[i]);
        char *name = mwtest_fmt("%.*s", (int)(eq - vars[i]), vars[i]);
        owned[n_owned++] = name;
        names[count] = name;
        values[count++] = eq + 1;
    }
    char *body = substitute(servers, names, values, count);
    char *conf = mwtest_fmt(
        "# written by mwtest_nginx_start\n"
        "daemon off;\n"
        "worker_processes 1;\n"
        "%s"
        "pid %s/nginx.pid;\n"
        "error_log stderr warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    log_format mwtest '$host $msec $request_time $status \"$request\"';\n"
        "    access_log %s/access.log mwtest;\n"
        "    client_body_temp_path %s/tmp/body;\n"
        "    proxy_temp_path %s/tmp/proxy;\n"
        "    fastcgi_temp_path %s/tmp/fastcgi;\n"
        "    uwsgi_temp_path %s/tmp/uwsgi;\n"
        "    scgi_temp_path %s/tmp/scgi;\n"
        "    server {\n"
        "        listen 127.0.0.1:%d default_server;\n"
        "        server_name _;\n"
        "        location = /healthz { default_type text/plain; return 200 \"ok\\n\"; }\n"
        "        location / { return 404; }\n"
        "    }\n"
        "%s\n"
        "}\n",
        geteuid() == 0 ? "user root;\n" : "", n->dir, n->dir, n->dir, n->dir, n->dir, n->dir,
        n->dir, n->port, body);
    free(body);
    for (size_t i = 0; i < n_owned; i++)
        free(owned[i]);
    char *path = mwtest_fmt("%s/nginx.conf", n->dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "mwtest_nginx: cannot write %s: %s", path, strerror(errno));
    cr_assert(fputs(conf, f) >= 0 && fclose(f) == 0, "mwtest_nginx: cannot write %s", path);
    free(conf);
    return path;
}

struct mwtest_nginx *mwtest_nginx_start(const char *servers, const char *const *vars)
{
    static unsigned counter;
    for (int attempt = 1;; attempt++) {
        struct mwtest_nginx *n = mwtest_xmalloc(sizeof(*n));
        *n = (struct mwtest_nginx){0};
        n->port = mwtest_free_port();
        n->dir = mwtest_fmt("%s/nginx-%u", mwtest_temp_dir(), counter++);
        char *tmp = mwtest_fmt("%s/tmp", n->dir);
        cr_assert(mkdir(n->dir, 0700) == 0 && mkdir(tmp, 0700) == 0,
                  "mwtest_nginx: cannot make %s: %s", n->dir, strerror(errno));
        free(tmp);
        n->access_log = mwtest_fmt("%s/access.log", n->dir);
        char *conf = write_config(n, servers, vars);
        char *prefix = mwtest_fmt("%s/", n->dir);
        const char *argv[] = {nginx_binary(), "-p", prefix, "-c", conf, "-e", "stderr", NULL};
        n->proc = mwtest_proc_spawn(argv, NULL);
        char *health = mwtest_fmt("http://127.0.0.1:%d/healthz", n->port);
        bool up = mwtest_proc_wait_healthy(n->proc, health, 10000);
        free(health);
        free(prefix);
        free(conf);
        if (up)
            return n;
        bool in_use = n->proc->exited && mwtest_log_contains(n->proc, "in use");
        if (in_use && attempt < START_TRIES) {
            mwtest_nginx_stop(n);
            continue;
        }
        mwtest_proc_dump_log(n->proc);
        cr_assert_fail("mwtest_nginx: nginx did not answer /healthz on port %d (log above)",
                       n->port);
    }
}

char *mwtest_nginx_requests(const struct mwtest_nginx *n)
{
    char *log = mwtest_read_file(n->access_log, NULL);
    return log != NULL ? log : mwtest_xstrdup("");
}

int mwtest_nginx_count(const struct mwtest_nginx *n, const char *host, const char *needle)
{
    char *log = mwtest_nginx_requests(n);
    int count = 0;
    for (char *line = log; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        const char *request = strchr(line, '"');
        size_t host_len = strcspn(line, " ");
        bool host_ok = host == NULL || (strlen(host) == host_len && !strncmp(line, host, host_len));
        if (host_ok && request != NULL && strstr(request, needle) != NULL)
            count++;
        line = end != NULL ? end + 1 : NULL;
    }
    free(log);
    return count;
}

void mwtest_nginx_stop(struct mwtest_nginx *n)
{
    if (n == NULL)
        return;
    if (n->proc != NULL) {
        mwtest_proc_stop(n->proc, SIGQUIT);
        mwtest_proc_free(n->proc);
    }
    free(n->dir);
    free(n->access_log);
    free(n);
}
