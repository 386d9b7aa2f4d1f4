#include "db/conn.h"

#include "db/rank.h"
#include "db/text.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>

/* Snapshots are kept between requests only while the WAL is shorter than
 * this (db_snapshot_leave): the frames after which the store's checkpointer
 * is woken (db/store.c). */
#define KEEP_WAL_FRAMES_MAX 1000

/* The size of a WAL-index region (SQLite's unix VFS maps the -shm file in
 * regions of 32 KiB); the first holds the header (db/conn.h). */
#define WAL_INDEX_REGION 32768

static void log_to_stderr(const char *message)
{
    fprintf(stderr, "wirebase db: %s\n", message);
}

static void (*db_logger)(const char *message) = log_to_stderr;

void db_set_logger(void (*logger)(const char *message))
{
    db_logger = logger != NULL ? logger : log_to_stderr;
}

void conn_log(const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    db_logger(message);
}

static bool apply_pragmas(sqlite3 *handle, const struct store_options *opts, bool read_only)
{
    char sql[256];
    /* WAL lets readers run beside the writer; NORMAL sync is durable across
     * process crashes in WAL mode and only risks the last commits on power
     * loss, the usual trade for a service. Foreign keys are off by default in
     * SQLite and our schema relies on them. */
    snprintf(sql, sizeof sql,
             "PRAGMA foreign_keys = ON;"
             "PRAGMA synchronous = NORMAL;"
             "PRAGMA cache_size = -%d;"
             "PRAGMA temp_store = MEMORY;",
             opts->cache_size_kib > 0 ? opts->cache_size_kib : 8192);
    if (sqlite3_exec(handle, sql, NULL, NULL, NULL) != SQLITE_OK)
        return false;
    if (!read_only && !opts->bulk_load &&
        sqlite3_exec(handle, "PRAGMA journal_mode = WAL;", NULL, NULL, NULL) != SQLITE_OK)
        return false;
    /* A WAL that a burst of writes grew is cut back to 64 MiB when it
     * starts over, instead of keeping its largest size on disk. */
    if (!read_only &&
        sqlite3_exec(handle, "PRAGMA journal_size_limit = 67108864;", NULL, NULL, NULL) != SQLITE_OK)
        return false;
    /* A size limit is a page count on the connections that write: past it a
     * write fails with SQLITE_FULL, as on a full disk, and rolls back. Pages
     * freed by deletes are used again, so the store recovers by itself. */
    if (!read_only && opts->max_size_mib > 0) {
        sqlite3_stmt *st = NULL;
        long long page_size = 0;
        if (sqlite3_prepare_v2(handle, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            page_size = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (page_size <= 0)
            return false;
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
                 (long long)opts->max_size_mib * 1024 * 1024 / page_size);
        if (sqlite3_exec(handle, sql, NULL, NULL, NULL) != SQLITE_OK)
            return false;
    }
    return true;
}

/* SQLite's memory statistics take one process-wide mutex around every
 * allocation, which every worker thread then queues on (about a tenth of
 * an article read's CPU went to that lock). Nothing here reads them. It
 * must be set before SQLite initializes, so before the first connection. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct db *conn_open(const char *path, int flags, const struct store_options *opts, char *err,
                     size_t errlen)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, configure_sqlite);
    struct db *db = calloc(1, sizeof *db);
    if (db == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* NOMUTEX: each connection is used by one thread at a time (a reader per
     * worker, the writer under the store's lock), so SQLite's own locking
     * would only cost time. */
    pthread_mutex_init(&db->park_lock, NULL);
    int rc = sqlite3_open_v2(path, &db->handle, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 db->handle ? sqlite3_errmsg(db->handle) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(db->handle, 1);
    sqlite3_busy_timeout(db->handle, opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000);
    if (!apply_pragmas(db->handle, opts, (flags & SQLITE_OPEN_READONLY) != 0)) {
        snprintf(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(db->handle));
        goto fail;
    }
    if (rank_register(db->handle) != SQLITE_OK) {
        snprintf(err, errlen, "cannot register the search ranking on %s", path);
        goto fail;
    }
    return db;
fail:
    conn_close(db);
    return NULL;
}

void conn_close(struct db *db)
{
    if (db == NULL)
        return;
    for (int i = 0; i < CONN_STMT_SLOTS; i++) {
        sqlite3_finalize(db->slots[i].stmt);
        free(db->slots[i].sql);
    }
    free(db->last_list_sql);
    /* sqlite3_close (not _v2) fails loudly if a statement leaked. */
    if (db->handle != NULL && sqlite3_close(db->handle) != SQLITE_OK)
        conn_log("closing connection: %s", sqlite3_errmsg(db->handle));
    pthread_mutex_destroy(&db->park_lock);
    free(db);
}

sqlite3_stmt *conn_stmt(struct db *db, const char *sql)
{
    uint64_t h = text_hash(sql);
    struct stmt_slot *free_slot = NULL, *oldest = NULL;
    uint16_t *hint = &db->hint[h % CONN_STMT_INDEX];

    if (*hint != 0) {
        struct stmt_slot *slot = &db->slots[*hint - 1];
        if (slot->stmt != NULL && slot->hash == h && strcmp(slot->sql, sql) == 0) {
            slot->last_used = ++db->uses;
            sqlite3_clear_bindings(slot->stmt);
            return slot->stmt;
        }
    }

    /* Past the hint, a linear pass over the hashes: a few hundred integer
     * compares, far below the cost of the query it finds. */
    for (size_t i = 0; i < CONN_STMT_SLOTS; i++) {
        struct stmt_slot *slot = &db->slots[i];
        if (slot->stmt == NULL) {
            if (free_slot == NULL)
                free_slot = slot;
            continue;
        }
        if (slot->hash == h && strcmp(slot->sql, sql) == 0) {
            slot->last_used = ++db->uses;
            *hint = (uint16_t)(i + 1);
            sqlite3_clear_bindings(slot->stmt);
            return slot->stmt;
        }
        /* A statement mid-step belongs to a caller up the stack. */
        if (!sqlite3_stmt_busy(slot->stmt) && (oldest == NULL || slot->last_used < oldest->last_used))
            oldest = slot;
    }
    if (free_slot == NULL) {
        if (oldest == NULL) {
            conn_log("statement cache full of running statements");
            return NULL;
        }
        sqlite3_finalize(oldest->stmt);
        free(oldest->sql);
        memset(oldest, 0, sizeof *oldest);
        free_slot = oldest;
    }

    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        conn_log("prepare failed: %s", sqlite3_errmsg(db->handle));
        return NULL;
    }
    free_slot->sql = strdup(sql);
    if (free_slot->sql == NULL) {
        sqlite3_finalize(st);
        return NULL;
    }
    free_slot->hash = h;
    free_slot->stmt = st;
    free_slot->last_used = ++db->uses;
    *hint = (uint16_t)(free_slot - db->slots + 1);
    return st;
}

