#pragma once
/* Full-text search over articles (title, summary, body), quotes (text) and
 * entities (name and aliases), on the FTS5 indexes of schema migration 4.
 *
 * The query syntax people type:
 *   memorandum defense      every word must occur (in any order)
 *   "working group"         an exact phrase
 *   defen*                  a prefix
 *   -nato  -"new start"     leave out matches holding this word or phrase
 * Matching ignores case and accents. Nothing else is syntax: a word holding
 * one of : ( ) ^ { } + * (other than a final *) or one of the words AND, OR,
 * NOT, NEAR is refused with a message, so nobody mistakes it for an
 * operator; quoted, it is searched for as text. */

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

#define SEARCH_QUERY_MAX_BYTES 256
#define SEARCH_QUERY_MAX_TERMS 32
/* Room for the MATCH expression of any query that passes the limits. */
#define SEARCH_MATCH_MAX 2048
/* The most matches of one type that a search ranks. */
#define SEARCH_CANDIDATES 1000

/* A page of hits for `query`, best first (bm25; an article's title counts
 * more than its summary, which counts more than its body; an entity's name
 * more than its aliases), ties broken by type then id. `type` is "article",
 * "quote", "entity" or NULL for all. *items is a new array (caller owns) of
 *   {type, id, slug, title, snippet, link}
 * where title is the article's title, the entity's name or the start of the
 * quote, link is the record's path (/v1/articles/<slug>...), and snippet is
 * HTML: the record's text with <, >, & and " escaped and each match inside
 * <mark>...</mark>. *next is the position after the page (next->set false at
 * the end); its key holds the rank and type, so pass it back unchanged.
 *
 * Only the SEARCH_CANDIDATES newest matches of each type are ranked (by id,
 * which grows with each write); *capped tells that some type had more. A
 * word found in half of a million articles is then ranked in milliseconds,
 * and a query precise enough to matter is ranked whole. Each index's list
 * is kept (db/candidates.h): a later search of the same words, after
 * writes that only added rows on top, reads those rows alone and scores
 * the kept ones again, with the same result as reading them all.
 *
 * DB_INVALID for a malformed query (db_search_compile says why), an unknown
 * type, a key that db_search_is_key refuses, or a query the index itself
 * refuses; other failures as usual. */
enum db_status db_search(struct db *db, const char *query, const char *type,
                         const struct keyset *after, int limit, json_t **items,
                         struct keyset *next, bool *capped);

/* True for a keyset key db_search made (a cursor's key may be forged). */
bool db_search_is_key(const char *key);

/* Compiles `query` into an FTS5 MATCH expression in `match`, in which every
 * word and phrase is a quoted FTS5 string, so user text never becomes an
 * FTS5 operator or column name. DB_INVALID for an empty query, one over
 * SEARCH_QUERY_MAX_BYTES or SEARCH_QUERY_MAX_TERMS, an unbalanced quote, a
 * bare *, a term with nothing to search for, syntax characters or operator
 * words outside quotes, or only exclusions; `why` (may be NULL) then holds a
 * sentence for people. Pure: no database. */
enum db_status db_search_compile(const char *query, char *match, size_t matchlen, char *why,
                                 size_t whylen);

/* For db/'s list queries: "IN (SELECT rowid FROM <index> WHERE <index>
 * MATCH :q)" for articles or quotes, to put after their id column; bind :q
 * to db_search_compile's expression. NULL for other kinds. */
const char *db_search_filter_sql(enum db_kind kind);

/* For db/'s list queries that ran a MATCH: turns a failure the full-text
 * index reported (status DB_ERR, an "fts5:" error on the connection) into
 * DB_INVALID; any other status is returned as is. */
enum db_status db_search_status(struct db *db, enum db_status status);
