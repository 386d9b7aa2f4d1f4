#include "db/transaction.h"

#include <stdbool.h>

#include "db/conn.h"
#include "db/extraction.h"

/* The batch open on this thread, if any. Per thread, so that a write on
 * another thread (an import, on a worker) still takes the writer's lock
 * and waits for the batch to end. */
static _Thread_local struct {
    struct store *store;
    struct db *w;        /* NULL when the batch's transaction could not begin */
    enum db_status begun; /* and why */
} batch;

/* One statement from the connection's cache: a batch runs these for every
 * write, and compiling them each time showed in its profile. */
static enum db_status run(struct db *w, const char *sql)
{
    sqlite3_stmt *st = conn_stmt(w, sql);
    if (st == NULL)
        return DB_ERR;
    enum db_status rc = conn_status(w, sqlite3_step(st));
    conn_done(st);
    return rc;
}

static bool in_batch(struct store *store)
{
    return batch.store != NULL && batch.store == store;
}

/* True while the batch's transaction is still open: SQLite rolls a whole
 * transaction back after some errors (I/O, out of memory), and a savepoint
 * begun after that would start, and its release commit, a transaction of
 * its own. */
static bool batch_alive(void)
{
    return !sqlite3_get_autocommit(batch.w->handle);
}

static struct db *batch_write_begin(enum db_status *status)
{
    struct db *w = batch.w;
    /* Each write of a batch that could not begin fails as it did, at once:
     * none waits out the busy timeout again. */
    if (w == NULL) {
        *status = batch.begun;
        return NULL;
    }
    if (!batch_alive()) {
        *status = DB_UNAVAILABLE;
        return NULL;
    }
    *status = run(w, "SAVEPOINT write");
    if (*status != DB_OK)
        return NULL;
    *status = run(w, "UPDATE store_meta SET version = version + 1");
    if (*status != DB_OK) {
        db_write_abort(batch.store, w);
        return NULL;
    }
    return w;
}

struct db *db_write_begin(struct store *store, enum db_status *status)
{
    if (in_batch(store))
        return batch_write_begin(status);
    struct db *w = store_writer_try(store, status);
    if (w == NULL)
        return NULL;
    *status = run(w, "BEGIN IMMEDIATE");
    if (*status == DB_OK) {
        *status = run(w, "UPDATE store_meta SET version = version + 1");
        if (*status != DB_OK)
            conn_exec(w, "ROLLBACK");
    }
    if (*status != DB_OK) {
        store_writer_end(store);
        return NULL;
    }
    return w;
}

enum db_status db_write_commit(struct store *store, struct db *w)
{
    if (in_batch(store)) {
        enum db_status rc = batch_alive() ? run(w, "RELEASE write") : DB_UNAVAILABLE;
        if (rc != DB_OK)
            db_write_abort(store, w);
        return rc;
    }
    enum db_status rc = run(w, "COMMIT");
    if (rc != DB_OK && !sqlite3_get_autocommit(w->handle))
        conn_exec(w, "ROLLBACK");
    store_writer_end(store);
    return rc;
}

void db_write_abort(struct store *store, struct db *w)
{
    if (in_batch(store)) {
        if (batch_alive())
            {
            run(w, "ROLLBACK TO write");
            run(w, "RELEASE write");
        }
        return;
    }
    if (!sqlite3_get_autocommit(w->handle))
        conn_exec(w, "ROLLBACK");
    store_writer_end(store);
}

enum db_status db_batch_begin(struct store *store)
{
    enum db_status status;
    struct db *w = store_writer_try(store, &status);
    if (w != NULL) {
        status = run(w, "BEGIN IMMEDIATE");
        if (status != DB_OK) {
            store_writer_end(store);
            w = NULL;
        }
    }
    batch.store = store;
    batch.w = w;
    batch.begun = status;
    return status;
}

enum db_status db_batch_end(struct store *store)
{
    struct db *w = batch.w;
    if (w == NULL) {
        enum db_status begun = batch.begun;
        batch.store = NULL;
        return begun;
    }
    enum db_status rc = batch_alive() ? run(w, "COMMIT") : DB_UNAVAILABLE;
    if (rc != DB_OK) {
        if (!sqlite3_get_autocommit(w->handle))
            conn_exec(w, "ROLLBACK");
        /* The extractor's lexicon may hold names only the lost writes
         * added. */
        store_names_drop(store);
    }
    batch.store = NULL;
    batch.w = NULL;
    store_writer_end(store);
    return rc;
}
