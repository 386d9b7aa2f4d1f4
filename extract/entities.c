/* Entities: known names first (the caller's lexicon, then the gazetteer),
 * then capitalised names read from their cues, then surnames and acronyms
 * resolved to the full names they shorten. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/state.h"
#include "extract/words.h"

/* ---- entities ---------------------------------------------------------- */

static bool same_name(const char *a, const char *b)
{
    char fa[NAME_MAX_BYTES], fb[NAME_MAX_BYTES];
    fold_word(a, strlen(a), fa, sizeof fa);
    fold_word(b, strlen(b), fb, sizeof fb);
    return strcmp(fa, fb) == 0;
}

int entity_add(struct extraction *x, const char *name, int type, int64_t ref)
{
    char key[NAME_MAX_BYTES];
    fold_word(name, strlen(name), key, sizeof key);
    for (size_t i = 0; i < x->nents; i++)
        if (x->ents[i].type == type && strcmp(x->ents[i].key, key) == 0) {
            if (ref != 0 && x->ents[i].ref == 0)
                x->ents[i].ref = ref;
            return (int)i;
        }
    if (!array_grow((void **)&x->ents, &x->ents_cap, x->nents + 1, sizeof *x->ents))
        return -1;
    struct entity *e = &x->ents[x->nents];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    memcpy(e->key, key, sizeof e->key);
    e->type = type;
    e->ref = ref;
    e->affiliation = -1;
    return (int)x->nents++;
}

void entity_add_alias(struct entity *e, const char *alias)
{
    if (same_name(e->name, alias))
        return;
    for (int i = 0; i < e->naliases; i++)
        if (same_name(e->aliases[i], alias))
            return;
    if (e->naliases < ALIASES_MAX)
        snprintf(e->aliases[e->naliases++], NAME_MAX_BYTES, "%s", alias);
}

int entity_at(const struct extraction *x, size_t i)
{
    const struct doc *d = &x->body;
    if (i >= d->ntok || d->tok[i].mention < 0)
        return -1;
    return d->mentions[d->tok[i].mention].entity;
}

bool entity_is_country(const struct extraction *x, int e)
{
    return e >= 0 && x->ents[e].country;
}

void span_text(const struct doc *d, uint32_t t0, uint32_t t1, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (uint32_t k = t0; k < t1 && k < d->ntok; k++) {
        size_t n = tok_len(d, k);
        bool space = k > t0 && !(d->tok[k].flags & TF_GLUED);
        if (o + n + 2 > cap)
            break;
        if (space)
            out[o++] = ' ';
        memcpy(out + o, d->text + d->tok[k].start, n);
        o += n;
    }
    out[o] = '\0';
}

/* ---- token tests ------------------------------------------------------- */

static bool is_word(const struct doc *d, size_t i)
{
    return i < d->ntok && d->tok[i].kind == TOK_WORD;
}

static bool is_cap(const struct doc *d, size_t i)
{
    return i < d->ntok && (d->tok[i].kind == TOK_WORD) && (d->tok[i].flags & TF_CAP);
}

static bool is_possessive(const struct doc *d, size_t i)
{
    return is_word(d, i) && (d->tok[i].flags & TF_GLUED) && tok_is(d, i, "'s");
}

static bool has_digit(const struct doc *d, size_t i)
{
    for (uint32_t b = d->tok[i].start; b < d->tok[i].end; b++)
        if (d->text[b] >= '0' && d->text[b] <= '9')
            return true;
    return false;
}

static bool same_sentence(const struct doc *d, size_t a, size_t b)
{
    return a < d->ntok && b < d->ntok && d->tok[a].sent == d->tok[b].sent;
}

/* A model designation: "Mi-17", "NH90", "F-35", "A320". Returns its end. */
static size_t designation_end(const struct doc *d, size_t i)
{
    if (!is_cap(d, i))
        return i;
    if (has_digit(d, i) && d->tok[i].kind == TOK_WORD)
        return i + 1;
    if (is_punct(d, i + 1, '-') && (d->tok[i + 1].flags & TF_GLUED) && i + 2 < d->ntok &&
        (d->tok[i + 2].flags & TF_GLUED) && (d->tok[i + 2].kind == TOK_NUMBER || has_digit(d, i + 2)))
        return i + 3;
    return i;
}

/* ---- candidate names --------------------------------------------------- */

struct candidate {
    uint32_t t0, t1;
    int type;      /* -1: not decided */
    bool weak;     /* no cue; needs a second sighting */
    bool person_cue;
    bool media;
    bool initial; /* one word opening a sentence, never capitalised inside one */
};

