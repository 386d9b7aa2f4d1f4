#pragma once
/* Settings of `wirebase serve`, from defaults, then WIREBASE_* environment
 * variables, then command-line flags (the last one wins). */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "server/log.h"

struct config {
    char db_path[1024];
    char listen_host[256]; /* numeric IPv4 or IPv6 address */
    unsigned short port;   /* 0 picks a free port */
    int threads;
    bool read_only;
    bool no_sample;        /* do not fill a new database with the sample data */
    size_t max_body;       /* bytes */
    size_t max_import;     /* bytes of one /v1/import upload, spooled to disk */
    int busy_timeout_ms;
    int cache_size_kib;
    int max_db_size_mib;   /* 0: no limit but the disk's */
    int response_cache_entries; /* rendered reads kept per store version; 0: off */
    int connection_timeout_s;
    int connection_limit;
    int connections_per_client; /* 0: no limit per client address */
    int max_request_head; /* bytes of request target and header lines */
    bool access_log;
    bool documents; /* keep rendered article documents (db/documents.h) */
    enum log_level log_level;
    enum log_format log_format;
    char metrics_token[256]; /* "" when /metrics is open; a secret otherwise */
    char cors_origin[256]; /* Access-Control-Allow-Origin */
    bool auth_all;         /* reads need an API key too, not only writes */
    bool no_dashboard;     /* do not serve the browser dashboard at / */
    char user[64];         /* "" keeps the user the process was started as */
    /* Slow reads waiting for a slow-read thread; past it a worker builds
     * the answer itself. No flag sets it: tests make it small. */
    size_t slow_reads_queued;
    /* Writes waiting for the write thread, likewise; past it a worker runs
     * the write in a transaction of its own. */
    size_t writes_queued;
};

enum config_result { CONFIG_OK, CONFIG_HELP, CONFIG_VERSION, CONFIG_INVALID, CONFIG_PRINT };

/* The exit codes every command shares: 0 done, 1 failed at run time, 2 bad
 * usage or configuration. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* The defaults: ./wirebase.db, 127.0.0.1:8080, 2 threads, 1 MiB bodies, API
 * keys needed for writes only. */
void config_defaults(struct config *cfg);

/* Applies WIREBASE_* variables, then argv[first..argc) flags. On
 * CONFIG_INVALID err says which setting and why. CONFIG_PRINT: the flags
 * held --print-config (and were all valid). */
enum config_result config_load(struct config *cfg, int argc, char **argv, int first, char *err,
                               size_t errlen);

/* Parses a decimal number in [min, max], with nothing after it. */
bool config_parse_long(const char *text, long min, long max, long *out);

/* Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (host 127.0.0.1). */
bool config_parse_listen(const char *text, char *host, size_t hostlen, unsigned short *port);

/* True when `arg` is a known option written without "=" that takes the next
 * argument as its value ("--db PATH"), so commands with positional
 * arguments can tell values from files. */
bool config_takes_value(const char *arg);

/* What `wirebase COMMAND` does with config_load's answer: prints its help
 * (`usage`), the version or the settings to stdout and returns EXIT_OK, or
 * "wirebase COMMAND: ERR" to stderr (then `usage` too if
 * usage_after_error) and returns EXIT_USAGE. -1 for CONFIG_OK: go on. */
int config_outcome(enum config_result loaded, const struct config *cfg, const char *command,
                   const char *usage, bool usage_after_error, const char *err);

/* Writes every setting as a WIREBASE_NAME=value line (the form an
 * environment file takes), secrets as <redacted>. */
void config_print(const struct config *cfg, FILE *out);

/* The `serve` usage text. */
const char *config_usage(void);
