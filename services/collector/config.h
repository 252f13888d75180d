/* Collector configuration: a declarative table read from the environment. */
#ifndef COLLECTOR_CONFIG_H
#define COLLECTOR_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct collector_config {
    char *database_url; /* DATABASE_URL: libpq conninfo or URI */
    char *listen_host;  /* from MW_LISTEN host:port */
    int listen_port;
    int workers;            /* event loops (threads), each with its own DB connections */
    int db_connections;     /* PostgreSQL connections per worker */
    int batch_max;          /* documents per group-commit transaction */
    int queue_max;          /* documents waiting for a connection, per worker, before 503 */
    long max_body_bytes;    /* larger bodies get 413 */
    long max_header_bytes;  /* larger request heads are refused */
    int client_timeout_s;   /* a client silent this long is dropped */
    int request_deadline_s; /* a request must arrive whole within this */
    int max_connections;    /* concurrent client connections per worker */
    int db_timeout_ms;      /* a batch in the database longer than this fails with 503 */
    int shutdown_grace_s;   /* SIGTERM: how long in-flight requests may take */
    char *static_dir;       /* dashboard assets */
    char *log_level;
};

/*
 * Fills `cfg` from the environment. Every key has a documented default and bounds;
 * a bad value is reported on `err` with the key's name and the function returns false.
 */
bool config_load(struct collector_config *cfg, FILE *err) __attribute__((warn_unused_result));
void config_free(struct collector_config *cfg);

/* Prints every key with its default and meaning (for --help and the README). */
void config_print_help(FILE *out);

#endif
