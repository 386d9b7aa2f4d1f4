#include "db/entities.h"

#include <stdio.h>
#include <string.h>

#include "db/conn.h"
#include "db/listing.h"
#include "db/summaries.h"
#include "db/text.h"
#include "db/vocabulary.h"

#define ENTITY_COLUMNS                                                                             \
    ENTITY_BRIEF_COLUMNS ", e.description, e.article_count, e.mention_count,"                      \
                         " (SELECT json_group_array(alias) FROM (SELECT alias FROM entity_aliases" \
                         "   WHERE entity_id = e.id ORDER BY position))"
#define ENTITY_NCOLS (ENTITY_BRIEF_NCOLS + 4)

static json_t *entity_row(sqlite3_stmt *st)
{
    json_t *entity = summary_entity_brief(st);
    if (entity == NULL)
        return NULL;
    /* SQLite builds the alias array; parsing it back is cheaper than a query
     * per entity and keeps the list one statement. */
    const char *aliases_text = conn_col_text(st, ENTITY_BRIEF_NCOLS + 3);
    json_t *aliases = aliases_text ? json_loads(aliases_text, 0, NULL) : json_array();
    json_object_set_new(entity, "aliases", aliases ? aliases : json_array());
    json_object_set_new(entity, "description", conn_col_string(st, ENTITY_BRIEF_NCOLS));
    json_object_set_new(entity, "article_count", conn_col_int(st, ENTITY_BRIEF_NCOLS + 1));
    json_object_set_new(entity, "mention_count", conn_col_int(st, ENTITY_BRIEF_NCOLS + 2));
    return entity;
}

/* One SELECT of the list: `type` a literal type, ":type", or NULL for any. */
static void add_entity_select(struct sql_buf *sql, const struct entity_filter *filter,
                              const struct keyset *after, const char *type)
{
    bool by_name = filter->sort == ENTITY_SORT_NAME;

    sql_add(sql, "SELECT " ENTITY_COLUMNS ", %s, e.id FROM entities e WHERE 1",
            by_name ? "e.name_key" : "e.mention_count");
    if (type != NULL)
        sql_add(sql, type[0] == ':' ? " AND e.type = %s" : " AND e.type = '%s'", type);
    if (filter->prefix != NULL)
        /* A prefix is the range [p, p + 0xFF): no UTF-8 byte is 0xFF, so
         * every key starting with p sorts inside it and the index serves it.
         * Aliases count: analysts type "NATO" as often as the full name. */
        sql_add(sql, " AND e.id IN (SELECT id FROM entities WHERE name_key >= :lo AND name_key < :hi"
                     " UNION SELECT entity_id FROM entity_aliases"
                     " WHERE alias_key >= :lo AND alias_key < :hi)");
    if (after != NULL && after->set) {
        if (by_name)
            sql_add(sql, " AND (e.name_key, e.id) > (:after_key, :after_id)");
        else
            sql_add(sql, " AND (e.mention_count < CAST(:after_key AS INTEGER)"
                         " OR (e.mention_count = CAST(:after_key AS INTEGER) AND e.id > :after_id))");
    }
}

enum db_status db_entity_list(struct db *db, const struct entity_filter *filter,
                              const struct keyset *after, int limit, json_t **items,
                              struct keyset *next)
{
    struct sql_buf sql = {0};
    char prefix_low[KEYSET_KEY_MAX], prefix_high[KEYSET_KEY_MAX + 1];
    bool by_name = filter->sort == ENTITY_SORT_NAME;

    if (filter->prefix != NULL) {
        if (!text_fold(filter->prefix, prefix_low, sizeof prefix_low))
            return DB_INVALID;
        snprintf(prefix_high, sizeof prefix_high, "%s\xff", prefix_low);
    }
    if (by_name || filter->type != NULL) {
        add_entity_select(&sql, filter, after, filter->type != NULL ? ":type" : NULL);
        sql_add(&sql, by_name ? " ORDER BY e.name_key, e.id" : " ORDER BY e.mention_count DESC, e.id");
    } else {
        /* Every type by mentions: one index per type, (type, mention_count
         * DESC, id), merged in order (SQLite runs a compound SELECT with an
         * ORDER BY as a merge of its arms, each read in index order). An
         * index of its own for this order would move twice for every
         * mention written, the costliest part of a post. */
        for (size_t i = 0; db_entity_types[i] != NULL; i++) {
            if (i > 0)
                sql_add(&sql, " UNION ALL ");
            add_entity_select(&sql, filter, after, db_entity_types[i]);
        }
        sql_add(&sql, " ORDER BY %d DESC, %d", ENTITY_NCOLS + 1, ENTITY_NCOLS + 2);
    }
    sql_add(&sql, " LIMIT :limit");
    if (sql.overflow)
        return DB_ERR;

