#pragma once
/* Article documents kept rendered, in a file beside the store
 * (<store>-docs), so that reading an article by id is one pread instead of
 * five statements over a dozen b-tree pages.
 *
 * An article's JSON (db_article_document) is written by the reader that
 * first renders it, appended to the file, and found again through an index
 * in memory (8 bytes an article id: offset and length). A write forgets
 * the documents it changes before it commits: the writer connection's
 * temporary triggers (db/documents_sql.c) call documents_forget for every
 * article whose row, mentions, spans, quotes or agreement links change, and
 * for every article that mentions an entity or links an agreement whose
 * shown fields change.
 *
 * Which snapshot a kept document is good for: every document in the index
 * is current at `published`, the store version after the writer's last
 * commit. A reader serves one only when its snapshot is at that version,
 * and keeps one it rendered only then and while no write is open (a write
 * may have forgotten the article already, and a snapshot taken before its
 * commit would put the old text back). A commit by another process moves
 * the version without our triggers: the writer (at its next transaction)
 * or the checkpointer (within a second) sees a version it did not publish
 * and forgets every document.
 *
 * The index is saved beside the file (<store>-docs.idx) when the store
 * closes, if the file at that path is still the one it indexes, with the
 * version and the store's instance id (store_meta), and used at the next
 * open only if the store is still at that version. Records
 * are only appended while the store is open; forgotten ones stay in the
 * file until it is rebuilt (`wirebase documents`), and past twice the live
 * documents plus 1 GiB nothing more is kept. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct documents;

/* The format of the saved documents: bump it whenever the rendering of an
 * article (db/articles.c, write_* and db_article_document) changes, so a
 * new build never serves documents an older one rendered. */
#define DOCUMENTS_FORMAT 1

/* Opens (creating) the documents of the store at store_path, taking them
 * for this process: a second process gets NULL and a reason. The saved
 * index is used if it was saved for `instance` at `version`; otherwise the
 * file starts empty. */
struct documents *documents_open(const char *store_path, const char *instance, int64_t version,
                                 char *err, size_t errlen);

/* Saves the index for the next open (if `save` and the documents are
 * current at a known version), then closes. NULL is ignored. */
void documents_close(struct documents *docs, bool save);

/* The document of article `id` as a snapshot at `version` reads it:
 * malloc'd JSON text, its length, and the article's updated_at. False when
 * none is kept for that version. */
bool documents_read(struct documents *docs, int64_t id, int64_t version, char **json,
                    size_t *len, char *updated_at, size_t updated_len);

/* A document rendered from a snapshot at `version`: kept if that is the
 * published version and no write is open. */
void documents_offer(struct documents *docs, int64_t id, int64_t version, const char *json,
                     size_t len, const char *updated_at);

/* Forgets every document and empties the file. Only while nothing reads
 * them: a reader could be reading a record the file no longer holds. */
void documents_reset(struct documents *docs);

/* Whether the file holds more forgotten text than kept documents, and
 * over REBUILD_SLACK of it: then `wirebase documents` rebuilds it rather
 * than add to it (past the limit above it would keep nothing at all). */
bool documents_mostly_forgotten(struct documents *docs);

/* How many documents were served from the file and how many offered were
 * kept, since the process started (for tests and /metrics). */
void documents_counts(const struct documents *docs, uint64_t *served, uint64_t *kept);

/* ---- the writer's side --------------------------------------------------- */

/* The writer's lock is taken: a write may begin. */
void documents_writer_enter(struct documents *docs);

/* The writer's transaction began; `version` is the store's inside it,
 * before its own changes. Not the published one: another process wrote. */
void documents_writer_began(struct documents *docs, int64_t version);

/* Article `id`'s document is out of date from this write on. */
void documents_forget(struct documents *docs, int64_t id);

/* Every document is out of date (the triggers cannot tell which). */
void documents_forget_all(struct documents *docs);

/* The writer committed a transaction that left the store at `version`. */
void documents_writer_committed(struct documents *docs, int64_t version);

/* The writer's lock is released; `version` is the store's now. */
void documents_writer_leave(struct documents *docs, int64_t version);

/* From the checkpointer while the writer is idle: a store at another
 * version than the published one was written by another process. */
void documents_check(struct documents *docs, int64_t version);
