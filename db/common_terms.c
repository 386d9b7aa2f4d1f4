/* The row counts of every common word of the search indexes, read from each
 * index's vocabulary in one pass and saved where wb_bm25 looks for counts
 * (term_counts, db/rank.h).
 *
 * A word's first search on a store counts the rows holding it by walking
 * its posting list: about 28 ms for a word in half of a million articles.
 * A server keeps the counts it made, across restarts too, but a store that
 * was just imported has none. FTS5's fts5vocab table lists every term of
 * an index with its row count; reading it is one pass over the whole index
 * (12-13 s for 1-1.45M bench articles), which is for after a bulk import,
 * not for a request. Each count is saved at the version and largest rowid
 * its index was read at, so a later search brings it up to date by counting
 * only the rows added since, as for any saved count. Each index is read in
 * a snapshot of its own: a server's writes meanwhile are not kept from
 * checkpointing for the whole pass. */

#include <stdio.h>
#include <stdlib.h>

#include "db/conn.h"
#include "db/rank.h"

/* The indexes whose counts can be brought up to date: those fts_rewrites
 * follows. Entities are few; their walks are short. */
static const char *const counted_indexes[] = {"article_fts", "quote_fts"};

/* Saved counts are pruned oldest first, and these are older than those a
 * server saves at its next stop (a thousand at most): room for both. */
_Static_assert(DB_COMMON_TERMS_MAX * 2 + RANK_COUNTS_KEPT <= RANK_SAVED_MAX,
               "a server's saved counts would push the common words' out");

struct counted {
    struct rank_saved_count *counts;
    size_t count, room;
};

static bool add_count(struct counted *out, const char *key, int64_t version, int64_t rows,
                      int64_t top_rowid)
{
    if (out->count == out->room) {
        size_t room = out->room > 0 ? 2 * out->room : 1024;
        struct rank_saved_count *grown = realloc(out->counts, room * sizeof *grown);
        if (grown == NULL)
            return false;
        out->counts = grown;
        out->room = room;
    }
    struct rank_saved_count *count = &out->counts[out->count++];
    snprintf(count->key, sizeof count->key, "%s", key);
    count->version = version;
    count->rows = rows;
    count->top_rowid = top_rowid;
    return true;
}

/* The terms of `table` in at least min_rows rows, at most `most` of them,
 * the commonest first, with the index's largest rowid, all in one
 * snapshot. The vocabulary table is the connection's own, in its temp
 * schema, and dropped again. */
static enum db_status read_index(struct db *db, const char *table, int64_t min_rows, int most,
                                 struct counted *out)
{
    enum db_status rc = DB_ERR;
    int64_t version = 0, top_rowid = 0;
    sqlite3_stmt *st = NULL;
    bool snapshot = false, created = false;
    char *create = sqlite3_mprintf(
        "CREATE VIRTUAL TABLE temp.wb_common_terms USING fts5vocab(main, \"%w\", row)", table);

    if (create == NULL || db_snapshot_begin(db) != DB_OK)
        goto done;
    snapshot = true;
    if (db_store_version(db, &version) != DB_OK ||
        !rank_largest_rowid(db->handle, table, &top_rowid) ||
        sqlite3_exec(db->handle, create, NULL, NULL, NULL) != SQLITE_OK)
        goto done;
    created = true;
    if (sqlite3_prepare_v2(db->handle,
                           "SELECT term, doc FROM temp.wb_common_terms WHERE doc >= ?1"
                           " ORDER BY doc DESC, term LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_int64(st, 1, min_rows) != SQLITE_OK ||
        sqlite3_bind_int(st, 2, most) != SQLITE_OK)
        goto done;
    int step = SQLITE_ERROR;
    bool added = true;
    while (added && (step = sqlite3_step(st)) == SQLITE_ROW) {
        char key[RANK_KEY_MAX];
        const char *term = (const char *)sqlite3_column_text(st, 0);
        /* A term too long for a key is never looked up either. */
        if (term != NULL && rank_term_key(table, false, term, key, sizeof key))
            added = add_count(out, key, version, sqlite3_column_int64(st, 1), top_rowid);
    }
    if (added && step == SQLITE_DONE)
        rc = DB_OK;
done:
    sqlite3_finalize(st);
    if (created &&
        sqlite3_exec(db->handle, "DROP TABLE temp.wb_common_terms", NULL, NULL, NULL) != SQLITE_OK)
        rc = DB_ERR;
    if (snapshot)
        db_snapshot_end(db);
    sqlite3_free(create);
    return rc;
}

/* Every counted index's common terms, each index read in its own snapshot. */
static enum db_status read_common_terms(struct store *store, int64_t min_rows, int most,
                                        struct counted *out)
{
    struct db *db = store_reader(store);
    enum db_status rc = db != NULL ? DB_OK : DB_ERR;
    for (size_t i = 0; rc == DB_OK && i < sizeof counted_indexes / sizeof counted_indexes[0]; i++)
        rc = read_index(db, counted_indexes[i], min_rows, most, out);
    return rc;
}

enum db_status db_count_common_terms(struct store *store, int64_t min_rows, int most,
                                     int64_t *saved)
{
    struct counted counted = {0};
    *saved = 0;
    bool valid = min_rows >= 1 && most >= 1 && most <= DB_COMMON_TERMS_MAX;
    enum db_status rc = valid ? read_common_terms(store, min_rows, most, &counted) : DB_INVALID;
    if (rc == DB_OK && counted.count > 0) {
        struct db *writer = store_writer_begin(store);
        if (writer == NULL) {
            rc = DB_READ_ONLY;
        } else {
            if (!rank_save_counts(writer->handle, counted.counts, counted.count))
                rc = DB_ERR;
            store_writer_end(store);
        }
    }
    if (rc == DB_OK)
        *saved = (int64_t)counted.count;
    free(counted.counts);
    return rc;
}
