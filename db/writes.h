#pragma once
/* The write side of the store interface. A handler opens a write
 * transaction, makes its changes through these calls and commits, or aborts
 * and nothing it did remains. Records are JSON in the client's shape (see
 * db/records.h); errors name the field at fault. */

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "db/transaction.h"

/* A new record from `rec`; *id is its id. */
bool db_record_create(struct db *w, enum db_kind kind, const json_t *rec, int64_t *id,
                      struct record_error *err);

/* Applies a JSON merge patch (RFC 7396) to record `id`: fields set to null
 * are cleared (refused for required ones), arrays are replaced whole. */
bool db_record_patch(struct db *w, enum db_kind kind, int64_t id, const json_t *patch,
                     struct record_error *err);

/* Deletes record `id` (see record_delete for what goes with it). */
bool db_record_delete(struct db *w, enum db_kind kind, int64_t id, struct record_error *err);

/* The record's version, bumped by every change: its ETag. */
enum db_status db_record_version(struct db *db, enum db_kind kind, int64_t id, int64_t *version);

/* Adds names to an entity's aliases (ones it has already are kept once). */
bool db_entity_add_aliases(struct db *w, int64_t id, const json_t *aliases,
                           struct record_error *err);

/* Moves every mention, quote, party and signatory link of entity `from` to
 * entity `into`, keeps from's name and aliases as aliases of `into`, and
 * deletes `from`. */
bool db_entity_merge(struct db *w, int64_t from, int64_t into, struct record_error *err);

/* A stored answer to an earlier POST with the same Idempotency-Key. */
struct idempotent_reply {
    bool found;
    bool same_request; /* the stored request hash equals this one */
    int status;
    char *location; /* malloc'd or NULL */
    char *body;     /* malloc'd */
};

/* Looks up key within scope (the route), ignoring entries older than 24 h. */
enum db_status db_idempotency_find(struct db *w, const char *key, const char *scope,
                                   const char *request_hash, struct idempotent_reply *out);

/* Keeps the answer to replay it; also forgets entries older than 24 h. */
enum db_status db_idempotency_save(struct db *w, const char *key, const char *scope,
                                   const char *request_hash, int status, const char *location,
                                   const char *body);

void idempotent_reply_free(struct idempotent_reply *reply);

/* The id of the entity `ref` (a slug or an id in JSON) names; DB_BAD_REF in
 * err, naming `field`, when there is none. */
bool db_entity_resolve_ref(struct db *db, const json_t *ref, const char *field, int64_t *id,
                           struct record_error *err);
