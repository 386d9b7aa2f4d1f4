#pragma once
/* A full-text index built beside a bulk import, on a thread of its own. */

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct fts_build;

/* Starts building `index`, an external-content FTS5 table of the store
 * whose writer is `w` (inside its import transaction), with the columns
 * `columns` ("title, summary, body"), count of them `ncolumns`: a thread
 * of its own indexes the rows it is given into a side database beside the
 * store's file, declared as the store declares the index. NULL (with the
 * reason logged) when the store has no file of its own (in memory) or the
 * thread cannot start: the caller then builds the index the ordinary
 * way. */
struct fts_build *fts_build_start(struct db *w, const char *index, const char *columns,
                                  int ncolumns);

/* Hands one stored row's indexed text to the thread (copied; a NULL
 * column is indexed as SQL NULL is). Waits while the thread is far
 * behind. False once the build has failed: the import must then fail. */
bool fts_build_add(struct fts_build *b, int64_t rowid, const char *const *texts);

/* Tells the thread no more rows will come, so it can finish (commit and
 * merge its segments) while the caller does other work; fts_build_finish
 * then waits for less. */
void fts_build_close(struct fts_build *b);

/* Waits for the thread to index the last row and merge its segments into
 * one, then replaces the store's (empty) index with the built one, inside
 * w's transaction. False if any of that failed; the caller rolls back. */
bool fts_build_finish(struct fts_build *b, struct db *w);

/* Stops the thread (if still running) and removes the side database.
 * Accepts NULL. */
void fts_build_free(struct fts_build *b);
