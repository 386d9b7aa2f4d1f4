#include "db/bulk_load.h"

#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/fts_build.h"
#include "db/fts_levels.h"

/* ---- the search indexes ------------------------------------------------
 * FTS5 writes out its pending terms at every statement savepoint, and every
 * insert that fires a trigger opens one: indexed by its trigger, each
 * article becomes an index segment of its own, merged and merged again,
 * which costs more than the rest of its import put together (bench/gen,
 * 100,000 articles: 96 s of CPU against 56 s this way). A new store's
 * article and quote indexes are instead built beside the load, on a thread
 * of their own (db/fts_build.c), or for a partial import rebuilt once from
 * the stored rows ('rebuild' reads an external-content index's rows back):
 * either gives the same index. Of their triggers only these AFTER INSERT
 * ones fire in an import into an empty store; the update and delete ones
 * stay. Entity names are indexed as before: there are few, and entity_fts
 * keeps its own copy of its text, which a rebuild could not read back.
 * (Since migration 11 the AFTER INSERT triggers only list each new row in
 * fts_pending, and a commit indexes the rows in one statement: no longer a
 * segment per article, but still on the importing thread, which the build
 * beside the load spares.) */
#define INDEXED_MAX 3

static const struct search_index {
    const char *trigger; /* its AFTER INSERT trigger (migrations 4 and 11) */
    const char *index;   /* the external-content FTS5 table it writes */
    enum db_kind kind;   /* the records it indexes */
    const char *columns; /* the index's columns, as its trigger lists them */
    const char *fields[INDEXED_MAX + 1]; /* the record's fields those hold, NULL-ended */
} search_indexes[] = {
    {"articles_fts_added", "article_fts", KIND_ARTICLE, "title, summary, body",
     {"title", "summary", "body", NULL}},
    {"quotes_fts_added", "quote_fts", KIND_QUOTE, "text", {"text", NULL}},
};

#define SEARCH_COUNT (sizeof search_indexes / sizeof search_indexes[0])

/* ---- the rest of the per-row work ---------------------------------------
 * Each article's row went into three indexes in random places, and each of
 * its seven or so mentions into mentions_by_entity and, through the
 * mentions_added trigger, into its entity's row and that row's place in
 * entities_by_type_mentions: most of an article's import. Indexes made
 * once at the end are built by one sort, and the entities' counters are
 * counted once from the mentions. The triggers that note a row added below
 * the largest (migration 9) have nothing to note in a load that began empty,
 * and would look up the largest id for every row. */
static const struct set_aside {
    const char *type; /* "index" or "trigger" */
    const char *name;
} set_asides[] = {
    {"index", "articles_by_date"},  {"index", "articles_by_source"},
    {"index", "mentions_by_entity"}, {"index", "quotes_by_article"},
    {"index", "quotes_by_speaker"},  {"trigger", "articles_fts_inserted_below"},
    {"trigger", "quotes_fts_inserted_below"}, {"trigger", "mentions_added"},
};

#define SET_ASIDE_COUNT (sizeof set_asides / sizeof set_asides[0])
#define MENTIONS_TRIGGER (SET_ASIDE_COUNT - 1)

/* What mentions_added would have left, for a store that had no mentions
 * before, counted in one pass over the mentions in their own order: a
 * GROUP BY entity sorted all of them first (21 s of 54 at 1M articles). */
#define RECOUNT_MAX_ID 100000000

/* The same by SQL, for ids too sparse for an array of counters. */
static const char recount_sql[] =
    "UPDATE entities SET article_count = c.n, mention_count = c.m"
    " FROM (SELECT entity_id, count(*) AS n, sum(count) AS m FROM mentions"
    "       GROUP BY entity_id) AS c"
    " WHERE entities.id = c.entity_id";

struct entity_count {
    int64_t articles, mentions;
};

struct bulk_load {
    /* The statements that made what was dropped, to make it again; NULL
     * where nothing was dropped. */
    char *search_trigger_sql[SEARCH_COUNT];
    char *set_aside_sql[SET_ASIDE_COUNT];
    /* Built on a thread of its own as the rows come; NULL: rebuilt from
     * the rows at the end. */
    struct fts_build *builds[SEARCH_COUNT];
};

static size_t field_count(const struct search_index *s)
{
    size_t n = 0;
    while (s->fields[n] != NULL)
        n++;
    return n;
}

static bool database_failed(struct record_error *err)
{
    return record_fail(err, DB_ERR, NULL, "the database failed; see the server log");
}

