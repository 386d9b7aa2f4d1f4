#include "server/keys_cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "db/db.h"
#include "db/keys.h"
#include "server/config.h"

/* The same codes as the rest of the command line (see main.c). */
enum { KEYS_EXIT_OK = 0, KEYS_EXIT_FAILED = 1, KEYS_EXIT_USAGE = 2 };

static const char keys_usage[] =
    "usage: wirebase keys COMMAND [--db PATH]\n"
    "\n"
    "API keys: every write needs one (Authorization: Bearer <key>); with\n"
    "serve --auth=all, reads do too.\n"
    "\n"
    "commands:\n"
    "  create --name NAME [--scope read|write|admin]\n"
    "                  make a key (scope write unless told) and print it on\n"
    "                  stdout; it is shown only this once\n"
    "  list            name, scope, key prefix, created and revoked time of\n"
    "                  every key (never a secret)\n"
    "  revoke NAME     stop the key from working at once; its name stays taken\n"
    "\n"
    "  --db PATH       database file (WIREBASE_DB, default ./wirebase.db)\n"
    "  --help          this text\n"
    "\n"
    "NAME is 1 to 64 characters of A-Z a-z 0-9 . _ -\n";

struct keys_args {
    const char *command;
    const char *name;       /* create's --name */
    const char *scope;      /* create's --scope */
    const char *db;         /* --db */
    const char *positional; /* revoke's NAME */
    bool help;
};

static bool keys_is_option(const char *arg, size_t len, const char *flag)
{
    return strlen(flag) == len && strncmp(arg, flag, len) == 0;
}

/* Reads argv[2..argc): the command, then "--flag VALUE", "--flag=VALUE" and
 * at most one plain argument, in any order. On false err says why. */
