#pragma once
/* wb_bm25: FTS5's bm25 ranking with the document frequency of each search
 * term remembered across queries.
 *
 * FTS5's own bm25() counts, on every query, the rows that hold each of its
 * phrases (for the IDF) by walking the phrase's whole posting list: for a
 * word in half of a million articles that walk is most of a search's cost,
 * even when only the newest thousand matches are ranked. These counts only
 * move when the store is written, so each is kept with the store version
 * it was made at. When the version moves and the index has only gained
 * rows above its largest rowid since (most writes: new articles and
 * quotes), the count is brought up to date by counting the new rows alone;
 * after any other change to the index (fts_rewrites, migration 9) it is
 * walked again. The scores are bm25()'s, to the last bit: same formula,
 * same counts. A connection that only reads also keeps each ranked row's
 * length (db/doc_sizes.h), which FTS5 would read with a statement per row.
 * rank_save writes a store's counts into the store itself
 * (term_counts, migration 10), where a restarted process finds them.
 *
 * SQL: wb_bm25(fts_table, 'fts_table', version, match, weight0, weight1, ...)
 *   'fts_table'  the table's name: with each phrase's text, the key of its count
 *   version      the store version the query reads (a snapshot's, so the
 *                counts it finds were made on the same rows)
 *   match        the MATCH expression (as db_search_compile writes it), whose
 *                quoted phrases are FTS5's phrases in the same order
 *   weightN      the weight of column N, as for bm25() */

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- a score made outside SQL --------------------------------------------
 * wb_bm25_parts takes wb_bm25's arguments and returns, as a blob, what the
 * row's score is made of: the query's basis (each phrase's IDF and the mean
 * row length, the same for every row of one query) and the row's own parts
 * (its weighted count of each phrase and its length). A row's parts change
 * only when the row is rewritten, so a caller may keep them and score the
 * row again at a later version, with that version's basis, to the last bit
 * of what wb_bm25 would give. */

#define RANK_PHRASES_MAX 64

struct rank_basis {
    int phrases;
    double avgdl;
    double idf[RANK_PHRASES_MAX];
};

/* Reads a wb_bm25_parts blob: the basis, the row's length and its `phrases`
 * weighted counts into freq (room for RANK_PHRASES_MAX). False when the
 * blob is not one. */
bool rank_parts_read(const void *blob, size_t bytes, struct rank_basis *basis, int *tokens,
                     double *freq);

/* How many phrases the MATCH expression holds (wb_bm25's `match`); -1
 * past RANK_PHRASES_MAX. */
int rank_phrase_count(const char *match);

/* The rank wb_bm25 gives a row of these parts (bm25 negated: lower ranks
 * first). */
double rank_score(const struct rank_basis *basis, const double *freq, int tokens);

/* Registers wb_bm25 and wb_bm25_parts on a connection. SQLITE_OK or an SQLite error code. */
int rank_register(sqlite3 *handle);

/* Saves the counts made on the store that `handle` (a connection that may
 * write) has open, in a transaction of their own; the store version does
 * not move. False when they could not be saved: then nothing was. */
bool rank_save(sqlite3 *handle);

/* ---- counts saved in the store --------------------------------------------
 * term_counts keeps at most RANK_SAVED_MAX counts, the newest versions; a
 * process remembers at most RANK_COUNTS_KEPT, which rank_save saves. */
#define RANK_SAVED_MAX 16384
#define RANK_COUNTS_KEPT 1024
#define RANK_KEY_MAX 200

/* A phrase's count as term_counts keeps it: the phrase's rows at
 * `version`, when the index's largest rowid was `top_rowid`. */
struct rank_saved_count {
    char key[RANK_KEY_MAX]; /* rank_term_key */
    int64_t version;
    int64_t rows;
    int64_t top_rowid;
};

/* The key of the count of a phrase of `table` whose tokens, as the index's
 * tokenizer makes them, are `tokens` (space-separated); a prefix phrase's
 * last token is a prefix. False when it does not fit in keylen. */
bool rank_term_key(const char *table, bool prefix, const char *tokens, char *key, size_t keylen);

/* The index's largest rowid, 0 when it is empty: a count's top_rowid. */
bool rank_largest_rowid(sqlite3 *handle, const char *table, int64_t *rowid);

/* Saves `counts` (of the store `handle` has open) in one transaction of
 * their own, as rank_save does; one already saved at a later version
 * stays. False when they could not be saved: then nothing was. */
bool rank_save_counts(sqlite3 *handle, const struct rank_saved_count *counts, size_t count);

/* What the keys of remembered counts and kept lists (db/candidates.h)
 * start with: a hash of the store's file name and its instance id, as 16
 * hex digits and a separator (a process may open more than one store, or
 * make one again at the same path). False when the store has no instance
 * id yet: then the hash is of the name alone, and should not be kept. */
#define RANK_FILE_PREFIX_LEN 17
bool rank_file_prefix(sqlite3 *handle, char prefix[RANK_FILE_PREFIX_LEN + 1]);

/* Forgets every remembered count, and every kept list of candidates
 * (db/candidates.h): what a new process starts with (for tests). */
void rank_forget(void);

/* How many counts have been made by walking a posting list since start
 * (for tests: a repeated query must not walk again). */
long long rank_count_walks(void);

/* How many row lengths have been read from an index's docsize table (the
 * rest came from the ranking connection's doc_sizes; for tests). */
long long rank_size_reads(void);

/* How many remembered counts have been brought up to date by counting only
 * the rows added since (for tests). */
long long rank_count_tails(void);
