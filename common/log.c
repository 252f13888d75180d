/* Logging: one line per event, key=value fields, written atomically. */
#include "log.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum mw_log_level mw_log_threshold = MW_LOG_INFO;

static const char *const level_names[] = {
    [MW_LOG_ERROR] = "error",
    [MW_LOG_WARN] = "warn",
    [MW_LOG_INFO] = "info",
    [MW_LOG_DEBUG] = "debug",
};
static_assert(sizeof(level_names) / sizeof(level_names[0]) == MW_LOG_LEVEL_MAX,
              "every log level has a name");

bool mw_log_parse_level(const char *name, enum mw_log_level *out)
{
    for (int i = 0; i < MW_LOG_LEVEL_MAX; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum mw_log_level)i;
            return true;
        }
    }
    return false;
}

void mw_log_write(enum mw_log_level level, const char *event, const char *fmt, ...)
{
    char line[2048];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);

    int n =
        snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 now.tv_nsec / 1000000, level_names[level], event);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    if (fmt != NULL && fmt[0] != '\0' && len < sizeof(line) - 2) {
        line[len++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
        va_end(ap);
        if (n > 0)
            len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
    }
    /* Newlines inside values would split the event over two lines. */
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    if (len >= sizeof(line) - 1)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}