static bool keys_parse(int argc, char **argv, struct keys_args *args, char *err, size_t errlen)
{
    bool options_end = false;

    memset(args, 0, sizeof *args);
    for (int a = 2; a < argc; a++) {
        const char *arg = argv[a];
        /* "--" ends the options: a name may begin with "-". */
        if (!options_end && strcmp(arg, "--") == 0) {
            options_end = true;
            continue;
        }
        if (!options_end && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            args->help = true;
            continue;
        }
        if (options_end || arg[0] != '-') {
            if (args->command == NULL && strcmp(arg, "help") == 0) {
                args->help = true;
            } else if (args->command == NULL) {
                args->command = arg;
            } else if (args->positional == NULL) {
                args->positional = arg;
            } else {
                snprintf(err, errlen, "unexpected argument \"%s\"", arg);
                return false;
            }
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        const char **slot = NULL;
        if (keys_is_option(arg, len, "--name"))
            slot = &args->name;
        else if (keys_is_option(arg, len, "--scope"))
            slot = &args->scope;
        else if (keys_is_option(arg, len, "--db"))
            slot = &args->db;
        if (slot == NULL) {
            snprintf(err, errlen, "unknown option \"%s\" (see wirebase keys --help)", arg);
            return false;
        }
        if (eq != NULL) {
            *slot = eq + 1;
        } else if (a + 1 < argc) {
            *slot = argv[++a];
        } else {
            snprintf(err, errlen, "%.*s needs a value", (int)len, arg);
            return false;
        }
    }
    return true;
}

/* --db and WIREBASE_DB as serve reads them, with the other WIREBASE_*
 * variables (a read-only deployment stays read-only here too). */
static bool keys_config(const struct keys_args *args, struct config *cfg, char *err, size_t errlen)
{
    char flag[] = "--db";
    char *argv[2] = {flag, (char *)args->db};

    config_defaults(cfg);
    return config_load(cfg, args->db != NULL ? 2 : 0, argv, 0, err, errlen) == CONFIG_OK;
}

/* Opens the store. `must_exist`: listing or revoking on a mistyped path
 * should fail, not leave an empty database behind. */
static struct store *keys_open(const struct config *cfg, bool must_exist)
{
    char err[512];
    bool created = false;
    struct stat st;

    if (must_exist && stat(cfg->db_path, &st) != 0) {
        fprintf(stderr, "wirebase keys: no database at %s\n", cfg->db_path);
        return NULL;
    }
    struct store_options opts = {
        .path = cfg->db_path,
        .read_only = cfg->read_only,
        .busy_timeout_ms = cfg->busy_timeout_ms,
        .cache_size_kib = cfg->cache_size_kib,
    };
    /* A new database stays empty: the sample data is for `serve`, and a
     * later serve then finds a schema and does not add it either. */
    struct store *store = store_open(&opts, &created, err, sizeof err);
    if (store == NULL)
        fprintf(stderr, "wirebase keys: %s\n", err);
    return store;
}

static int keys_create(const struct keys_args *args, const struct config *cfg)
{
    char key[KEY_TEXT_SIZE] = "";
    struct store *store = NULL;
    enum key_scope scope = KEY_SCOPE_WRITE;
    int rc = KEYS_EXIT_FAILED;

    if (args->positional != NULL) {
        fprintf(stderr,
                "wirebase keys create: unexpected argument \"%s\" (the name goes "
                "after --name)\n",
                args->positional);
        return KEYS_EXIT_USAGE;
    }
    if (args->name == NULL) {
        fprintf(stderr, "wirebase keys create: which name? (wirebase keys create --name NAME)\n");
        return KEYS_EXIT_USAGE;
    }
    if (!key_name_is_valid(args->name)) {
        fprintf(stderr, "wirebase keys create: --name must be 1 to 64 characters of "
                        "A-Z a-z 0-9 . _ -\n");
        return KEYS_EXIT_USAGE;
    }
    if (args->scope != NULL && !key_scope_parse(args->scope, &scope)) {
        fprintf(stderr, "wirebase keys create: --scope must be read, write or admin\n");
        return KEYS_EXIT_USAGE;
    }
    if (cfg->read_only) {
        fprintf(stderr, "wirebase keys create: cannot add a key to a read-only database\n");
        return KEYS_EXIT_USAGE;
    }

    store = keys_open(cfg, false);
    if (store == NULL)
        goto done;
    switch (db_key_create(store, args->name, scope, key, sizeof key)) {
    case DB_OK: break;
    case DB_CONFLICT:
        fprintf(stderr,
                "wirebase keys create: a key named \"%s\" exists (names of revoked "
                "keys stay taken)\n",
                args->name);
        goto done;
    case DB_INVALID:
        fprintf(stderr, "wirebase keys create: \"%s\" is not a valid name\n", args->name);
        rc = KEYS_EXIT_USAGE;
        goto done;
    default:
        fprintf(stderr, "wirebase keys create: the key could not be stored in %s\n", cfg->db_path);
        goto done;
    }
    /* The key alone on the first line, so `key=$(wirebase keys create ...)`
     * captures it; the note goes to stderr, out of the way. */
    printf("%s\n", key);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr,
                "wirebase keys create: key \"%s\" was made but could not be printed; "
                "revoke it and make another\n",
                args->name);
        goto done;
    }
    fprintf(stderr,
            "wirebase keys: created key \"%s\" with %s scope. It is shown only this "
            "once: store it now.\n",
            args->name, key_scope_name(scope));
    rc = KEYS_EXIT_OK;
done:
    explicit_bzero(key, sizeof key);
    store_close(store);
    return rc;
}

