#include "db/agreements.h"

#include "db/conn.h"
#include "db/listing.h"
#include "db/summaries.h"

#define AGREEMENT_COLUMNS AGREEMENT_BRIEF_COLUMNS ", g.summary"
#define AGREEMENT_NCOLS (AGREEMENT_BRIEF_NCOLS + 1)

static json_t *agreement_row(sqlite3_stmt *st)
{
    json_t *item = summary_agreement_brief(st);
    if (item != NULL)
        json_object_set_new(item, "summary", conn_col_string(st, AGREEMENT_BRIEF_NCOLS));
    return item;
}

enum db_status db_agreement_list(struct db *db, const struct agreement_filter *filter,
                                 const struct keyset *after, int limit, json_t **items,
                                 struct keyset *next)
{
    struct sql_buf sql = {0};

    sql_add(&sql, "SELECT " AGREEMENT_COLUMNS ", g.signed_key, g.id FROM agreements g WHERE 1");
    if (filter->party_id)
        sql_add(&sql, " AND g.id IN (SELECT agreement_id FROM agreement_parties"
                      " WHERE entity_id = :party)");
    if (filter->signatory_id)
        sql_add(&sql, " AND g.id IN (SELECT agreement_id FROM agreement_signatories"
                      " WHERE entity_id = :signatory)");
    if (filter->kind != NULL)
        sql_add(&sql, " AND g.kind = :kind");
    if (filter->status != NULL)
        sql_add(&sql, " AND g.status = :status");
    /* Undated agreements have signed_key '' and so fall outside any date
     * range: a date filter asks about known dates. */
    if (filter->since != NULL)
        sql_add(&sql, " AND g.signed_key >= :since");
    if (filter->until != NULL)
        sql_add(&sql, " AND g.signed_key <> '' AND g.signed_key <= :until || 'T99'");
    if (after != NULL && after->set)
        sql_add(&sql, " AND (g.signed_key, g.id) < (:after_key, :after_id)");
    sql_add(&sql, " ORDER BY g.signed_key DESC, g.id DESC LIMIT :limit");
    if (sql.overflow)
        return DB_ERR;

    sqlite3_stmt *st = conn_list_stmt(db, sql.text);
    if (st == NULL)
        return DB_ERR;
    bind_named_int(st, ":party", filter->party_id);
    bind_named_int(st, ":signatory", filter->signatory_id);
    bind_named_text(st, ":kind", filter->kind);
    bind_named_text(st, ":status", filter->status);
    bind_named_text(st, ":since", filter->since);
    bind_named_text(st, ":until", filter->until);
    bind_page(st, after, limit);
    return listing_page(db, st, limit, agreement_row, AGREEMENT_NCOLS, AGREEMENT_NCOLS + 1, items,
                        next);
}

static const char agreement_get_sql[] =
    "SELECT " AGREEMENT_COLUMNS ", g.created_at, g.updated_at, g.supersedes_id"
    " FROM agreements g WHERE g.id = ?";

static const char agreement_parties_sql[] =
    "SELECT " ENTITY_BRIEF_COLUMNS " FROM agreement_parties p JOIN entities e ON e.id = p.entity_id"
    " WHERE p.agreement_id = ?1 ORDER BY p.position";

static const char agreement_signatories_sql[] =
    "SELECT " ENTITY_BRIEF_COLUMNS " FROM agreement_signatories s"
    " JOIN entities e ON e.id = s.entity_id WHERE s.agreement_id = ?1 ORDER BY s.position";

static const char agreement_superseded_by_sql[] =
    "SELECT " AGREEMENT_BRIEF_COLUMNS " FROM agreements g WHERE g.supersedes_id = ?1"
    " ORDER BY g.signed_key DESC, g.id DESC";

static const char agreement_supersedes_sql[] =
    "SELECT " AGREEMENT_BRIEF_COLUMNS " FROM agreements g WHERE g.id = ?1";

static const char agreement_articles_sql[] =
    "SELECT " ARTICLE_SUMMARY_COLUMNS " FROM agreement_articles x"
    " JOIN articles a ON a.id = x.article_id WHERE x.agreement_id = ?1"
    " ORDER BY a.published_at DESC, a.id DESC";

enum db_status db_agreement_get(struct db *db, int64_t id, json_t **out)
{
    sqlite3_stmt *st = conn_stmt(db, agreement_get_sql);
    json_t *agreement = NULL, *older = NULL;
    enum db_status rc = DB_ERR;
    int64_t supersedes_id = 0;

    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? DB_NOT_FOUND : conn_status(db, step);
        goto done;
    }
    agreement = agreement_row(st);
    if (agreement == NULL)
        goto done;
    json_object_set_new(agreement, "created_at", conn_col_string(st, AGREEMENT_NCOLS));
    json_object_set_new(agreement, "updated_at", conn_col_string(st, AGREEMENT_NCOLS + 1));
    supersedes_id = sqlite3_column_int64(st, AGREEMENT_NCOLS + 2);
    conn_done(st);
    st = NULL;

    if ((rc = listing_attach(db, agreement, "parties", agreement_parties_sql, id, 0,
                             summary_entity_brief)) != DB_OK ||
        (rc = listing_attach(db, agreement, "signatories", agreement_signatories_sql, id, 0,
                             summary_entity_brief)) != DB_OK ||
        (rc = listing_attach(db, agreement, "superseded_by", agreement_superseded_by_sql, id, 0,
                             summary_agreement_brief)) != DB_OK ||
        (rc = listing_attach(db, agreement, "articles", agreement_articles_sql, id, 0,
                             summary_article)) != DB_OK)
        goto done;

    /* supersedes is one record or null: fetch it as a one-row list. */
    json_object_set_new(agreement, "supersedes", json_null());
    if (supersedes_id != 0) {
        older = json_object();
        rc = listing_attach(db, older, "row", agreement_supersedes_sql, supersedes_id, 0,
                            summary_agreement_brief);
        if (rc != DB_OK)
            goto done;
        json_t *rows = json_object_get(older, "row");
        if (json_array_size(rows) == 1)
            json_object_set(agreement, "supersedes", json_array_get(rows, 0));
    }

    *out = agreement;
    agreement = NULL;
    rc = DB_OK;
done:
    conn_done(st);
    json_decref(agreement);
    json_decref(older);
    return rc;
}
