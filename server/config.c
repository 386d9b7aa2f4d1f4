#include "server/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->db_path, sizeof cfg->db_path, "wirebase.db");
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->port = 8080;
    cfg->threads = 2; /* one per core on the machines we target */
    cfg->max_body = 1024 * 1024;
    cfg->max_import = (size_t)1 << 30;
    cfg->busy_timeout_ms = 5000;
    cfg->cache_size_kib = 16384;
    cfg->response_cache_entries = 1024;
    cfg->slow_reads_queued = 256;
    cfg->writes_queued = 256;
    cfg->connection_timeout_s = 30;
    cfg->connection_limit = 1024;
    cfg->max_request_head = 8192;
    cfg->access_log = true;
    cfg->documents = true;
    cfg->log_level = LOG_INFO;
    cfg->log_format = LOG_JSON;
    snprintf(cfg->cors_origin, sizeof cfg->cors_origin, "*");
}

const char *config_usage(void)
{
    return "usage: wirebase serve [options]\n"
           "\n"
           "  --db PATH              database file (WIREBASE_DB, default ./wirebase.db);\n"
           "                         created with the sample data when missing\n"
           "  --listen ADDR:PORT     address to listen on (WIREBASE_LISTEN, default\n"
           "                         127.0.0.1:8080; [::1]:8080 for IPv6, port 0 = any)\n"
           "  --threads N            worker threads, 1-64 (WIREBASE_THREADS, default 2)\n"
           "  --read-only            open the database read-only (WIREBASE_READ_ONLY=1)\n"
           "  --no-sample            leave a new database empty (WIREBASE_NO_SAMPLE=1)\n"
           "  --max-body BYTES       largest request body (WIREBASE_MAX_BODY, default 1048576)\n"
           "  --max-import BYTES     largest /v1/import upload, kept on disk, not in memory\n"
           "                         (WIREBASE_MAX_IMPORT, default 1073741824)\n"
           "  --busy-timeout MS      wait for database locks (WIREBASE_BUSY_TIMEOUT, default 5000)\n"
           "  --cache-size KIB       SQLite page cache per connection (WIREBASE_CACHE_SIZE,\n"
           "                         default 16384)\n"
           "  --max-db-size MIB      the most the database may grow to; writes past it get\n"
           "                         507 (WIREBASE_MAX_DB_SIZE, default 0: the disk's room)\n"
           "  --response-cache N     answers to reads kept until the next write, up to 64 KiB\n"
           "                         each and 16 MiB in all (WIREBASE_RESPONSE_CACHE,\n"
           "                         default 1024; 0: off)\n"
           "  --timeout SECONDS      close idle connections (WIREBASE_TIMEOUT, default 30)\n"
           "  --max-connections N    concurrent connections (WIREBASE_MAX_CONNECTIONS,\n"
           "                         default 1024)\n"
           "  --max-connections-per-client N\n"
           "                         concurrent connections from one client address\n"
           "                         (WIREBASE_MAX_CONNECTIONS_PER_CLIENT, default 0: no\n"
           "                         limit; behind a proxy every client is the proxy)\n"
           "  --max-request-head BYTES\n"
           "                         largest request target and header lines together, 1024-\n"
           "                         65536 (WIREBASE_MAX_REQUEST_HEAD, default 8192)\n"
           "  --no-access-log        do not log requests (WIREBASE_ACCESS_LOG=0)\n"
           "  --no-documents         do not keep rendered articles beside the database in\n"
           "                         PATH-docs: every article read goes to the database\n"
           "                         (WIREBASE_DOCUMENTS=0)\n"
           "  --log-level LEVEL      error or info: info adds notices to errors\n"
           "                         (WIREBASE_LOG_LEVEL, default info)\n"
           "  --log-format FORMAT    json (a JSON object a line) or text, for every log line\n"
           "                         (WIREBASE_LOG_FORMAT, default json)\n"
           "  --metrics-token TOKEN  GET /metrics then needs Authorization: Bearer TOKEN\n"
           "                         (WIREBASE_METRICS_TOKEN, default none: open)\n"
           "  --print-config         print the effective settings as WIREBASE_* lines,\n"
           "                         secrets redacted, and exit\n"
           "  --cors-origin ORIGIN   Access-Control-Allow-Origin: * or one http(s) origin\n"
           "                         (WIREBASE_CORS_ORIGIN, default *)\n"
           "  --auth MODE            who needs an API key (WIREBASE_AUTH): writes (default,\n"
           "                         reads stay open) or all; see wirebase keys --help\n"
           "  --no-dashboard         do not serve the browser dashboard at /\n"
           "                         (WIREBASE_NO_DASHBOARD=1)\n"
           "  --user NAME            started as root, switch to this user before opening the\n"
           "                         database or the port (WIREBASE_USER, default: stay)\n"
           "  --help, --version\n";
}

