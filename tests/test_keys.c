/* API keys: db/keys.c on a real SQLite file in a temporary folder, the
 * auth_check gate in front of handlers with a request made here, and the
 * --auth setting. */

#include <criterion/criterion.h>
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The one test file that reads the database beneath the store interface:
 * proving no secret reaches the disk means looking at every column the
 * store does not show. */
#include <sqlite3.h>

#include "db/db.h"
#include "db/keys.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/reply.h"
#include "server/request.h"
#include "support/test_server.h"

static char dir[256], path[300];
static struct store *store;

static void open_store(void)
{
    char err[512];
    bool created = false;
    struct store_options opts = {.path = path, .busy_timeout_ms = 5000, .cache_size_kib = 2048};

    test_temp_db_path(dir, sizeof dir, path, sizeof path);
    store = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(store, "store_open: %s", err);
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void close_store(void)
{
    store_close(store);
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(keys, .init = open_store, .fini = close_store, .timeout = 10);

/* Makes a key and returns its text in key (KEY_TEXT_SIZE bytes). */
static void make_key(const char *name, enum key_scope scope, char *key)
{
    cr_assert_eq(db_key_create(store, name, scope, key, KEY_TEXT_SIZE), DB_OK, "creating %s", name);
}

static const char *secret_of(const char *key)
{
    return key + strlen("wb_") + 12 + 1;
}

static bool matches(const char *text, const char *pattern)
{
    regex_t re;
    cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    bool is_match = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return is_match;
}

/* Whether `needle` occurs anywhere in the file at p (false when the file
 * does not exist). */
static bool file_contains(const char *p, const char *needle)
{
    FILE *f = fopen(p, "rb");
    if (f == NULL)
        return false;
    size_t cap = 1 << 16, len = 0, n;
    char *data = malloc(cap);
    cr_assert_not_null(data);
    while ((n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            data = realloc(data, cap);
            cr_assert_not_null(data);
        }
    }
    fclose(f);
    bool found = memmem(data, len, needle, strlen(needle)) != NULL;
    free(data);
    return found;
}

Test(keys, creating_a_key_returns_a_well_formed_key)
{
    char key[KEY_TEXT_SIZE];

    make_key("deploy", KEY_SCOPE_WRITE, key);
    cr_assert_eq(strlen(key), KEY_TEXT_LEN);
    cr_assert(matches(key, "^wb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$"), "malformed key %s", key);
}

Test(keys, two_keys_share_neither_public_id_nor_secret)
{
    char a[KEY_TEXT_SIZE], b[KEY_TEXT_SIZE];

    make_key("one", KEY_SCOPE_READ, a);
    make_key("two", KEY_SCOPE_READ, b);
    cr_assert(strncmp(a, b, 15) != 0);
    cr_assert_str_neq(secret_of(a), secret_of(b));
}

Test(keys, a_buffer_too_small_for_the_key_is_refused)
{
    char key[KEY_TEXT_SIZE];

    cr_assert_eq(db_key_create(store, "small", KEY_SCOPE_READ, key, KEY_TEXT_LEN), DB_ERR);
}

Test(keys, the_table_holds_no_plaintext_secret)
{
    char key[KEY_TEXT_SIZE];
    sqlite3 *handle = NULL;
    sqlite3_stmt *st = NULL;
    int rows = 0;

    make_key("deploy", KEY_SCOPE_ADMIN, key);
    const char *secret = secret_of(key);

    cr_assert_eq(sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(handle, "SELECT * FROM api_keys", -1, &st, NULL), SQLITE_OK);
    /* SELECT *: a column added later is scanned too. */
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *value = (const char *)sqlite3_column_text(st, c);
            if (value == NULL)
                continue;
            cr_assert_null(strstr(value, secret), "column %s holds the secret",
                           sqlite3_column_name(st, c));
            cr_assert_null(strstr(value, key), "column %s holds the key",
                           sqlite3_column_name(st, c));
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(handle);
    cr_assert_eq(rows, 1);

    /* Nor anywhere on disk: not in a free page, nor in the WAL. */
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", path);
    cr_assert_not(file_contains(path, secret));
    cr_assert_not(file_contains(wal, secret));
}

Test(keys, check_accepts_the_right_key_with_its_scope)
{
    char read_key[KEY_TEXT_SIZE], write_key[KEY_TEXT_SIZE], admin_key[KEY_TEXT_SIZE];
    enum key_scope scope = KEY_SCOPE_ADMIN;

    make_key("reader", KEY_SCOPE_READ, read_key);
    make_key("writer", KEY_SCOPE_WRITE, write_key);
    make_key("admin", KEY_SCOPE_ADMIN, admin_key);
    struct db *db = store_reader(store);
    cr_assert_eq(db_key_check(db, read_key, &scope), DB_OK);
    cr_assert_eq(scope, KEY_SCOPE_READ);
    cr_assert_eq(db_key_check(db, write_key, &scope), DB_OK);
    cr_assert_eq(scope, KEY_SCOPE_WRITE);
    cr_assert_eq(db_key_check(db, admin_key, &scope), DB_OK);
    cr_assert_eq(scope, KEY_SCOPE_ADMIN);
}

Test(keys, check_rejects_a_wrong_secret)
{
    char key[KEY_TEXT_SIZE];
    enum key_scope scope;

    make_key("deploy", KEY_SCOPE_WRITE, key);
    /* Still well formed, so the database is asked and the hash compared. */
    char *last = &key[KEY_TEXT_LEN - 1];
    *last = *last == 'A' ? 'B' : 'A';
    cr_assert_eq(db_key_check(store_reader(store), key, &scope), DB_NOT_FOUND);
}

Test(keys, check_rejects_an_unknown_public_id)
{
    char key[KEY_TEXT_SIZE];
    enum key_scope scope;

    make_key("deploy", KEY_SCOPE_WRITE, key);
    /* The right secret under another id must not find this row. */
    key[3] = key[3] == '0' ? '1' : '0';
    cr_assert_eq(db_key_check(store_reader(store), key, &scope), DB_NOT_FOUND);
}

Test(keys, check_rejects_malformed_keys)
{
    char key[KEY_TEXT_SIZE], longer[KEY_TEXT_SIZE + 1], other[KEY_TEXT_SIZE];
    enum key_scope scope;
    struct db *db = store_reader(store);

    make_key("deploy", KEY_SCOPE_WRITE, key);
    snprintf(longer, sizeof longer, "%sA", key);
    cr_assert_eq(db_key_check(db, longer, &scope), DB_NOT_FOUND);
    cr_assert_eq(db_key_check(db, "", &scope), DB_NOT_FOUND);
    cr_assert_eq(db_key_check(db, "wb_", &scope), DB_NOT_FOUND);
    cr_assert_eq(db_key_check(db, NULL, &scope), DB_NOT_FOUND);
    cr_assert_eq(db_key_check(db, key + 1, &scope), DB_NOT_FOUND);

    const struct {
        size_t at;
        char c;
    } breaks[] = {
        {0, 'W'},  /* the prefix */
        {3, 'A'},  /* upper-case hex in the public id */
        {15, '-'}, /* the separator */
        {20, '='}, /* padding, or any character outside base64url */
        {58, '+'},
    };
    for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        memcpy(other, key, sizeof other);
        other[breaks[i].at] = breaks[i].c;
        cr_assert_eq(db_key_check(db, other, &scope), DB_NOT_FOUND, "accepted %s", other);
    }
    /* Without a database a malformed key is still simply not found. */
    cr_assert_eq(db_key_check(NULL, "not a key", &scope), DB_NOT_FOUND);
}

Test(keys, check_rejects_a_revoked_key)
{
    char key[KEY_TEXT_SIZE], kept[KEY_TEXT_SIZE];
    enum key_scope scope;

    make_key("old", KEY_SCOPE_WRITE, key);
    make_key("kept", KEY_SCOPE_WRITE, kept);
    cr_assert_eq(db_key_revoke(store, "old"), DB_OK);
    cr_assert_eq(db_key_check(store_reader(store), key, &scope), DB_NOT_FOUND);
    cr_assert_eq(db_key_check(store_reader(store), kept, &scope), DB_OK);
}

Test(keys, revoking_twice_or_an_unknown_name_is_not_found)
{
    char key[KEY_TEXT_SIZE];

    make_key("old", KEY_SCOPE_WRITE, key);
    cr_assert_eq(db_key_revoke(store, "old"), DB_OK);
    cr_assert_eq(db_key_revoke(store, "old"), DB_NOT_FOUND);
    cr_assert_eq(db_key_revoke(store, "never-made"), DB_NOT_FOUND);
    cr_assert_eq(db_key_revoke(store, "not a name"), DB_NOT_FOUND);
}

Test(keys, list_shows_names_and_scopes_in_name_order_and_no_secrets)
{
    char b[KEY_TEXT_SIZE], a[KEY_TEXT_SIZE];
    json_t *list = NULL;

    make_key("beta", KEY_SCOPE_READ, b);
    make_key("alpha", KEY_SCOPE_ADMIN, a);
    cr_assert_eq(db_key_revoke(store, "beta"), DB_OK);
    cr_assert_eq(db_key_list(store, &list), DB_OK);
    cr_assert_eq(json_array_size(list), 2);

    json_t *first = json_array_get(list, 0), *second = json_array_get(list, 1);
    cr_assert_str_eq(json_string_value(json_object_get(first, "name")), "alpha");
    cr_assert_str_eq(json_string_value(json_object_get(first, "scope")), "admin");
    cr_assert(json_is_null(json_object_get(first, "revoked_at")));
    cr_assert_str_eq(json_string_value(json_object_get(second, "name")), "beta");
    cr_assert_str_eq(json_string_value(json_object_get(second, "scope")), "read");
    cr_assert(json_is_string(json_object_get(second, "revoked_at")));
    cr_assert(json_is_string(json_object_get(second, "created_at")));

    /* The prefix is the key up to its public id, and nothing more. */
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%.15s", a);
    cr_assert_str_eq(json_string_value(json_object_get(first, "key_prefix")), prefix);

    char *text = json_dumps(list, 0);
    cr_assert_null(strstr(text, secret_of(a)));
    cr_assert_null(strstr(text, secret_of(b)));
    cr_assert_null(strstr(text, "hash"));
    free(text);
    json_decref(list);
}

Test(keys, an_empty_store_lists_no_keys)
{
    json_t *list = NULL;

    cr_assert_eq(db_key_list(store, &list), DB_OK);
    cr_assert(json_is_array(list));
    cr_assert_eq(json_array_size(list), 0);
    json_decref(list);
}

Test(keys, a_taken_name_conflicts_even_after_revoking)
{
    char key[KEY_TEXT_SIZE];

    make_key("deploy", KEY_SCOPE_WRITE, key);
    cr_assert_eq(db_key_create(store, "deploy", KEY_SCOPE_READ, key, sizeof key), DB_CONFLICT);
    cr_assert_eq(db_key_revoke(store, "deploy"), DB_OK);
    cr_assert_eq(db_key_create(store, "deploy", KEY_SCOPE_WRITE, key, sizeof key), DB_CONFLICT);
}

Test(keys, bad_names_are_invalid)
{
    char key[KEY_TEXT_SIZE], longest[KEY_NAME_MAX + 2];
    const char *bad[] = {"", "two words", "a/b", "caf\xc3\xa9", "semi;colon", "quote\"", NULL};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(db_key_create(store, bad[i], KEY_SCOPE_READ, key, sizeof key), DB_INVALID,
                     "accepted \"%s\"", bad[i] ? bad[i] : "(null)");

    memset(longest, 'x', KEY_NAME_MAX);
    longest[KEY_NAME_MAX] = '\0';
    cr_assert_eq(db_key_create(store, longest, KEY_SCOPE_READ, key, sizeof key), DB_OK);
    longest[KEY_NAME_MAX] = 'x';
    longest[KEY_NAME_MAX + 1] = '\0';
    cr_assert_eq(db_key_create(store, longest, KEY_SCOPE_READ, key, sizeof key), DB_INVALID);
    cr_assert_eq(db_key_create(store, "ci.deploy_2024-01", KEY_SCOPE_READ, key, sizeof key), DB_OK);
}

Test(keys, a_read_only_store_makes_no_keys)
{
    char key[KEY_TEXT_SIZE], err[512];
    bool created;
    struct store_options opts = {.path = path, .read_only = true};

    make_key("before", KEY_SCOPE_WRITE, key);
    struct store *ro = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(ro, "%s", err);
    cr_assert_eq(db_key_create(ro, "after", KEY_SCOPE_WRITE, key, sizeof key), DB_READ_ONLY);
    cr_assert_eq(db_key_revoke(ro, "before"), DB_READ_ONLY);
    store_close(ro);
}

Test(keys, scopes_read_back_as_they_are_written)
{
    enum key_scope scope = KEY_SCOPE_READ;

    cr_assert(key_scope_parse("admin", &scope));
    cr_assert_eq(scope, KEY_SCOPE_ADMIN);
    cr_assert_str_eq(key_scope_name(KEY_SCOPE_WRITE), "write");
    cr_assert_str_eq(key_scope_name(KEY_SCOPE_READ), "read");
    cr_assert_not(key_scope_parse("Write", &scope));
    cr_assert_not(key_scope_parse("owner", &scope));
    cr_assert_not(key_scope_parse(NULL, &scope));
    cr_assert_eq(scope, KEY_SCOPE_ADMIN);
}

/* auth_check with a request made here: the Authorization value is whatever
 * the test sets. */

static const char *authorization;

static const char *fake_header(const struct request *req, const char *name)
{
    (void)req;
    return strcasecmp(name, "Authorization") == 0 ? authorization : NULL;
}

/* Runs auth_check with `value` as the Authorization header (NULL: none). */
static bool authorize(const char *value, bool is_write, bool reads_need_key, struct reply *rep)
{
    struct request req = {
        .method = is_write ? "POST" : "GET",
        .path = "/v1/articles",
        .store = store,
        .db = store_reader(store),
        .header = fake_header,
    };
    authorization = value;
    return auth_check(&req, rep, is_write, reads_need_key);
}

static const char *reply_header_value(const struct reply *rep, const char *name)
{
    for (size_t i = 0; i < rep->header_count; i++)
        if (strcasecmp(rep->headers[i].name, name) == 0)
            return rep->headers[i].value;
    return NULL;
}

/* Asserts a refusal: the status in the reply and its problem body, and the
 * challenge. */
static void assert_refused(const struct reply *rep, int status, const char *challenge)
{
    json_error_t jerr;
    json_t *problem = json_loads(rep->body, 0, &jerr);

    cr_assert_eq(rep->status, status);
    cr_assert_str_eq(rep->content_type, "application/problem+json");
    cr_assert_not_null(problem, "not JSON: %s", rep->body);
    cr_assert_eq(json_integer_value(json_object_get(problem, "status")), status);
    json_decref(problem);
    cr_assert_str_eq(reply_header_value(rep, "WWW-Authenticate"), challenge);
}

static char bearer[KEY_TEXT_SIZE + 32];

static const char *bearer_of(const char *key)
{
    snprintf(bearer, sizeof bearer, "Bearer %s", key);
    return bearer;
}

Test(keys, a_read_without_a_key_is_allowed)
{
    struct reply rep = {0};

    cr_assert(authorize(NULL, false, false, &rep));
    cr_assert_eq(rep.status, 0);
    reply_free(&rep);
}

Test(keys, a_read_without_a_key_is_refused_when_reads_need_one)
{
    struct reply rep = {0};

    cr_assert_not(authorize(NULL, false, true, &rep));
    assert_refused(&rep, 401, "Bearer realm=\"wirebase\"");
    reply_free(&rep);
}

Test(keys, a_read_with_a_read_key_is_allowed_when_reads_need_one)
{
    char key[KEY_TEXT_SIZE];
    struct reply rep = {0};

    make_key("reader", KEY_SCOPE_READ, key);
    cr_assert(authorize(bearer_of(key), false, true, &rep));
    reply_free(&rep);
}

Test(keys, a_write_without_a_key_is_401)
{
    struct reply rep = {0};

    cr_assert_not(authorize(NULL, true, false, &rep));
    assert_refused(&rep, 401, "Bearer realm=\"wirebase\"");
    reply_free(&rep);
}

Test(keys, a_write_with_a_read_key_is_403_with_insufficient_scope)
{
    char key[KEY_TEXT_SIZE];
    struct reply rep = {0};

    make_key("reader", KEY_SCOPE_READ, key);
    cr_assert_not(authorize(bearer_of(key), true, false, &rep));
    assert_refused(&rep, 403,
                   "Bearer realm=\"wirebase\", error=\"insufficient_scope\", scope=\"write\"");
    cr_assert_null(strstr(rep.body, key));
    cr_assert_null(strstr(rep.body, secret_of(key)));
    reply_free(&rep);
}

Test(keys, a_write_with_a_write_key_is_allowed)
{
    char key[KEY_TEXT_SIZE];
    struct reply rep = {0};

    make_key("writer", KEY_SCOPE_WRITE, key);
    cr_assert(authorize(bearer_of(key), true, false, &rep));
    cr_assert_eq(rep.status, 0);
    reply_free(&rep);
}

Test(keys, an_admin_key_may_write_and_read)
{
    char key[KEY_TEXT_SIZE];
    struct reply rep = {0};

    make_key("root", KEY_SCOPE_ADMIN, key);
    cr_assert(authorize(bearer_of(key), true, true, &rep));
    cr_assert(authorize(bearer_of(key), false, true, &rep));
    reply_free(&rep);
}

Test(keys, basic_credentials_are_401_without_an_error_code)
{
    struct reply rep = {0};

    cr_assert_not(authorize("Basic xyz", true, false, &rep));
    assert_refused(&rep, 401, "Bearer realm=\"wirebase\"");
    reply_free(&rep);
}

Test(keys, a_bearer_scheme_without_a_key_is_401)
{
    struct reply rep = {0};

    cr_assert_not(authorize("Bearer ", true, false, &rep));
    assert_refused(&rep, 401, "Bearer realm=\"wirebase\"");
    reply_free(&rep);
}

Test(keys, the_scheme_may_be_lower_case_and_followed_by_several_spaces)
{
    char key[KEY_TEXT_SIZE], value[KEY_TEXT_SIZE + 16];
    struct reply rep = {0};

    make_key("writer", KEY_SCOPE_WRITE, key);
    snprintf(value, sizeof value, "bearer %s", key);
    cr_assert(authorize(value, true, false, &rep));
    snprintf(value, sizeof value, "BEARER   %s", key);
    cr_assert(authorize(value, true, false, &rep));
    snprintf(value, sizeof value, "Bearer%s", key);
    cr_assert_not(authorize(value, true, false, &rep));
    reply_free(&rep);
}

Test(keys, a_wrong_key_is_401_invalid_token_and_not_echoed)
{
    char key[KEY_TEXT_SIZE];
    struct reply rep = {0};

    make_key("writer", KEY_SCOPE_WRITE, key);
    key[KEY_TEXT_LEN - 1] = key[KEY_TEXT_LEN - 1] == 'A' ? 'B' : 'A';
    cr_assert_not(authorize(bearer_of(key), true, false, &rep));
    assert_refused(&rep, 401, "Bearer realm=\"wirebase\", error=\"invalid_token\"");
    cr_assert_null(strstr(rep.body, key));
    cr_assert_null(strstr(rep.body, secret_of(key)));
    reply_free(&rep);
}

Test(keys, a_revoked_key_is_401_invalid_token)
{
    char key[KEY_TEXT_SIZE];
    struct reply rep = {0};

    make_key("writer", KEY_SCOPE_WRITE, key);
    cr_assert(authorize(bearer_of(key), true, false, &rep));
    cr_assert_eq(db_key_revoke(store, "writer"), DB_OK);
    cr_assert_not(authorize(bearer_of(key), true, false, &rep));
    assert_refused(&rep, 401, "Bearer realm=\"wirebase\", error=\"invalid_token\"");
    cr_assert_null(strstr(rep.body, key));
    reply_free(&rep);
}

Test(keys, a_malformed_bearer_value_is_401_invalid_token_and_not_echoed)
{
    struct reply rep = {0};

    cr_assert_not(authorize("Bearer wb_secret-looking-junk", false, true, &rep));
    assert_refused(&rep, 401, "Bearer realm=\"wirebase\", error=\"invalid_token\"");
    cr_assert_null(strstr(rep.body, "secret-looking-junk"));
    reply_free(&rep);
}

/* --auth and WIREBASE_AUTH. Each Criterion test runs in its own process, so
 * setenv here cannot reach another test. */

static void clear_auth_env(void)
{
    unsetenv("WIREBASE_AUTH");
}

TestSuite(config_auth, .init = clear_auth_env, .timeout = 10);

static enum config_result load_args(struct config *cfg, int argc, const char **args)
{
    char err[256];
    char *argv[8];

    cr_assert_leq(argc, 8);
    for (int i = 0; i < argc; i++)
        argv[i] = (char *)args[i];
    config_defaults(cfg);
    return config_load(cfg, argc, argv, 0, err, sizeof err);
}

Test(config_auth, writes_need_a_key_and_reads_do_not_by_default)
{
    struct config cfg;

    cr_assert_eq(load_args(&cfg, 0, NULL), CONFIG_OK);
    cr_assert_not(cfg.auth_all);
}

Test(config_auth, auth_equals_all_makes_reads_need_a_key)
{
    struct config cfg;
    const char *args[] = {"--auth=all"};

    cr_assert_eq(load_args(&cfg, 1, args), CONFIG_OK);
    cr_assert(cfg.auth_all);
}

Test(config_auth, auth_writes_as_two_arguments_keeps_reads_open)
{
    struct config cfg;
    const char *args[] = {"--auth", "all", "--auth", "writes"};

    cr_assert_eq(load_args(&cfg, 4, args), CONFIG_OK);
    cr_assert_not(cfg.auth_all);
}

Test(config_auth, wirebase_auth_all_in_the_environment_is_read)
{
    struct config cfg;

    setenv("WIREBASE_AUTH", "all", 1);
    cr_assert_eq(load_args(&cfg, 0, NULL), CONFIG_OK);
    cr_assert(cfg.auth_all);
}

Test(config_auth, a_flag_overrides_the_environment)
{
    struct config cfg;
    const char *args[] = {"--auth=writes"};

    setenv("WIREBASE_AUTH", "all", 1);
    cr_assert_eq(load_args(&cfg, 1, args), CONFIG_OK);
    cr_assert_not(cfg.auth_all);
}

Test(config_auth, an_unknown_mode_is_invalid_and_named)
{
    struct config cfg;
    char err[256] = "";
    char flag[] = "--auth=bogus";
    char *argv[] = {flag};

    config_defaults(&cfg);
    cr_assert_eq(config_load(&cfg, 1, argv, 0, err, sizeof err), CONFIG_INVALID);
    cr_assert_not_null(strstr(err, "--auth"), "err: %s", err);
    cr_assert_not_null(strstr(err, "bogus"), "err: %s", err);
}

Test(config_auth, an_unknown_mode_in_the_environment_is_invalid)
{
    struct config cfg;

    setenv("WIREBASE_AUTH", "everything", 1);
    cr_assert_eq(load_args(&cfg, 0, NULL), CONFIG_INVALID);
}

Test(config_auth, auth_without_a_value_is_invalid)
{
    struct config cfg;
    const char *args[] = {"--auth"};

    cr_assert_eq(load_args(&cfg, 1, args), CONFIG_INVALID);
}

Test(config_auth, the_serve_usage_documents_auth)
{
    cr_assert_not_null(strstr(config_usage(), "--auth MODE"));
    cr_assert_not_null(strstr(config_usage(), "WIREBASE_AUTH"));
}
