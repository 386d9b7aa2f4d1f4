#pragma once
/* Private to db/: checking the fields of a record in the client's shape and
 * choosing slugs. Each check returns true or fills a record_error naming the
 * field; `prefix` (may be "") is prepended to field names, so nested parts
 * read "mentions[2].entity". */

#include <stdbool.h>
#include <stddef.h>

#include "db/records.h"

/* Limits on stored text, in bytes: the same for every way a record arrives. */
#define NAME_MAX_BYTES 200
#define TITLE_MAX_BYTES 500
#define SUMMARY_MAX_BYTES 4000
#define URL_MAX_BYTES 2000
#define BODY_MAX_BYTES (512 * 1024)
#define QUOTE_MAX_BYTES 4000
#define SLUG_BUF 128

/* rec must be an object with no key outside `allowed` (NULL-terminated). */
bool validate_keys(const json_t *rec, const char *const *allowed, struct record_error *err);

/* rec[key] as 1..max bytes of clean UTF-8 that is not only blanks; an absent
 * or null optional field gives *out = NULL. */
bool validate_text(const json_t *rec, const char *key, bool required, size_t max,
                   const char **out, struct record_error *err);

/* rec[key] as one of `values` (NULL-terminated). */
bool validate_enum(const json_t *rec, const char *key, const char *const *values,
                   const char **out, struct record_error *err);

/* `value` (a slug string or an integer id) as the id of a record of kind;
 * `field` names it in errors. Missing record: DB_BAD_REF. */
bool validate_ref(struct db *db, const json_t *value, enum db_kind kind, const char *field,
                  int64_t *id, struct record_error *err);

/* rec["slug"] if given (well-formed, free or already record `self`'s), else
 * a free slug made from `basis`. `self` is 0 for a new record. */
bool validate_slug(struct db *db, const json_t *rec, enum db_kind kind, const char *basis,
                   const char *fallback, int64_t self, char out[SLUG_BUF],
                   struct record_error *err);

/* The record error for a failed SQLite call on db. */
bool validate_sql_failed(struct db *db, const char *field, struct record_error *err);