bool config_parse_listen(const char *text, char *host, size_t hostlen, unsigned short *port)
{
    const char *colon;
    char addr[256];
    size_t addr_len;

    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return false;
        addr_len = (size_t)(close - text - 1);
        if (addr_len == 0 || addr_len >= sizeof addr)
            return false;
        memcpy(addr, text + 1, addr_len);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return false;
        addr_len = (size_t)(colon - text);
        /* "2001:db8::1:80" is itself an address: IPv6 needs brackets, or
         * the port would be a guess. */
        if (addr_len >= sizeof addr || memchr(text, ':', addr_len) != NULL)
            return false;
        memcpy(addr, text, addr_len);
    }
    addr[addr_len] = '\0';
    if (addr_len == 0)
        snprintf(addr, sizeof addr, "127.0.0.1");

    unsigned char probe[sizeof(struct in6_addr)];
    bool v6 = text[0] == '[';
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, probe) != 1)
        return false;

    /* strtol would also take a sign or leading blanks: only digits here. */
    char *end = NULL;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || p > 65535)
        return false;
    if (strlen(addr) >= hostlen)
        return false;
    snprintf(host, hostlen, "%s", addr);
    *port = (unsigned short)p;
    return true;
}

bool config_parse_long(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *text, bool *out)
{
    if (strcmp(text, "1") == 0 || strcmp(text, "true") == 0 || strcmp(text, "yes") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(text, "0") == 0 || strcmp(text, "false") == 0 || strcmp(text, "no") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* One setting: its flag, its variable, and how its value is read. */
enum setting_kind { S_PATH, S_LISTEN, S_INT, S_FLAG, S_NEG_FLAG, S_AUTH, S_ORIGIN, S_LOG_LEVEL,
                    S_LOG_FORMAT, S_SECRET, S_USER };

struct setting {
    const char *flag;
    const char *env;
    enum setting_kind kind;
    long min, max;
    size_t offset;
};

#define FIELD(f) offsetof(struct config, f)

static const struct setting settings[] = {
    {"--db", "WIREBASE_DB", S_PATH, 0, 0, FIELD(db_path)},
    {"--listen", "WIREBASE_LISTEN", S_LISTEN, 0, 0, 0},
    {"--threads", "WIREBASE_THREADS", S_INT, 1, 64, FIELD(threads)},
    {"--read-only", "WIREBASE_READ_ONLY", S_FLAG, 0, 0, FIELD(read_only)},
    {"--no-sample", "WIREBASE_NO_SAMPLE", S_FLAG, 0, 0, FIELD(no_sample)},
    {"--max-body", "WIREBASE_MAX_BODY", S_INT, 1, 1L << 30, FIELD(max_body)},
    {"--max-import", "WIREBASE_MAX_IMPORT", S_INT, 1, 1L << 40, FIELD(max_import)},
    {"--busy-timeout", "WIREBASE_BUSY_TIMEOUT", S_INT, 1, 600000, FIELD(busy_timeout_ms)},
    {"--cache-size", "WIREBASE_CACHE_SIZE", S_INT, 64, 1L << 22, FIELD(cache_size_kib)},
    {"--max-db-size", "WIREBASE_MAX_DB_SIZE", S_INT, 0, 1L << 24, FIELD(max_db_size_mib)},
    {"--response-cache", "WIREBASE_RESPONSE_CACHE", S_INT, 0, 65536,
     FIELD(response_cache_entries)},
    {"--timeout", "WIREBASE_TIMEOUT", S_INT, 1, 3600, FIELD(connection_timeout_s)},
    {"--max-connections", "WIREBASE_MAX_CONNECTIONS", S_INT, 1, 100000, FIELD(connection_limit)},
    {"--max-connections-per-client", "WIREBASE_MAX_CONNECTIONS_PER_CLIENT", S_INT, 0, 100000,
     FIELD(connections_per_client)},
    {"--max-request-head", "WIREBASE_MAX_REQUEST_HEAD", S_INT, 1024, 65536, FIELD(max_request_head)},
    {"--no-access-log", "WIREBASE_ACCESS_LOG", S_NEG_FLAG, 0, 0, FIELD(access_log)},
    {"--no-documents", "WIREBASE_DOCUMENTS", S_NEG_FLAG, 0, 0, FIELD(documents)},
    {"--log-level", "WIREBASE_LOG_LEVEL", S_LOG_LEVEL, 0, 0, FIELD(log_level)},
    {"--log-format", "WIREBASE_LOG_FORMAT", S_LOG_FORMAT, 0, 0, FIELD(log_format)},
    {"--metrics-token", "WIREBASE_METRICS_TOKEN", S_SECRET, 0, 0, FIELD(metrics_token)},
    {"--auth", "WIREBASE_AUTH", S_AUTH, 0, 0, FIELD(auth_all)},
    {"--cors-origin", "WIREBASE_CORS_ORIGIN", S_ORIGIN, 0, 0, FIELD(cors_origin)},
    {"--no-dashboard", "WIREBASE_NO_DASHBOARD", S_FLAG, 0, 0, FIELD(no_dashboard)},
    {"--user", "WIREBASE_USER", S_USER, 0, 0, FIELD(user)},
};

#define SETTING_COUNT (sizeof settings / sizeof settings[0])

static bool apply(struct config *cfg, const struct setting *s, const char *value, bool from_env,
                  char *err, size_t errlen)
{
    char *base = (char *)cfg;
    const char *name = from_env ? s->env : s->flag;
    long n;
    bool b;

    switch (s->kind) {
    case S_PATH:
        if (value[0] == '\0' || strlen(value) >= sizeof cfg->db_path) {
            snprintf(err, errlen, "%s: must be a file path", name);
            return false;
        }
        snprintf(base + s->offset, sizeof cfg->db_path, "%s", value);
        return true;
    case S_LISTEN:
        if (!config_parse_listen(value, cfg->listen_host, sizeof cfg->listen_host, &cfg->port)) {
            snprintf(err, errlen, "%s: \"%s\" is not ADDR:PORT with a numeric address", name,
                     value);
            return false;
        }
        return true;
    case S_INT:
        if (!config_parse_long(value, s->min, s->max, &n)) {
            snprintf(err, errlen, "%s: \"%s\" is not a number from %ld to %ld", name, value,
                     s->min, s->max);
            return false;
        }
        if (s->offset == FIELD(max_body) || s->offset == FIELD(max_import))
            *(size_t *)(base + s->offset) = (size_t)n;
        else
            *(int *)(base + s->offset) = (int)n;
        return true;
    case S_FLAG:
    case S_NEG_FLAG:
        /* A flag on the command line takes no value; a variable says 1/0. */
        if (!from_env) {
            *(bool *)(base + s->offset) = s->kind == S_FLAG;
            return true;
        }
        if (!parse_bool(value, &b)) {
            snprintf(err, errlen, "%s: \"%s\" is not 1 or 0", name, value);
            return false;
        }
        *(bool *)(base + s->offset) = b;
        return true;
    case S_ORIGIN:
        /* "*" or one origin (scheme://host[:port]); it is echoed in a
         * header, so nothing that could split one. */
        if (value[0] == '\0' || strlen(value) >= sizeof cfg->cors_origin ||
            strpbrk(value, " \t\r\n,") != NULL ||
            (strcmp(value, "*") != 0 && strncmp(value, "http://", 7) != 0 &&
             strncmp(value, "https://", 8) != 0)) {
            snprintf(err, errlen, "%s: \"%s\" is not * or an http(s) origin", name, value);
            return false;
        }
        snprintf(cfg->cors_origin, sizeof cfg->cors_origin, "%s", value);
        return true;
    case S_AUTH:
        /* A word, not a 1/0 flag: room for a later mode, and "--auth all"
         * reads as what it does. */
        if (strcmp(value, "writes") == 0 || strcmp(value, "all") == 0) {
            *(bool *)(base + s->offset) = strcmp(value, "all") == 0;
            return true;
        }
        snprintf(err, errlen, "%s: \"%s\" is not writes or all", name, value);
        return false;
    case S_LOG_LEVEL:
        if (strcmp(value, "error") == 0 || strcmp(value, "info") == 0) {
            cfg->log_level = strcmp(value, "error") == 0 ? LOG_ERROR : LOG_INFO;
            return true;
        }
        snprintf(err, errlen, "%s: \"%s\" is not error or info", name, value);
        return false;
    case S_LOG_FORMAT:
        if (strcmp(value, "json") == 0 || strcmp(value, "text") == 0) {
            cfg->log_format = strcmp(value, "json") == 0 ? LOG_JSON : LOG_TEXT;
            return true;
        }
        snprintf(err, errlen, "%s: \"%s\" is not json or text", name, value);
        return false;
    case S_USER:
        /* A POSIX portable user name; whether it exists is asked when the
         * server switches to it. */
        if (value[0] == '\0' || strlen(value) >= sizeof cfg->user ||
            strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(value) ||
            value[0] == '-') {
            snprintf(err, errlen, "%s: \"%s\" is not a user name", name, value);
            return false;
        }
        snprintf(cfg->user, sizeof cfg->user, "%s", value);
        return true;
    case S_SECRET:
        /* Compared with what clients send in a header: visible ASCII only.
         * The message never repeats the value. */
        if (strlen(value) >= sizeof cfg->metrics_token ||
            strspn(value, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ/=") != strlen(value)) {
            snprintf(err, errlen, "%s: must be at most 255 characters of letters, digits and "
                                  "-._~+/=!#$%%&'*^`|", name);
            return false;
        }
        snprintf(base + s->offset, sizeof cfg->metrics_token, "%s", value);
        return true;
    }
    return false;
}

enum config_result config_load(struct config *cfg, int argc, char **argv, int first, char *err,
                               size_t errlen)
{
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const char *value = getenv(settings[i].env);
        if (value != NULL && !apply(cfg, &settings[i], value, true, err, errlen))
            return CONFIG_INVALID;
    }
    bool print = false;
    for (int a = first; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return CONFIG_HELP;
        if (strcmp(arg, "--version") == 0)
            return CONFIG_VERSION;
        /* Printed after every flag is read, so it shows their effect. */
        if (strcmp(arg, "--print-config") == 0) {
            print = true;
            continue;
        }

        /* Both "--flag value" and "--flag=value". */
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const struct setting *s = NULL;
        for (size_t i = 0; i < SETTING_COUNT && s == NULL; i++)
            if (strlen(settings[i].flag) == name_len && strncmp(settings[i].flag, arg, name_len) == 0)
                s = &settings[i];
        if (s == NULL) {
            snprintf(err, errlen, "unknown option \"%s\" (see --help)", arg);
            return CONFIG_INVALID;
        }
        const char *value = NULL;
        bool takes_value = s->kind != S_FLAG && s->kind != S_NEG_FLAG;
        if (takes_value) {
            if (eq != NULL)
                value = eq + 1;
            else if (a + 1 < argc)
                value = argv[++a];
            else {
                snprintf(err, errlen, "%s needs a value", s->flag);
                return CONFIG_INVALID;
            }
        } else if (eq != NULL) {
            snprintf(err, errlen, "%s takes no value", s->flag);
            return CONFIG_INVALID;
        }
        if (!apply(cfg, s, value, false, err, errlen))
            return CONFIG_INVALID;
    }
    return print ? CONFIG_PRINT : CONFIG_OK;
}

bool config_takes_value(const char *arg)
{
    if (strchr(arg, '=') != NULL)
        return false;
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (strcmp(settings[i].flag, arg) == 0)
            return settings[i].kind != S_FLAG && settings[i].kind != S_NEG_FLAG;
    return false;
}

int config_outcome(enum config_result loaded, const struct config *cfg, const char *command,
                   const char *usage, bool usage_after_error, const char *err)
{
    switch (loaded) {
    case CONFIG_HELP: fputs(usage, stdout); return EXIT_OK;
    case CONFIG_VERSION: printf("wirebase %s\n", WIREBASE_VERSION); return EXIT_OK;
    case CONFIG_PRINT: config_print(cfg, stdout); return EXIT_OK;
    case CONFIG_INVALID:
        fprintf(stderr, "wirebase %s: %s\n%s", command, err, usage_after_error ? usage : "");
        return EXIT_USAGE;
    case CONFIG_OK: break;
    }
    return -1;
}

void config_print(const struct config *cfg, FILE *out)
{
    const char *base = (const char *)cfg;
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const struct setting *s = &settings[i];
        const void *field = base + s->offset;
        fprintf(out, "%s=", s->env);
        switch (s->kind) {
        case S_PATH:
        case S_USER:
        case S_ORIGIN: fputs(field, out); break;
        case S_LISTEN:
            fprintf(out, strchr(cfg->listen_host, ':') ? "[%s]:%u" : "%s:%u", cfg->listen_host,
                    cfg->port);
            break;
        case S_INT:
            if (s->offset == FIELD(max_body) || s->offset == FIELD(max_import))
                fprintf(out, "%zu", *(const size_t *)field);
            else
                fprintf(out, "%d", *(const int *)field);
            break;
        case S_FLAG:
        case S_NEG_FLAG: fputs(*(const bool *)field ? "1" : "0", out); break;
        case S_AUTH: fputs(cfg->auth_all ? "all" : "writes", out); break;
        case S_LOG_LEVEL: fputs(cfg->log_level == LOG_ERROR ? "error" : "info", out); break;
        case S_LOG_FORMAT: fputs(cfg->log_format == LOG_JSON ? "json" : "text", out); break;
        /* Whether one is set is worth knowing; its value is not shown. */
        case S_SECRET: fputs(((const char *)field)[0] != '\0' ? "<redacted>" : "", out); break;
        }
        fputc('\n', out);
    }
}
