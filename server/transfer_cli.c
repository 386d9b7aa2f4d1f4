#include "server/transfer_cli.h"

#include <stdio.h>
#include <string.h>

#include "db/transfer.h"
#include "server/config.h"

static const char import_usage[] =
    "usage: wirebase import FILE|- [--partial] [--db PATH]\n"
    "  adds NDJSON records (one {\"type\": ...} object a line) to the database;\n"
    "  all or nothing unless --partial, which keeps good lines and lists bad ones\n"
    "\n"
    "  FILE|-           the records, or - for stdin\n"
    "  --partial        keep the good lines (default off: one bad line stores nothing)\n"
    "  --db PATH        database file (WIREBASE_DB, default ./wirebase.db)\n"
    "  --busy-timeout MS, --cache-size KIB   as for serve (see wirebase serve --help)\n"
    "  --print-config   print the effective settings and exit\n"
    "  --help           this text\n";
static const char export_usage[] =
    "usage: wirebase export [--db PATH] > FILE.ndjson\n"
    "  writes the whole store to stdout as NDJSON, from one snapshot\n"
    "\n"
    "  --db PATH        database file (WIREBASE_DB, default ./wirebase.db)\n"
    "  --busy-timeout MS, --cache-size KIB   as for serve (see wirebase serve --help)\n"
    "  --print-config   print the effective settings and exit\n"
    "  --help           this text\n";

/* Splits argv[2..] into at most one positional argument and --db style
 * options; 0 when parsed, else the exit code to return. */
static int parse_args(int argc, char **argv, const char *usage, struct config *cfg,
                      const char **file, bool *partial)
{
    char err[512];
    char *options[argc];
    int count = 0;

    config_defaults(cfg);
    for (int a = 2; a < argc; a++) {
        if (partial != NULL && strcmp(argv[a], "--partial") == 0) {
            *partial = true;
        } else if (file != NULL && *file == NULL &&
                   (argv[a][0] != '-' || strcmp(argv[a], "-") == 0)) {
            *file = argv[a];
        } else {
            options[count++] = argv[a];
            if (config_takes_value(argv[a]) && a + 1 < argc)
                options[count++] = argv[++a];
        }
    }
    switch (config_load(cfg, count, options, 0, err, sizeof err)) {
    case CONFIG_HELP: fputs(usage, stdout); return -EXIT_OK - 1;
    case CONFIG_VERSION: fputs(usage, stdout); return -EXIT_OK - 1;
    case CONFIG_INVALID: fprintf(stderr, "wirebase: %s\n%s", err, usage); return EXIT_USAGE;
    case CONFIG_PRINT: config_print(cfg, stdout); return -EXIT_OK - 1;
    case CONFIG_OK: break;
    }
    return 0;
}

static struct store *open_store(const struct config *cfg, bool read_only)
{
    char err[512];
    bool created;
    struct store_options opts = {.path = cfg->db_path, .read_only = read_only,
                                 .busy_timeout_ms = cfg->busy_timeout_ms,
                                 .cache_size_kib = cfg->cache_size_kib};
    struct store *store = store_open(&opts, &created, err, sizeof err);
    if (store == NULL)
        fprintf(stderr, "wirebase: %s\n", err);
    return store;
}

int transfer_cli_import(int argc, char **argv)
{
    struct config cfg;
    const char *file = NULL;
    bool partial = false;
    struct transfer_counts n;
    struct record_error err;
    json_t *errors = NULL;
    long bad_line;
    FILE *in = NULL;
    struct store *store = NULL;
    int rc = parse_args(argc, argv, import_usage, &cfg, &file, &partial);

    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (file == NULL) {
        fputs(import_usage, stderr);
        return EXIT_USAGE;
    }
    rc = EXIT_FAILED;
    in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (in == NULL) {
        perror(file);
        goto done;
    }
    store = open_store(&cfg, false);
    if (store == NULL)
        goto done;
    if (db_import(store, in, partial, &n, &errors, &bad_line, &err) != DB_OK) {
        fprintf(stderr, "wirebase import: %s:%ld: %s%s%s (nothing was imported)\n", file,
                bad_line, err.field, err.field[0] ? " " : "", err.message);
        goto done;
    }
    size_t i;
    json_t *bad;
    json_array_foreach(errors, i, bad)
        fprintf(stderr, "wirebase import: %s:%lld: skipped: %s %s\n", file,
                (long long)json_integer_value(json_object_get(bad, "line")),
                json_string_value(json_object_get(bad, "field")),
                json_string_value(json_object_get(bad, "message")));
    printf("imported %d entities, %d articles, %d quotes, %d agreements; %zu lines skipped\n",
           n.entities, n.articles, n.quotes, n.agreements, json_array_size(errors));
    rc = json_array_size(errors) == 0 ? EXIT_OK : EXIT_FAILED;
done:
    json_decref(errors);
    store_close(store);
    if (in != NULL && in != stdin)
        fclose(in);
    return rc;
}

int transfer_cli_export(int argc, char **argv)
{
    struct config cfg;
    int rc = parse_args(argc, argv, export_usage, &cfg, NULL, NULL);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    struct store *store = open_store(&cfg, true);
    if (store == NULL)
        return EXIT_FAILED;
    enum db_status status = db_export_write(store, stdout);
    store_close(store);
    if (status != DB_OK || fflush(stdout) != 0) {
        fprintf(stderr, "wirebase export: the export failed\n");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
