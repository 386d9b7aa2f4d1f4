#pragma once
/* One extraction in progress: the article's fields as docs, the entities
 * found so far, then quotes and agreements. Internal to extract/. */

#include "extract/doc.h"
#include "extract/lexicon.h"

#define NAME_MAX_BYTES 160
#define ALIASES_MAX 8

struct entity {
    char name[NAME_MAX_BYTES];
    char key[NAME_MAX_BYTES]; /* the name folded, for comparing */
    char aliases[ALIASES_MAX][NAME_MAX_BYTES];
    int naliases;
    int type;
    int64_t ref;        /* the caller's id when it came from its lexicon */
    int affiliation;    /* person: the country or organisation they speak for, -1 */
    int named;          /* mentions by name (adjectives do not count) */
    bool media;         /* a news outlet: "the report said" falls back to it */
    bool country;       /* a party to agreements */
    bool weak;          /* found without a cue; kept only if seen again */
    bool dropped;
};

struct quote {
    int speaker; /* entity */
    uint32_t t0, t1; /* tokens inside the quotation marks */
};

enum agreement_status { ST_SIGNED, ST_PROPOSED, ST_PENDING, ST_IN_FORCE, ST_SUPERSEDED, ST_NONE };

struct agreement {
    char title[NAME_MAX_BYTES];
    char acronym[16];
    int kind; /* index into AGREEMENT_KINDS */
    int year; /* a year in its title, 0 for none */
    int status;
    bool titled;       /* its title is its proper name ("... Protection Agreement") */
    bool signed_today; /* signed on the article's date */
    int parties[16], nparties;
    int signatories[16], nsignatories;
    int supersedes;    /* agreement index, -1 */
    int superseded_by; /* agreement index, -1 */
    uint32_t t0, t1;   /* the first mention's tokens */
    uint32_t sent;     /* its sentence */
};

struct extraction {
    struct doc body, title;
    const struct lexicon *known, *gazetteer;
    const char *published_at;
    struct entity *ents;
    size_t nents, ents_cap;
    struct quote *quotes;
    size_t nquotes, quotes_cap;
    struct agreement *agrs;
    size_t nagrs, agrs_cap;
};

/* Passes, in order. Each returns false only when out of memory. */
bool find_entities(struct extraction *x);
bool find_quotes(struct extraction *x);
bool find_agreements(struct extraction *x);

/* Shared helpers (entities.c). */
int entity_add(struct extraction *x, const char *name, int type, int64_t ref);
void entity_add_alias(struct entity *e, const char *alias);
/* The entity a body mention at token i names, or -1 (adjectives count). */
int entity_at(const struct extraction *x, size_t i);
bool entity_is_country(const struct extraction *x, int e);
/* Copies tokens [t0, t1) of d as they are written, spaces normalised. */
void span_text(const struct doc *d, uint32_t t0, uint32_t t1, char *out, size_t cap);