sqlite3_stmt *conn_list_stmt(struct db *db, const char *sql)
{
    sqlite3_stmt *st = conn_stmt(db, sql);
    if (st != NULL && (db->last_list_sql == NULL || strcmp(db->last_list_sql, sql) != 0)) {
        free(db->last_list_sql);
        db->last_list_sql = strdup(sql);
    }
    return st;
}

void conn_done(sqlite3_stmt *st)
{
    if (st != NULL)
        sqlite3_reset(st);
}

static bool wal_index_header(struct db *db, unsigned char out[WAL_INDEX_HEADER]);

enum db_status db_snapshot_begin(struct db *db)
{
    /* One left open by an earlier request and still current (conn_resume
     * ended it otherwise). */
    if (!sqlite3_get_autocommit(db->handle) && db->snapshot_known)
        return DB_OK;
    unsigned char before[WAL_INDEX_HEADER], after[WAL_INDEX_HEADER];
    bool known = db->keeps_snapshots && sqlite3_get_autocommit(db->handle) &&
                 wal_index_header(db, before);
    db->snapshot_known = false;
    enum db_status rc = conn_run(db, "BEGIN");
    if (rc != DB_OK || !known)
        return rc;
    /* The read transaction starts at its first read: with the same header
     * on both sides of that read, the snapshot is the one it describes. */
    int64_t version = 0;
    if (db_store_version(db, &version) == DB_OK && wal_index_header(db, after) &&
        memcmp(before, after, WAL_INDEX_HEADER) == 0) {
        memcpy(db->snapshot_header, after, WAL_INDEX_HEADER);
        db->snapshot_version = version;
        db->snapshot_known = true;
    }
    return DB_OK;
}

