#pragma once
/* A bulk load into a new store: what an import does differently when the
 * store is empty and the whole load is one transaction (db_import_with's
 * new_store). Every line is still checked and stored as any import does;
 * only the work the schema does for each row is done once, at the end, and
 * the result is the store an ordinary import gives. */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "db/records.h"
#include "db/transfer.h"

struct bulk_load;

/* Inside w's import transaction: checks the store is empty, then sets the
 * per-row work aside (triggers and indexes dropped; the rollback of a failed
 * import puts them back). `partial` imports keep some lines and drop
 * others, so their search indexes are rebuilt from the rows at the end
 * instead of built beside the load. NULL with err set on failure. */
struct bulk_load *bulk_load_begin(struct db *w, bool partial, struct record_error *err);

/* After each record the import stored: `rec` as it was given, `id` its row. */
bool bulk_load_stored(struct bulk_load *b, enum db_kind kind, int64_t id, const json_t *rec,
                      struct record_error *err);

/* After the last line, still inside the transaction: does the set-aside
 * work once and puts the schema back as it was. */
bool bulk_load_end(struct bulk_load *b, struct db *w, struct record_error *err);

/* After the commit: moves each built search index's segment to its level
 * (db/fts_levels.c), on a connection of its own. */
void bulk_load_settle(struct bulk_load *b, struct store *store,
                      const struct transfer_counts *counts);

/* Accepts NULL. */
void bulk_load_free(struct bulk_load *b);
