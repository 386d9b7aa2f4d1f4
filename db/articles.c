#include "db/articles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/documents.h"
#include "db/json_text.h"
#include "db/listing.h"
#include "db/search.h"
#include "db/summaries.h"

enum db_status db_article_list(struct db *db, const struct article_filter *filter,
                               const struct keyset *after, int limit, json_t **items,
                               struct keyset *next)
{
    struct sql_buf sql = {0};
    char match[SEARCH_MATCH_MAX];
    /* An entity filter walks the entity's mentions, which carry the article
     * date, so the page is one index range; otherwise the article indexes
     * serve the order directly. `o` names the table the order comes from. */
    const char *order_date = "a.published_at", *order_id = "a.id";

    if (filter->q != NULL && db_search_compile(filter->q, match, sizeof match, NULL, 0) != DB_OK)
        return DB_INVALID;
    sql_add(&sql, "SELECT " ARTICLE_SUMMARY_COLUMNS ", %s, %s FROM ",
            filter->entity_id ? "m.published_at" : "a.published_at",
            filter->entity_id ? "m.article_id" : "a.id");
    if (filter->entity_id) {
        order_date = "m.published_at";
        order_id = "m.article_id";
        sql_add(&sql, "mentions m JOIN articles a ON a.id = m.article_id WHERE m.entity_id = :entity");
    } else {
        sql_add(&sql, "articles a WHERE 1");
    }
    if (filter->agreement_id)
        sql_add(&sql, " AND a.id IN (SELECT article_id FROM agreement_articles"
                      " WHERE agreement_id = :agreement)");
    if (filter->source != NULL)
        sql_add(&sql, " AND a.source = :source");
    /* Matching keeps the list's own order and keyset: the index only says
     * which articles are in it. */
    if (filter->q != NULL)
        sql_add(&sql, " AND a.id %s", db_search_filter_sql(KIND_ARTICLE));
    if (filter->since != NULL)
        sql_add(&sql, " AND %s >= :since", order_date);
    /* Dates may carry a time; "until a day" means up to its last moment:
     * every "YYYY-MM-DD..." of that day sorts before "YYYY-MM-DDT99"
     * (and, unlike date(:until, '+1 day'), this works for 9999-12-31). */
    if (filter->until != NULL)
        sql_add(&sql, " AND %s <= :until || 'T99'", order_date);
    if (after != NULL && after->set)
        sql_add(&sql, " AND (%s, %s) < (:after_key, :after_id)", order_date, order_id);
    sql_add(&sql, " ORDER BY %s DESC, %s DESC LIMIT :limit", order_date, order_id);
    if (sql.overflow)
        return DB_ERR;

    sqlite3_stmt *st = conn_list_stmt(db, sql.text);
    if (st == NULL)
        return DB_ERR;
    bind_named_text(st, ":source", filter->source);
    bind_named_int(st, ":entity", filter->entity_id);
    bind_named_int(st, ":agreement", filter->agreement_id);
    bind_named_text(st, ":since", filter->since);
    bind_named_text(st, ":until", filter->until);
    if (filter->q != NULL)
        bind_named_text(st, ":q", match);
    bind_page(st, after, limit);
    enum db_status rc = listing_page(db, st, limit, summary_article, ARTICLE_SUMMARY_NCOLS,
                                     ARTICLE_SUMMARY_NCOLS + 1, items, next);
    return filter->q != NULL ? db_search_status(db, rc) : rc;
}

/* mention_count, then mentions: where the article names the entity. */
static json_t *article_entity_row(sqlite3_stmt *st)
{
    json_t *item = summary_entity_brief(st);
    const char *spans = conn_col_text(st, ENTITY_BRIEF_NCOLS + 1);
    if (item != NULL) {
        json_object_set_new(item, "mention_count", conn_col_int(st, ENTITY_BRIEF_NCOLS));
        json_t *list = spans != NULL ? json_loads(spans, 0, NULL) : NULL;
        json_object_set_new(item, "mentions", list != NULL ? list : json_array());
    }
    return item;
}

static json_t *article_quote_row(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o, s:{s:o, s:o, s:o}, s:o, s:o}",
                     "id", conn_col_int(st, 0), "slug", conn_col_string(st, 1),
                     "text", conn_col_string(st, 2), "speaker",
                     "id", conn_col_int(st, 3), "slug", conn_col_string(st, 4),
                     "name", conn_col_string(st, 5), "start", conn_col_int(st, 6),
                     "end", conn_col_int(st, 7));
}

