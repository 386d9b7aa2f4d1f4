#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/text.h"

/* One lookup per kind and per way of naming; the table name cannot be bound
 * as a parameter, so each SQL text is spelled out. */
static const char *const by_id_sql[] = {
    [KIND_ARTICLE] = "SELECT id FROM articles WHERE id = ?",
    [KIND_ENTITY] = "SELECT id FROM entities WHERE id = ?",
    [KIND_AGREEMENT] = "SELECT id FROM agreements WHERE id = ?",
    [KIND_QUOTE] = "SELECT id FROM quotes WHERE id = ?",
};

static const char *const by_slug_sql[] = {
    [KIND_ARTICLE] = "SELECT id FROM articles WHERE slug = ?",
    [KIND_ENTITY] = "SELECT id FROM entities WHERE slug = ?",
    [KIND_AGREEMENT] = "SELECT id FROM agreements WHERE slug = ?",
    [KIND_QUOTE] = "SELECT id FROM quotes WHERE slug = ?",
};

static const char *const slug_sql[] = {
    [KIND_ARTICLE] = "SELECT slug FROM articles WHERE id = ?",
    [KIND_ENTITY] = "SELECT slug FROM entities WHERE id = ?",
    [KIND_AGREEMENT] = "SELECT slug FROM agreements WHERE id = ?",
    [KIND_QUOTE] = "SELECT slug FROM quotes WHERE id = ?",
};

enum db_status db_slug_of(struct db *db, enum db_kind kind, int64_t id, char **slug)
{
    sqlite3_stmt *st;
    enum db_status rc = conn_row_by_id(db, slug_sql[kind], id, &st);

    *slug = NULL;
    if (rc == DB_OK) {
        *slug = strdup((const char *)sqlite3_column_text(st, 0));
        rc = *slug != NULL ? DB_OK : DB_ERR;
    }
    conn_done(st);
    return rc;
}

enum db_status db_resolve(struct db *db, enum db_kind kind, const char *ref, int64_t *id)
{
    long long numeric;
    sqlite3_stmt *st = NULL;
    enum db_status rc = DB_ERR;

    if (text_parse_id(ref, &numeric)) {
        st = conn_stmt(db, by_id_sql[kind]);
        if (st == NULL)
            goto done;
        sqlite3_bind_int64(st, 1, numeric);
    } else if (text_is_slug(ref)) {
        st = conn_stmt(db, by_slug_sql[kind]);
        if (st == NULL)
            goto done;
        conn_bind_text(st, 1, ref);
    } else {
        rc = DB_NOT_FOUND;
        goto done;
    }

    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = DB_NOT_FOUND;
        goto done;
    }
    if (step != SQLITE_ROW) {
        rc = conn_status(db, step);
        goto done;
    }
    *id = sqlite3_column_int64(st, 0);
    rc = DB_OK;
done:
    conn_done(st);
    return rc;
}
