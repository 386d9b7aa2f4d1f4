#pragma once
/* One record in, one record out, in the shape clients write: the rules every
 * way of writing shares (the dataset loader, the write API, import).
 *
 * The input shape names other records by slug or id, e.g.
 *   entity    {slug?, name, type, aliases?, description?}
 *   article   {slug?, title, source, url?, published_at, summary?, body, mentions?}
 *   quote     {slug?, article, speaker, text}
 *   agreement {slug?, title, kind, status, signed_on?, summary?, parties?,
 *              signatories?, supersedes?, articles?}
 * and record_export writes exactly that shape back (with slugs), so a
 * record exported and imported again is the same record.
 *
 * Every function runs on the store's writer inside the caller's transaction
 * and leaves rollback to the caller. */

#include <stdbool.h>
#include <stdint.h>

#include "db/conn.h"

/* Inserts a new record; *id is its id. Slugs missing from rec are made from
 * the name or title, unique with a -2, -3... suffix. An agreement's
 * supersedes link is set too unless defer_supersedes (the loader links
 * after all agreements of a document exist). */
bool record_insert(struct db *w, enum db_kind kind, const json_t *rec, bool defer_supersedes,
                   int64_t *id, struct record_error *err);

/* Replaces every field and link of record `id` with those of rec (a whole
 * record; PATCH merges into record_export's output first). The slug stays
 * unless rec names another free one. */
bool record_update(struct db *w, enum db_kind kind, int64_t id, const json_t *rec,
                   struct record_error *err);

/* Sets (or, for a null/absent ref, clears) what agreement `id` supersedes.
 * With mark_older, a newly made link makes the older agreement superseded
 * (the API's rule); loaders pass false, since their records state their
 * own status. A link that would close a cycle is DB_CONFLICT. */
bool record_link_supersedes(struct db *w, int64_t id, const json_t *ref, bool mark_older,
                            struct record_error *err);

/* The record in the input shape (caller owns), or NULL with err set. */
json_t *record_export(struct db *db, enum db_kind kind, int64_t id, struct record_error *err);

/* Deletes the record. An article takes its mentions and quotes with it; an
 * entity that still speaks in quotes is DB_CONFLICT (merge it instead). */
bool record_delete(struct db *w, enum db_kind kind, int64_t id, struct record_error *err);

/* How many aliases an entity, and links of one kind a record, may have:
 * bounds that keep every record (and its export line) a sane size. */
#define RECORD_ALIASES_MAX 1000
#define RECORD_LINKS_MAX 10000

/* Adds one alias after the entity's last, unless it is the entity's name or
 * an alias already (compared folded). */
bool record_add_alias(struct db *w, int64_t id, const char *alias, struct record_error *err);

/* Adds each name of the array `aliases` (checked as names, field
 * "aliases[i]" in errors) with record_add_alias. */
bool record_add_aliases(struct db *w, int64_t id, const json_t *aliases, struct record_error *err);

/* DB_INVALID in err if `adding` more aliases would pass the limit. */
bool record_alias_room(struct db *w, int64_t id, size_t adding, struct record_error *err);

/* Sets err and returns false; for the validators. */
bool record_fail(struct record_error *err, enum db_status status, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
