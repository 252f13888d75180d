/* mwtest's own plumbing shared between its files; tests use mwtest.h only. */
#ifndef MWTEST_INTERNAL_H
#define MWTEST_INTERNAL_H

#include <stddef.h>

/* A growable byte buffer, always NUL-terminated once anything was appended. */
struct mwtest_buf {
    char *data;
    size_t len, cap;
};

void mwtest_buf_append(struct mwtest_buf *buf, const void *data, size_t len);
/* Hands the (possibly empty) string over to the caller and resets buf. */
char *mwtest_buf_finish(struct mwtest_buf *buf);

void *mwtest_xmalloc(size_t size);
char *mwtest_xstrdup(const char *s);

/* environ changed by env ("K=V" sets, "K" unsets); a malloc'd array of malloc'd strings. */
char **mwtest_env_merge(const char *const *env);
void mwtest_env_free(char **env);

/* A bodiless request with its own total timeout (health checks). */
struct mwtest_response;
int mwtest_http_timeout(struct mwtest_response *out, const char *method, const char *url,
                        int timeout_ms);

#endif
