#include "support/test_server.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dataset.h"
#include "db/keys.h"
#include "db/transfer.h"
#include "server/log.h"
#include "server/sample.h"

void test_temp_db_path(char *dir, size_t dirlen, char *out, size_t outlen)
{
    snprintf(dir, dirlen, "/tmp/wirebase-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "cannot make a temporary folder");
    snprintf(out, outlen, "%s/wirebase.db", dir);
}

struct test_server *test_server_start_with(const char *extra_json)
{
    struct test_server *ts = calloc(1, sizeof *ts);
    char err[512];
    bool created = false;

    cr_assert_not_null(ts);
    test_temp_db_path(ts->dir, sizeof ts->dir, ts->db_path, sizeof ts->db_path);
    config_defaults(&ts->cfg);
    snprintf(ts->cfg.db_path, sizeof ts->cfg.db_path, "%s", ts->db_path);
    ts->cfg.port = 0;
    ts->cfg.threads = 2;
    /* The access log has its own test; elsewhere it would only be noise. */
    log_set_access_stream(NULL);

    struct store_options opts = {.path = ts->db_path, .busy_timeout_ms = 5000,
                                 .cache_size_kib = 2048, .documents = ts->cfg.documents};
    ts->store = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(ts->store, "store_open: %s", err);
    cr_assert(created);
    cr_assert_eq(sample_load(ts->store, NULL, err, sizeof err), DB_OK, "sample: %s", err);
    if (extra_json != NULL) {
        json_error_t jerr;
        json_t *doc = json_loads(extra_json, 0, &jerr);
        cr_assert_not_null(doc, "extra dataset: %s", jerr.text);
        cr_assert_eq(db_dataset_load(ts->store, doc, NULL, err, sizeof err), DB_OK,
                     "extra dataset: %s", err);
        json_decref(doc);
    }
    cr_assert_eq(db_key_create(ts->store, "tests", KEY_SCOPE_ADMIN, ts->key, sizeof ts->key),
                 DB_OK);
    ts->server = server_start(&ts->cfg, ts->store);
    cr_assert_not_null(ts->server, "server_start failed");
    ts->port = server_port(ts->server);
    cr_assert_neq(ts->port, 0);
    return ts;
}

struct test_server *test_server_start(void)
{
    return test_server_start_with(NULL);
}

struct test_server *test_server_start_config(void (*adjust)(struct config *cfg), bool with_sample)
{
    struct test_server *ts = calloc(1, sizeof *ts);
    char err[512];
    bool created = false;

    cr_assert_not_null(ts);
    test_temp_db_path(ts->dir, sizeof ts->dir, ts->db_path, sizeof ts->db_path);
    config_defaults(&ts->cfg);
    snprintf(ts->cfg.db_path, sizeof ts->cfg.db_path, "%s", ts->db_path);
    ts->cfg.port = 0;
    ts->cfg.threads = 2;
    ts->cfg.no_sample = !with_sample;
    if (adjust != NULL)
        adjust(&ts->cfg);
    log_set_access_stream(NULL);

    struct store_options opts = {.path = ts->db_path, .busy_timeout_ms = 5000,
                                 .cache_size_kib = 2048, .max_size_mib = ts->cfg.max_db_size_mib,
                                 .documents = ts->cfg.documents};
    ts->store = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(ts->store, "store_open: %s", err);
    cr_assert(created);
    if (with_sample)
        cr_assert_eq(sample_load(ts->store, NULL, err, sizeof err), DB_OK, "sample: %s", err);
    cr_assert_eq(db_key_create(ts->store, "tests", KEY_SCOPE_ADMIN, ts->key, sizeof ts->key),
                 DB_OK);
    if (ts->cfg.read_only) {
        /* A read-only store never creates its file: it must exist first. */
        store_close(ts->store);
        opts.read_only = true;
        ts->store = store_open(&opts, &created, err, sizeof err);
        cr_assert_not_null(ts->store, "store_open read-only: %s", err);
    }
    ts->server = server_start(&ts->cfg, ts->store);
    cr_assert_not_null(ts->server, "server_start failed");
    ts->port = server_port(ts->server);
    cr_assert_neq(ts->port, 0);
    return ts;
}

char *test_server_snapshot(const struct test_server *ts, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    cr_assert_not_null(out);
    cr_assert_eq(db_export_write(ts->store, out), DB_OK, "the store could not be exported");
    cr_assert_eq(fclose(out), 0);
    *len = size;
    return text;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void test_server_stop(struct test_server *ts)
{
    if (ts == NULL)
        return;
    server_stop(ts->server, 2000);
    store_close(ts->store);
    test_temp_dir_remove(ts->dir);
    free(ts);
}

void test_temp_dir_remove(const char *dir)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}