/* Title words before a name: "Defense Secretary", "President", "Gen.",
 * "Estonian Defence Minister". The name starts after the last title word
 * that is followed by more capitalised words. */
static size_t skip_titles(const struct doc *d, size_t a, size_t b, bool *titled)
{
    size_t start = a;
    *titled = false;
    for (size_t i = a; i + 1 < b; i++)
        if (tok_in(d, i, TITLES) && !tok_in(d, i + 1, TITLES) &&
            !(tok_in(d, i + 1, TITLE_MODIFIERS) && i + 2 < b && tok_in(d, i + 2, TITLES))) {
            start = i + 1;
            *titled = true;
        }
    return start;
}

/* An appositive after a name: ", a senior analyst at", ", director general
 * of", "— a former CIA director". True when a role noun comes first. */
static bool role_follows(const struct doc *d, size_t i)
{
    if (!(is_punct(d, i, ',') || (i < d->ntok && d->tok[i].kind == TOK_DASH)))
        return false;
    for (size_t k = i + 1; k < d->ntok && k < i + 8; k++) {
        if (!same_sentence(d, i, k) || is_punct(d, k, ',') || is_punct(d, k, '.') ||
            d->tok[k].kind == TOK_QOPEN)
            return false;
        /* The role ends the appositive: "a senior analyst at", "director
         * general of", "a former CIA director who"; "a partner in" is no
         * appositive but the sentence going on. */
        if (tok_in(d, k, ROLE_NOUNS) &&
            (tok_in(d, k + 1, APPOSITIVE_ENDS) || tok_in(d, k + 1, ROLE_NOUNS) || is_punct(d, k + 1, ',') ||
             is_punct(d, k + 1, '.') || (k + 1 < d->ntok && d->tok[k + 1].kind == TOK_DASH)))
            return true;
        if (tok_is(d, k, "who") || tok_is(d, k, "which"))
            return false;
    }
    return false;
}

/* The role noun or title word right before a name (lower case is fine:
 * "press secretary Geoff Morrell", "his Russian counterpart Anatoly"). */
static bool role_precedes(const struct doc *d, size_t a)
{
    return a > 0 && (tok_in(d, a - 1, ROLE_NOUNS) || tok_in(d, a - 1, TITLES)) &&
           same_sentence(d, a - 1, a);
}

/* A news outlet's noun shortly before: "the Russian daily X", "the Russian
 * agency Interfax", "a report in X". */
static bool media_precedes(const struct doc *d, size_t a)
{
    for (size_t k = a; k > 0 && k + 3 > a; k--) {
        size_t p = k - 1;
        if (!same_sentence(d, p, a))
            return false;
        if (tok_in(d, p, MEDIA_NOUNS))
            return true;
        if (d->tok[p].kind != TOK_WORD)
            return false;
    }
    return false;
}

/* "the Latvian parliament, the Saeima": an organisation noun in apposition. */
static bool org_noun_appositive(const struct doc *d, size_t a, size_t b)
{
    size_t k = a;
    if (k > 0 && tok_is(d, k - 1, "the"))
        k--;
    if (k > 1 && is_punct(d, k - 1, ',') && tok_in(d, k - 2, ORG_NOUNS))
        return true;
    /* "X, the country's parliament" */
    if (is_punct(d, b, ',') && tok_is(d, b + 1, "the")) {
        for (size_t j = b + 2; j < d->ntok && j < b + 6; j++) {
            if (tok_in(d, j, ORG_NOUNS))
                return true;
            if (!is_word(d, j) || tok_in(d, j, ROLE_NOUNS))
                break;
        }
    }
    return false;
}

static bool location_cue_precedes(const struct doc *d, size_t a)
{
    if (a == 0 || !same_sentence(d, a - 1, a))
        return false;
    if (tok_in(d, a - 1, LOC_PREPOSITIONS))
        return true;
    /* "the port of Karlskrona", "the city of Lund" */
    return a > 1 && tok_is(d, a - 1, "of") && tok_in(d, a - 2, LOC_NOUNS);
}

static bool speech_follows(const struct doc *d, size_t b)
{
    return b < d->ntok && tok_in(d, b, SPEECH_VERBS) && same_sentence(d, b - 1, b);
}

static bool is_agreement_word(const struct doc *d, size_t i);

/* Words a person's name is made of: capitalised letters, not a title,
 * role, place or organisation word. */
