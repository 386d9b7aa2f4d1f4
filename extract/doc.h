#pragma once
/* The extractor's working state for one field of one article: its tokens,
 * sentences, the mentions found in it, and the entities they name. Internal
 * to extract/; the public face is extract.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "extract/extract.h"

enum tok_kind {
    TOK_WORD,   /* letters, digits, internal apostrophes; "U.S." and "Gen." */
    TOK_NUMBER, /* 1993, 100,000 */
    TOK_PUNCT,  /* one punctuation character */
    TOK_QOPEN,  /* an opening double quote, straight or curly */
    TOK_QCLOSE, /* a closing double quote */
    TOK_SQUOTE, /* a single quote used as a quotation mark */
    TOK_DASH,   /* an em or en dash, or a spaced hyphen */
};

enum tok_flag {
    TF_CAP = 1 << 0,        /* first letter upper case */
    TF_ALLCAPS = 1 << 1,    /* two or more letters, all upper case */
    TF_SENT_START = 1 << 2, /* first word of a sentence (quotes split sentences here) */
    TF_GLUED = 1 << 3,      /* no space before it ("France-Presse", "Obama's") */
    TF_ABBREV = 1 << 4,     /* ends with a period that ends no sentence */
    TF_PARA_START = 1 << 5, /* first token of a paragraph */
    TF_IN_TITLE = 1 << 6,   /* inside an agreement's proper name ("Gotland Patrol Accord") */
};

struct token {
    uint32_t start, end; /* bytes in the field */
    uint32_t norm;       /* offset of its folded form in doc.norms */
    uint64_t classes;    /* its word classes (words.h) */
    uint32_t sent;       /* sentence index (quote-aware: a quotation is inside one sentence) */
    int32_t mention;     /* index into doc.mentions, or -1 */
    uint8_t kind;
    uint8_t flags;
    uint8_t para_break_before;
};

struct sentence {
    uint32_t first, end; /* tokens [first, end) */
};

enum ent_type { ENT_PERSON, ENT_ORGANIZATION, ENT_LOCATION, ENT_PRODUCT, ENT_TYPES };

/* How a mention was found: the strongest evidence first. */
enum mention_how {
    HOW_KNOWN,     /* the caller's lexicon (the store) */
    HOW_GAZETTEER, /* data/gazetteer.tsv */
    HOW_CUE,       /* a title, role, organization or location word */
    HOW_ALIAS,     /* a surname or acronym of a full name in this article */
    HOW_ADJECTIVE, /* a demonym ("Russian"): evidence of the country, not a name */
};

struct mention {
    uint32_t t0, t1; /* tokens [t0, t1) */
    int entity;      /* index into extraction.entities */
    uint8_t how;
    uint8_t field;   /* 0 body, 1 title */
};

struct doc {
    const char *text;
    size_t len;
    struct token *tok;
    size_t ntok, tok_cap;
    char *norms;
    size_t norms_len, norms_cap;
    struct sentence *sent;
    size_t nsent, sent_cap;
    struct mention *mentions;
    size_t nmentions, mentions_cap;
};

/* Grows *items (of `size` bytes each) to hold at least `need`, doubling;
 * false when out of memory, with *items as it was. */
bool array_grow(void **items, size_t *cap, size_t need, size_t size);

/* Splits text into tokens and sentences. false when out of memory. */
bool doc_init(struct doc *d, const char *text, size_t len);
void doc_free(struct doc *d);

static inline const char *tok_norm(const struct doc *d, size_t i)
{
    return d->norms + d->tok[i].norm;
}

static inline size_t tok_len(const struct doc *d, size_t i)
{
    return d->tok[i].end - d->tok[i].start;
}

static inline bool is_punct(const struct doc *d, size_t i, char c)
{
    return i < d->ntok && d->tok[i].kind == TOK_PUNCT && d->text[d->tok[i].start] == c;
}

/* True when token i's folded form is `word`. */
bool tok_is(const struct doc *d, size_t i, const char *word);

/* True when token i's folded form is one of the NULL-terminated list. */
bool tok_in(const struct doc *d, size_t i, const char *const *words);

/* Folds a word the way tokens are folded: ASCII lower case, dots dropped,
 * curly apostrophes straightened. Writes at most cap-1 bytes and a NUL. */
size_t fold_word(const char *s, size_t len, char *out, size_t cap);

/* Code points in text[0, byte). */
size_t utf8_count(const char *text, size_t byte);

/* Adds a mention; -1 when out of memory. */
int doc_add_mention(struct doc *d, uint32_t t0, uint32_t t1, int entity, uint8_t how);