    sqlite3_stmt *st = conn_list_stmt(db, sql.text);
    if (st == NULL)
        return DB_ERR;
    bind_named_text(st, ":type", filter->type);
    if (filter->prefix != NULL) {
        bind_named_text(st, ":lo", prefix_low);
        bind_named_text(st, ":hi", prefix_high);
    }
    bind_page(st, after, limit);
    return listing_page(db, st, limit, entity_row, ENTITY_NCOLS, ENTITY_NCOLS + 1, items, next);
}

static const char entity_get_sql[] =
    "SELECT " ENTITY_COLUMNS ", e.created_at, e.updated_at, e.quote_count"
    " FROM entities e WHERE e.id = ?";

static const char entity_articles_sql[] =
    "SELECT " ARTICLE_SUMMARY_COLUMNS " FROM mentions m JOIN articles a ON a.id = m.article_id"
    " WHERE m.entity_id = ?1 ORDER BY m.published_at DESC, m.article_id DESC LIMIT ?2";

static const char entity_quotes_sql[] =
    "SELECT q.id, q.slug, q.text, a.id, a.slug, a.title, a.published_at FROM quotes q"
    " JOIN articles a ON a.id = q.article_id WHERE q.speaker_id = ?1"
    " ORDER BY q.id DESC LIMIT ?2";

/* The newest agreements first, ranked before their roles are read: a hub
 * organization is party to thousands, and grouping all their roles before
 * the LIMIT cost more than the rest of its page. An entity that is both
 * party and signatory gets both roles, party first. */
static const char entity_agreements_sql[] =
    "SELECT " AGREEMENT_BRIEF_COLUMNS ","
    " (SELECT json_group_array(role) FROM ("
    "   SELECT 'party' AS role FROM agreement_parties"
    "   WHERE agreement_id = g.id AND entity_id = ?1"
    "   UNION ALL"
    "   SELECT 'signatory' FROM agreement_signatories"
    "   WHERE agreement_id = g.id AND entity_id = ?1))"
    " FROM agreements g"
    " WHERE g.id IN (SELECT agreement_id FROM agreement_parties WHERE entity_id = ?1"
    "                UNION ALL"
    "                SELECT agreement_id FROM agreement_signatories WHERE entity_id = ?1)"
    " ORDER BY g.signed_key DESC, g.id DESC LIMIT ?2";

static json_t *entity_quote_row(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}}", "id", conn_col_int(st, 0),
                     "slug", conn_col_string(st, 1), "text", conn_col_string(st, 2), "article",
                     "id", conn_col_int(st, 3), "slug", conn_col_string(st, 4),
                     "title", conn_col_string(st, 5), "published_at", conn_col_string(st, 6));
}

static json_t *entity_agreement_row(sqlite3_stmt *st)
{
    json_t *item = summary_agreement_brief(st);
    if (item == NULL)
        return NULL;
    const char *roles_text = conn_col_text(st, AGREEMENT_BRIEF_NCOLS);
    json_t *roles = roles_text ? json_loads(roles_text, 0, NULL) : NULL;
    json_object_set_new(item, "roles", roles ? roles : json_array());
    return item;
}

enum db_status db_entity_get(struct db *db, int64_t id, json_t **out)
{
    sqlite3_stmt *st = conn_stmt(db, entity_get_sql);
    json_t *entity = NULL;
    enum db_status rc = DB_ERR;

    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? DB_NOT_FOUND : conn_status(db, step);
        goto done;
    }
    entity = entity_row(st);
    if (entity == NULL)
        goto done;
    json_object_set_new(entity, "quote_count", conn_col_int(st, ENTITY_NCOLS + 2));
    json_object_set_new(entity, "created_at", conn_col_string(st, ENTITY_NCOLS));
    json_object_set_new(entity, "updated_at", conn_col_string(st, ENTITY_NCOLS + 1));
    conn_done(st);
    st = NULL;

    /* Agreements are few per entity; cap them generously all the same so
     * one request can never build an unbounded document. */
    if ((rc = listing_attach(db, entity, "articles", entity_articles_sql, id, ENTITY_EMBED_LIMIT,
                          summary_article)) != DB_OK ||
        (rc = listing_attach(db, entity, "quotes", entity_quotes_sql, id, ENTITY_EMBED_LIMIT,
                          entity_quote_row)) != DB_OK ||
        (rc = listing_attach(db, entity, "agreements", entity_agreements_sql, id,
                          5 * ENTITY_EMBED_LIMIT, entity_agreement_row)) != DB_OK)
        goto done;

    *out = entity;
    entity = NULL;
    rc = DB_OK;
done:
    conn_done(st);
    json_decref(entity);
    return rc;
}
