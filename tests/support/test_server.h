#pragma once
/* A real wirebase server for one test: a fresh database file in a new
 * temporary folder, filled with the sample data, served on 127.0.0.1 at a
 * port the kernel picks. Criterion runs each test in its own process, so
 * each test gets its own server and store. */

#include <stdbool.h>

#include "db/dataset.h"
#include "db/db.h"
#include "server/config.h"
#include "server/server.h"

struct test_server {
    struct store *store;
    struct server *server;
    struct config cfg;
    char dir[256];
    char db_path[300];
    unsigned short port;
    char key[64]; /* an admin API key, for writes */
};

/* Starts a server on a store with the sample data; aborts the test on
 * failure. `extra_json`, when not NULL, is a dataset document loaded after
 * the sample (for pagination over many records). */
struct test_server *test_server_start_with(const char *extra_json);
struct test_server *test_server_start(void);

/* Starts a server whose settings `adjust` (may be NULL) changes after the
 * test defaults are set: a small max_body, read_only, ... The store gets the
 * sample data only when with_sample. With cfg->read_only the store is made
 * (and the admin key created) first, then closed and reopened read-only, as
 * `wirebase serve --read-only` opens an existing file. */
struct test_server *test_server_start_config(void (*adjust)(struct config *cfg), bool with_sample);

/* The whole store as `db_export_write` writes it (caller frees), for
 * proving that a refused request changed nothing: equal snapshots mean
 * equal stores. */
char *test_server_snapshot(const struct test_server *ts, size_t *len);

/* Stops the server, closes the store and removes the folder. */
void test_server_stop(struct test_server *ts);

/* Makes a temporary folder and returns a database path inside it (static
 * buffer per call site is the caller's: copies into out). */
void test_temp_db_path(char *dir, size_t dirlen, char *out, size_t outlen);

/* Removes a folder test_temp_db_path made, with everything in it (the
 * database, its WAL, the documents kept beside it). */
void test_temp_dir_remove(const char *dir);
