#include "db/db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "db/conn.h"
#include "db/documents.h"
#include "db/documents_track.h"
#include "db/extraction.h"
#include "db/rank.h"
#include "db/schema.h"
#include "extract/extract.h"

/* Readers are opened lazily, one per thread, and listed here so the store can
 * close them all at shutdown; the thread-specific key only finds a thread's
 * own reader quickly. */
struct reader_list {
    struct db **items;
    size_t count, capacity;
};

struct store {
    struct store_options opts;
    char *path;
    pthread_key_t reader_key;
    pthread_mutex_t readers_lock;
    struct reader_list readers;
    pthread_mutex_t writer_lock;
    struct db *writer; /* NULL when read-only */
    /* Set and read under writer_lock. */
    struct timespec writer_since;
    void (*write_observe)(void *ctx, uint64_t held_us);
    void *write_ctx;
    /* The extractor's lexicon of the store's entity names, and the
     * store_meta.names_version it was built at. Read and changed only by
     * the holder of writer_lock (extraction runs inside a write), so it
     * needs no lock of its own. */
    struct lexicon *names;
    int64_t names_version;
    /* The checkpointer: copies the WAL back into the database on its own
     * connection and thread, so no write request waits for a checkpoint's
     * writes and fsync (SQLite's automatic one runs inside the commit that
     * crosses the threshold). The writer's WAL hook wakes it. */
    pthread_t checkpointer;
    bool checkpointer_started;
    bool wal_at_close; /* opened for a bulk load: into WAL mode when closed */
    pthread_mutex_t checkpoint_lock;
    pthread_cond_t checkpoint_wake;
    bool checkpoint_wanted, checkpoint_stop;
    /* Read and changed only in wal_committed, on the committing thread:
     * the WAL's length at the last commit, and the frames appended since
     * the checkpointer was last woken. */
    int wal_frames, wal_appended;
    struct db *checkpoint_db;
    /* Commits on the writer, counted in wal_committed: the checkpointer
     * starts a long WAL over only when none came since its last tick. */
    atomic_uint_fast64_t commits;
    /* Rendered article documents (db/documents.h); NULL when not kept. */
    struct documents *docs;
};

/* SQLite's own automatic checkpoint threshold, in WAL pages. */
#define CHECKPOINT_PAGES 1000
/* The WAL's bound (about 32 MiB of 4 KiB pages): see wal_committed. */
#define CHECKPOINT_PAGES_MAX 8000
/* How long a reader's snapshot may stay parked while nothing of ours is
 * written (db/conn.h). */
#define CHECKPOINTER_TICK_S 1
/* How long the restart of a paused WAL waits for the writer or a reader. */
#define CHECKPOINT_BUSY_MS 10

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Ends the snapshots that readers left open between requests (db/conn.h):
 * each holds back the copy and the WAL's restart. */
static void end_parked_snapshots(struct store *store)
{
    pthread_mutex_lock(&store->readers_lock);
    for (size_t i = 0; i < store->readers.count; i++)
        conn_end_parked(store->readers.items[i]);
    pthread_mutex_unlock(&store->readers_lock);
}

/* When our writes have paused, a WAL too long for snapshots to be kept
 * (db/conn.h) is copied back whole and started over, so reads keep theirs
 * again without waiting for the next write to restart it. The checkpoint
 * connection waits at most CHECKPOINT_BUSY_MS for the writer or a reader,
 * then leaves it to the next tick. */
