/* Collector configuration: a typed table of environment keys with defaults and bounds. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

enum config_type { CONFIG_STRING, CONFIG_INT, CONFIG_LONG, CONFIG_LISTEN, CONFIG_LOG_LEVEL };

struct config_key {
    const char *name;
    enum config_type type;
    size_t offset;
    const char *default_value; /* "" for "computed" defaults handled in config_load */
    long min, max;
    const char *help;
};

#define FIELD(f) offsetof(struct collector_config, f)

static const struct config_key config_keys[] = {
    {"DATABASE_URL", CONFIG_STRING, FIELD(database_url), "postgresql:///mentorwatch", 0, 0,
     "PostgreSQL connection string (libpq URI or key=value)"},
    {"MW_LISTEN", CONFIG_LISTEN, FIELD(listen_host), "127.0.0.1:8080", 0, 0,
     "address and port to listen on, host:port"},
    {"MW_WORKERS", CONFIG_INT, FIELD(workers), "0", 0, 256,
     "event loops (threads), 0 = one per CPU core"},
    {"MW_DB_CONNECTIONS", CONFIG_INT, FIELD(db_connections), "2", 1, 64,
     "PostgreSQL connections per event loop"},
    {"MW_BATCH_MAX", CONFIG_INT, FIELD(batch_max), "128", 1, 10000,
     "documents committed together in one transaction at most"},
    {"MW_QUEUE_MAX", CONFIG_INT, FIELD(queue_max), "4096", 1, 1000000,
     "documents waiting for the database per loop before answering 503"},
    {"MW_MAX_BODY", CONFIG_LONG, FIELD(max_body_bytes), "1048576", 1024, 64L * 1024 * 1024,
     "largest request body in bytes (413 above)"},
    {"MW_MAX_HEADERS", CONFIG_LONG, FIELD(max_header_bytes), "16384", 1024, 1024 * 1024,
     "largest request line plus headers in bytes"},
    {"MW_CLIENT_TIMEOUT", CONFIG_INT, FIELD(client_timeout_s), "30", 1, 3600,
     "seconds a slow or idle client connection may take"},
    {"MW_REQUEST_DEADLINE", CONFIG_INT, FIELD(request_deadline_s), "60", 1, 3600,
     "seconds a client may take to send one whole request, however steadily it drips"},
    {"MW_MAX_CONNECTIONS", CONFIG_INT, FIELD(max_connections), "2048", 1, 1000000,
     "concurrent client connections per loop; more wait in the kernel's backlog"},
    {"MW_DB_TIMEOUT_MS", CONFIG_INT, FIELD(db_timeout_ms), "15000", 100, 600000,
     "a database round trip longer than this fails the batch with 503"},
    {"MW_SHUTDOWN_GRACE", CONFIG_INT, FIELD(shutdown_grace_s), "20", 0, 3600,
     "seconds SIGTERM waits for in-flight requests"},
    {"MW_STATIC_DIR", CONFIG_STRING, FIELD(static_dir), MW_SOURCE_DIR "/services/collector/web", 0,
     0, "directory of the dashboard's assets"},
    {"MW_LOG_LEVEL", CONFIG_LOG_LEVEL, FIELD(log_level), "info", 0, 0,
     "error, warn, info or debug"},
};

static bool parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
        return false;
    *out = v;
    return true;
}

static bool set_listen(struct collector_config *cfg, const char *text)
{
    const char *colon = strrchr(text, ':');
    long port;
    if (colon == NULL || colon == text || !parse_long(colon + 1, &port) || port < 0 || port > 65535)
        return false;
    const char *host = text;
    size_t host_len = (size_t)(colon - text);
    if (host[0] == '[' && host_len > 2 && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    free(cfg->listen_host);
    cfg->listen_host = strndup(host, host_len);
    cfg->listen_port = (int)port;
    return cfg->listen_host != NULL;
}

static bool apply_key(struct collector_config *cfg, const struct config_key *key, const char *text,
                      FILE *err)
{
    char *base = (char *)cfg;
    long v;
    switch (key->type) {
    case CONFIG_STRING: {
        char **slot = (char **)(base + key->offset);
        free(*slot);
        *slot = strdup(text);
        return *slot != NULL;
    }
    case CONFIG_INT:
    case CONFIG_LONG:
        if (!parse_long(text, &v) || v < key->min || v > key->max) {
            fprintf(err, "config: %s=%s is not an integer from %ld to %ld (%s)\n", key->name, text,
                    key->min, key->max, key->help);
            return false;
        }
        if (key->type == CONFIG_INT)
            *(int *)(base + key->offset) = (int)v;
        else
            *(long *)(base + key->offset) = v;
        return true;
    case CONFIG_LISTEN:
        if (!set_listen(cfg, text)) {
            fprintf(err, "config: %s=%s is not host:port (%s)\n", key->name, text, key->help);
            return false;
        }
        return true;
    case CONFIG_LOG_LEVEL: {
        enum mw_log_level level;
        if (!mw_log_parse_level(text, &level)) {
            fprintf(err, "config: %s=%s is not one of error, warn, info, debug\n", key->name, text);
            return false;
        }
        mw_log_threshold = level;
        char **slot = (char **)(base + key->offset);
        free(*slot);
        *slot = strdup(text);
        return *slot != NULL;
    }
    }
    return false;
}

bool config_load(struct collector_config *cfg, FILE *err)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
        const struct config_key *key = &config_keys[i];
        const char *text = getenv(key->name);
        if (text == NULL || text[0] == '\0')
            text = key->default_value;
        if (!apply_key(cfg, key, text, err)) {
            config_free(cfg);
            return false;
        }
    }
    if (cfg->workers == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = cores > 0 && cores < 256 ? (int)cores : 1;
    }
    return true;
}

void config_free(struct collector_config *cfg)
{
    free(cfg->database_url);
    free(cfg->listen_host);
    free(cfg->static_dir);
    free(cfg->log_level);
    memset(cfg, 0, sizeof(*cfg));
}

void config_print_help(FILE *out)
{
    fprintf(out, "Configuration (environment variables):\n");
    for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
        fprintf(out, "  %-20s %s (default: %s)\n", config_keys[i].name, config_keys[i].help,
                config_keys[i].default_value);
}
