#pragma once
/* Entity queries. */

#include "db/db.h"

enum entity_sort { ENTITY_SORT_NAME, ENTITY_SORT_MENTIONS };

struct entity_filter {
    const char *type;   /* person|organization|location|product, or NULL */
    const char *prefix; /* name or alias prefix, case-insensitive, or NULL */
    enum entity_sort sort;
};

/* How many related records an entity detail embeds; the rest are a filtered
 * list request away (/v1/articles?entity=..., /v1/quotes?speaker=...). */
#define ENTITY_EMBED_LIMIT 20

/* A page of entities (with aliases and counts) in the filter's order. The
 * keyset key is the folded name or the mention count as text. */
enum db_status db_entity_list(struct db *db, const struct entity_filter *filter,
                              const struct keyset *after, int limit, json_t **items,
                              struct keyset *next);

/* The entity with its latest articles and quotes and its agreements, each
 * with the entity's roles in it (caller owns). */
enum db_status db_entity_get(struct db *db, int64_t id, json_t **out);
