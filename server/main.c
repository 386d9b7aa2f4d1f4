/* wirebase: the command line. `serve` runs the HTTP service, `load` puts a
 * dataset file into a database. */

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/dataset.h"
#include "db/db.h"
#include "handlers/meta.h"
#include "server/backup_cli.h"
#include "server/documents_cli.h"
#include "server/terms_cli.h"
#include "server/extract_cli.h"
#include "server/config.h"
#include "server/privileges.h"
#include "server/keys_cli.h"
#include "server/log.h"
#include "server/sample.h"
#include "server/server.h"
#include "server/transfer_cli.h"

/* How long requests in flight get to finish after SIGTERM. */
#define SHUTDOWN_GRACE_MS 10000

static const char usage[] =
    "usage: wirebase COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  serve [options]            run the HTTP service (see wirebase serve --help)\n"
    "  load FILE.json [--db PATH] add a dataset file to a database (all or nothing)\n"
    "  keys COMMAND [--db PATH]   create, list or revoke API keys (see wirebase keys --help)\n"
    "  import FILE [--partial]    add NDJSON records, as POST /v1/import does\n"
    "  export                     write the whole store as NDJSON to stdout\n"
    "  backup PATH [--db PATH]    copy the database to PATH while it serves (online)\n"
    "  documents [--db PATH]      render every article into PATH-docs for one-read\n"
    "                             article reads (after a bulk import; server stopped)\n"
    "  terms [--db PATH]          count the commonest search words once, so that their\n"
    "                             first searches are quick (after a bulk import)\n"
    "  extract FILE|-             print the entities, quotes and agreements of an article\n"
    "\n"
    "  --help       this text; wirebase COMMAND --help for a command's options\n"
    "  --version    print the version\n"
    "\n"
    "Every option has a WIREBASE_* environment variable (listed in each\n"
    "command's help); flags override the environment. Exit codes: 0 done,\n"
    "1 failed at run time, 2 bad usage or configuration.\n";

static const char load_usage[] =
    "usage: wirebase load FILE.json [--db PATH]\n"
    "  adds a dataset file (the format of data/sample.json) to a database in one\n"
    "  transaction: if any record is invalid, nothing is stored\n"
    "\n"
    "  --db PATH        database file (WIREBASE_DB, default ./wirebase.db);\n"
    "                   created when missing\n"
    "  --busy-timeout MS, --cache-size KIB   as for serve (see wirebase serve --help)\n"
    "  --print-config   print the effective settings and exit\n"
    "  --help           this text\n";

static void log_db_message(const char *message)
{
    log_error("db", "%s", message);
}

static struct store *open_store(const struct config *cfg, bool *created)
{
    char err[512];
    struct store_options opts = {
        .path = cfg->db_path,
        .read_only = cfg->read_only,
        .busy_timeout_ms = cfg->busy_timeout_ms,
        .cache_size_kib = cfg->cache_size_kib,
        .max_size_mib = cfg->max_db_size_mib,
        .documents = cfg->documents,
    };
    struct store *store = store_open(&opts, created, err, sizeof err);
    if (store == NULL)
        fprintf(stderr, "wirebase: %s\n", err);
    return store;
}

static int fill_with_sample(struct store *store, const char *path)
{
    char err[512];
    struct dataset_counts n;
    if (sample_load(store, &n, err, sizeof err) != DB_OK) {
        fprintf(stderr, "wirebase: cannot load the sample data into %s: %s\n", path, err);
        return EXIT_FAILED;
    }
    log_info("main", "new database %s filled with the sample data: %d articles, %d entities, "
                     "%d quotes, %d agreements",
             path, n.articles, n.entities, n.quotes, n.agreements);
    return EXIT_OK;
}

