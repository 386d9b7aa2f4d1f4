#pragma once
/* What every resource does with one record: read it, and the one flow every
 * write follows (check the body, open a write transaction, change the
 * record, read it back, commit). Each resource's handlers call these with
 * their kind. */

#include <stdint.h>

#include "db/db.h"
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/<resources>/{id}: the record with its links, and its ETag. */
int records_get(const struct request *req, struct reply *rep, enum db_kind kind);

/* POST /v1/<resources>: 201 with Location and the created record. An
 * Idempotency-Key header replays the first answer for the same body within
 * 24 h and refuses (422) a different body under the same key. */
int records_create(const struct request *req, struct reply *rep, enum db_kind kind);

/* PATCH /v1/<resources>/{id}: a JSON merge patch; 200 with the record.
 * If-Match must name the current ETag when given (412 otherwise). */
int records_patch(const struct request *req, struct reply *rep, enum db_kind kind);

/* DELETE /v1/<resources>/{id}: 204; If-Match as for PATCH. */
int records_delete(const struct request *req, struct reply *rep, enum db_kind kind);

/* The body parsed as records_read_body would, for req->parsed_body: done
 * by the worker that received a write before the write thread runs it, so
 * that the one thread every write goes through does not parse. NULL when
 * the body is not a JSON object (caller owns the rest). */
json_t *records_parse_ahead(const struct request *req);

/* Reads the body as a JSON object: 415 for another Content-Type than
 * application/json (or `alt_type`, may be NULL), 400 for malformed JSON.
 * A body parsed ahead is taken as it is. */
bool records_read_body(const struct request *req, struct reply *rep, const char *alt_type,
                     json_t **out);

/* The problem reply for a refused write. */
int records_reply_error(struct reply *rep, const struct record_error *err);

/* Sets the ETag a GET of the record's canonical URL (/v1/<kind>s/<slug>)
 * carries at db's store version. */
void records_set_etag(struct reply *rep, struct db *db, enum db_kind kind, const json_t *record);

/* Reads record `id` of `kind` as the API shows it (caller owns *out). */
enum db_status records_fetch(struct db *db, enum db_kind kind, int64_t id, json_t **out);
