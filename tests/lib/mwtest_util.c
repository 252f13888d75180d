/* mwtest: paths, files, the scratch directory and free ports. */
#include "mwtest.h"
#include "mwtest_internal.h"

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mwtest_build_dir(void)
{
    return MW_BUILD_DIR;
}

char *mwtest_data_path(const char *relative)
{
    return mwtest_fmt("%s/data/%s", MW_TESTS_DIR, relative);
}

char *mwtest_binary(const char *relative)
{
    return mwtest_fmt("%s/%s", MW_BUILD_DIR, relative);
}

char *mwtest_fmt(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0, "mwtest: out of memory");
    return s;
}

void *mwtest_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    cr_assert(p != NULL, "mwtest: out of memory (%zu bytes)", size);
    return p;
}

char *mwtest_xstrdup(const char *s)
{
    char *p = strdup(s);
    cr_assert(p != NULL, "mwtest: out of memory");
    return p;
}

char *mwtest_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct mwtest_buf buf = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mwtest_buf_append(&buf, chunk, n);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        free(buf.data);
        errno = EIO;
        return NULL;
    }
    if (len != NULL)
        *len = buf.len;
    return mwtest_buf_finish(&buf);
}

/* ---- growable buffer --------------------------------------------------------------------- */

void mwtest_buf_append(struct mwtest_buf *buf, const void *data, size_t len)
{
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len + 1)
            cap *= 2;
        char *p = realloc(buf->data, cap);
        cr_assert(p != NULL, "mwtest: out of memory (%zu bytes)", cap);
        buf->data = p;
        buf->cap = cap;
    }
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

char *mwtest_buf_finish(struct mwtest_buf *buf)
{
    if (buf->data == NULL)
        mwtest_buf_append(buf, "", 0);
    char *s = buf->data;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return s;
}

/* ---- scratch directory ------------------------------------------------------------------- */

static char *temp_dir;
static pid_t temp_dir_owner;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Keeps the directory when a process log is still in it: the test did not get to free it. */
static void temp_dir_cleanup(void)
{
    if (temp_dir == NULL || temp_dir_owner != getpid())
        return;
    DIR *d = opendir(temp_dir);
    if (d == NULL)
        return;
    bool keep = false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".log") == 0)
            keep = true;
    }
    closedir(d);
    if (keep)
        fprintf(stderr, "mwtest: kept %s (logs of processes the test did not free)\n", temp_dir);
    else
        nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *mwtest_temp_dir(void)
{
    if (temp_dir != NULL && temp_dir_owner == getpid())
        return temp_dir;
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    char *tmpl = mwtest_fmt("%s/mwtest-%d-XXXXXX", base, (int)getpid());
    cr_assert(mkdtemp(tmpl) != NULL, "mwtest: cannot make a directory like %s: %s", tmpl,
              strerror(errno));
    bool first = temp_dir == NULL;
    temp_dir = tmpl;
    temp_dir_owner = getpid();
    if (first)
        atexit(temp_dir_cleanup);
    return temp_dir;
}

char *mwtest_temp_file(const char *name, const void *data, size_t len)
{
    char *path = mwtest_fmt("%s/%s", mwtest_temp_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    cr_assert(fd >= 0, "mwtest: cannot create %s: %s", path, strerror(errno));
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        cr_assert(n > 0, "mwtest: cannot write %s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    cr_assert(close(fd) == 0, "mwtest: cannot write %s: %s", path, strerror(errno));
    return path;
}

int mwtest_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(fd >= 0, "mwtest: socket: %s", strerror(errno));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0, "mwtest: bind: %s",
              strerror(errno));
    socklen_t len = sizeof addr;
    cr_assert(getsockname(fd, (struct sockaddr *)&addr, &len) == 0, "mwtest: getsockname: %s",
              strerror(errno));
    close(fd);
    return ntohs(addr.sin_port);
}
