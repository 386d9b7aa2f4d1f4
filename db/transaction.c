#include "db/transaction.h"

#include <stdbool.h>

#include "db/conn.h"
#include "db/extraction.h"
#include "db/fts_pending.h"

/* The batch open on this thread, if any. Per thread, so that a write on
 * another thread (an import, on a worker) still takes the writer's lock
 * and waits for the batch to end. */
static _Thread_local struct {
    struct store *store;
    struct db *w; /* NULL when the batch's transaction could not begin */
    /* DB_OK, or why the batch can store nothing: its transaction could not
     * begin, SQLite rolled it back (a full disk or database, an I/O
     * error), or a write's changes could not be taken back alone. */
    enum db_status failed;
} batch;

static bool in_batch(struct store *store)
{
    return batch.store != NULL && batch.store == store;
}

/* DB_OK while the batch can still commit. SQLite rolls the whole
 * transaction back after some errors (SQLITE_FULL included), and a
 * savepoint begun after that would start a transaction of its own, which
 * its release would commit: the batch is over then, and the error of the
 * statement that ended it, still the connection's last, says why. */
static enum db_status batch_state(void)
{
    if (batch.failed == DB_OK && sqlite3_get_autocommit(batch.w->handle)) {
        int code = sqlite3_errcode(batch.w->handle);
        batch.failed = code != SQLITE_OK ? conn_status(batch.w, code) : DB_UNAVAILABLE;
        if (batch.failed == DB_OK)
            batch.failed = DB_UNAVAILABLE;
    }
    return batch.failed;
}

static struct db *batch_write_begin(enum db_status *status)
{
    struct db *w = batch.w;
    /* Each write of a failed batch fails as it did, at once: none waits
     * out the busy timeout again. */
    if (w == NULL || batch_state() != DB_OK) {
        *status = batch.failed;
        return NULL;
    }
    *status = conn_run(w, "SAVEPOINT write");
    if (*status != DB_OK)
        return NULL;
    *status = conn_run(w, "UPDATE store_meta SET version = version + 1");
    if (*status != DB_OK) {
        db_write_abort(batch.store, w);
        return NULL;
    }
    return w;
}

/* Takes one write of the batch back to its savepoint; when that cannot be
 * done, its changes would be committed with the others, so the batch
 * fails. */
static void batch_write_abort(struct db *w)
{
    if (batch_state() != DB_OK)
        return;
    enum db_status rc = conn_run(w, "ROLLBACK TO write");
    if (rc == DB_OK)
        rc = conn_run(w, "RELEASE write");
    if (rc != DB_OK && batch.failed == DB_OK)
        batch.failed = rc;
}

/* Commits the writer's transaction, telling the store the version it
 * leaves (the rendered documents are current at it, db/documents.h). */
static enum db_status commit(struct store *store, struct db *w)
{
    int64_t version;
    bool versioned = db_store_version(w, &version) == DB_OK;
    enum db_status rc = fts_pending_commit(w);
    if (rc == DB_OK && versioned)
        store_writer_committed(store, version);
    return rc;
}

struct db *db_write_begin(struct store *store, enum db_status *status)
{
    if (in_batch(store))
        return batch_write_begin(status);
    struct db *w = store_writer_try(store, status);
    if (w == NULL)
        return NULL;
    *status = conn_run(w, "BEGIN IMMEDIATE");
    if (*status == DB_OK) {
        store_writer_began(store, w);
        *status = conn_run(w, "UPDATE store_meta SET version = version + 1");
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
        enum db_status rc = batch_state();
        if (rc == DB_OK)
            rc = conn_run(w, "RELEASE write");
        if (rc != DB_OK)
            batch_write_abort(w);
        return rc;
    }
    enum db_status rc = commit(store, w);
    if (rc != DB_OK && !sqlite3_get_autocommit(w->handle))
        conn_exec(w, "ROLLBACK");
    store_writer_end(store);
    return rc;
}

void db_write_abort(struct store *store, struct db *w)
{
    if (in_batch(store)) {
        batch_write_abort(w);
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
        status = conn_run(w, "BEGIN IMMEDIATE");
        if (status != DB_OK) {
            store_writer_end(store);
            w = NULL;
        } else {
            store_writer_began(store, w);
        }
    }
    batch.store = store;
    batch.w = w;
    batch.failed = status;
    return status;
}

enum db_status db_batch_end(struct store *store)
{
    struct db *w = batch.w;
    enum db_status rc = w != NULL ? batch_state() : batch.failed;
    batch.store = NULL;
    batch.w = NULL;
    if (w == NULL)
        return rc;
    /* The batch's new articles and quotes are indexed together. */
    if (rc == DB_OK)
        rc = commit(store, w);
    if (rc != DB_OK) {
        if (!sqlite3_get_autocommit(w->handle))
            conn_exec(w, "ROLLBACK");
        /* The extractor's lexicon may hold names only the lost writes
         * added. */
        store_names_drop(store);
    }
    store_writer_end(store);
    return rc;
}