static bool name_like(const struct doc *d, size_t a, size_t b, bool speaks)
{
    /* "Anders Fogh Rasmussen said": a sentence may open with a name when
     * a speech verb follows it. */
    if ((d->tok[a].flags & TF_SENT_START) && !speaks)
        return false;
    for (size_t k = a; k < b; k++) {
        if (d->tok[k].kind != TOK_WORD || (d->tok[k].flags & TF_ALLCAPS) || has_digit(d, k) ||
            !(d->tok[k].flags & TF_CAP) || tok_in(d, k, TITLES) || tok_in(d, k, TITLE_MODIFIERS) ||
            tok_in(d, k, ORG_HEADS) || tok_in(d, k, LOC_HEADS) || tok_in(d, k, FUNCTION_WORDS) ||
            tok_in(d, k, TIME_WORDS) || tok_in(d, k, NOT_NAMES))
            return false;
    }
    return true;
}

/* Classifies a run of capitalised tokens [a, b) of the body. */
static struct candidate classify(const struct extraction *x, size_t a, size_t b, bool titled)
{
    const struct doc *d = &x->body;
    struct candidate c = {(uint32_t)a, (uint32_t)b, -1, false, titled, false, false};
    size_t n = b - a;
    bool all_time = true;

    for (size_t k = a; k < b; k++)
        if (!tok_in(d, k, TIME_WORDS) && !tok_in(d, k, NOT_NAMES))
            all_time = false;
    if (all_time)
        return c;
    if (is_agreement_word(d, b - 1))
        return c; /* a titled agreement: the agreements pass reads it */
    if (tok_in(d, b - 1, ORG_HEADS) && n >= 2) {
        c.type = ENT_ORGANIZATION;
        c.media = media_precedes(d, a) || tok_in(d, b - 1, MEDIA_HEADS);
        return c;
    }
    if (tok_in(d, a, ORG_LEADS) && n >= 3 && tok_is(d, a + 1, "of")) {
        c.type = ENT_ORGANIZATION;
        return c;
    }
    if (n >= 2 && (tok_in(d, b - 1, LOC_HEADS) ||
                   (tok_in(d, a, LOC_LEADS) && tok_is(d, a + 1, "of")))) {
        c.type = ENT_LOCATION;
        return c;
    }
    if (designation_end(d, a) == b) {
        c.type = ENT_PRODUCT;
        return c;
    }
    if (media_precedes(d, a) || (tok_in(d, b, MEDIA_NOUNS) && !(d->tok[b].flags & TF_CAP))) {
        /* "the Russian daily X", "Kenya's Daily Nation newspaper" */
        c.type = ENT_ORGANIZATION;
        c.media = true;
        return c;
    }
    /* "drone maker Aerovance", "the Bruegel think tank", "Sinn Féin
     * defence spokesman X": an organisation's noun or one of its people's
     * roles beside the name. */
    bool lower_after = b < d->ntok && !(d->tok[b].flags & TF_CAP) && same_sentence(d, a, b);
    if ((a > 0 && tok_in(d, a - 1, ORG_NOUNS) && !(d->tok[a - 1].flags & TF_CAP)) ||
        (lower_after && (tok_in(d, b, ORG_NOUNS) || (tok_is(d, b, "think") && tok_is(d, b + 1, "tank")))) ||
        (lower_after && (tok_in(d, b, ROLE_NOUNS) ||
                         (tok_in(d, b, TITLE_MODIFIERS) && tok_in(d, b + 1, ROLE_NOUNS))) &&
         b + 2 < d->ntok && (is_cap(d, b + 1) || is_cap(d, b + 2)))) {
        c.type = ENT_ORGANIZATION;
        return c;
    }
    if (org_noun_appositive(d, a, b)) {
        c.type = ENT_ORGANIZATION;
        return c;
    }
    /* "…,” said Ruta Jansone." */
    bool said_before = a > 0 && tok_in(d, a - 1, SPEECH_VERBS) && !(d->tok[a].flags & TF_SENT_START);
    if (titled || role_precedes(d, a) || role_follows(d, b) || said_before) {
        c.type = ENT_PERSON;
        c.person_cue = true;
        return c;
    }
    /* "Kawasaki Heavy Industries and Hitachi", "between Mumbai and
     * Ahmedabad": a name joined to a known one is of its kind. */
    int joined = -1;
    size_t joined_at = 0;
    if (a >= 2 && (tok_is(d, a - 1, "and") || tok_is(d, a - 1, "or"))) {
        joined = entity_at(x, a - 2);
        joined_at = a - 2;
    }
    if (joined < 0 && b + 1 < d->ntok && (tok_is(d, b, "and") || tok_is(d, b, "or"))) {
        joined = entity_at(x, b + 1);
        joined_at = b + 1;
    }
    if (joined >= 0 && (x->ents[joined].type == ENT_ORGANIZATION || x->ents[joined].type == ENT_LOCATION) &&
        d->mentions[d->tok[joined_at].mention].how != HOW_ADJECTIVE) {
        c.type = x->ents[joined].type;
        return c;
    }
    if (n == 1 && (d->tok[a].flags & TF_ALLCAPS)) {
        /* "told AFP": an unknown acronym is an organisation. */
        c.type = ENT_ORGANIZATION;
        c.weak = true;
        return c;
    }
    if (location_cue_precedes(d, a) && !speech_follows(d, b)) {
        c.type = ENT_LOCATION;
        return c;
    }
    if (a > 0 && tok_is(d, a - 1, "told") && n == 1) {
        c.type = ENT_ORGANIZATION; /* "told Reuters"; a person told is a surname, resolved first */
        c.media = true;
        return c;
    }
    if (a > 0 && tok_is(d, a - 1, "the") && !speech_follows(d, b))
        return c; /* "the Cold War": a thing, not a person */
    /* Two or three capitalised words inside a sentence, with no other
     * cue, are most often a person's name: "said Helga Brandt would". */
    c.type = ENT_PERSON;
    c.weak = n == 1 || n > 3 || !name_like(d, a, b, speech_follows(d, b));
    return c;
}