void db_snapshot_end(struct db *db)
{
    db->snapshot_known = false;
    /* Nothing was written, so COMMIT only releases the snapshot; if it
     * fails the connection must still leave the transaction. */
    sqlite3_stmt *st = conn_stmt(db, "COMMIT");
    int rc = st != NULL ? sqlite3_step(st) : SQLITE_ERROR;
    conn_done(st);
    if (rc != SQLITE_DONE && !sqlite3_get_autocommit(db->handle))
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
}

/* The WAL's length in frames, as a WAL-index header gives it (mxFrame: a
 * native-order u32 at byte 16). */
static uint32_t wal_frames(const unsigned char header[WAL_INDEX_HEADER])
{
    uint32_t frames;
    memcpy(&frames, header + 16, sizeof frames);
    return frames;
}

bool conn_wal_too_long_to_keep(struct db *db)
{
    unsigned char header[WAL_INDEX_HEADER];
    return wal_index_header(db, header) && wal_frames(header) >= KEEP_WAL_FRAMES_MAX;
}

/* The open snapshot is known and no commit came since it was taken (the
 * WAL-index header is the one it was taken under); `now` gets the header. */
static bool snapshot_current(struct db *db, unsigned char now[WAL_INDEX_HEADER])
{
    return db->snapshot_known && !sqlite3_get_autocommit(db->handle) &&
           wal_index_header(db, now) && memcmp(now, db->snapshot_header, WAL_INDEX_HEADER) == 0;
}

void db_snapshot_leave(struct db *db)
{
    /* Kept only while it is current and the WAL is short. A WAL starts over
     * only at a moment when no reader holds a snapshot that reads from it,
     * and readers that keep theirs between requests leave no such moment
     * under steady writes: the WAL grew without end (1.5 GB in 25 s of the
     * soak test). Past the length at which the checkpointer is woken, reads
     * end their snapshots as they did before, until the WAL starts over. */
    unsigned char now[WAL_INDEX_HEADER];
    if (!(db->keeps_snapshots && snapshot_current(db, now) &&
          wal_frames(now) < KEEP_WAL_FRAMES_MAX))
        db_snapshot_end(db);
}

void conn_resume(struct db *db)
{
    if (!db->keeps_snapshots)
        return;
    pthread_mutex_lock(&db->park_lock);
    db->parked = false;
    pthread_mutex_unlock(&db->park_lock);
    unsigned char now[WAL_INDEX_HEADER];
    if (!sqlite3_get_autocommit(db->handle) && !snapshot_current(db, now))
        db_snapshot_end(db);
}

bool conn_snapshot_version(struct db *db, int64_t *version)
{
    if (sqlite3_get_autocommit(db->handle))
        return false;
    if (db->snapshot_known) {
        *version = db->snapshot_version;
        return true;
    }
    return db_store_version(db, version) == DB_OK;
}

