/* Logging: one line per event, key=value fields, level checked before formatting. */
#ifndef MW_LOG_H
#define MW_LOG_H

#include <stdbool.h>

enum mw_log_level {
    MW_LOG_ERROR,
    MW_LOG_WARN,
    MW_LOG_INFO,
    MW_LOG_DEBUG,
    MW_LOG_LEVEL_MAX
};

/* The threshold: events above it are not formatted at all. */
extern enum mw_log_level mw_log_threshold;

/* Parses "error", "warn", "info" or "debug"; false if unknown. */
bool mw_log_parse_level(const char *name, enum mw_log_level *out) __attribute__((warn_unused_result));

/* Writes "ts=... level=... event=<event> <fields>" to stderr in one write(2). */
void mw_log_write(enum mw_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define mw_log(level, event, ...)                                                                  \
    do {                                                                                           \
        if ((level) <= mw_log_threshold)                                                           \
            mw_log_write((level), (event), __VA_ARGS__);                                           \
    } while (0)

#define log_error(event, ...) mw_log(MW_LOG_ERROR, event, __VA_ARGS__)
#define log_warn(event, ...)  mw_log(MW_LOG_WARN, event, __VA_ARGS__)
#define log_info(event, ...)  mw_log(MW_LOG_INFO, event, __VA_ARGS__)
#define log_debug(event, ...) mw_log(MW_LOG_DEBUG, event, __VA_ARGS__)

#endif
