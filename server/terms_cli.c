#include "server/terms_cli.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "server/config.h"

/* A walk of a posting list of fewer rows than this takes under a
 * millisecond or so: not worth a saved count. */
#define DEFAULT_MIN_ROWS 10000

static const char terms_usage[] =
    "usage: wirebase terms [--db PATH] [--min-rows N] [--most N]\n"
    "  counts the rows of the commonest words of the article and quote search\n"
    "  indexes, in one pass over each index, and saves the counts in the store.\n"
    "  A search's first query for a word must otherwise count its rows by reading\n"
    "  all of them (tens of milliseconds for a word in half of a million articles);\n"
    "  a server keeps the counts it makes, but a store just imported has none.\n"
    "  Run after a bulk import. A server may be running on the store.\n"
    "\n"
    "  --db PATH        the database (WIREBASE_DB, default ./wirebase.db)\n"
    "  --min-rows N     only words in at least N rows (default 10000)\n"
    "  --most N         at most the N commonest words of each index (1-4096,\n"
    "                   default 4096)\n"
    "  --busy-timeout MS, --cache-size KIB   as for serve (see wirebase serve --help)\n"
    "  --help           this text\n";

/* The value of --min-rows or --most if `arg` is one ("--most N" takes
 * the next argument, "--most=N" its own), in *value (NULL when missing);
 * false when `arg` is neither. */
static bool limit_flag(const char *arg, const char *next, const char **flag, const char **value)
{
    static const char *const flags[] = {"--min-rows", "--most"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        size_t len = strlen(flags[i]);
        if (strncmp(arg, flags[i], len) != 0 || (arg[len] != '\0' && arg[len] != '='))
            continue;
        *flag = flags[i];
        *value = arg[len] == '=' ? arg + len + 1 : next;
        return true;
    }
    return false;
}

static bool read_limit(const char *flag, const char *value, long *min_rows, long *most, char *err,
                       size_t errlen)
{
    bool min = strcmp(flag, "--min-rows") == 0;
    if (value == NULL ||
        !config_parse_long(value, 1, min ? LONG_MAX : DB_COMMON_TERMS_MAX, min ? min_rows : most)) {
        if (min)
            snprintf(err, errlen, "--min-rows needs a whole number of 1 or more");
        else
            snprintf(err, errlen, "--most needs a whole number from 1 to %d", DB_COMMON_TERMS_MAX);
        return false;
    }
    return true;
}

int terms_cli_run(int argc, char **argv)
{
    struct config cfg;
    char err[512] = "";
    char *options[argc];
    int count = 0;
    long min_rows = DEFAULT_MIN_ROWS, most = DB_COMMON_TERMS_MAX;
    bool limits_ok = true;

    config_defaults(&cfg);
    for (int a = 2; a < argc && limits_ok; a++) {
        const char *flag = NULL, *value = NULL;
        if (limit_flag(argv[a], a + 1 < argc ? argv[a + 1] : NULL, &flag, &value)) {
            limits_ok = read_limit(flag, value, &min_rows, &most, err, sizeof err);
            if (strchr(argv[a], '=') == NULL)
                a++;
            continue;
        }
        options[count++] = argv[a];
        if (config_takes_value(argv[a]) && a + 1 < argc)
            options[count++] = argv[++a];
    }
    enum config_result loaded =
        limits_ok ? config_load(&cfg, count, options, 0, err, sizeof err) : CONFIG_INVALID;
    int outcome = config_outcome(loaded, &cfg, "terms", terms_usage, true, err);
    if (outcome >= 0)
        return outcome;
    if (cfg.read_only) {
        fprintf(stderr, "wirebase terms: the counts are saved in the store: it must be writable\n");
        return EXIT_USAGE;
    }

    /* Opening a missing store would create an empty one, which a later
     * `serve` would then not fill with the sample data. */
    if (access(cfg.db_path, F_OK) != 0) {
        fprintf(stderr, "wirebase terms: no database at %s\n", cfg.db_path);
        return EXIT_FAILED;
    }
    bool created = false;
    struct store_options opts = {.path = cfg.db_path,
                                 .busy_timeout_ms = cfg.busy_timeout_ms,
                                 .cache_size_kib = cfg.cache_size_kib};
    struct store *store = store_open(&opts, &created, err, sizeof err);
    if (store == NULL) {
        fprintf(stderr, "wirebase terms: %s\n", err);
        return EXIT_FAILED;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int64_t saved = 0;
    enum db_status rc = db_count_common_terms(store, min_rows, (int)most, &saved);
    store_close(store);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds =
        (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    if (rc != DB_OK) {
        fprintf(stderr,
                "wirebase terms: %s: a database error, or a writer holding the store past"
                " the busy timeout, stopped the count; nothing was saved\n",
                cfg.db_path);
        return EXIT_FAILED;
    }
    printf("%" PRId64 " words in at least %ld rows counted and saved, in %.1f s\n", saved, min_rows,
           seconds);
    return EXIT_OK;
}
