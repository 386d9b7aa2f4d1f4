#include "server/backup_cli.h"

#include <stdio.h>
#include <string.h>

#include "db/backup.h"
#include "server/config.h"

static const char backup_usage[] =
    "usage: wirebase backup PATH [--db PATH]\n"
    "  copies the database to a new file at PATH from one consistent snapshot,\n"
    "  while a server goes on reading and writing it (SQLite's backup API); the\n"
    "  copy is written to PATH.partial and renamed when whole, and an existing\n"
    "  PATH is never overwritten. Restore by serving the copy: wirebase serve --db PATH\n"
    "\n"
    "  PATH             the new file\n"
    "  --db PATH        database to copy (WIREBASE_DB, default ./wirebase.db)\n"
    "  --busy-timeout MS, --cache-size KIB   as for serve (see wirebase serve --help)\n"
    "  --help           this text\n";

int backup_cli_run(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    char *options[argc];
    const char *path = NULL;
    int count = 0;

    config_defaults(&cfg);
    for (int a = 2; a < argc; a++) {
        if (path == NULL && argv[a][0] != '-') {
            path = argv[a];
        } else {
            options[count++] = argv[a];
            if (config_takes_value(argv[a]) && a + 1 < argc)
                options[count++] = argv[++a];
        }
    }
    int outcome = config_outcome(config_load(&cfg, count, options, 0, err, sizeof err), &cfg,
                              "backup", backup_usage, true, err);
    if (outcome >= 0)
        return outcome;
    if (path == NULL) {
        fprintf(stderr, "wirebase backup: where to? (wirebase backup PATH)\n%s", backup_usage);
        return EXIT_USAGE;
    }

    bool created = false;
    struct store_options opts = {.path = cfg.db_path, .read_only = true,
                                 .busy_timeout_ms = cfg.busy_timeout_ms,
                                 .cache_size_kib = cfg.cache_size_kib};
    struct store *store = store_open(&opts, &created, err, sizeof err);
    if (store == NULL) {
        fprintf(stderr, "wirebase backup: %s\n", err);
        return EXIT_FAILED;
    }
    enum db_status rc = db_backup(store, path, err, sizeof err);
    store_close(store);
    if (rc != DB_OK) {
        fprintf(stderr, "wirebase backup: %s\n", err);
        return rc == DB_CONFLICT ? EXIT_USAGE : EXIT_FAILED;
    }
    printf("backed up %s to %s\n", cfg.db_path, path);
    return EXIT_OK;
}
