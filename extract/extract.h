#pragma once
/* The extractor: finds the entities, quotes and agreements in an article's
 * text. Pure computation on strings: no store, no I/O, no global state
 * except the embedded gazetteer, which is built once and then only read.
 *
 * Output shape (the API's; `wirebase extract` prints exactly this):
 *   {"entities":   [{"name", "type", "aliases": [..], "known": id|null,
 *                    "mentions": [{"field": "title"|"body", "start", "end"}]}],
 *    "quotes":     [{"speaker", "text", "start", "end"}],
 *    "agreements": [{"title", "kind", "status", "signed_on": "YYYY-MM-DD"|null,
 *                    "parties": [name..], "signatories": [name..],
 *                    "supersedes": title|null, "start", "end"}]}
 * Names in quotes[].speaker, parties, signatories and supersedes are the
 * `name` of an entry of entities (or the `title` of an agreement). Offsets
 * count Unicode code points from the start of the field (body unless
 * stated), end exclusive, so a dashboard can slice the text it has.
 * "known" is the ref given to lexicon_add for a name the caller's lexicon
 * supplied (a store entity id), else null. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A multi-pattern matcher over known names: one automaton (a trie over
 * folded tokens) finds every known surface form, longest match first. */
struct lexicon;

struct lexicon *lexicon_new(void);
void lexicon_free(struct lexicon *lx);

/* Adds `surface` as a form of the entity `name` of `type` (person,
 * organization, location, product); ref is the caller's id for the entity
 * (0 for none). Adding is incremental: no rebuild. false when out of
 * memory or the type is unknown. */
bool lexicon_add(struct lexicon *lx, const char *surface, const char *name, const char *type,
                 int64_t ref);

/* How many surface forms the lexicon holds. */
size_t lexicon_size(const struct lexicon *lx);

/* The gazetteer shipped in data/ and embedded in the binary; built on first
 * use (thread-safe), never freed. */
const struct lexicon *lexicon_gazetteer(void);

struct extract_input {
    const char *title;        /* may be NULL */
    const char *body;         /* UTF-8 */
    const char *published_at; /* "YYYY-MM-DD..." or NULL */
};

/* Runs the extractor with the gazetteer and, when not NULL, the caller's
 * lexicon of known names (which wins over the gazetteer on equal spans).
 * NULL only when out of memory. */
json_t *extract_run(const struct extract_input *in, const struct lexicon *known);
