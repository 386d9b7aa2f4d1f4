#pragma once
/* The store interface: the only way the rest of wirebase reaches its data.
 *
 * A `struct store` is one database file. It hands each worker thread its own
 * read connection (`struct db`), opened on first use and kept until the store
 * closes, so prepared statements are reused across requests. Writers share one
 * write connection, taken with store_writer_begin/store_writer_end.
 *
 * Handlers see only these functions and JSON values; no SQL or sqlite3 type
 * crosses this header, so a second backend can implement the same calls. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;
struct db;

enum db_status {
    DB_OK = 0,
    DB_NOT_FOUND,  /* the record (or a record a filter names) does not exist */
    DB_CONFLICT,   /* a unique key (slug) is taken */
    DB_INVALID,    /* the input breaks a rule; the error text says which */
    DB_BAD_REF,    /* the input names a record that does not exist */
    DB_STALE,      /* the record changed since the version the caller had */
    DB_BUSY,       /* the database stayed locked past the busy timeout */
    DB_READ_ONLY,  /* the store was opened read-only */
    DB_FULL,       /* the disk, or the store's size limit, has no room for the write */
    DB_UNAVAILABLE, /* the file cannot be written or read now: an I/O error, a read-only
                       file or file system (not a store opened read-only) */
    DB_ERR,        /* anything else; details went to the log */
};

struct store_options {
    const char *path;
    bool read_only;       /* open without write access; never create or migrate */
    int busy_timeout_ms;  /* how long a statement waits for a lock */
    int cache_size_kib;   /* SQLite page cache per connection */
    int max_size_mib;     /* the largest the database file may grow; 0: no limit */
    /* The caller fills a new file alone, in one transaction (bench/gen): its
     * connections keep SQLite's rollback journal instead of the WAL, which
     * would write every page twice (into the WAL, then the file). The pages
     * of a new file are not journaled at all, so each is written once, and
     * a rollback still gives the empty store back. No checkpointer thread
     * is started; store_close puts the file in WAL mode (as a file already
     * in WAL mode stays: then the option only leaves checkpoints to
     * SQLite's own). */
    bool bulk_load;
    /* Keep rendered article documents beside the store (<path>-docs, see
     * db/documents.h), used by reads of an article by id; only for a
     * writable store opened by one long-running process (serve). */
    bool documents;
};

/* Opens (and, unless read-only, creates and migrates) the database at
 * opts->path. *created tells whether the database had no schema yet, so the
 * caller can fill it. On failure returns NULL and writes a reason into err. */
struct store *store_open(const struct store_options *opts, bool *created, char *err,
                         size_t errlen);

/* Closes every connection the store opened. Call once, after all threads that
 * used store_reader have stopped. Accepts NULL. */
void store_close(struct store *store);

/* This thread's read connection, opened on the first call from the thread and
 * owned by the store. NULL if it cannot be opened. A snapshot it kept from
 * the thread's last request is ended here if a commit came since. */
struct db *store_reader(struct store *store);

/* The thread is done with its reader for now (the end of each call into
 * the server): a snapshot left open is the checkpointer's to end. */
void store_reader_park(struct store *store);

/* The write connection, locked for the caller until store_writer_end; NULL for
 * a read-only store. */
struct db *store_writer_begin(struct store *store);
void store_writer_end(struct store *store);

/* Calls observe(ctx, held_us) each time a writer releases the write lock,
 * with how long it held it (a write transaction's latency, queueing for
 * the lock excluded). observe runs under the lock: it must be quick and
 * must not write. NULL stops the calls. */
void store_set_write_observer(struct store *store, void (*observe)(void *ctx, uint64_t held_us),
                              void *ctx);

/* Like store_writer_begin, but waits at most the busy timeout for the lock:
 * NULL with *status DB_BUSY then, or DB_READ_ONLY for a read-only store. */
struct db *store_writer_try(struct store *store, enum db_status *status);

/* Opens a read transaction on a reader: every query until db_snapshot_end
 * sees the store as it was at the first one, so the parts of one answer
 * (a record and its links, a filter's id and the list) agree, and the file
 * lock is taken once per answer instead of once per query. */
enum db_status db_snapshot_begin(struct db *db);
void db_snapshot_end(struct db *db);

/* Ends a read the way db_snapshot_end does, except on a store reader whose
 * snapshot can be kept: that one stays open for the thread's next request
 * to resume while nothing was committed (db/conn.h, "Snapshots kept between
 * requests"). The thread parks its reader when it is done with it. */
void db_snapshot_leave(struct db *db);

/* The store-wide version: bumped by every write transaction, and the
 * version every changed record takes. Read inside a snapshot it names the
 * state that snapshot sees. */
