#include "db/fts_build.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/conn.h"

/* Why a thread and a database of its own: indexing a million 600-word
 * articles is most of a bulk load's CPU (tokenizing, then merging the
 * segments), and it ran after the rows, on the importing thread, while the
 * other core idled (bench/gen at 1M: 162 s of 479). SQLite has one writer
 * per database, so the index is written into a side database at the same
 * time as the rows are into the store, and copied in at the end: FTS5's
 * tables are ordinary tables, the same bytes whichever file they sit in.
 * The side index is declared with the store's own statement, so it is the
 * index FTS5 would have built there. */

#define MAX_COLUMNS 4
#define QUEUE_ROWS 2048
#define QUEUE_BYTES (32 << 20)
#define SIDE_HASHSIZE (256 << 20) /* bytes of terms held before a segment is written */
#define SHADOW_COUNT 3

/* What FTS5 keeps of an external-content index: segments, the term index
 * and each row's token counts. The config table stays the store's own. */
static const char *const shadow_suffixes[SHADOW_COUNT] = {"_data", "_idx", "_docsize"};

/* The thread is woken when this many rows wait for it, not for each: a
 * wake-up is a system call on the importing thread, the busier of the two
 * (bench/README). The importer is woken when the queue is half empty. */
#define WAKE_ROWS 64

struct queued_row {
    int64_t rowid;
    char *texts[MAX_COLUMNS]; /* into block, or NULL */
    char *block;              /* one allocation for all of the row's text */
    size_t bytes;
};

struct fts_build {
    char index[64];
    char *create_sql; /* the store's CREATE VIRTUAL TABLE statement */
    char *insert_sql;
    char *side_path;
    sqlite3 *side; /* opened by fts_build_start, used by the thread alone after */
    int ncolumns;

    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct queued_row queue[QUEUE_ROWS];
    size_t head, count;
    size_t queued_bytes; /* of text, so a queue of long bodies stays small */
    bool closing;        /* no more rows will come */
    bool failed;
    bool taker_waiting, adder_waiting; /* asleep on `changed` */
};

static void free_row(struct queued_row *row)
{
    free(row->block);
}

