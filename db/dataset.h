#pragma once
/* Loading a dataset document (data/sample.json's format) into the store.
 *
 * The document is an object with optional arrays "entities", "articles",
 * "quotes" and "agreements". Records name each other by slug (or id), and
 * may name records already in the store. */

#include <stddef.h>

#include "db/db.h"

struct dataset_counts {
    int articles, entities, quotes, agreements;
};

/* Validates and inserts every record of `dataset` in one transaction on the
 * store's writer: all or nothing. On failure returns DB_INVALID (a record
 * breaks a rule), DB_CONFLICT (a slug is taken) or another status, and err
 * names the record and field, e.g. "articles[2].published_at: must be ...".
 * `dataset` stays the caller's. */
enum db_status db_dataset_load(struct store *store, const json_t *dataset,
                               struct dataset_counts *counts, char *err, size_t errlen);