/* An agreement the article reports, with where it reports it. */
static json_t *article_agreement_row(sqlite3_stmt *st)
{
    json_t *item = summary_agreement_brief(st);
    if (item != NULL) {
        json_object_set_new(item, "start", conn_col_int(st, 6));
        json_object_set_new(item, "end", conn_col_int(st, 7));
    }
    return item;
}

static const char article_get_sql[] =
    "SELECT " ARTICLE_SUMMARY_COLUMNS ", a.body, a.created_at, a.updated_at"
    " FROM articles a WHERE a.id = ?";

/* Most-mentioned first: the entities an article is about lead. */
#define ARTICLE_SPANS_SQL                                                                      \
    "(SELECT json_group_array(json_object('field', field, 'start', span_start, 'end', span_end))" \
    "  FROM (SELECT field, span_start, span_end FROM mention_spans s"                          \
    "  WHERE s.article_id = m.article_id AND s.entity_id = m.entity_id"                        \
    "  ORDER BY field DESC, span_start))"

static const char article_entities_sql[] =
    "SELECT " ENTITY_BRIEF_COLUMNS ", m.count, " ARTICLE_SPANS_SQL
    " FROM mentions m JOIN entities e ON e.id = m.entity_id"
    " WHERE m.article_id = ? ORDER BY m.count DESC, e.name_key, e.id";

static const char article_quotes_sql[] =
    "SELECT q.id, q.slug, q.text, e.id, e.slug, e.name, q.span_start, q.span_end FROM quotes q"
    " JOIN entities e ON e.id = q.speaker_id WHERE q.article_id = ? ORDER BY q.id";

static const char article_agreements_sql[] =
    "SELECT " AGREEMENT_BRIEF_COLUMNS ", x.span_start, x.span_end FROM agreement_articles x"
    " JOIN agreements g ON g.id = x.agreement_id WHERE x.article_id = ?"
    " ORDER BY g.signed_key DESC, g.id DESC";

enum db_status db_article_get(struct db *db, int64_t id, json_t **out)
{
    sqlite3_stmt *st = conn_stmt(db, article_get_sql);
    json_t *article = NULL;
    enum db_status rc = DB_ERR;

    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? DB_NOT_FOUND : conn_status(db, step);
        goto done;
    }
    article = summary_article(st);
    if (article == NULL)
        goto done;
    json_object_set_new(article, "body", conn_col_string(st, ARTICLE_SUMMARY_NCOLS));
    json_object_set_new(article, "created_at", conn_col_string(st, ARTICLE_SUMMARY_NCOLS + 1));
    json_object_set_new(article, "updated_at", conn_col_string(st, ARTICLE_SUMMARY_NCOLS + 2));
    conn_done(st);
    st = NULL;

    if ((rc = listing_attach(db, article, "entities", article_entities_sql, id, 0,
                              article_entity_row)) != DB_OK ||
        (rc = listing_attach(db, article, "quotes", article_quotes_sql, id, 0,
                              article_quote_row)) != DB_OK ||
        (rc = listing_attach(db, article, "agreements", article_agreements_sql, id, 0,
                              article_agreement_row)) != DB_OK)
        goto done;

    *out = article;
    article = NULL;
    rc = DB_OK;
done:
    conn_done(st);
    json_decref(article);
    return rc;
}

/* ---- the article document -------------------------------------------------
 * The same document as db_article_get, written as text from plain column
 * reads: no tree of json_t values is built and serialized, and none of
 * SQLite's JSON functions (a string made, copied and for nested arrays
 * parsed again per object) runs, for the read the service answers most. The
 * members and their order are db_article_get's; a test holds the two to the
 * same answer. */

static const char doc_article_sql[] =
    "SELECT id, slug, title, source, url, published_at, summary, body, created_at, updated_at"
    " FROM articles WHERE id = ?";

static const char doc_entities_sql[] =
    "SELECT e.id, e.slug, e.name, e.type, m.count FROM mentions m"
    " JOIN entities e ON e.id = m.entity_id WHERE m.article_id = ?"
    " ORDER BY m.count DESC, e.name_key, e.id";

/* In the primary key's order: by entity, then field, then start. */
static const char doc_spans_sql[] =
    "SELECT entity_id, field = 'title', span_start, span_end FROM mention_spans"
    " WHERE article_id = ?";

static const char doc_quotes_sql[] =
    "SELECT q.id, q.slug, q.text, e.id, e.slug, e.name, q.span_start, q.span_end FROM quotes q"
    " JOIN entities e ON e.id = q.speaker_id WHERE q.article_id = ? ORDER BY q.id";

