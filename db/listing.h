#pragma once
/* Shared machinery of the list queries: building the SQL for a filter
 * combination, binding named parameters, and reading one keyset page. */

#include <stdbool.h>
#include <stddef.h>

#include "db/conn.h"

struct sql_buf {
    char text[4096]; /* the entity list by mentions over every type has four arms */
    size_t len;
    bool overflow;
};

/* Appends formatted SQL; on overflow the buffer is marked and later refused. */
void sql_add(struct sql_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bind by parameter name; a name absent from the statement is skipped, so one
 * binding list serves every filter combination. */
void bind_named_text(sqlite3_stmt *st, const char *name, const char *value);
void bind_named_int(sqlite3_stmt *st, const char *name, int64_t value);

/* Binds :after_key/:after_id from `after` and :limit as limit + 1. */
void bind_page(sqlite3_stmt *st, const struct keyset *after, int limit);

/* Turns one result row into its JSON item; NULL on allocation failure. */
typedef json_t *(*row_to_json_fn)(sqlite3_stmt *st);

/* Steps `st` (which selects limit + 1 rows) into *items, and sets *next to
 * the last returned row's (key_col, id_col) when another page follows, else
 * next->set = false. Resets st. */
enum db_status listing_page(struct db *db, sqlite3_stmt *st, int limit, row_to_json_fn row,
                            int key_col, int id_col, json_t **items, struct keyset *next);

/* Steps `st` to the end, appending row(st) for each row to the array `into`. */
enum db_status listing_all(struct db *db, sqlite3_stmt *st, row_to_json_fn row, json_t *into);

/* Runs `sql` with ?1 = id and ?2 = limit (when the SQL has it) and sets the
 * rows, as an array, under `key` in `parent`. */
enum db_status listing_attach(struct db *db, json_t *parent, const char *key, const char *sql,
                              int64_t id, int limit, row_to_json_fn row);