static bool store_is_empty(struct db *w, struct record_error *err)
{
    sqlite3_stmt *st = conn_stmt(w, "SELECT EXISTS (SELECT 1 FROM entities)"
                                    " OR EXISTS (SELECT 1 FROM articles)"
                                    " OR EXISTS (SELECT 1 FROM quotes)"
                                    " OR EXISTS (SELECT 1 FROM agreements)");
    int step = st != NULL ? sqlite3_step(st) : SQLITE_ERROR;
    bool has_records = step == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    conn_done(st);
    if (step != SQLITE_ROW)
        return database_failed(err);
    if (has_records)
        return record_fail(err, DB_INVALID, NULL, "a new-store import needs an empty store");
    return true;
}

/* Drops the schema's `type` `name`, keeping the statement that made it in
 * *sql. A schema without it, or whose statement lacks `must_name` (a
 * trigger of that name that writes elsewhere), keeps it: *sql stays NULL
 * and the load does that part the ordinary way. */
static bool set_aside(struct db *w, const char *type, const char *name, const char *must_name,
                      char **sql, struct record_error *err)
{
    sqlite3_stmt *st = conn_stmt(w, "SELECT sql FROM sqlite_schema WHERE type = ? AND name = ?");
    if (st == NULL)
        return database_failed(err);
    conn_bind_text(st, 1, type);
    conn_bind_text(st, 2, name);
    int step = sqlite3_step(st);
    const char *made_by = step == SQLITE_ROW ? conn_col_text(st, 0) : NULL;
    bool copied = true;
    if (made_by != NULL && strstr(made_by, must_name) != NULL)
        copied = (*sql = strdup(made_by)) != NULL;
    conn_done(st);
    if (!copied)
        return record_fail(err, DB_ERR, NULL, "out of memory");
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return database_failed(err);
    if (*sql == NULL)
        return true;
    char drop[128];
    snprintf(drop, sizeof drop, "DROP %s %s", strcmp(type, "index") == 0 ? "INDEX" : "TRIGGER",
             name);
    return conn_exec(w, drop) == DB_OK || database_failed(err);
}

struct bulk_load *bulk_load_begin(struct db *w, bool partial, struct record_error *err)
{
    struct bulk_load *b = NULL;
    if (!store_is_empty(w, err))
        return NULL;
    b = calloc(1, sizeof *b);
    if (b == NULL) {
        record_fail(err, DB_ERR, NULL, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < SEARCH_COUNT; i++) {
        const struct search_index *s = &search_indexes[i];
        if (!set_aside(w, "trigger", s->trigger, s->index, &b->search_trigger_sql[i], err))
            goto fail;
        if (b->search_trigger_sql[i] != NULL && !partial)
            b->builds[i] = fts_build_start(w, s->index, s->columns, (int)field_count(s));
    }
    for (size_t i = 0; i < SET_ASIDE_COUNT; i++) {
        /* The trigger is replaced by recount_mentions: only the one that
         * keeps those counters. */
        const char *must_name = i == MENTIONS_TRIGGER ? "mention_count" : set_asides[i].name;
        if (!set_aside(w, set_asides[i].type, set_asides[i].name, must_name,
                       &b->set_aside_sql[i], err))
            goto fail;
    }
    return b;
fail:
    bulk_load_free(b);
    return NULL;
}

bool bulk_load_stored(struct bulk_load *b, enum db_kind kind, int64_t id, const json_t *rec,
                      struct record_error *err)
{
    for (size_t i = 0; i < SEARCH_COUNT; i++) {
        const struct search_index *s = &search_indexes[i];
        if (s->kind != kind || b->builds[i] == NULL)
            continue;
        const char *texts[INDEXED_MAX] = {0};
        for (size_t f = 0; f < field_count(s); f++)
            texts[f] = json_string_value(json_object_get(rec, s->fields[f]));
        if (!fts_build_add(b->builds[i], id, texts))
            return record_fail(err, DB_ERR, NULL, "the search index could not be built");
    }
    return true;
}

/* FTS5 writes its pending terms out as a new segment whenever they pass
 * 'hashsize' bytes (1 MiB by default), and merges the segments level by
 * level. A rebuild of a million articles makes thousands of segments that
 * way, each term's postings rewritten at every level. With 256 MiB there are
 * a few dozen segments: a 1M-article rebuild took 277 s the first way, and a
 * 100k one 15.5 s against 9.5 s. Those few dozen big segments must then be
 * merged into one ('optimize') before the store is used: left as they are,
 * FTS5's automatic merging took them on a piece at a time in the next
 * writes, and the first two hundred posts on a 1M store wrote 4 GB of WAL.
 * The hash size is kept in the index's config, so it is put back afterwards
 * for ordinary writes. */
#define BULK_FTS_HASHSIZE (256 << 20)
#define DEFAULT_FTS_HASHSIZE (1 << 20)

static bool rebuild_index(struct db *w, const char *index)
{
    char sql[200];
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s, rank) VALUES ('hashsize', %d)", index, index,
             BULK_FTS_HASHSIZE);
    if (conn_exec(w, sql) != DB_OK)
        return false;
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES ('rebuild')", index, index);
    if (conn_exec(w, sql) != DB_OK)
        return false;
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES ('optimize')", index, index);
    if (conn_exec(w, sql) != DB_OK)
        return false;
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s, rank) VALUES ('hashsize', %d)", index, index,
             DEFAULT_FTS_HASHSIZE);
    return conn_exec(w, sql) == DB_OK;
}