static const char doc_agreements_sql[] =
    "SELECT g.id, g.slug, g.title, g.kind, g.status, g.signed_on, x.span_start, x.span_end"
    " FROM agreement_articles x JOIN agreements g ON g.id = x.agreement_id"
    " WHERE x.article_id = ? ORDER BY g.signed_key DESC, g.id DESC";

struct doc_span {
    int64_t entity_id, start, end;
    bool in_title;
};

struct doc_spans {
    struct doc_span *items;
    size_t count, cap;
};

/* Every span of the article, grouped by entity. */
static enum db_status read_spans(struct db *db, int64_t id, struct doc_spans *spans)
{
    sqlite3_stmt *st = conn_stmt(db, doc_spans_sql);
    if (st == NULL)
        return DB_ERR;
    sqlite3_bind_int64(st, 1, id);
    int step;
    enum db_status rc = DB_OK;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (spans->count == spans->cap) {
            size_t cap = spans->cap ? spans->cap * 2 : 32;
            struct doc_span *grown = realloc(spans->items, cap * sizeof *grown);
            if (grown == NULL) {
                rc = DB_ERR;
                break;
            }
            spans->items = grown;
            spans->cap = cap;
        }
        spans->items[spans->count++] = (struct doc_span){
            .entity_id = sqlite3_column_int64(st, 0), .in_title = sqlite3_column_int(st, 1) != 0,
            .start = sqlite3_column_int64(st, 2), .end = sqlite3_column_int64(st, 3)};
    }
    if (rc == DB_OK && step != SQLITE_DONE)
        rc = conn_status(db, step);
    conn_done(st);
    return rc;
}

/* An entity's spans: title ones first, then body ones, each by start (the
 * order db_article_get lists them in). */
static void write_spans(struct json_text *t, const struct doc_spans *spans, int64_t entity_id)
{
    bool first = true;
    JSON_TEXT_LIT(t, "[");
    for (int pass = 0; pass < 2; pass++) {
        bool title = pass == 0;
        for (size_t i = 0; i < spans->count; i++) {
            const struct doc_span *s = &spans->items[i];
            if (s->entity_id != entity_id || s->in_title != title)
                continue;
            if (!first)
                JSON_TEXT_LIT(t, ",");
            first = false;
            if (title)
                JSON_TEXT_LIT(t, "{\"field\":\"title\",\"start\":");
            else
                JSON_TEXT_LIT(t, "{\"field\":\"body\",\"start\":");
            json_text_int(t, s->start);
            JSON_TEXT_LIT(t, ",\"end\":");
            json_text_int(t, s->end);
            JSON_TEXT_LIT(t, "}");
        }
    }
    JSON_TEXT_LIT(t, "]");
}

/* Writes one row of a list as an object. */
typedef void (*row_writer)(struct json_text *t, sqlite3_stmt *st, const void *ctx);

/* `"name":[...]`, preceded by a comma: an object per row of `sql` (its one
 * parameter the article's id). */
static enum db_status write_list(struct db *db, const char *sql, int64_t id, const char *name,
                                 struct json_text *t, row_writer write_row, const void *ctx)
{
    sqlite3_stmt *st = conn_stmt(db, sql);
    if (st == NULL)
        return DB_ERR;
    sqlite3_bind_int64(st, 1, id);
    JSON_TEXT_LIT(t, ",\"");
    json_text_raw(t, name, strlen(name));
    JSON_TEXT_LIT(t, "\":[");
    int step, n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ > 0)
            JSON_TEXT_LIT(t, ",");
        write_row(t, st, ctx);
    }
    JSON_TEXT_LIT(t, "]");
    enum db_status rc = step == SQLITE_DONE ? DB_OK : conn_status(db, step);
    conn_done(st);
    return rc;
}

/* Writes `"key":` and then columns first.. as strings, one per key. */
static void write_strings(struct json_text *t, sqlite3_stmt *st, int first,
                          const char *const *keys, int count)
{
    for (int i = 0; i < count; i++) {
        json_text_raw(t, keys[i], strlen(keys[i]));
        json_text_col_string(t, st, first + i);
    }
}

/* `,"start":..,"end":..}` from columns col and col + 1: where the quote or
 * the agreement stands in the article, closing its object. */
static void write_offsets_and_close(struct json_text *t, sqlite3_stmt *st, int col)
{
    JSON_TEXT_LIT(t, ",\"start\":");
    json_text_col_int(t, st, col);
    JSON_TEXT_LIT(t, ",\"end\":");
    json_text_col_int(t, st, col + 1);
    JSON_TEXT_LIT(t, "}");
}