/* The end of a capitalised run from token a. */
static size_t run_end(const struct doc *d, size_t a)
{
    size_t i = a + 1;
    while (i < d->ntok && same_sentence(d, a, i) && !(d->tok[i].flags & TF_SENT_START)) {
        if (d->tok[i].mention >= 0)
            break;
        if (is_cap(d, i) || (d->tok[i].kind == TOK_NUMBER && designation_end(d, i - 1) > i - 1)) {
            i++;
            continue;
        }
        /* France-Presse, Mi-17 */
        if (is_punct(d, i, '-') && (d->tok[i].flags & TF_GLUED) && i + 1 < d->ntok &&
            (d->tok[i + 1].flags & TF_GLUED) && (is_cap(d, i + 1) || d->tok[i + 1].kind == TOK_NUMBER)) {
            i += 2;
            continue;
        }
        /* Council of the Baltic Sea States, Gulf of Finland: only after a
         * word that takes an "of" and before a capitalised word. */
        if (tok_in(d, i, CONNECTORS) && !(d->tok[i].flags & TF_CAP) && !tok_is(d, i, "on") &&
            (tok_in(d, i - 1, ORG_LEADS) || tok_in(d, i - 1, LOC_LEADS) ||
             tok_in(d, i - 1, ORG_HEADS) || tok_is(d, i - 1, "of")) &&
            !tok_is(d, i, "and")) {
            size_t j = i + 1;
            while (j < d->ntok && tok_in(d, j, CONNECTORS) && !(d->tok[j].flags & TF_CAP))
                j++;
            if (is_cap(d, j) && d->tok[j].mention < 0) {
                i = j;
                continue;
            }
            /* A known name after the "of" joins the run too. */
            if (is_cap(d, j)) {
                i = j;
                continue;
            }
        }
        break;
    }
    return i;
}

/* Where a capitalised word at the start of a sentence is an ordinary word:
 * one of ours, or one never written capitalised elsewhere. */
static bool sentence_start_word(const struct doc *d, size_t i)
{
    if (!(d->tok[i].flags & TF_SENT_START) && !(i > 0 && d->tok[i - 1].kind == TOK_QOPEN))
        return false;
    if (tok_in(d, i, FUNCTION_WORDS))
        return true;
    return false;
}

static bool seen_capitalised_inside(const struct doc *d, size_t i)
{
    const char *w = tok_norm(d, i);
    for (size_t k = 0; k < d->ntok; k++)
        if (k != i && is_cap(d, k) && !(d->tok[k].flags & TF_SENT_START) &&
            strcmp(tok_norm(d, k), w) == 0)
            return true;
    return false;
}

static bool is_agreement_word(const struct doc *d, size_t i)
{
    return tok_in(d, i, AGREEMENT_WORDS);
}

/* The country or organisation a person speaks for, read around the name:
 * "US Defense Secretary Robert Gates", "his Russian counterpart X",
 * "X, director general of the Council of ...". */