static int run_serve(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    bool created = false;
    struct store *store = NULL;
    struct server *srv = NULL;
    int rc = EXIT_FAILED;
    sigset_t stop_signals;

    config_defaults(&cfg);
    int outcome = config_outcome(config_load(&cfg, argc, argv, 2, err, sizeof err), &cfg, "serve",
                              config_usage(), false, err);
    if (outcome >= 0)
        return outcome;
    log_configure(cfg.log_level, cfg.log_format);
    if (!cfg.access_log)
        log_set_access_stream(NULL);

    /* Block the stop signals before any thread starts, so every worker
     * inherits the mask and only sigwait below receives them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Before the database and the port are opened, so every file the
     * server makes belongs to that user. A port under 1024 then needs
     * CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities). */
    if (cfg.user[0] != '\0' && !privileges_drop(cfg.user, err, sizeof err)) {
        log_error("main", "%s", err);
        goto done;
    }

    store = open_store(&cfg, &created);
    if (store == NULL)
        goto done;
    if (created && !cfg.no_sample && fill_with_sample(store, cfg.db_path) != EXIT_OK)
        goto done;

    srv = server_start(&cfg, store);
    if (srv == NULL)
        goto done;
    log_info("main", "wirebase %s listening on %s%s%s:%u, database %s%s, %d threads",
             WIREBASE_VERSION, strchr(cfg.listen_host, ':') ? "[" : "", cfg.listen_host,
             strchr(cfg.listen_host, ':') ? "]" : "", server_port(srv), cfg.db_path,
             cfg.read_only ? " (read-only)" : "", cfg.threads);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_info("main", "%s received; finishing requests in flight", strsignal(sig));
    rc = EXIT_OK;
done:
    server_stop(srv, SHUTDOWN_GRACE_MS);
    store_close(store);
    if (rc == EXIT_OK)
        log_info("main", "stopped cleanly");
    return rc;
}

static int run_load(int argc, char **argv)
{
    struct config cfg;
    const char *file = NULL;
    char err[512];
    bool created;
    json_error_t jerr;
    json_t *dataset = NULL;
    struct store *store = NULL;
    struct dataset_counts n;
    int rc = EXIT_FAILED;

    config_defaults(&cfg);
    /* `load` shares serve's --db/WIREBASE_DB; the file is its one argument. */
    char *args[argc];
    int nargs = 0;
    for (int a = 2; a < argc; a++) {
        if (argv[a][0] != '-' && file == NULL) {
            file = argv[a];
            continue;
        }
        args[nargs++] = argv[a];
        if (config_takes_value(argv[a]) && a + 1 < argc)
            args[nargs++] = argv[++a];
    }
    int outcome = config_outcome(config_load(&cfg, nargs, args, 0, err, sizeof err), &cfg, "load",
                              load_usage, false, err);
    if (outcome >= 0)
        return outcome;
    if (file == NULL) {
        fprintf(stderr, "wirebase load: which file? (wirebase load FILE.json [--db PATH])\n");
        return EXIT_USAGE;
    }
    if (cfg.read_only) {
        fprintf(stderr, "wirebase load: cannot load into a read-only database\n");
        return EXIT_USAGE;
    }

    /* JSON_REJECT_DUPLICATES: a record with two "name" keys is ambiguous. */
    dataset = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (dataset == NULL) {
        fprintf(stderr, "wirebase load: %s:%d:%d: %s\n", file, jerr.line, jerr.column, jerr.text);
        goto done;
    }
    cfg.read_only = false;
    /* Only a server keeps rendered documents: a load beside a running one
     * is another process's write to it, and it forgets them all. */
    cfg.documents = false;
    store = open_store(&cfg, &created);
    if (store == NULL)
        goto done;
    if (db_dataset_load(store, dataset, &n, err, sizeof err) != DB_OK) {
        fprintf(stderr, "wirebase load: %s: %s (nothing was loaded)\n", file, err);
        goto done;
    }
    printf("loaded %d articles, %d entities, %d quotes, %d agreements into %s\n", n.articles,
           n.entities, n.quotes, n.agreements, cfg.db_path);
    rc = EXIT_OK;
done:
    store_close(store);
    json_decref(dataset);
    return rc;
}

int main(int argc, char **argv)
{
    db_set_logger(log_db_message);
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(command, "--version") == 0) {
        printf("wirebase %s\n", WIREBASE_VERSION);
        return EXIT_OK;
    }
    if (strcmp(command, "serve") == 0)
        return run_serve(argc, argv);
    if (strcmp(command, "load") == 0)
        return run_load(argc, argv);
    if (strcmp(command, "keys") == 0)
        return keys_cli_run(argc, argv);
    if (strcmp(command, "import") == 0)
        return transfer_cli_import(argc, argv);
    if (strcmp(command, "export") == 0)
        return transfer_cli_export(argc, argv);
    if (strcmp(command, "backup") == 0)
        return backup_cli_run(argc, argv);
    if (strcmp(command, "documents") == 0)
        return documents_cli_run(argc, argv);
    if (strcmp(command, "terms") == 0)
        return terms_cli_run(argc, argv);
    if (strcmp(command, "extract") == 0)
        return extract_cli_run(argc, argv);
    fprintf(stderr, "wirebase: unknown command \"%s\"\n\n%s", command, usage);
    return EXIT_USAGE;
}
