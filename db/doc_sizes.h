#pragma once
/* The token counts of an FTS5 index's rows, as one connection last read
 * them, for wb_bm25 (db/rank.c).
 *
 * bm25 divides by each ranked row's length. FTS5 reads it from the
 * index's docsize table with a statement of its own per row: half of the
 * ranking of a first-time search (1 us of 2 a candidate on the 1M store).
 * Searches rank the newest matches of their words, which are mostly the
 * same rows query after query, so the counts are kept by rowid, two bytes
 * a row, in blocks of 4,096 rows made as rows in them are ranked: the
 * articles a search of common words ranks lie in a few blocks, a quote
 * word's matches in most of the quotes' blocks (about 700 KiB for 330,000
 * quotes). At most 128 blocks are held, the oldest made giving way.
 *
 * A row's count changes only when the row is rewritten (edited, deleted
 * and its rowid given again, added below the largest): fts_rewrites
 * (migration 9) keeps the store version of the index's last such change.
 * The table holds counts read at one such version, and is emptied when a
 * snapshot shows a later one. A connection reads one snapshot at a time
 * and snapshots only move forward, so a table belongs to one connection and
 * needs no lock. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct doc_sizes;

/* NULL when out of memory. */
struct doc_sizes *doc_sizes_new(void);

/* NULL is ignored. */
void doc_sizes_free(struct doc_sizes *sizes);

/* Declares the index's last rewrite as the reading snapshot sees it: a
 * later one than the table's empties the table. False for an earlier one
 * (a snapshot older than the counts): then the table must not be used. */
bool doc_sizes_rewritten_at(struct doc_sizes *sizes, int64_t version);

/* The count kept for rowid, if any. */
bool doc_sizes_get(const struct doc_sizes *sizes, int64_t rowid, int *tokens);

/* Keeps rowid's count. Blocks held are bounded (1 MiB): past the bound the
 * oldest block made is forgotten to make room. */
void doc_sizes_put(struct doc_sizes *sizes, int64_t rowid, int tokens);

/* The memory the kept counts take, for tests. */
size_t doc_sizes_bytes(const struct doc_sizes *sizes);