static int affiliation_of(struct extraction *x, size_t a, size_t b)
{
    const struct doc *d = &x->body;
    for (size_t k = a; k > 0 && k + 6 > a; k--) {
        size_t p = k - 1;
        if (!same_sentence(d, p, a) || is_punct(d, p, ',') || is_punct(d, p, '.'))
            break;
        int e = entity_at(x, p);
        if (e >= 0 && x->ents[e].type != ENT_PERSON)
            return e;
        if (!is_word(d, p))
            break;
    }
    if (role_follows(d, b))
        for (size_t k = b + 1; k < d->ntok && k < b + 14 && same_sentence(d, b, k); k++) {
            if (is_punct(d, k, '.') || d->tok[k].kind == TOK_QOPEN)
                break;
            int e = entity_at(x, k);
            if (e >= 0 && x->ents[e].type == ENT_ORGANIZATION)
                return e;
            if (e >= 0 && x->ents[e].type == ENT_LOCATION)
                return e;
        }
    return -1;
}

static bool add_candidate(struct extraction *x, const struct candidate *c)
{
    struct doc *d = &x->body;
    char name[NAME_MAX_BYTES];
    span_text(d, c->t0, c->t1, name, sizeof name);
    int e = -1;
    /* Without a cue, a name the article already typed keeps its type:
     * "Iran's" after "from Iran". */
    if (c->weak || !c->person_cue) {
        char key[NAME_MAX_BYTES];
        fold_word(name, strlen(name), key, sizeof key);
        for (size_t k = 0; k < x->nents && e < 0; k++)
            if (!x->ents[k].dropped && strcmp(x->ents[k].key, key) == 0)
                e = (int)k;
    }
    if (e < 0)
        e = entity_add(x, name, c->type, 0);
    if (e < 0)
        return false;
    struct entity *ent = &x->ents[e];
    /* Any cued sighting makes the entity firm. */
    if (ent->named == 0)
        ent->weak = c->weak;
    else if (!c->weak)
        ent->weak = false;
    ent->media |= c->media;
    ent->named++;
    if (doc_add_mention(d, c->t0, c->t1, e, HOW_CUE) < 0)
        return false;
    if (c->type == ENT_PERSON && ent->affiliation < 0)
        ent->affiliation = affiliation_of(x, c->t0, c->t1);
    return true;
}

/* Known names: the longest match of either lexicon; the caller's wins a tie.
 * A known name followed by more of a capitalised name ending in an
 * organisation word ("Washington Post") yields to that name. */
static bool match_known(struct extraction *x, size_t i, size_t *next)
{
    struct doc *d = &x->body;
    size_t e1 = 0, e2 = 0;
    const struct lex_entry *k = NULL, *g = NULL;
    bool hk = lexicon_longest(x->known, d, i, &e1, &k);
    bool hg = lexicon_longest(x->gazetteer, d, i, &e2, &g);
    if (!hk && !hg)
        return false;
    const struct lex_entry *hit = hk && (!hg || e1 >= e2) ? k : g;
    size_t end = hk && (!hg || e1 >= e2) ? e1 : e2;
    if (is_cap(d, end) && !(d->tok[end].flags & TF_SENT_START) && same_sentence(d, i, end)) {
        size_t r = run_end(d, end - 1);
        if (r > end && (tok_in(d, r - 1, ORG_HEADS) || tok_in(d, r - 1, LOC_HEADS)) &&
            !hit->adjective && hit->type != ENT_ORGANIZATION)
            return false;
    }
    /* A demonym inside a name that ends in an organisation word is part
     * of it: "Swedish Armed Forces", "Russian Orthodox Church". */
    if (hit->adjective && is_cap(d, end) && same_sentence(d, i, end)) {
        size_t r = run_end(d, end);
        if (tok_in(d, r - 1, ORG_HEADS) && !tok_in(d, end, TITLES) && !tok_in(d, end, TITLE_MODIFIERS))
            return false;
    }
    /* "North Darfur": a direction before a known place names a place of
     * its own ("central Asia" is the gazetteer's, matched whole above). */
    size_t from = i;
    const char *name = hit->name;
    char directed[NAME_MAX_BYTES];
    if (hit->type == ENT_LOCATION && !hit->adjective && i > 0 && is_cap(d, i - 1) &&
        d->tok[i - 1].mention < 0 && same_sentence(d, i - 1, i) && tok_in(d, i - 1, DIRECTIONS)) {
        from = i - 1;
        span_text(d, (uint32_t)from, (uint32_t)end, directed, sizeof directed);
        name = directed;
    }
    int e = entity_add(x, name, hit->type, hit == k && from == i ? hit->ref : 0);
    if (e < 0)
        return false;
    x->ents[e].country |= hit->country;
    if (hit == k) {
        /* The store's "Russia" is the gazetteer's country too. */
        const struct lex_entry *g2 = lexicon_find_name(x->gazetteer, hit->name);
        x->ents[e].country |= g2 != NULL && g2->country;
    }
    if (!hit->adjective) {
        x->ents[e].named++;
        char surface[NAME_MAX_BYTES];
        span_text(d, (uint32_t)from, (uint32_t)end, surface, sizeof surface);
        entity_add_alias(&x->ents[e], surface);
        if (media_precedes(d, i))
            x->ents[e].media = true;
    }
    if (doc_add_mention(d, (uint32_t)from, (uint32_t)end, e, hit->adjective ? HOW_ADJECTIVE
                                                                          : hit == k ? HOW_KNOWN
                                                                                     : HOW_GAZETTEER) < 0)
        return false;
    *next = end;
    return true;
}

