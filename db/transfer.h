#pragma once
/* Bulk transfer as NDJSON: one record per line, {"type": "entity" |
 * "article" | "quote" | "agreement", ...the record in the client's shape},
 * references by slug; an entity's own type is "entity_type" there, since
 * "type" names the kind of line. Export writes entities, articles, quotes and
 * agreements in id order, so importing an export into an empty store and
 * exporting again gives the same lines. */

#include <stdbool.h>
#include <stdio.h>

#include "db/db.h"

/* The longest line import accepts: one record, body included. Record limits
 * (512 KiB bodies, RECORD_LINKS_MAX links) keep every export line below it,
 * so an export always imports. */
#define TRANSFER_LINE_MAX (16 * 1024 * 1024)

struct transfer_counts {
    int articles, entities, quotes, agreements;
};

/* Reads NDJSON from `in` into the store in one write transaction. All or
 * nothing unless `partial`: then each good line is kept and each bad line
 * is reported in *errors (array of {line, field, message}) instead. Blank
 * lines are skipped. On an all-or-nothing failure returns the failing
 * record's status, *bad_line is its line number and err says why; nothing
 * is stored. *errors is always set on DB_OK (caller owns; empty array when
 * nothing failed). */
enum db_status db_import(struct store *store, FILE *in, bool partial,
                         struct transfer_counts *counts, json_t **errors, long *bad_line,
                         struct record_error *err);

struct db_import_options {
    bool partial; /* as db_import's */
    /* A bulk load into an empty store (a generated benchmark store, a
     * restore). Every line is checked and stored exactly as db_import does,
     * in one transaction, and the result is the same store; but what the
     * schema does for each row is done once (db/bulk_load.h): the search
     * indexes of articles and quotes are built beside the load on threads
     * of their own (or, for a partial import or a store without a file,
     * rebuilt from the rows at the end), the large secondary indexes made
     * by one sort at the end, the entities' mention counters counted once.
     * DB_INVALID if the store holds any record. */
    bool new_store;
};

/* db_import with options. */
enum db_status db_import_with(struct store *store, FILE *in, const struct db_import_options *opts,
                              struct transfer_counts *counts, json_t **errors, long *bad_line,
                              struct record_error *err);

/* The next record of an import in the shape of a line ("type" included),
 * handed over to the importer; NULL at the end, or with *failed set when
 * the source could not give one (the import then fails as on a read
 * error). */
typedef json_t *(*db_record_source)(void *ctx, bool *failed);

/* db_import_with over records a program makes (bench/gen) instead of
 * NDJSON text: each is checked and stored exactly as a line holding it
 * would be; *bad_line numbers the records from 1. */
enum db_status db_import_records(struct store *store, db_record_source next, void *ctx,
                                 const struct db_import_options *opts,
                                 struct transfer_counts *counts, json_t **errors, long *bad_line,
                                 struct record_error *err);

/* An export in progress, with its own connection and snapshot. */
struct db_export;

struct db_export *db_export_open(struct store *store);

/* The next line's record (with "type"; caller owns), NULL at the end or on
 * error (*status tells which). */
json_t *db_export_next(struct db_export *ex, enum db_status *status);

void db_export_close(struct db_export *ex);

/* Writes the whole export to `out`. */
enum db_status db_export_write(struct store *store, FILE *out);
