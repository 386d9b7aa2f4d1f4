#include "server/documents_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "server/config.h"

static const char documents_usage[] =
    "usage: wirebase documents [--db PATH] [--rebuild]\n"
    "  renders every article of the database and keeps it in PATH-docs, as a server\n"
    "  does for each article it reads: a server started on the database then answers\n"
    "  an article by id with one read. Documents already kept are left as they are;\n"
    "  --rebuild empties the file first (it only grows while a server writes), as is\n"
    "  done anyway when it holds more forgotten documents than kept ones. Stop\n"
    "  the server first: one process at a time keeps the documents.\n"
    "\n"
    "  --db PATH        the database (WIREBASE_DB, default ./wirebase.db)\n"
    "  --rebuild        start from an empty file\n"
    "  --busy-timeout MS, --cache-size KIB   as for serve (see wirebase serve --help)\n"
    "  --help           this text\n";

int documents_cli_run(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    char *options[argc];
    int count = 0;
    bool rebuild = false;

    config_defaults(&cfg);
    for (int a = 2; a < argc; a++) {
        if (strcmp(argv[a], "--rebuild") == 0) {
            rebuild = true;
            continue;
        }
        options[count++] = argv[a];
        if (config_takes_value(argv[a]) && a + 1 < argc)
            options[count++] = argv[++a];
    }
    int outcome = config_outcome(config_load(&cfg, count, options, 0, err, sizeof err), &cfg,
                              "documents", documents_usage, true, err);
    if (outcome >= 0)
        return outcome;
    if (cfg.read_only) {
        fprintf(stderr, "wirebase documents: the documents are kept by a writable store\n");
        return EXIT_USAGE;
    }

    bool created = false;
    struct store_options opts = {.path = cfg.db_path, .busy_timeout_ms = cfg.busy_timeout_ms,
                                 .cache_size_kib = cfg.cache_size_kib, .documents = true};
    struct store *store = store_open(&opts, &created, err, sizeof err);
    if (store == NULL) {
        fprintf(stderr, "wirebase documents: %s\n", err);
        return EXIT_FAILED;
    }
    if (!store_keeps_documents(store)) {
        fprintf(stderr, "wirebase documents: cannot keep documents for %s (is a server running"
                        " on it? see the message above)\n", cfg.db_path);
        store_close(store);
        return EXIT_FAILED;
    }
    /* Writes only add to the file; once it is mostly forgotten text, adding
     * the missing documents would leave it so (or, past its limit, keep
     * nothing): it is built again from empty instead. */
    if (!rebuild && store_documents_mostly_forgotten(store)) {
        fprintf(stderr, "wirebase documents: %s-docs is mostly forgotten documents: rebuilding"
                        " it from empty\n", cfg.db_path);
        rebuild = true;
    }
    if (rebuild)
        store_documents_reset(store);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int64_t articles = 0;
    enum db_status rc = db_documents_build(store, &articles);
    uint64_t served, kept;
    store_documents_counts(store, &served, &kept);
    store_close(store);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    if (rc != DB_OK) {
        fprintf(stderr, "wirebase documents: %s: a database error stopped the build\n",
                cfg.db_path);
        return EXIT_FAILED;
    }
    printf("%" PRId64 " articles: %" PRIu64 " documents rendered and kept, %" PRIu64
           " already kept, in %.1f s (%s-docs)\n",
           articles, kept, served, seconds, cfg.db_path);
    return EXIT_OK;
}