static enum db_status largest_entity_id(struct db *w, int64_t *id)
{
    sqlite3_stmt *st = conn_stmt(w, "SELECT coalesce(max(id), 0) FROM entities");
    if (st == NULL)
        return DB_ERR;
    int step = sqlite3_step(st);
    *id = sqlite3_column_int64(st, 0);
    conn_done(st);
    return step == SQLITE_ROW ? DB_OK : conn_status(w, step);
}

static bool recount_mentions(struct db *w)
{
    struct entity_count *counts = NULL;
    int64_t largest;
    int step = SQLITE_ERROR;
    bool ok = false;

    if (largest_entity_id(w, &largest) != DB_OK)
        goto done;
    if (largest > RECOUNT_MAX_ID) {
        ok = conn_exec(w, recount_sql) == DB_OK;
        goto done;
    }
    counts = calloc((size_t)largest + 1, sizeof *counts);
    sqlite3_stmt *st = counts != NULL ? conn_stmt(w, "SELECT entity_id, count FROM mentions")
                                      : NULL;
    if (st == NULL)
        goto done;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id < 1 || id > largest)
            break; /* a foreign key would not allow it */
        counts[id].articles++;
        counts[id].mentions += sqlite3_column_int64(st, 1);
    }
    conn_done(st);
    if (step != SQLITE_DONE)
        goto done;
    st = conn_stmt(w, "UPDATE entities SET article_count = ?2, mention_count = ?3 WHERE id = ?1");
    ok = st != NULL;
    for (int64_t id = 1; ok && id <= largest; id++) {
        if (counts[id].articles == 0)
            continue;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, counts[id].articles);
        sqlite3_bind_int64(st, 3, counts[id].mentions);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    conn_done(st);
done:
    free(counts);
    return ok;
}

bool bulk_load_end(struct bulk_load *b, struct db *w, struct record_error *err)
{
    /* The index threads commit and merge their segments meanwhile. */
    for (size_t i = 0; i < SEARCH_COUNT; i++)
        if (b->builds[i] != NULL)
            fts_build_close(b->builds[i]);
    if (b->set_aside_sql[MENTIONS_TRIGGER] != NULL && !recount_mentions(w))
        return database_failed(err);
    for (size_t i = 0; i < SET_ASIDE_COUNT; i++)
        if (b->set_aside_sql[i] != NULL && conn_exec(w, b->set_aside_sql[i]) != DB_OK)
            return database_failed(err);
    /* Last, so the index threads had the time of the above to finish. */
    for (size_t i = 0; i < SEARCH_COUNT; i++) {
        if (b->search_trigger_sql[i] == NULL)
            continue;
        bool built = b->builds[i] != NULL ? fts_build_finish(b->builds[i], w)
                                          : rebuild_index(w, search_indexes[i].index);
        if (!built || conn_exec(w, b->search_trigger_sql[i]) != DB_OK)
            return database_failed(err);
    }
    return true;
}

/* It only spares later writes a merge, so a failure leaves the import as
 * it is. */
void bulk_load_settle(struct bulk_load *b, struct store *store,
                      const struct transfer_counts *counts)
{
    struct db *side = store_side_writer_open(store);
    if (side == NULL)
        return;
    for (size_t i = 0; i < SEARCH_COUNT; i++) {
        if (b->search_trigger_sql[i] == NULL)
            continue;
        int rows = search_indexes[i].kind == KIND_ARTICLE ? counts->articles : counts->quotes;
        if (rows > 0 && !fts_settle_bulk_segment(side, search_indexes[i].index, rows))
            conn_log("%s: its segment was left on its level", search_indexes[i].index);
    }
    store_reader_close(side);
}

void bulk_load_free(struct bulk_load *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < SEARCH_COUNT; i++) {
        free(b->search_trigger_sql[i]);
        fts_build_free(b->builds[i]);
    }
    for (size_t i = 0; i < SET_ASIDE_COUNT; i++)
        free(b->set_aside_sql[i]);
    free(b);
}
