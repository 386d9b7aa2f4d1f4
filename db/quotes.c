#include "db/quotes.h"

#include <stdint.h>

#include "db/conn.h"
#include "db/listing.h"
#include "db/search.h"

#define QUOTE_COLUMNS                                                                              \
    "q.id, q.slug, q.text, s.id, s.slug, s.name, s.type, a.id, a.slug, a.title, a.published_at,"   \
    " q.created_at, q.updated_at"
#define QUOTE_NCOLS 13
#define QUOTE_FROM                                                                                 \
    " FROM quotes q JOIN entities s ON s.id = q.speaker_id JOIN articles a ON a.id = q.article_id"

static json_t *quote_row(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o}, s:o, s:o}",
                     "id", conn_col_int(st, 0), "slug", conn_col_string(st, 1),
                     "text", conn_col_string(st, 2),
                     "speaker", "id", conn_col_int(st, 3), "slug", conn_col_string(st, 4),
                     "name", conn_col_string(st, 5), "type", conn_col_string(st, 6),
                     "article", "id", conn_col_int(st, 7), "slug", conn_col_string(st, 8),
                     "title", conn_col_string(st, 9), "published_at", conn_col_string(st, 10),
                     "created_at", conn_col_string(st, 11), "updated_at", conn_col_string(st, 12));
}

enum db_status db_quote_list(struct db *db, const struct quote_filter *filter,
                             const struct keyset *after, int limit, json_t **items,
                             struct keyset *next)
{
    struct sql_buf sql = {0};
    char match[SEARCH_MATCH_MAX];

    if (filter->q != NULL && db_search_compile(filter->q, match, sizeof match, NULL, 0) != DB_OK)
        return DB_INVALID;
    /* q.id doubles as the key column: the order is by id alone. */
    sql_add(&sql, "SELECT " QUOTE_COLUMNS ", q.id" QUOTE_FROM " WHERE 1");
    if (filter->speaker_id)
        sql_add(&sql, " AND q.speaker_id = :speaker");
    if (filter->article_id)
        sql_add(&sql, " AND q.article_id = :article");
    /* Matching keeps the list's own order and keyset. */
    if (filter->q != NULL)
        sql_add(&sql, " AND q.id %s", db_search_filter_sql(KIND_QUOTE));
    /* Always a range, from the top when there is no cursor: the walk
     * down the primary key is then a search, never a table scan. */
    sql_add(&sql, " AND q.id < :after_id");
    sql_add(&sql, " ORDER BY q.id DESC LIMIT :limit");
    if (sql.overflow)
        return DB_ERR;

    sqlite3_stmt *st = conn_list_stmt(db, sql.text);
    if (st == NULL)
        return DB_ERR;
    bind_named_int(st, ":speaker", filter->speaker_id);
    bind_named_int(st, ":article", filter->article_id);
    if (filter->q != NULL)
        bind_named_text(st, ":q", match);
    bind_page(st, after, limit);
    if (after == NULL || !after->set)
        bind_named_int(st, ":after_id", INT64_MAX);
    enum db_status rc =
        listing_page(db, st, limit, quote_row, QUOTE_NCOLS, QUOTE_NCOLS, items, next);
    return filter->q != NULL ? db_search_status(db, rc) : rc;
}

enum db_status db_quote_get(struct db *db, int64_t id, json_t **out)
{
    sqlite3_stmt *st = conn_stmt(db, "SELECT " QUOTE_COLUMNS QUOTE_FROM " WHERE q.id = ?");
    json_t *quote = NULL;
    enum db_status rc = DB_ERR;

    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? DB_NOT_FOUND : conn_status(db, step);
        goto done;
    }
    quote = quote_row(st);
    if (quote == NULL)
        goto done;
    *out = quote;
    rc = DB_OK;
done:
    conn_done(st);
    return rc;
}
