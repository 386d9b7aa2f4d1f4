#include "db/listing.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sql_add(struct sql_buf *b, const char *fmt, ...)
{
    if (b->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->text + b->len, sizeof b->text - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof b->text - b->len) {
        b->overflow = true;
        return;
    }
    b->len += (size_t)n;
}

void bind_named_text(sqlite3_stmt *st, const char *name, const char *value)
{
    int idx = sqlite3_bind_parameter_index(st, name);
    if (idx > 0)
        conn_bind_text(st, idx, value);
}

void bind_named_int(sqlite3_stmt *st, const char *name, int64_t value)
{
    int idx = sqlite3_bind_parameter_index(st, name);
    if (idx > 0)
        sqlite3_bind_int64(st, idx, value);
}

void bind_page(sqlite3_stmt *st, const struct keyset *after, int limit)
{
    if (after != NULL && after->set) {
        bind_named_text(st, ":after_key", after->key);
        bind_named_int(st, ":after_id", after->id);
    }
    bind_named_int(st, ":limit", (int64_t)limit + 1);
}

enum db_status listing_page(struct db *db, sqlite3_stmt *st, int limit, row_to_json_fn row,
                            int key_col, int id_col, json_t **items, struct keyset *next)
{
    json_t *list = json_array();
    enum db_status rc = DB_ERR;
    int count = 0, step;

    next->set = false;
    if (list == NULL)
        goto done;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        /* The extra row only says that a next page exists. */
        if (count == limit) {
            next->set = true;
            break;
        }
        json_t *item = row(st);
        if (item == NULL || json_array_append_new(list, item) != 0)
            goto done;
        const char *key = conn_col_text(st, key_col);
        snprintf(next->key, sizeof next->key, "%s", key != NULL ? key : "");
        next->id = sqlite3_column_int64(st, id_col);
        count++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = conn_status(db, step);
        goto done;
    }
    *items = list;
    list = NULL;
    rc = DB_OK;
done:
    json_decref(list);
    conn_done(st);
    return rc;
}

enum db_status listing_all(struct db *db, sqlite3_stmt *st, row_to_json_fn row, json_t *into)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *item = row(st);
        if (item == NULL || json_array_append_new(into, item) != 0) {
            conn_done(st);
            return DB_ERR;
        }
    }
    conn_done(st);
    return step == SQLITE_DONE ? DB_OK : conn_status(db, step);
}

enum db_status listing_attach(struct db *db, json_t *parent, const char *key, const char *sql,
                              int64_t id, int limit, row_to_json_fn row)
{
    json_t *list = json_array();
    sqlite3_stmt *st = conn_stmt(db, sql);
    enum db_status rc = DB_ERR;

    if (list != NULL && st != NULL) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_bind_parameter_count(st) >= 2)
            sqlite3_bind_int(st, 2, limit);
        rc = listing_all(db, st, row, list);
        if (rc == DB_OK && json_object_set(parent, key, list) != 0)
            rc = DB_ERR;
    }
    json_decref(list);
    return rc;
}