static int keys_list(const struct keys_args *args, const struct config *cfg)
{
    struct store *store = NULL;
    json_t *keys = NULL;
    int rc = KEYS_EXIT_FAILED;

    if (args->positional != NULL || args->name != NULL || args->scope != NULL) {
        fprintf(stderr, "wirebase keys list: takes only --db\n");
        return KEYS_EXIT_USAGE;
    }
    store = keys_open(cfg, true);
    if (store == NULL)
        goto done;
    if (db_key_list(store, &keys) != DB_OK) {
        fprintf(stderr, "wirebase keys list: cannot read the keys in %s\n", cfg->db_path);
        goto done;
    }
    if (json_array_size(keys) == 0) {
        fprintf(stderr, "wirebase keys: no API keys in %s\n", cfg->db_path);
        rc = KEYS_EXIT_OK;
        goto done;
    }

    /* Names are at most 64 bytes of plain ASCII, so bytes are columns. */
    int width = (int)strlen("NAME");
    size_t i;
    json_t *key;
    json_array_foreach(keys, i, key)
    {
        int len = (int)strlen(json_string_value(json_object_get(key, "name")));
        if (len > width)
            width = len;
    }
    printf("%-*s  %-5s  %-15s  %-20s  %s\n", width, "NAME", "SCOPE", "KEY PREFIX", "CREATED",
           "REVOKED");
    json_array_foreach(keys, i, key)
    {
        const char *revoked = json_string_value(json_object_get(key, "revoked_at"));
        printf("%-*s  %-5s  %-15s  %-20s  %s\n", width,
               json_string_value(json_object_get(key, "name")),
               json_string_value(json_object_get(key, "scope")),
               json_string_value(json_object_get(key, "key_prefix")),
               json_string_value(json_object_get(key, "created_at")),
               revoked != NULL ? revoked : "-");
    }
    rc = fflush(stdout) == 0 ? KEYS_EXIT_OK : KEYS_EXIT_FAILED;
done:
    json_decref(keys);
    store_close(store);
    return rc;
}

static int keys_revoke(const struct keys_args *args, const struct config *cfg)
{
    struct store *store = NULL;
    int rc = KEYS_EXIT_FAILED;

    if (args->positional == NULL || args->name != NULL || args->scope != NULL) {
        fprintf(stderr, "wirebase keys revoke: which key? (wirebase keys revoke NAME)\n");
        return KEYS_EXIT_USAGE;
    }
    if (cfg->read_only) {
        fprintf(stderr, "wirebase keys revoke: cannot change a read-only database\n");
        return KEYS_EXIT_USAGE;
    }
    store = keys_open(cfg, true);
    if (store == NULL)
        goto done;
    switch (db_key_revoke(store, args->positional)) {
    case DB_OK: break;
    case DB_NOT_FOUND:
        fprintf(stderr,
                "wirebase keys revoke: no valid key is named \"%s\" (see wirebase keys "
                "list)\n",
                args->positional);
        goto done;
    default:
        fprintf(stderr, "wirebase keys revoke: the key could not be revoked in %s\n", cfg->db_path);
        goto done;
    }
    /* A running server checks keys on every request: no restart needed. */
    printf("revoked key \"%s\"\n", args->positional);
    rc = KEYS_EXIT_OK;
done:
    store_close(store);
    return rc;
}

int keys_cli_run(int argc, char **argv)
{
    struct keys_args args;
    struct config cfg;
    char err[512];

    if (!keys_parse(argc, argv, &args, err, sizeof err)) {
        fprintf(stderr, "wirebase keys: %s\n", err);
        return KEYS_EXIT_USAGE;
    }
    if (args.help) {
        fputs(keys_usage, stdout);
        return KEYS_EXIT_OK;
    }
    if (args.command == NULL) {
        fputs(keys_usage, stderr);
        return KEYS_EXIT_USAGE;
    }
    if (!keys_config(&args, &cfg, err, sizeof err)) {
        fprintf(stderr, "wirebase keys: %s\n", err);
        return KEYS_EXIT_USAGE;
    }
    if (strcmp(args.command, "create") == 0)
        return keys_create(&args, &cfg);
    if (strcmp(args.command, "list") == 0)
        return keys_list(&args, &cfg);
    if (strcmp(args.command, "revoke") == 0)
        return keys_revoke(&args, &cfg);
    fprintf(stderr, "wirebase keys: unknown command \"%s\"\n\n%s", args.command, keys_usage);
    return KEYS_EXIT_USAGE;
}