void conn_park(struct db *db)
{
    if (!db->keeps_snapshots)
        return;
    /* Under the lock, and only once: a connection already parked (a worker
     * that built a slow read itself parks in the build and again at the
     * end of the call) is the checkpointer's to end, and ending it here
     * too would run two threads in one connection. */
    pthread_mutex_lock(&db->park_lock);
    if (!db->parked && !sqlite3_get_autocommit(db->handle)) {
        if (db->snapshot_known)
            db->parked = true;
        else
            db_snapshot_end(db);
    }
    pthread_mutex_unlock(&db->park_lock);
}

void conn_end_parked(struct db *db)
{
    pthread_mutex_lock(&db->park_lock);
    if (db->parked && !sqlite3_get_autocommit(db->handle))
        db_snapshot_end(db);
    pthread_mutex_unlock(&db->park_lock);
}

bool conn_snapshot_open(struct db *db)
{
    pthread_mutex_lock(&db->park_lock);
    bool open = !sqlite3_get_autocommit(db->handle);
    pthread_mutex_unlock(&db->park_lock);
    return open;
}

enum db_status conn_row_by_id(struct db *db, const char *sql, int64_t id, sqlite3_stmt **st)
{
    *st = conn_stmt(db, sql);
    if (*st == NULL)
        return DB_ERR;
    sqlite3_bind_int64(*st, 1, id);
    int step = sqlite3_step(*st);
    if (step == SQLITE_ROW)
        return DB_OK;
    conn_done(*st);
    *st = NULL;
    return step == SQLITE_DONE ? DB_NOT_FOUND : conn_status(db, step);
}

enum db_status conn_exec(struct db *db, const char *sql)
{
    return conn_status(db, sqlite3_exec(db->handle, sql, NULL, NULL, NULL));
}

enum db_status conn_run(struct db *db, const char *sql)
{
    sqlite3_stmt *st = conn_stmt(db, sql);
    if (st == NULL)
        return DB_ERR;
    enum db_status rc = conn_status(db, sqlite3_step(st));
    conn_done(st);
    return rc;
}

enum db_status conn_status(struct db *db, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return DB_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_BUSY;
    /* A store opened read-only never gets this far (it has no writer); here
     * the file or its file system refused a write the store was allowed. */
    case SQLITE_READONLY:
    case SQLITE_IOERR:
        conn_log("sqlite error %d: %s", rc, sqlite3_errmsg(db->handle));
        return DB_UNAVAILABLE;
    case SQLITE_FULL: return DB_FULL;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return DB_CONFLICT;
        return DB_INVALID;
    default:
        conn_log("sqlite error %d: %s", rc, sqlite3_errmsg(db->handle));
        return DB_ERR;
    }
}

json_t *conn_col_string(sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    return text != NULL ? json_stringn(text, (size_t)sqlite3_column_bytes(st, col)) : json_null();
}

json_t *conn_col_int(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return json_integer((json_int_t)sqlite3_column_int64(st, col));
}

const char *conn_col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

int conn_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
    if (text == NULL)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
}

enum db_status db_store_version(struct db *db, int64_t *version)
{
    sqlite3_stmt *st = conn_stmt(db, "SELECT version FROM store_meta WHERE id = 1");
    if (st == NULL)
        return DB_ERR;
    int step = sqlite3_step(st);
    enum db_status rc = step == SQLITE_ROW ? DB_OK : conn_status(db, step == SQLITE_DONE ? SQLITE_ERROR : step);
    if (rc == DB_OK)
        *version = sqlite3_column_int64(st, 0);
    conn_done(st);
    return rc;
}

/* The WAL-index's first region as SQLite itself maps it for this
 * connection: valid until the connection closes. Never a mapping of our
 * own: opening the -shm file and closing that descriptor would drop every
 * POSIX lock this process holds on it (fcntl locks belong to the process,
 * not the descriptor), SQLite's included. Another process would then take
 * the store for unopened, reset the file under our readers and crash them
 * (SIGBUS) or mislead them. */
