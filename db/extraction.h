#pragma once
/* Extraction on ingest: runs the extractor (extract/) on an article in the
 * store and keeps what it finds, linked to what the store already knows. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct lexicon;

/* Inside the caller's write transaction w on `store`: reads article
 * `article_id`, extracts its entities, quotes and agreements, and writes
 * them: an entity is the store's when the extractor matched a known name
 * or the store has one of that type whose name or alias folds equal, else
 * a new one with the surface forms as aliases; mentions keep their offsets;
 * an agreement the store has (same kind, and an equal title or the same
 * acronym, e.g. "New START") is linked, not made twice. A record the store
 * refuses (a quotation longer than quotes may be) is left out, the rest
 * kept. false, with err, only when the store itself fails; the caller
 * then rolls back. Mentions the client gave keep their counts. */
bool db_article_extract(struct store *store, struct db *w, int64_t article_id,
                        struct record_error *err);

/* The store half of db_article_extract, for any extraction in the shape of
 * extract/extract.h (which it checks first: a malformed one is DB_INVALID,
 * with err->field naming the item, e.g. "extraction.entities[2].name").
 * Writes into article `article_id` inside the caller's write transaction w,
 * by the rules above; offsets outside their field are left out. `names`,
 * when not NULL, learns the names and aliases this write adds. false, with
 * err, when the extraction is malformed, the article is missing
 * (DB_NOT_FOUND) or the store fails: the caller rolls back, and a lexicon
 * it passed may hold names that were never stored. Borrows extraction. */
bool db_extraction_apply(struct db *w, int64_t article_id, const json_t *extraction,
                         struct lexicon *names, struct record_error *err);

/* The write the extraction ran in was rolled back: the store's lexicon may
 * hold names it added, so the next extraction rebuilds it. */
void db_extraction_forget(struct store *store);

/* Private to db/ (store.c keeps the lexicon): the lexicon of every entity
 * name and alias, rebuilt when store_meta.names_version moved since it was
 * built; called with the writer held. NULL when out of memory. */
struct lexicon *store_names(struct store *store, struct db *w);
/* Names added to the lexicon by the caller are all the changes since:
 * take the current names_version as the lexicon's. */
void store_names_caught_up(struct store *store, struct db *w);
/* Drops the lexicon; the next store_names builds it again. */
void store_names_drop(struct store *store);
