#pragma once
/* Quote queries. */

#include "db/db.h"

struct quote_filter {
    int64_t speaker_id; /* quotes by this entity, or 0 */
    int64_t article_id; /* quotes in this article, or 0 */
    const char *q;      /* a search query (db/search.h) the text must match, or NULL */
};

/* A page of quotes, most recently recorded first, each with its speaker and
 * article. The keyset key is unused (ids order the list). A malformed
 * filter->q is DB_INVALID. */
enum db_status db_quote_list(struct db *db, const struct quote_filter *filter,
                             const struct keyset *after, int limit, json_t **items,
                             struct keyset *next);

/* One quote (caller owns). */
enum db_status db_quote_get(struct db *db, int64_t id, json_t **out);
