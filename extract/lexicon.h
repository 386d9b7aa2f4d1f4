#pragma once
/* Inside view of a lexicon for the extractor: what a match found. */

#include "extract/doc.h"

struct lex_entry {
    const char *name; /* the entity's canonical name */
    int64_t ref;      /* caller's id, 0 for none */
    uint8_t type;     /* enum ent_type */
    bool adjective;   /* a demonym: "Russian" for Russia */
    bool country;     /* a place with a demonym: a country, a party to agreements */
};

/* The longest known surface form starting at token t0 of d: true with *t1
 * (end token, exclusive) and *entry set. Capitalisation must agree with the
 * form: "US" does not match "us", "Navy" does not match "navy". */
bool lexicon_longest(const struct lexicon *lx, const struct doc *d, size_t t0, size_t *t1,
                     const struct lex_entry **entry);

/* The non-adjective entry for a canonical name, for resolving a name that
 * came from elsewhere (a party named in full); NULL when none. */
const struct lex_entry *lexicon_find_name(const struct lexicon *lx, const char *name);

int ent_type_parse(const char *type);
const char *ent_type_name(int type);
