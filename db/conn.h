#pragma once
/* Private to db/: one SQLite connection and its statement cache, and the small
 * helpers every query file uses. Nothing outside db/ includes this. */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>

#include "db/db.h"
#include "db/rank.h"

struct documents;

/* Prepared statements are kept per connection, keyed by their SQL text, so a
 * query built from a filter combination is prepared once and reused. The
 * handlers can build a few hundred texts; past the slots, the least recently
 * used idle statement makes room. */
#define CONN_STMT_SLOTS 256

struct stmt_slot {
    uint64_t hash;
    uint64_t last_used;
    char *sql;
    sqlite3_stmt *stmt;
};

#define CONN_STMT_INDEX 1024
/* The WAL-index header (https://www.sqlite.org/walformat.html): 48 bytes
 * at the start of the -shm file, followed by a second copy that a writer
 * updates first; a reader trusts them only when both agree. */
#define WAL_INDEX_HEADER 48

struct db {
    sqlite3 *handle;
    struct stmt_slot slots[CONN_STMT_SLOTS];
    /* A hint per hash bucket: the slot (plus one) that last held a text of
     * that bucket, so the usual lookup is one compare, not a pass. */
    uint16_t hint[CONN_STMT_INDEX];
    uint64_t uses;
    char *last_list_sql; /* kept for db_explain_last */
    /* db_store_version_now: the WAL-index as SQLite maps it for this
     * connection (NULL if it is not mapped), and the header under which
     * `seen_version` was read. */
    const unsigned char *shm;
    bool shm_tried, seen_valid;
    unsigned char seen_header[WAL_INDEX_HEADER];
    int64_t seen_version;
    /* The open snapshot, when db_snapshot_begin could tell which one it is:
     * the WAL-index header it was taken under and the version it reads. */
    bool snapshot_known;
    unsigned char snapshot_header[WAL_INDEX_HEADER];
    int64_t snapshot_version;
    /* A store reader whose snapshot may stay open between requests
     * (db_snapshot_leave): its store has a checkpointer to end parked
     * ones. `parked` (under park_lock): the owning thread is not using
     * the connection, so that thread may end its snapshot meanwhile. */
    bool keeps_snapshots;
    pthread_mutex_t park_lock;
    bool parked;
    /* A store reader's: the rendered article documents it reads and adds
     * to (db/documents.h), NULL when none are kept. */
    struct documents *docs;
    /* rank_file_prefix of the store, for the keys of kept candidate lists:
     * read once it holds the store's instance id. */
    bool rank_prefix_known;
    char rank_prefix[RANK_FILE_PREFIX_LEN + 1];
};

/* Snapshots kept between requests. A reader that read with
 * db_snapshot_begin ... db_snapshot_leave leaves its read transaction open;
 * its next request resumes it while no commit came since (the WAL-index
 * header is unchanged), instead of ending it and taking the same one again
 * (two fcntl locks, and the -shm mutex that every worker takes: a fifth of
 * an article read's CPU with two workers). A snapshot left open holds back
 * checkpoints, so between uses it is parked, and the store's checkpointer
 * ends parked ones whenever it wakes (at least once a second). A WAL starts
 * over only when no snapshot reads from it: past 1,000 frames none is kept,
 * and once writes pause the checkpointer starts the WAL over itself. */

/* Before the owning thread uses the connection again: un-parks it and
 * ends its snapshot if a commit came since (or it cannot tell). */
void conn_resume(struct db *db);

/* The store version the open read transaction reads; false outside one. */
bool conn_snapshot_version(struct db *db, int64_t *version);

/* The writer's transaction began on w (db/transaction.c): tells the
 * documents the store version it starts from. */
void store_writer_began(struct store *store, struct db *w);

/* The writer's transaction committed, leaving the store at `version`. */
void store_writer_committed(struct store *store, int64_t version);

/* The owning thread is done with the connection for now: an open snapshot
 * that is known becomes the checkpointer's to end; an unknown one ends. */
void conn_park(struct db *db);

/* From the checkpointer: ends the snapshot of a parked connection. */
void conn_end_parked(struct db *db);

/* Whether the WAL is past the length at which snapshots stop being kept
 * (db_snapshot_leave); false when the connection cannot tell. */
bool conn_wal_too_long_to_keep(struct db *db);

/* Whether the connection has a read transaction open; safe from any thread
 * while the connection is parked (for tests). */
bool conn_snapshot_open(struct db *db);

/* Opens a connection with our pragmas. flags are sqlite3_open_v2 flags. */
struct db *conn_open(const char *path, int flags, const struct store_options *opts, char *err,
                     size_t errlen);
void conn_close(struct db *db);

/* A prepared statement for `sql`, reset and with bindings cleared, owned by the
 * connection's cache: callers reset it when done (conn_done), never finalize.
 * Take it right before stepping it: a statement not yet stepped may be
 * evicted by a later conn_stmt call on the same connection. */
sqlite3_stmt *conn_stmt(struct db *db, const char *sql);

/* Like conn_stmt, and remembers sql as the connection's last list query. */
sqlite3_stmt *conn_list_stmt(struct db *db, const char *sql);

/* Resets a statement taken from the cache. Accepts NULL. */
void conn_done(sqlite3_stmt *st);

/* The one row `sql` selects for `id` (its only parameter): DB_OK with *st
 * on the row (conn_done it), DB_NOT_FOUND when there is none (*st NULL). */
enum db_status conn_row_by_id(struct db *db, const char *sql, int64_t id, sqlite3_stmt **st);

/* Runs statements with no result rows (schema, BEGIN/COMMIT). */
enum db_status conn_exec(struct db *db, const char *sql);

/* Runs one statement from the statement cache, for those a write runs every
 * time (compiling them each time showed in the write path's profile). */
enum db_status conn_run(struct db *db, const char *sql);

/* Maps an SQLite result code to our status, logging unexpected errors. */
enum db_status conn_status(struct db *db, int rc);

/* Column values as JSON: NULL becomes json null. The text is copied. */
json_t *conn_col_string(sqlite3_stmt *st, int col);
json_t *conn_col_int(sqlite3_stmt *st, int col);
const char *conn_col_text(sqlite3_stmt *st, int col);

/* Formats a message for the logger set with db_set_logger. */
void conn_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Binds a C string (NULL binds SQL NULL). */
int conn_bind_text(sqlite3_stmt *st, int idx, const char *text);