static void restart_paused_wal(struct store *store)
{
    if (conn_wal_too_long_to_keep(store->checkpoint_db))
        sqlite3_wal_checkpoint_v2(store->checkpoint_db->handle, NULL,
                                  SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

/* A version our writer did not publish is another process's write: the
 * documents it may have changed are forgotten (db/documents.h). */
static void check_documents(struct store *store)
{
    int64_t version;
    if (store->docs != NULL && db_store_version(store->checkpoint_db, &version) == DB_OK)
        documents_check(store->docs, version);
}

static void *checkpoint_loop(void *arg)
{
    struct store *store = arg;
    uint64_t commits_seen = atomic_load(&store->commits);
    pthread_mutex_lock(&store->checkpoint_lock);
    for (;;) {
        /* Woken to copy, or by the tick that ends parked snapshots also
         * when nothing of ours is written (another process may write). */
        if (!store->checkpoint_wanted && !store->checkpoint_stop) {
            struct timespec tick;
            clock_gettime(CLOCK_MONOTONIC, &tick);
            tick.tv_sec += CHECKPOINTER_TICK_S;
            pthread_cond_timedwait(&store->checkpoint_wake, &store->checkpoint_lock, &tick);
        }
        if (store->checkpoint_stop)
            break;
        bool wanted = store->checkpoint_wanted;
        store->checkpoint_wanted = false;
        pthread_mutex_unlock(&store->checkpoint_lock);
        end_parked_snapshots(store);
        check_documents(store);
        uint64_t commits = atomic_load(&store->commits);
        /* PASSIVE: copies what no reader still needs and never blocks the
         * writer; frames appended meanwhile go at the next wake. */
        if (wanted)
            sqlite3_wal_checkpoint_v2(store->checkpoint_db->handle, NULL,
                                      SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        else if (commits == commits_seen)
            restart_paused_wal(store);
        commits_seen = commits;
        pthread_mutex_lock(&store->checkpoint_lock);
    }
    pthread_mutex_unlock(&store->checkpoint_lock);
    return NULL;
}

/* After each commit on the writer: once CHECKPOINT_PAGES frames were
 * appended since its last wake, wake the checkpointer. One copy then
 * covers many commits, and a page each of them wrote (a table's last leaf,
 * the search structure, store_meta) is copied once, not once a commit.
 * Runs on the committing thread, so it only signals. */
static int wal_committed(void *arg, sqlite3 *handle, const char *name, int pages)
{
    struct store *store = arg;
    (void)handle;
    (void)name;
    atomic_fetch_add(&store->commits, 1);
    /* Fewer frames than at the last commit: the WAL started over. */
    store->wal_appended += pages >= store->wal_frames ? pages - store->wal_frames : pages;
    store->wal_frames = pages;
    /* A WAL that the background copy never wholly catches up with (writes
     * keep coming) is never started over, and would grow without end:
     * past the bound, this commit finishes the copy itself, with nothing
     * appending meanwhile, so the next write starts the WAL over. */
    if (pages >= CHECKPOINT_PAGES_MAX)
        sqlite3_wal_checkpoint_v2(handle, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    else if (store->wal_appended >= CHECKPOINT_PAGES) {
        store->wal_appended = 0;
        pthread_mutex_lock(&store->checkpoint_lock);
        store->checkpoint_wanted = true;
        pthread_cond_signal(&store->checkpoint_wake);
        pthread_mutex_unlock(&store->checkpoint_lock);
    }
    return SQLITE_OK;
}

/* Moves checkpoints off the writer; if the thread or its connection cannot
 * be had, SQLite's automatic checkpoint stays in place. */
static void start_checkpointer(struct store *store)
{
    char err[256];
    store->checkpoint_db = conn_open(store->path, SQLITE_OPEN_READWRITE, &store->opts, err,
                                     sizeof err);
    if (store->checkpoint_db == NULL)
        return;
    /* Only the restart of a paused WAL waits (PASSIVE never does): briefly,
     * since it holds the writer back meanwhile. */
    sqlite3_busy_timeout(store->checkpoint_db->handle, CHECKPOINT_BUSY_MS);
    atomic_init(&store->commits, 0);
    pthread_mutex_init(&store->checkpoint_lock, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&store->checkpoint_wake, &monotonic);
    pthread_condattr_destroy(&monotonic);
    if (pthread_create(&store->checkpointer, NULL, checkpoint_loop, store) != 0) {
        pthread_cond_destroy(&store->checkpoint_wake);
        pthread_mutex_destroy(&store->checkpoint_lock);
        conn_close(store->checkpoint_db);
        store->checkpoint_db = NULL;
        return;
    }
    store->checkpointer_started = true;
    /* Replaces the automatic checkpoint (itself a WAL hook). */
    sqlite3_wal_hook(store->writer->handle, wal_committed, store);
}

static void stop_checkpointer(struct store *store)
{
    if (!store->checkpointer_started)
        return;
    sqlite3_wal_hook(store->writer->handle, NULL, NULL);
    pthread_mutex_lock(&store->checkpoint_lock);
    store->checkpoint_stop = true;
    pthread_cond_signal(&store->checkpoint_wake);
    pthread_mutex_unlock(&store->checkpoint_lock);
    pthread_join(store->checkpointer, NULL);
    pthread_cond_destroy(&store->checkpoint_wake);
    pthread_mutex_destroy(&store->checkpoint_lock);
    conn_close(store->checkpoint_db);
    store->checkpoint_db = NULL;
    store->checkpointer_started = false;
}

/* The store's instance id (store_meta, migration 12). */
static bool store_instance(struct db *db, char *out, size_t len)
{
    sqlite3_stmt *st = conn_stmt(db, "SELECT instance FROM store_meta");
    bool ok = st != NULL && sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    conn_done(st);
    return ok;
}

/* Keeps rendered article documents for this store, tracked by the
 * writer's triggers; without them (another process holds the file, no
 * room) articles are read from the store as before. */
static void open_documents(struct store *store)
{
    char instance[40], err[256];
    int64_t version;
    if (!store_instance(store->writer, instance, sizeof instance) ||
        db_store_version(store->writer, &version) != DB_OK)
        return;
    store->docs = documents_open(store->path, instance, version, err, sizeof err);
    if (store->docs == NULL) {
        conn_log("article documents not kept: %s", err);
        return;
    }
    if (!documents_track(store->writer, store->docs)) {
        conn_log("article documents not kept: %s", sqlite3_errmsg(store->writer->handle));
        documents_close(store->docs, false);
        store->docs = NULL;
    }
}

struct store *store_open(const struct store_options *opts, bool *created, char *err, size_t errlen)
{
    struct store *store = calloc(1, sizeof *store);
    bool key_made = false, locks_made = false;

    if (store == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    store->opts = *opts;
    store->path = strdup(opts->path);
    if (store->path == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    store->opts.path = store->path;
    if (pthread_key_create(&store->reader_key, NULL) != 0) {
        snprintf(err, errlen, "cannot create thread key");
        goto fail;
    }
    key_made = true;
    pthread_mutex_init(&store->readers_lock, NULL);
    pthread_mutex_init(&store->writer_lock, NULL);
    locks_made = true;

    bool existed = file_exists(opts->path);
    *created = false;
    if (opts->read_only) {
        if (!existed) {
            snprintf(err, errlen, "%s does not exist (a read-only store is never created)",
                     opts->path);
            goto fail;
        }
        /* A read-only store still checks that the schema is the one this
         * build reads, through a throwaway reader. */
        struct db *probe = store_reader(store);
        if (probe == NULL) {
            snprintf(err, errlen, "cannot open %s read-only", opts->path);
            goto fail;
        }
        if (db_schema_version(probe) != schema_latest_version()) {
            snprintf(err, errlen, "%s has schema %d, this wirebase needs %d (open it once without --read-only to migrate)",
                     opts->path, db_schema_version(probe), schema_latest_version());
            goto fail;
        }
        return store;
    }

    store->writer = conn_open(opts->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &store->opts,
                              err, errlen);
    if (store->writer == NULL)
        goto fail;
    int from_version = 0;
    if (schema_migrate(store->writer, &from_version, err, errlen) != DB_OK)
        goto fail;
    /* "Created" means "had no schema": an empty file made by mktemp is as
     * new as a missing one. */
    *created = from_version == 0;
    if (opts->bulk_load)
        store->wal_at_close = true;
    else
        start_checkpointer(store);
    if (opts->documents && store->checkpointer_started)
        open_documents(store);
    return store;
fail:
    if (locks_made) {
        store_close(store);
        return NULL;
    }
    if (key_made)
        pthread_key_delete(store->reader_key);
    free(store->path);
    free(store);
    return NULL;
}

/* After a bulk load, alone on the file again: into WAL mode, as every
 * other store is (the switch needs no other connection open). */
static void switch_to_wal(const char *path)
{
    sqlite3 *handle = NULL;
    if (sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(handle, 5000) != SQLITE_OK ||
        sqlite3_exec(handle, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
        conn_log("%s: cannot switch to WAL mode: %s", path,
                 handle != NULL ? sqlite3_errmsg(handle) : "out of memory");
    sqlite3_close(handle);
}

void store_close(struct store *store)
{
    if (store == NULL)
        return;
    /* First: it ends the readers' parked snapshots, on their connections. */
    stop_checkpointer(store);
    for (size_t i = 0; i < store->readers.count; i++)
        conn_close(store->readers.items[i]);
    free(store->readers.items);
    bool to_wal = store->wal_at_close;
    /* The search's term counts, for the next process on this store; best
     * effort, and not worth more than a moment's wait for another
     * process's write lock. */
    if (store->writer != NULL && !to_wal) {
        sqlite3_busy_timeout(store->writer->handle, 100);
        rank_save(store->writer->handle);
    }
    conn_close(store->writer);
    /* After the writer: nothing can change a document any more. */
    documents_close(store->docs, true);
    if (to_wal)
        switch_to_wal(store->path);
    lexicon_free(store->names);
    pthread_key_delete(store->reader_key);
    pthread_mutex_destroy(&store->readers_lock);
    pthread_mutex_destroy(&store->writer_lock);
    free(store->path);
    free(store);
}

static bool remember_reader(struct store *store, struct db *db)
{
    bool ok = true;
    pthread_mutex_lock(&store->readers_lock);
    if (store->readers.count == store->readers.capacity) {
        size_t capacity = store->readers.capacity ? store->readers.capacity * 2 : 8;
        struct db **items = realloc(store->readers.items, capacity * sizeof *items);
        if (items == NULL) {
            ok = false;
        } else {
            store->readers.items = items;
            store->readers.capacity = capacity;
        }
    }
    if (ok)
        store->readers.items[store->readers.count++] = db;
    pthread_mutex_unlock(&store->readers_lock);
    return ok;
}

struct db *store_reader(struct store *store)
{
    struct db *db = pthread_getspecific(store->reader_key);
    if (db != NULL) {
        conn_resume(db);
        return db;
    }

    char err[256];
    /* Readers open read-only even on a writable store: a handler bug can
     * then never write through the read path. */
    db = conn_open(store->path, SQLITE_OPEN_READONLY, &store->opts, err, sizeof err);
    if (db == NULL) {
        conn_log("%s", err);
        return NULL;
    }
    /* Only a checkpointer ends parked snapshots: without one (a read-only
     * or bulk-load store) every read ends its own. */
    db->keeps_snapshots = store->checkpointer_started;
    db->docs = store->docs;
    if (!remember_reader(store, db)) {
        conn_close(db);
        return NULL;
    }
    pthread_setspecific(store->reader_key, db);
    return db;
}

void store_reader_park(struct store *store)
{
    struct db *db = pthread_getspecific(store->reader_key);
    if (db != NULL)
        conn_park(db);
}

struct db *store_writer_begin(struct store *store)
{
    if (store->writer == NULL)
        return NULL;
    pthread_mutex_lock(&store->writer_lock);
    clock_gettime(CLOCK_MONOTONIC, &store->writer_since);
    if (store->docs != NULL)
        documents_writer_enter(store->docs);
    return store->writer;
}

void store_writer_end(struct store *store)
{
    if (store->writer == NULL)
        return;
    if (store->docs != NULL) {
        int64_t version;
        documents_writer_leave(store->docs,
                               db_store_version(store->writer, &version) == DB_OK ? version : -1);
    }
    if (store->write_observe != NULL) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t us = (int64_t)(now.tv_sec - store->writer_since.tv_sec) * 1000000 +
                     (now.tv_nsec - store->writer_since.tv_nsec) / 1000;
        store->write_observe(store->write_ctx, us > 0 ? (uint64_t)us : 0);
    }
    pthread_mutex_unlock(&store->writer_lock);
}

void store_set_write_observer(struct store *store, void (*observe)(void *ctx, uint64_t held_us),
                              void *ctx)
{
    /* Under the lock, so a writer finishing now sees both or neither. */
    if (store->writer != NULL)
        pthread_mutex_lock(&store->writer_lock);
    store->write_observe = observe;
    store->write_ctx = ctx;
    if (store->writer != NULL)
        pthread_mutex_unlock(&store->writer_lock);
}

void store_writer_began(struct store *store, struct db *w)
{
    int64_t version;
    if (store->docs != NULL)
        documents_writer_began(store->docs,
                               db_store_version(w, &version) == DB_OK ? version : -1);
}

void store_writer_committed(struct store *store, int64_t version)
{
    if (store->docs != NULL)
        documents_writer_committed(store->docs, version);
}

bool store_keeps_documents(const struct store *store)
{
    return store->docs != NULL;
}

void store_documents_reset(struct store *store)
{
    if (store->docs != NULL)
        documents_reset(store->docs);
}

bool store_documents_mostly_forgotten(struct store *store)
{
    return store->docs != NULL && documents_mostly_forgotten(store->docs);
}

void store_documents_counts(const struct store *store, uint64_t *served, uint64_t *kept)
{
    *served = *kept = 0;
    if (store->docs != NULL)
        documents_counts(store->docs, served, kept);
}

struct db *store_reader_open(struct store *store)
{
    char err[256];
    struct db *db = conn_open(store->path, SQLITE_OPEN_READONLY, &store->opts, err, sizeof err);
    if (db == NULL)
        conn_log("%s", err);
    return db;
}

struct db *store_side_writer_open(struct store *store)
{
    char err[256];
    if (store->writer == NULL)
        return NULL;
    struct db *db = conn_open(store->path, SQLITE_OPEN_READWRITE, &store->opts, err, sizeof err);
    if (db == NULL)
        conn_log("%s", err);
    return db;
}

void store_reader_close(struct db *db)
{
    conn_close(db);
}

struct db *store_writer_try(struct store *store, enum db_status *status)
{
    if (store->writer == NULL) {
        *status = DB_READ_ONLY;
        return NULL;
    }
    /* Writers queue for at most the busy timeout, as they would for
     * SQLite's own lock: a worker thread is never stuck behind a long
     * import indefinitely, and the client hears 503 and retries. */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    int ms = store->opts.busy_timeout_ms > 0 ? store->opts.busy_timeout_ms : 5000;
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    if (pthread_mutex_timedlock(&store->writer_lock, &deadline) != 0) {
        *status = DB_BUSY;
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &store->writer_since);
    if (store->docs != NULL)
        documents_writer_enter(store->docs);
    *status = DB_OK;
    return store->writer;
}

/* ---- the lexicon of entity names ---------------------------------------- */

static bool names_version(struct db *w, int64_t *version)
{
    sqlite3_stmt *st = conn_stmt(w, "SELECT names_version FROM store_meta");
    bool ok = st != NULL && sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *version = sqlite3_column_int64(st, 0);
    conn_done(st);
    return ok;
}

/* Every entity's name and aliases into a new lexicon. */
static struct lexicon *names_build(struct db *w)
{
    struct lexicon *lx = lexicon_new();
    sqlite3_stmt *st = conn_stmt(w, "SELECT e.name, e.name, e.type, e.id FROM entities e"
                                    " UNION ALL SELECT a.alias, e.name, e.type, e.id"
                                    " FROM entity_aliases a JOIN entities e ON e.id = a.entity_id");
    int step = SQLITE_ERROR;
    if (lx == NULL || st == NULL)
        goto done;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (!lexicon_add(lx, conn_col_text(st, 0), conn_col_text(st, 1), conn_col_text(st, 2),
                         sqlite3_column_int64(st, 3))) {
            step = SQLITE_NOMEM;
            break;
        }
done:
    conn_done(st);
    if (step != SQLITE_DONE) {
        lexicon_free(lx);
        return NULL;
    }
    return lx;
}

struct lexicon *store_names(struct store *store, struct db *w)
{
    int64_t version;
    if (!names_version(w, &version))
        return NULL;
    if (store->names == NULL || version != store->names_version) {
        struct lexicon *fresh = names_build(w);
        if (fresh == NULL)
            return NULL;
        lexicon_free(store->names);
        store->names = fresh;
        store->names_version = version;
    }
    return store->names;
}

void store_names_caught_up(struct store *store, struct db *w)
{
    int64_t version;
    if (!names_version(w, &version))
        version = -1; /* unknown: the next call rebuilds */
    store->names_version = version;
}

void store_names_drop(struct store *store)
{
    lexicon_free(store->names);
    store->names = NULL;
}