static bool side_exec(sqlite3 *side, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(side, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    conn_log("fts build: %s: %s", sql, msg != NULL ? msg : sqlite3_errmsg(side));
    sqlite3_free(msg);
    return false;
}

/* A row is let in whatever its size when the queue is empty. */
static bool has_room(const struct fts_build *b, size_t bytes)
{
    return b->count == 0 || (b->count < QUEUE_ROWS && b->queued_bytes + bytes <= QUEUE_BYTES);
}

/* Worth waking a waiting importer for. */
static bool half_empty(const struct fts_build *b)
{
    return b->count == 0 || (b->count <= QUEUE_ROWS / 2 && b->queued_bytes <= QUEUE_BYTES / 2);
}

/* The next row, or false once the queue is closed and empty; *failed
 * tells whether the build has failed or was given up meanwhile. */
static bool take_row(struct fts_build *b, struct queued_row *row, bool *failed)
{
    pthread_mutex_lock(&b->lock);
    while (b->count == 0 && !b->closing) {
        b->taker_waiting = true;
        pthread_cond_wait(&b->changed, &b->lock);
        b->taker_waiting = false;
    }
    bool got = b->count > 0;
    *failed = b->failed;
    if (got) {
        *row = b->queue[b->head];
        b->head = (b->head + 1) % QUEUE_ROWS;
        b->count--;
        b->queued_bytes -= row->bytes;
        if (b->adder_waiting && half_empty(b)) {
            b->adder_waiting = false; /* woken once, not again by every take */
            pthread_cond_broadcast(&b->changed);
        }
    }
    pthread_mutex_unlock(&b->lock);
    return got;
}

static bool index_rows(struct fts_build *b)
{
    sqlite3 *side = b->side;
    sqlite3_stmt *st = NULL;
    struct queued_row row;
    bool failed = false;
    bool ok = sqlite3_prepare_v2(side, b->insert_sql, -1, &st, NULL) == SQLITE_OK;
    if (!ok)
        conn_log("fts build: %s", sqlite3_errmsg(side));
    while (take_row(b, &row, &failed)) {
        ok = ok && !failed;
        if (ok) {
            sqlite3_bind_int64(st, 1, row.rowid);
            for (int i = 0; i < b->ncolumns; i++)
                sqlite3_bind_text(st, i + 2, row.texts[i], -1, SQLITE_STATIC);
            ok = sqlite3_step(st) == SQLITE_DONE;
            if (!ok)
                conn_log("fts build: row %lld: %s", (long long)row.rowid, sqlite3_errmsg(side));
            sqlite3_reset(st);
        }
        /* After a failure the rows are still taken, so the importer never
         * waits on a full queue; fts_build_add tells it to stop. */
        free_row(&row);
        if (!ok) {
            pthread_mutex_lock(&b->lock);
            b->failed = true;
            pthread_mutex_unlock(&b->lock);
        }
    }
    sqlite3_finalize(st);
    return ok && !failed;
}

/* Whether the build failed or was given up. */
static bool build_failed(struct fts_build *b)
{
    pthread_mutex_lock(&b->lock);
    bool failed = b->failed;
    pthread_mutex_unlock(&b->lock);
    return failed;
}

static void *build_main(void *arg)
{
    struct fts_build *b = arg;
    char sql[256];
    bool ok = index_rows(b);
    /* A build given up (the import failed) stops here, not after a merge
     * of minutes. */
    ok = ok && !build_failed(b) && side_exec(b->side, "COMMIT");
    snprintf(sql, sizeof sql, "INSERT INTO \"%s\" (\"%s\") VALUES ('optimize')", b->index,
             b->index);
    ok = ok && !build_failed(b) && side_exec(b->side, sql);
    sqlite3_close(b->side);
    b->side = NULL;
    pthread_mutex_lock(&b->lock);
    b->failed |= !ok;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* The side database needs no journal and no syncs: it is thrown away
 * whatever happens, and only read once the thread has closed it. Automatic
 * merges are off because 'optimize' merges every segment once at the end.
 * Opened here, on the caller's thread, so that a side database that cannot
 * be had leaves the index to the ordinary build. */
static bool open_side(struct fts_build *b)
{
    char sql[512];
    bool ok = sqlite3_open_v2(b->side_path, &b->side, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              NULL) == SQLITE_OK;
    ok = ok && side_exec(b->side, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                                  " PRAGMA cache_size = -65536");
    ok = ok && side_exec(b->side, b->create_sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO \"%s\" (\"%s\", rank) VALUES ('hashsize', %d);"
             "INSERT INTO \"%s\" (\"%s\", rank) VALUES ('automerge', 0)",
             b->index, b->index, SIDE_HASHSIZE, b->index, b->index);
    ok = ok && side_exec(b->side, sql) && side_exec(b->side, "BEGIN");
    if (!ok) {
        conn_log("fts build: cannot open %s: %s", b->side_path,
                 b->side != NULL ? sqlite3_errmsg(b->side) : "out of memory");
        sqlite3_close(b->side);
        b->side = NULL;
        unlink(b->side_path);
    }
    return ok;
}

/* The statement that declared the index in the store. */
static char *declaration_of(struct db *w, const char *index)
{
    sqlite3_stmt *st =
        conn_stmt(w, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?");
    if (st == NULL)
        return NULL;
    conn_bind_text(st, 1, index);
    const char *sql = sqlite3_step(st) == SQLITE_ROW ? conn_col_text(st, 0) : NULL;
    char *copy = sql != NULL ? strdup(sql) : NULL;
    conn_done(st);
    return copy;
}

static char *insert_statement(const char *index, const char *columns, int ncolumns)
{
    char values[3 * MAX_COLUMNS + 4] = "?";
    for (int i = 0; i < ncolumns; i++)
        strcat(values, ", ?");
    size_t len = strlen(index) + strlen(columns) + strlen(values) + 64;
    char *sql = malloc(len);
    if (sql != NULL)
        snprintf(sql, len, "INSERT INTO \"%s\" (rowid, %s) VALUES (%s)", index, columns, values);
    return sql;
}

struct fts_build *fts_build_start(struct db *w, const char *index, const char *columns,
                                  int ncolumns)
{
    const char *store_file = sqlite3_db_filename(w->handle, "main");
    struct fts_build *b = NULL;
    if (store_file == NULL || store_file[0] == '\0' || ncolumns < 1 || ncolumns > MAX_COLUMNS ||
        strlen(index) >= sizeof b->index)
        return NULL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    snprintf(b->index, sizeof b->index, "%s", index);
    b->ncolumns = ncolumns;
    b->create_sql = declaration_of(w, index);
    b->insert_sql = insert_statement(index, columns, ncolumns);
    size_t path_len = strlen(store_file) + strlen(index) + 16;
    b->side_path = malloc(path_len);
    if (b->side_path != NULL)
        snprintf(b->side_path, path_len, "%s-%s.build", store_file, index);
    if (b->create_sql == NULL || b->insert_sql == NULL || b->side_path == NULL)
        goto fail;
    /* A side file left by a build that crashed is stale. */
    unlink(b->side_path);
    if (!open_side(b))
        goto fail;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->changed, NULL);
    if (pthread_create(&b->thread, NULL, build_main, b) != 0) {
        pthread_cond_destroy(&b->changed);
        pthread_mutex_destroy(&b->lock);
        sqlite3_close(b->side);
        unlink(b->side_path);
        goto fail;
    }
    b->started = true;
    return b;
fail:
    conn_log("fts build: %s is built the ordinary way", index);
    free(b->create_sql);
    free(b->insert_sql);
    free(b->side_path);
    free(b);
    return NULL;
}

bool fts_build_add(struct fts_build *b, int64_t rowid, const char *const *texts)
{
    struct queued_row row = {.rowid = rowid};
    size_t lengths[MAX_COLUMNS];
    for (int i = 0; i < b->ncolumns; i++) {
        lengths[i] = texts[i] != NULL ? strlen(texts[i]) : 0;
        row.bytes += lengths[i];
    }
    row.block = malloc(row.bytes + (size_t)b->ncolumns);
    bool ok = row.block != NULL;
    for (size_t i = 0, at = 0; ok && i < (size_t)b->ncolumns; i++) {
        if (texts[i] == NULL)
            continue;
        row.texts[i] = memcpy(row.block + at, texts[i], lengths[i] + 1);
        at += lengths[i] + 1;
    }
    pthread_mutex_lock(&b->lock);
    while (ok && !b->failed && !has_room(b, row.bytes)) {
        if (b->taker_waiting) { /* on fewer than WAKE_ROWS rows */
            b->taker_waiting = false;
            pthread_cond_broadcast(&b->changed);
        }
        b->adder_waiting = true;
        pthread_cond_wait(&b->changed, &b->lock);
        b->adder_waiting = false;
    }
    ok = ok && !b->failed;
    if (ok) {
        b->queue[(b->head + b->count) % QUEUE_ROWS] = row;
        b->count++;
        b->queued_bytes += row.bytes;
        if (b->taker_waiting && b->count >= WAKE_ROWS) {
            b->taker_waiting = false;
            pthread_cond_broadcast(&b->changed);
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (!ok)
        free_row(&row);
    return ok;
}

void fts_build_close(struct fts_build *b)
{
    pthread_mutex_lock(&b->lock);
    b->closing = true;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
}

/* Lets the thread finish its queue, and waits for it. */
static bool stop_thread(struct fts_build *b)
{
    if (!b->started)
        return !b->failed;
    fts_build_close(b);
    pthread_join(b->thread, NULL);
    b->started = false;
    return !b->failed;
}

/* Copies one shadow table, the side's rows into the store's (emptied) one. */
static bool copy_shadow(struct fts_build *b, sqlite3 *side, struct db *w, const char *suffix)
{
    char sql[256];
    sqlite3_stmt *from = NULL;
    bool ok = false;

    snprintf(sql, sizeof sql, "SELECT * FROM \"%s%s\"", b->index, suffix);
    if (sqlite3_prepare_v2(side, sql, -1, &from, NULL) != SQLITE_OK)
        goto done;
    int ncols = sqlite3_column_count(from);
    snprintf(sql, sizeof sql, "DELETE FROM \"%s%s\"", b->index, suffix);
    if (ncols < 1 || ncols > 8 || conn_exec(w, sql) != DB_OK)
        goto done;
    int n = snprintf(sql, sizeof sql, "INSERT INTO \"%s%s\" VALUES (?", b->index, suffix);
    for (int i = 1; i < ncols; i++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, ", ?");
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    sqlite3_stmt *to = conn_stmt(w, sql);
    if (to == NULL)
        goto done;
    int step;
    ok = true;
    while (ok && (step = sqlite3_step(from)) == SQLITE_ROW) {
        for (int i = 0; i < ncols; i++)
            sqlite3_bind_value(to, i + 1, sqlite3_column_value(from, i));
        ok = sqlite3_step(to) == SQLITE_DONE;
        sqlite3_reset(to);
    }
    ok = ok && step == SQLITE_DONE;
    conn_done(to);
done:
    if (!ok)
        conn_log("fts build: copying %s%s: %s / %s", b->index, suffix, sqlite3_errmsg(side),
                 sqlite3_errmsg(w->handle));
    sqlite3_finalize(from);
    return ok;
}

/* The store's index is declared again before its tables are filled: FTS5
 * keeps an index's structure cached per connection, and a connection that
 * had read the empty one would go on writing as if the index were still
 * empty. Dropping the table drops what the connection held of it. */
static bool redeclare(struct fts_build *b, struct db *w)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP TABLE \"%s\"", b->index);
    return conn_exec(w, sql) == DB_OK && conn_exec(w, b->create_sql) == DB_OK;
}

bool fts_build_finish(struct fts_build *b, struct db *w)
{
    sqlite3 *side = NULL;
    bool ok = stop_thread(b);
    ok = ok && sqlite3_open_v2(b->side_path, &side, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
    ok = ok && redeclare(b, w);
    for (int i = 0; ok && i < SHADOW_COUNT; i++)
        ok = copy_shadow(b, side, w, shadow_suffixes[i]);
    sqlite3_close(side);
    return ok;
}

void fts_build_free(struct fts_build *b)
{
    if (b == NULL)
        return;
    /* An import that stopped early: the thread drops what it was still
     * given and ends without merging. */
    pthread_mutex_lock(&b->lock);
    b->failed = true;
    pthread_mutex_unlock(&b->lock);
    stop_thread(b);
    for (size_t i = 0; i < b->count; i++)
        free_row(&b->queue[(b->head + i) % QUEUE_ROWS]);
    pthread_cond_destroy(&b->changed);
    pthread_mutex_destroy(&b->lock);
    unlink(b->side_path);
    free(b->create_sql);
    free(b->insert_sql);
    free(b->side_path);
    free(b);
}