/* The letter a word of a name gives its acronym: "Armement" in
 * "l'Armement" gives A. 0 for none. */
static char initial_of(const struct doc *d, size_t k)
{
    const char *w = d->text + d->tok[k].start;
    size_t n = tok_len(d, k);
    /* l', d' (straight or curly) before the word proper */
    if (n > 2 && (w[0] == 'l' || w[0] == 'd') && w[1] == '\'')
        w += 2;
    else if (n > 4 && (w[0] == 'l' || w[0] == 'd') && (unsigned char)w[1] == 0xE2)
        w += 4;
    return (w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z') ? (char)(w[0] | 0x20) : 0;
}

/* Whether the words [s, e) spell `acr` (folded): every capitalised word
 * gives its initial, a small word ("of", "the") may or may not. */
static bool spells(const struct doc *d, size_t s, size_t e, const char *acr)
{
    bool ok[24][24] = {{false}}; /* ok[i][j]: words [s+i, e) spell acr[j..] */
    size_t nw = e - s, na = strlen(acr);
    if (nw >= 24 || na >= 24)
        return false;
    for (size_t i = nw + 1; i-- > 0;)
        for (size_t j = na + 1; j-- > 0;) {
            if (i == nw) {
                ok[i][j] = j == na;
                continue;
            }
            size_t k = s + i;
            if (is_punct(d, k, '-')) {
                ok[i][j] = ok[i + 1][j];
                continue;
            }
            char c = initial_of(d, k);
            bool takes = j < na && c != 0 && c == acr[j] && ok[i + 1][j + 1];
            bool small = !(d->tok[k].flags & TF_CAP) || tok_in(d, k, CONNECTORS);
            ok[i][j] = takes || (small && ok[i + 1][j]);
        }
    return ok[0][0];
}

/* "the Alliance of Small Island States (AOSIS)", "the Direction Générale
 * de l'Armement (DGA)": the words before an acronym that spell it are one
 * name, whatever known names they hold ("United Nations" in "United
 * Nations Framework Convention on Climate Change (UNFCCC)"). */
static bool acronym_names(struct extraction *x)
{
    struct doc *d = &x->body;
    for (size_t i = 2; i + 2 < d->ntok; i++) {
        if (!is_punct(d, i, '(') || !is_punct(d, i + 2, ')') || !(d->tok[i + 1].flags & TF_ALLCAPS) ||
            tok_len(d, i + 1) > 10)
            continue;
        const char *acr = tok_norm(d, i + 1);
        size_t best = i;
        for (size_t s = i; s-- > 0 && i - s < 20;) {
            bool word = is_cap(d, s) || (tok_in(d, s, CONNECTORS) && d->tok[s].kind == TOK_WORD) ||
                        (d->tok[s].kind == TOK_WORD && initial_of(d, s) != 0 &&
                         (d->text[d->tok[s].start] == 'l' || d->text[d->tok[s].start] == 'd') &&
                         tok_len(d, s) > 2) ||
                        (is_punct(d, s, '-') && (d->tok[s].flags & TF_GLUED));
            if (!word || !same_sentence(d, s, i))
                break;
            if (is_cap(d, s) && spells(d, s, i, acr))
                best = s;
        }
        if (best == i || i - best < 2)
            continue; /* one word: acronym_definitions reads it */
        if (is_agreement_word(d, i - 1))
            continue; /* "Strategic Arms Reduction Treaty (START)": an agreement's */
        char name[NAME_MAX_BYTES], alias[NAME_MAX_BYTES];
        span_text(d, (uint32_t)best, (uint32_t)i, name, sizeof name);
        span_text(d, (uint32_t)i + 1, (uint32_t)i + 2, alias, sizeof alias);
        int type = tok_in(d, i - 1, LOC_HEADS) ? ENT_LOCATION : ENT_ORGANIZATION;
        /* The known names inside give way to the whole. */
        for (size_t k = best; k < i + 2; k++) {
            int m = d->tok[k].mention;
            if (m < 0)
                continue;
            if (d->mentions[m].entity >= 0 && d->mentions[m].how != HOW_ADJECTIVE &&
                x->ents[d->mentions[m].entity].named > 0)
                x->ents[d->mentions[m].entity].named--;
            d->mentions[m].entity = -1;
            for (uint32_t t = d->mentions[m].t0; t < d->mentions[m].t1; t++)
                d->tok[t].mention = -1;
        }
        int e = entity_add(x, name, type, 0);
        if (e < 0)
            return false;
        entity_add_alias(&x->ents[e], alias);
        x->ents[e].named += 2;
        if (doc_add_mention(d, (uint32_t)best, (uint32_t)i, e, HOW_CUE) < 0 ||
            doc_add_mention(d, (uint32_t)i + 1, (uint32_t)i + 2, e, HOW_ALIAS) < 0)
            return false;
        i += 2;
    }
    return true;
}

/* "Full Name (ACR)": the acronym is an alias of the name before it. */
static void acronym_definitions(struct extraction *x)
{
    struct doc *d = &x->body;
    for (size_t i = 1; i + 2 < d->ntok; i++) {
        if (!is_punct(d, i, '(') || !is_punct(d, i + 2, ')') || !(d->tok[i + 1].flags & TF_ALLCAPS))
            continue;
        int e = entity_at(x, i - 1);
        if (e < 0 || d->mentions[d->tok[i - 1].mention].how == HOW_ADJECTIVE)
            continue;
        char acr[NAME_MAX_BYTES];
        span_text(d, (uint32_t)i + 1, (uint32_t)i + 2, acr, sizeof acr);
        entity_add_alias(&x->ents[e], acr);
        if (d->tok[i + 1].mention < 0)
            doc_add_mention(d, (uint32_t)i + 1, (uint32_t)i + 2, e, HOW_ALIAS);
    }
}

/* The initials of a name's capitalised words: "Council of the Baltic Sea
 * States" -> "cbss". */
static void initials(const char *name, char *out, size_t cap)
{
    size_t o = 0;
    bool start = true;
    for (const char *p = name; *p && o + 1 < cap; p++) {
        if (*p == ' ' || *p == '-') {
            start = true;
            continue;
        }
        if (start && *p >= 'A' && *p <= 'Z')
            out[o++] = (char)(*p + 32);
        start = false;
    }
    out[o] = '\0';
}

/* "US Navy" has no initials of its own: its first word is one. */
static bool has_acronym_word(const char *name)
{
    for (const char *p = name; *p; p++)
        if ((p == name || p[-1] == ' ') && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z')
            return true;
    return false;
}

/* A later surname or acronym resolves to the full name it shortens:
 * "Gates" -> Robert Gates, "CBSS" -> Council of the Baltic Sea States. */
static int resolve_short(struct extraction *x, const char *surface, bool allcaps)
{
    char folded[NAME_MAX_BYTES];
    fold_word(surface, strlen(surface), folded, sizeof folded);
    int found = -1;
    for (size_t i = 0; i < x->nents; i++) {
        struct entity *e = &x->ents[i];
        if (e->dropped || e->weak)
            continue;
        if (e->type == ENT_PERSON) {
            const char *last = strrchr(e->name, ' ');
            if (last == NULL)
                continue;
            char lf[NAME_MAX_BYTES];
            fold_word(last + 1, strlen(last + 1), lf, sizeof lf);
            if (strcmp(lf, folded) == 0) {
                if (found >= 0 && found != (int)i)
                    return -2; /* two people share the surname: ambiguous */
                found = (int)i;
            }
        } else if (!allcaps && e->type == ENT_ORGANIZATION && strchr(e->name, ' ') != NULL) {
            /* "Nordhavn" after "Nordhavn Dynamics" */
            static const char *const GENERIC[] = {"united", "national", "international", "new",
                                                  "european", "american", "general", "royal",
                                                  "central", "federal", "world", "global", "the",
                                                  "state", "first", "north", "south", "east",
                                                  "west", NULL};
            char first[NAME_MAX_BYTES];
            size_t n = strcspn(e->name, " ");
            fold_word(e->name, n, first, sizeof first);
            if (strcmp(first, folded) == 0 && !word_in(first, GENERIC)) {
                if (found >= 0 && found != (int)i)
                    return -2;
                found = (int)i;
            }
        } else if (allcaps && strchr(e->name, ' ') != NULL && !has_acronym_word(e->name)) {
            char ini[32];
            initials(e->name, ini, sizeof ini);
            if (strcmp(ini, folded) == 0)
                found = (int)i;
        }
    }
    return found;
}

static void drop_entity(struct extraction *x, int e)
{
    x->ents[e].dropped = true;
}

bool find_entities(struct extraction *x)
{
    struct doc *d = &x->body;
    struct candidate *pending = NULL;
    size_t npending = 0;
    bool ok = false;

    pending = calloc(d->ntok + 1, sizeof *pending);
    if (pending == NULL)
        goto done;

    /* 1. Known names. */
    for (size_t i = 0; i < d->ntok;) {
        size_t next;
        if (d->tok[i].kind == TOK_WORD && match_known(x, i, &next))
            i = next;
        else
            i++;
    }
    if (!acronym_names(x))
        goto done;
    /* Acronyms of agreements ("Treaty (START)") are not entities. */
    char agreement_acronyms[8][16];
    int nacronyms = 0;
    for (size_t i = 0; i + 3 < d->ntok; i++)
        if (is_agreement_word(d, i) && is_punct(d, i + 1, '(') && (d->tok[i + 2].flags & TF_ALLCAPS) &&
            is_punct(d, i + 3, ')') && nacronyms < 8 && tok_len(d, i + 2) < 16)
            snprintf(agreement_acronyms[nacronyms++], 16, "%s", tok_norm(d, i + 2));
    /* 2. Capitalised runs read by their cues. */
    for (size_t i = 0; i < d->ntok; i++) {
        if (!is_cap(d, i) || d->tok[i].mention >= 0 || is_possessive(d, i))
            continue;
        bool agreement_acronym = false;
        for (int k = 0; k < nacronyms; k++)
            agreement_acronym |= strcmp(tok_norm(d, i), agreement_acronyms[k]) == 0;
        if (agreement_acronym)
            continue;
        if (sentence_start_word(d, i))
            continue;
        size_t b = run_end(d, i);
        /* A title run ending in a name: "Defense Secretary Robert Gates". */
        bool titled;
        size_t a = skip_titles(d, i, b, &titled);
        if (tok_in(d, a, TITLES) || (a + 1 == b && tok_in(d, a, TITLE_MODIFIERS) && titled)) {
            i = b - 1;
            continue;
        }
        /* "the Potomac river": a lower-case place word names the place. */
        if (b < d->ntok && tok_in(d, b, GEO_NOUNS) && same_sentence(d, i, b) && b - i <= 3)
            b++;
        /* Product designations followed by a product noun: "MI-17 helicopters". */
        size_t de = designation_end(d, a);
        if (de > a && de < b)
            b = de;
        struct candidate c = classify(x, a, b, titled);
        if (c.type < 0) {
            i = b - 1;
            continue;
        }
        /* A lone word opening a sentence is an ordinary word unless the
         * article writes it capitalised elsewhere. */
        if (b - a == 1 && (d->tok[a].flags & TF_SENT_START) && !seen_capitalised_inside(d, a) &&
            !c.person_cue && c.type != ENT_PRODUCT) {
            c.weak = true;
            c.initial = true; /* only ever a surname of someone named in full */
        }
        pending[npending++] = c;
        i = b - 1;
    }
    /* 3. Cued names first (they are the full names), then the others: a
     * single word may be a surname or an acronym of one of them. */
    /* Passes: cued full names, cued single words, then the uncued ones. */
    for (int pass = 0; pass < 4; pass++) {
        for (size_t k = 0; k < npending; k++) {
            struct candidate *c = &pending[k];
            bool single = c->t1 - c->t0 == 1;
            if (single != (pass % 2 == 1) || c->weak != (pass >= 2))
                continue;
            if (single) {
                char surface[NAME_MAX_BYTES];
                span_text(d, c->t0, c->t1, surface, sizeof surface);
                int e = resolve_short(x, surface, (d->tok[c->t0].flags & TF_ALLCAPS) != 0);
                if (e == -2)
                    continue;
                if (e >= 0) {
                    entity_add_alias(&x->ents[e], surface);
                    x->ents[e].named++;
                    if (doc_add_mention(d, c->t0, c->t1, e, HOW_ALIAS) < 0)
                        goto done;
                    continue;
                }
                if (c->initial)
                    continue;
            }
            if (!add_candidate(x, c))
                goto done;
        }
        if (pass == 0)
            acronym_definitions(x);
    }
    /* 4. Known single words (surnames of store entities, "Gates") after the
     * article names the person in full are the same person. */
    for (size_t i = 0; i < x->nents; i++) {
        struct entity *e = &x->ents[i];
        if (e->weak && e->named < 2)
            drop_entity(x, (int)i);
        else
            e->weak = false;
        /* Entities only ever named by a demonym stay, unnamed: they are
         * printed only if they turn out to be parties to an agreement. */
    }
    ok = true;
done:
    free(pending);
    return ok;
}
