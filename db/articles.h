#pragma once
/* Article queries. */

#include "db/db.h"

struct article_filter {
    const char *source;   /* exact source name, or NULL */
    int64_t entity_id;    /* articles mentioning this entity, or 0 */
    int64_t agreement_id; /* articles reporting this agreement, or 0 */
    const char *since;    /* YYYY-MM-DD: published on or after, or NULL */
    const char *until;    /* YYYY-MM-DD: published on or before, or NULL */
    const char *q;        /* a search query (db/search.h) the article must match, or NULL */
};

/* A page of article summaries, newest first, after `after` (may be NULL).
 * *items is a new array (caller owns); *next is the position of the next
 * page, next->set false at the end. A malformed filter->q is DB_INVALID. */
enum db_status db_article_list(struct db *db, const struct article_filter *filter,
                               const struct keyset *after, int limit, json_t **items,
                               struct keyset *next);

/* The full article with its entities, quotes and agreements (caller owns). */
enum db_status db_article_get(struct db *db, int64_t id, json_t **out);

/* db_article_get's document as compact JSON text, written from the rows: *json
 * is malloc'd (caller frees), *len its length; updated_at gets the record's
 * updated_at. DB_NOT_FOUND if no article has the id. */
enum db_status db_article_document(struct db *db, int64_t id, char **json, size_t *len,
                                   char *updated_at, size_t updated_len);