enum db_status db_store_version(struct db *db, int64_t *version);

/* The current store version, outside any snapshot, without a transaction
 * when nothing was committed since this connection last read it: the
 * WAL-index header in the -shm file (SQLite's documented format) changes
 * with every commit and WAL restart, so an unchanged header means the
 * version read under it still holds. Falls back to db_store_version. */
enum db_status db_store_version_now(struct db *db, int64_t *version);

/* True when the database answers a trivial query (readiness). */
bool db_ping(struct db *db);

/* The schema version (PRAGMA user_version) the database is at. */
int db_schema_version(struct db *db);

/* The EXPLAIN QUERY PLAN of the last list query this connection ran, as a JSON
 * array of plan lines (caller owns). Tests use it to prove lists use indexes. */
enum db_status db_explain_last(struct db *db, json_t **out);

/* Where db/ reports errors it cannot return (unexpected SQLite failures).
 * Defaults to stderr. The text never reaches clients. */
void db_set_logger(void (*logger)(const char *message));

/* Last error text of a failed call on this connection, for logs only. */
const char *db_last_error(struct db *db);

/* Why a write was refused, in terms of the client's record. */
struct record_error {
    enum db_status status; /* DB_INVALID, DB_BAD_REF, DB_CONFLICT, DB_NOT_FOUND or DB_ERR */
    char field[128];       /* the field at fault, e.g. "mentions[2].entity"; "" if none */
    char message[256];     /* for people: "must be a date (YYYY-MM-DD)" */
};

/* A position in a keyset-paginated list: the sort key and id of the last row
 * of the previous page. `key` holds the sort value as text (a date, a folded
 * name or a count). */
#define KEYSET_KEY_MAX 512
struct keyset {
    bool set;
    char key[KEYSET_KEY_MAX];
    int64_t id;
};

/* The kinds of record a path or filter can name by id or slug. */
enum db_kind { KIND_ARTICLE, KIND_ENTITY, KIND_AGREEMENT, KIND_QUOTE };

/* Finds the id of the record of `kind` that `ref` names: a decimal id or a
 * slug. DB_NOT_FOUND when none does. */
enum db_status db_resolve(struct db *db, enum db_kind kind, const char *ref, int64_t *id);

/* The slug of record `id` of `kind` (malloc'd, caller frees); DB_NOT_FOUND
 * when there is none. */
enum db_status db_slug_of(struct db *db, enum db_kind kind, int64_t id, char **slug);

/* A connection of its own for a long read (an export streamed over many
 * calls) that must not share the thread's reader. Close with
 * store_reader_close. NULL if it cannot be opened. */
struct db *store_reader_open(struct store *store);
void store_reader_close(struct db *db);

/* A read-write connection of its own, beside the writer (close with
 * store_reader_close): what it commits, the writer's and the readers'
 * caches see as another connection's change. NULL for a read-only store or
 * if it cannot be opened. */
struct db *store_side_writer_open(struct store *store);

/* Whether rendered article documents are kept (store_options.documents,
 * and the file could be had). */
bool store_keeps_documents(const struct store *store);

/* Articles served from the rendered documents, and documents kept, since
 * the store was opened (0 and 0 when none are kept). */
void store_documents_counts(const struct store *store, uint64_t *served, uint64_t *kept);

/* Renders every article of the store and keeps its document (a store
 * opened with documents kept, by no other process): what `wirebase
 * documents` runs after a bulk import, so that the first read of each
 * article is already one read. *articles: how many there are. */
enum db_status db_documents_build(struct store *store, int64_t *articles);

/* Counts the rows of the commonest terms of the article and quote search
 * indexes, from each index's vocabulary (one pass over it: seconds per
 * million articles), and saves the counts where searches look for them
 * (db/common_terms.c): a term in at least min_rows rows, the `most`
 * commonest of each index (1 to DB_COMMON_TERMS_MAX). A search for one
 * then starts from its count instead of walking its posting list: what
 * `wirebase terms` runs after a bulk import. *saved: how many. DB_INVALID
 * for limits out of range, DB_READ_ONLY for a read-only store, DB_ERR
 * for a database error (the writer busy past the timeout included): then
 * nothing was saved. */
#define DB_COMMON_TERMS_MAX 4096
enum db_status db_count_common_terms(struct store *store, int64_t min_rows, int most,
                                     int64_t *saved);

/* Forgets every kept document and empties the file they are in (it only
 * grows while the store is open). */
void store_documents_reset(struct store *store);

/* Whether the kept documents' file is mostly forgotten text (see
 * documents_mostly_forgotten): worth rebuilding. */
bool store_documents_mostly_forgotten(struct store *store);