static void map_shm(struct db *db)
{
    db->shm_tried = true;
    /* Only a store in WAL mode has a WAL-index: asking for it otherwise
     * would make SQLite create one. */
    sqlite3_stmt *st = conn_stmt(db, "PRAGMA journal_mode");
    bool wal = st != NULL && sqlite3_step(st) == SQLITE_ROW &&
               sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    conn_done(st);
    sqlite3_file *file = NULL;
    if (!wal ||
        sqlite3_file_control(db->handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
        file == NULL || file->pMethods == NULL || file->pMethods->iVersion < 2 ||
        file->pMethods->xShmMap == NULL)
        return;
    /* Not extending it: the connection's first read creates it. */
    volatile void *region = NULL;
    if (file->pMethods->xShmMap(file, 0, WAL_INDEX_REGION, 0, &region) == SQLITE_OK &&
        region != NULL)
        db->shm = (const unsigned char *)region;
    else
        db->shm_tried = false;
}

/* A consistent copy of the header, or false. */
static bool wal_index_header(struct db *db, unsigned char out[WAL_INDEX_HEADER])
{
    unsigned char second[WAL_INDEX_HEADER];
    if (!db->shm_tried)
        map_shm(db);
    if (db->shm == NULL)
        return false;
    memcpy(out, db->shm, WAL_INDEX_HEADER);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    memcpy(second, db->shm + WAL_INDEX_HEADER, WAL_INDEX_HEADER);
    /* Byte 12 is isInit: 0 while the index is being rebuilt. */
    return memcmp(out, second, WAL_INDEX_HEADER) == 0 && out[12] != 0;
}

enum db_status db_store_version_now(struct db *db, int64_t *version)
{
    /* A snapshot resumed by conn_resume is current. */
    if (!sqlite3_get_autocommit(db->handle) && db->snapshot_known) {
        *version = db->snapshot_version;
        return DB_OK;
    }
    unsigned char before[WAL_INDEX_HEADER], after[WAL_INDEX_HEADER];
    bool known = sqlite3_get_autocommit(db->handle) && wal_index_header(db, before);
    if (known && db->seen_valid && memcmp(before, db->seen_header, WAL_INDEX_HEADER) == 0) {
        *version = db->seen_version;
        return DB_OK;
    }
    enum db_status rc = db_store_version(db, version);
    /* Kept only if no commit came between the two looks at the header:
     * then the version read is the one that header describes. */
    if (rc == DB_OK && known && wal_index_header(db, after) &&
        memcmp(before, after, WAL_INDEX_HEADER) == 0) {
        memcpy(db->seen_header, after, WAL_INDEX_HEADER);
        db->seen_version = *version;
        db->seen_valid = true;
    }
    return rc;
}

bool db_ping(struct db *db)
{
    sqlite3_stmt *st = conn_stmt(db, "SELECT 1");
    bool ok = st != NULL && sqlite3_step(st) == SQLITE_ROW;
    conn_done(st);
    return ok;
}

int db_schema_version(struct db *db)
{
    sqlite3_stmt *st = conn_stmt(db, "PRAGMA user_version");
    int version = -1;
    if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    conn_done(st);
    return version;
}

enum db_status db_explain_last(struct db *db, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *lines = NULL;
    char *sql = NULL;
    enum db_status rc = DB_ERR;

    if (db->last_list_sql == NULL)
        return DB_NOT_FOUND;
    if (asprintf(&sql, "EXPLAIN QUERY PLAN %s", db->last_list_sql) < 0) {
        sql = NULL;
        goto done;
    }
    if (sqlite3_prepare_v2(db->handle, sql, -1, &st, NULL) != SQLITE_OK)
        goto done;
    lines = json_array();
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(lines, conn_col_string(st, 3));
    if (step != SQLITE_DONE)
        goto done;
    *out = lines;
    lines = NULL;
    rc = DB_OK;
done:
    json_decref(lines);
    sqlite3_finalize(st);
    free(sql);
    return rc;
}

const char *db_last_error(struct db *db)
{
    return db != NULL && db->handle != NULL ? sqlite3_errmsg(db->handle) : "no connection";
}
