#pragma once
/* A search's ranked candidates in one index, kept across store versions.
 *
 * A search ranks each index's newest matches (db/search.c). Reading them
 * walks the posting lists of every word backwards and scores each row:
 * most of a search's 2 ms on the 1M store, and every write makes every
 * answer the response cache holds stale, so a dashboard's searches all pay
 * it again after each write. Yet a write mostly adds rows on top of an
 * index, and a row's parts of its score (db/rank.h) do not change until the
 * row is rewritten. So the candidates are kept with their parts: at a later
 * version whose index has had no rewrite since (fts_rewrites), the rows
 * added on top are read alone, put before the kept ones, and every row is
 * scored again with the new version's basis, to the last bit of what a
 * whole reading gives.
 *
 * Shared by every connection of the process (a kept list serves any
 * reader), under a lock held only to copy a list in or out, and bounded in
 * memory: CANDIDATES_BYTES_MAX in all, the least recently used list going
 * first. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/rank.h"

#define CANDIDATES_BYTES_MAX (8u * 1024 * 1024)

/* One index's newest matches of one MATCH expression, newest first. */
struct candidates {
    int64_t version;   /* the store version they were read at */
    int64_t top_rowid; /* the index's largest rowid then: rows added since lie above */
    bool capped;       /* the index held more matches than these */
    struct rank_basis basis; /* the query's basis at that version */
    size_t count, capacity;
    int64_t *rowids;
    int32_t *tokens;
    double *freq; /* count rows of basis.phrases weighted counts */
};

/* Room for `capacity` rows of `phrases` phrases; false without memory. */
bool candidates_reserve(struct candidates *c, size_t capacity, int phrases);

/* Frees what c holds and empties it. */
void candidates_clear(struct candidates *c);

/* A copy of the list kept for key, into the empty `out`. */
bool candidates_lookup(const char *key, struct candidates *out);

/* Keeps a copy of c for key, unless a list of a later version is kept for
 * it, or c's counts are not whole numbers (the weights are, so they
 * always are; a list that cannot be kept exactly is not kept at all). */
void candidates_keep(const char *key, const struct candidates *c);

/* Forgets every kept list (a new process has none). */
void candidates_forget(void);

/* Counts one search of one index that used a kept list (db/search.c), and
 * how many did since start (for tests). */
void candidates_note_reuse(void);
long long candidates_reused(void);