static void write_entity(struct json_text *t, sqlite3_stmt *st, const void *spans)
{
    static const char *const keys[] = {",\"slug\":", ",\"name\":", ",\"type\":"};
    JSON_TEXT_LIT(t, "{\"id\":");
    json_text_col_int(t, st, 0);
    write_strings(t, st, 1, keys, 3);
    JSON_TEXT_LIT(t, ",\"mention_count\":");
    json_text_col_int(t, st, 4);
    JSON_TEXT_LIT(t, ",\"mentions\":");
    write_spans(t, spans, sqlite3_column_int64(st, 0));
    JSON_TEXT_LIT(t, "}");
}

static void write_quote(struct json_text *t, sqlite3_stmt *st, const void *ctx)
{
    static const char *const keys[] = {",\"slug\":", ",\"text\":"};
    static const char *const speaker_keys[] = {",\"slug\":", ",\"name\":"};
    (void)ctx;
    JSON_TEXT_LIT(t, "{\"id\":");
    json_text_col_int(t, st, 0);
    write_strings(t, st, 1, keys, 2);
    JSON_TEXT_LIT(t, ",\"speaker\":{\"id\":");
    json_text_col_int(t, st, 3);
    write_strings(t, st, 4, speaker_keys, 2);
    JSON_TEXT_LIT(t, "}");
    write_offsets_and_close(t, st, 6);
}

static void write_agreement(struct json_text *t, sqlite3_stmt *st, const void *ctx)
{
    static const char *const keys[] = {",\"slug\":", ",\"title\":", ",\"kind\":",
                                       ",\"status\":", ",\"signed_on\":"};
    (void)ctx;
    JSON_TEXT_LIT(t, "{\"id\":");
    json_text_col_int(t, st, 0);
    write_strings(t, st, 1, keys, 5);
    write_offsets_and_close(t, st, 6);
}

static enum db_status write_entities(struct db *db, int64_t id, struct json_text *t)
{
    struct doc_spans spans = {0};
    enum db_status rc = read_spans(db, id, &spans);
    if (rc == DB_OK)
        rc = write_list(db, doc_entities_sql, id, "entities", t, write_entity, &spans);
    free(spans.items);
    return rc;
}

/* The article's own members, up to updated_at. */
static enum db_status write_article(struct db *db, int64_t id, struct json_text *t,
                                    char *updated_at, size_t updated_len)
{
    static const char *const names[] = {",\"slug\":", ",\"title\":", ",\"source\":",
                                        ",\"url\":", ",\"published_at\":", ",\"summary\":",
                                        ",\"body\":", ",\"created_at\":", ",\"updated_at\":"};
    sqlite3_stmt *st = conn_stmt(db, doc_article_sql);
    if (st == NULL)
        return DB_ERR;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    enum db_status rc = step == SQLITE_ROW    ? DB_OK
                        : step == SQLITE_DONE ? DB_NOT_FOUND
                                              : conn_status(db, step);
    if (rc == DB_OK) {
        JSON_TEXT_LIT(t, "{\"id\":");
        json_text_col_int(t, st, 0);
        write_strings(t, st, 1, names, 9);
        const char *updated = (const char *)sqlite3_column_text(st, 9);
        snprintf(updated_at, updated_len, "%s", updated != NULL ? updated : "");
    }
    conn_done(st);
    return rc;
}

enum db_status db_article_document(struct db *db, int64_t id, char **json, size_t *len,
                                   char *updated_at, size_t updated_len)
{
    struct json_text t = {0};
    enum db_status rc;
    int64_t version;

    /* Kept rendered for this snapshot (db/documents.h): one read. */
    bool versioned = db->docs != NULL && conn_snapshot_version(db, &version);
    if (versioned && documents_read(db->docs, id, version, json, len, updated_at, updated_len))
        return DB_OK;
    if ((rc = write_article(db, id, &t, updated_at, updated_len)) != DB_OK ||
        (rc = write_entities(db, id, &t)) != DB_OK ||
        (rc = write_list(db, doc_quotes_sql, id, "quotes", &t, write_quote, NULL)) != DB_OK ||
        (rc = write_list(db, doc_agreements_sql, id, "agreements", &t, write_agreement, NULL)) !=
            DB_OK)
        goto done;
    JSON_TEXT_LIT(&t, "}");
    if (t.failed) {
        rc = DB_ERR;
        goto done;
    }
    if (versioned)
        documents_offer(db->docs, id, version, t.text, t.len, updated_at);
    *json = t.text;
    *len = t.len;
    t.text = NULL;
done:
    free(t.text);
    return rc;
}
