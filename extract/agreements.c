/* Agreements: each noun phrase headed by an agreement word (memorandum,
 * treaty, accord, agreement, pact, deal, plan, protocol) becomes a record
 * or a mention of one already read; the verbs around it (sign, ratify,
 * replace, agree to draw up) give its signatories, status and what it
 * supersedes; the countries and organisations around it its parties. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/agreements.h"
#include "extract/state.h"
#include "extract/words.h"

const char *const AGREEMENT_KINDS[] = {"memorandum", "treaty", "accord", "plan", "deal", "agreement",
                                       NULL};

static const struct {
    const char *word;
    int kind;
} HEADS[] = {
    {"memorandum", 0}, {"memorandums", 0}, {"memoranda", 0}, {"mou", 0},   {"treaty", 1},
    {"treaties", 1},   {"accord", 2},      {"accords", 2},   {"plan", 3},  {"deal", 4},
    {"deals", 4},      {"agreement", 5},   {"agreements", 5}, {"pact", 5}, {"protocol", 5},
    {"convention", 5},
};


static int head_kind(const struct doc *d, size_t i)
{
    if (i >= d->ntok || d->tok[i].kind != TOK_WORD || !tok_in(d, i, AGREEMENT_WORDS))
        return -1;
    for (size_t k = 0; k < sizeof HEADS / sizeof HEADS[0]; k++)
        if (tok_is(d, i, HEADS[k].word))
            return HEADS[k].kind;
    return -1;
}

static int year_of(const struct doc *d, size_t i)
{
    if (i >= d->ntok || d->tok[i].kind != TOK_NUMBER || tok_len(d, i) != 4)
        return 0;
    int y = atoi(d->text + d->tok[i].start);
    return y >= 1800 && y <= 2100 ? y : 0;
}

static bool is_money_sign(const struct doc *d, size_t i)
{
    if (i >= d->ntok || d->tok[i].kind != TOK_PUNCT)
        return false;
    const char *s = d->text + d->tok[i].start;
    return s[0] == '$' || strncmp(s, "\xe2\x82\xac", 3) == 0 /* € */ ||
           strncmp(s, "\xc2\xa3", 2) == 0 /* £ */;
}

/* "does not replace", "never superseded" */
static bool negated(const struct doc *d, size_t k)
{
    for (size_t j = k; j > 0 && j + 3 > k; j--)
        if (tok_is(d, j - 1, "not") || tok_is(d, j - 1, "n't") || tok_is(d, j - 1, "never"))
            return true;
    return false;
}

static bool in_quotation(const struct doc *d, size_t i)
{
    for (size_t k = i; k-- > d->sent[d->tok[i].sent].first;) {
        if (d->tok[k].kind == TOK_QCLOSE)
            return false;
        if (d->tok[k].kind == TOK_QOPEN)
            return true;
    }
    return false;
}

/* A mention read from the text, before it is matched to a record. */
struct reading {
    size_t head, start, end; /* tokens: the head word, the phrase [start, end) */
    int kind;
    bool definite, titled;
    int year;
    bool bare; /* the head word alone after its determiner: "the deal" */
    char title[NAME_MAX_BYTES];
    char acronym[16];
};

static void capitalise(char *s)
{
    if (s[0] >= 'a' && s[0] <= 'z')
        s[0] = (char)(s[0] - 32);
}

static void append(char *out, size_t cap, const char *piece)
{
    size_t o = strlen(out), n = strlen(piece);
    if (o + n + 2 > cap)
        return; /* titles are short; a longer phrase keeps its start */
    if (o > 0)
        out[o++] = ' ';
    memcpy(out + o, piece, n + 1);
}

/* Reads the phrase around the head word at h. false when the word is not
 * an agreement here (the verb "plan", a word in a quotation). */
static bool read_phrase(const struct extraction *x, size_t h, struct reading *r)
{
    const struct doc *d = &x->body;
    memset(r, 0, sizeof *r);
    r->head = h;
    r->kind = head_kind(d, h);
    if (r->kind < 0 || in_quotation(d, h))
        return false;
    /* "North Atlantic Treaty Organization": a word of an entity's name */
    if (d->tok[h].mention >= 0 && d->mentions[d->tok[h].mention].entity >= 0)
        return false;
    size_t sent_first = d->sent[d->tok[h].sent].first;

    /* A proper name: capitalised words (and a year) ending in the head, or
     * before a lower-case head ("the New START treaty", "the US-Russia
     * treaty"). */
    size_t s = h;
    bool named_before = h > sent_first && (d->tok[h - 1].flags & TF_CAP) &&
                        !((d->tok[h - 1].flags & TF_SENT_START) && tok_in(d, h - 1, FUNCTION_WORDS));
    if ((d->tok[h].flags & TF_CAP) || named_before) {
        while (s > sent_first && ((d->tok[s - 1].flags & TF_CAP) || year_of(d, s - 1) ||
                                  (is_punct(d, s - 1, '-') && (d->tok[s - 1].flags & TF_GLUED))) &&
               !((d->tok[s - 1].flags & TF_SENT_START) && tok_in(d, s - 1, FUNCTION_WORDS)))
            s--;
        if (s < h) {
            r->titled = true;
            r->start = s;
            r->year = year_of(d, s);
            r->definite = s > sent_first && tok_in(d, s - 1, DETERMINERS) && !tok_is(d, s - 1, "a") &&
                          !tok_is(d, s - 1, "an");
            span_text(d, (uint32_t)s, (uint32_t)h + 1, r->title, sizeof r->title);
            for (size_t k = s; k < h; k++)
                if ((d->tok[k].flags & TF_ALLCAPS) && tok_len(d, k) < sizeof r->acronym)
                    span_text(d, (uint32_t)k, (uint32_t)k + 1, r->acronym, sizeof r->acronym);
        }
    }
    /* "The START deal": an acronym before the head names the agreement. */
    if (!r->titled && h > 0 && (d->tok[h - 1].flags & TF_ALLCAPS))
        span_text(d, (uint32_t)h - 1, (uint32_t)h, r->acronym, sizeof r->acronym);
    if (!r->titled) {
        /* Back to the determiner over modifiers: "an outdated 1993 accord". */
        size_t k = h, det = (size_t)-1;
        while (k > sent_first && h - k < 7) {
            k--;
            if (tok_in(d, k, DETERMINERS) && !tok_is(d, k, "new") && !tok_is(d, k, "two") &&
                !tok_is(d, k, "three")) {
                det = k;
                break;
            }
            if (d->tok[k].kind != TOK_WORD && d->tok[k].kind != TOK_NUMBER &&
                !is_punct(d, k, '-') && !is_money_sign(d, k))
                break;
            if (tok_in(d, k, SIGN_VERBS) || tok_in(d, k, MAKE_VERBS) || tok_in(d, k, REPLACE_VERBS))
                break;
        }
        bool after_verb = h > 0 && (tok_in(d, h - 1, MAKE_VERBS) || tok_in(d, h - 1, SIGN_VERBS));
        if (det == (size_t)-1 && !after_verb)
            return false;
        if (r->kind == 3 && h + 1 < d->ntok && tok_is(d, h + 1, "to") && det == (size_t)-1)
            return false; /* "plan to": a verb */
        r->start = det == (size_t)-1 ? h : det;
        r->definite = det != (size_t)-1 && !tok_is(d, det, "a") && !tok_is(d, det, "an");
        char words[NAME_MAX_BYTES] = "";
        for (size_t m = r->start + (det != (size_t)-1); m <= h; m++) {
            if (year_of(d, m))
                r->year = year_of(d, m);
            /* "$10 billion", "outdated": not part of the name */
            if (m < h && (tok_in(d, m, SOFT_MODIFIERS) || is_money_sign(d, m) ||
                          (d->tok[m].kind == TOK_NUMBER && !year_of(d, m))))
                continue;
            char w[NAME_MAX_BYTES];
            span_text(d, (uint32_t)m, (uint32_t)m + 1, w, sizeof w);
            if (m > r->start && (d->tok[m].flags & TF_GLUED) && words[0] != '\0') {
                size_t o = strlen(words);
                snprintf(words + o, sizeof words - o, "%s", w);
            } else {
                append(words, sizeof words, w);
            }
        }
        snprintf(r->title, sizeof r->title, "%s", words);
        r->bare = det != (size_t)-1 && det + 1 == h;
    }
    /* The complement: "on cooperation", "to form a defense working group". */
    size_t e = h + 1;
    /* "a memorandum on Tuesday to prepare ...": the date names nothing; the
     * complement after it still does. */
    if (tok_is(d, e, "on") && (tok_in(d, e + 1, WEEKDAYS) || tok_in(d, e + 1, TIME_WORDS)))
        e += 2;
    if (tok_in(d, e, COMPLEMENT_STARTS) && d->tok[e].sent == d->tok[h].sent &&
        !tok_in(d, e + 1, TIME_WORDS) && !tok_in(d, e + 1, WEEKDAYS)) {
        size_t m = e + 1;
        while (m < d->ntok && m < e + 9 && d->tok[m].sent == d->tok[h].sent &&
               (d->tok[m].kind == TOK_WORD || d->tok[m].kind == TOK_NUMBER || is_money_sign(d, m) ||
                (is_punct(d, m, '-') && (d->tok[m].flags & TF_GLUED))) &&
               !((tok_is(d, m, "on") || tok_is(d, m, "in")) &&
                 (tok_in(d, m + 1, TIME_WORDS) || tok_in(d, m + 1, WEEKDAYS) || year_of(d, m + 1))) &&
               (!tok_in(d, m, COMPLEMENT_STOPS) ||
                /* "between Chile and Argentina" */
                (tok_is(d, m, "and") && (d->tok[m - 1].flags & TF_CAP) && (d->tok[m + 1].flags & TF_CAP))))
            m++;
        if (m > e + 1 && !r->titled) {
            char rest[NAME_MAX_BYTES];
            span_text(d, (uint32_t)e, (uint32_t)m, rest, sizeof rest);
            append(r->title, sizeof r->title, rest);
            e = m;
        }
    }
    r->bare &= e == h + 1;
    r->end = e;
    /* "(START)" after the name */
    if (is_punct(d, h + 1, '(') && h + 3 < d->ntok && (d->tok[h + 2].flags & TF_ALLCAPS) &&
        is_punct(d, h + 3, ')')) {
        span_text(d, (uint32_t)h + 2, (uint32_t)h + 3, r->acronym, sizeof r->acronym);
        size_t o = strlen(r->title), n = strlen(r->acronym);
        if (o + n + 4 <= sizeof r->title) {
            r->title[o] = ' ';
            r->title[o + 1] = '(';
            memcpy(r->title + o + 2, r->acronym, n);
            r->title[o + 2 + n] = ')';
            r->title[o + 3 + n] = '\0';
        }
        r->end = h + 4;
    }
    capitalise(r->title);
    return true;
}

static bool title_equal(const char *a, const char *b)
{
    char fa[NAME_MAX_BYTES], fb[NAME_MAX_BYTES];
    fold_word(a, strlen(a), fa, sizeof fa);
    fold_word(b, strlen(b), fb, sizeof fb);
    return strcmp(fa, fb) == 0;
}

/* The record a reading refers to, or -1 for a new one. */
static int antecedent(const struct extraction *x, const struct reading *r)
{
    if (r->acronym[0] != '\0')
        for (size_t i = 0; i < x->nagrs; i++)
            if (strcmp(x->agrs[i].acronym, r->acronym) == 0)
                return (int)i;
    for (size_t i = 0; i < x->nagrs; i++) {
        const struct agreement *a = &x->agrs[i];
        if (a->kind != r->kind)
            continue;
        if (r->titled && a->titled && title_equal(a->title, r->title))
            return (int)i;
        if (r->year != 0 && a->year == r->year)
            return (int)i;
    }
    /* "the agreement", "The Baltic Sea ... Agreement": the last one of its
     * kind not yet named otherwise. */
    if (r->definite)
        for (size_t i = x->nagrs; i-- > 0;) {
            const struct agreement *a = &x->agrs[i];
            if (a->kind == r->kind && (!r->titled || !a->titled) &&
                (r->year == 0 || a->year == 0 || a->year == r->year))
                return (int)i;
        }
    /* "signed the deal", "the pact" after "an agreement": a bare definite
     * word of another kind is the last agreement the story made. */
    int pub_year = x->published_at ? atoi(x->published_at) : 0;
    if (r->definite && r->bare && r->kind != 3)
        for (size_t i = x->nagrs; i-- > 0;)
            if (x->agrs[i].kind != 3 && (x->agrs[i].year == 0 || x->agrs[i].year == pub_year))
                return (int)i;
    return -1;
}

static int add_agreement(struct extraction *x, const struct reading *r)
{
    if (!array_grow((void **)&x->agrs, &x->agrs_cap, x->nagrs + 1, sizeof *x->agrs))
        return -1;
    struct agreement *a = &x->agrs[x->nagrs];
    memset(a, 0, sizeof *a);
    snprintf(a->title, sizeof a->title, "%s", r->title);
    snprintf(a->acronym, sizeof a->acronym, "%s", r->acronym);
    a->kind = r->kind;
    a->year = r->year;
    a->titled = r->titled;
    a->status = ST_NONE;
    a->supersedes = -1;
    a->superseded_by = -1;
    a->t0 = (uint32_t)r->start;
    a->t1 = (uint32_t)r->end;
    a->sent = x->body.tok[r->head].sent;
    return (int)x->nagrs++;
}

static void add_unique(int *list, int *n, int max, int item)
{
    if (item < 0)
        return;
    for (int i = 0; i < *n; i++)
        if (list[i] == item)
            return;
    if (*n < max)
        list[(*n)++] = item;
}

static void add_party(struct extraction *x, struct agreement *a, int e)
{
    if (e < 0 || x->ents[e].dropped)
        return;
    if (!entity_is_country(x, e) && x->ents[e].type != ENT_ORGANIZATION)
        return;
    add_unique(a->parties, &a->nparties, 16, e);
}

/* The short name of a party: its acronym ("EU", "NATO") if it has one. */
static const char *short_name(const struct entity *e)
{
    for (int i = 0; i < e->naliases; i++) {
        size_t n = strlen(e->aliases[i]), caps = 0;
        for (size_t k = 0; k < n; k++)
            caps += e->aliases[i][k] >= 'A' && e->aliases[i][k] <= 'Z';
        if (n >= 2 && n <= 6 && caps == n)
            return e->aliases[i];
    }
    return e->name;
}

/* "Trade pact" between the EU and Mercosur is the "EU-Mercosur trade pact":
 * a title that names its two parties, as wire copy does. */
static void name_the_parties(const struct extraction *x, struct agreement *g)
{
    const char *a = short_name(&x->ents[g->parties[0]]), *b = short_name(&x->ents[g->parties[1]]);
    char folded_title[NAME_MAX_BYTES], folded[NAME_MAX_BYTES];
    fold_word(g->title, strlen(g->title), folded_title, sizeof folded_title);
    for (int i = 0; i < 2; i++) {
        const char *n = x->ents[g->parties[i]].name;
        fold_word(n, strlen(n), folded, sizeof folded);
        if (strstr(folded_title, folded) != NULL)
            return; /* "agreement with the United Kingdom" names one already */
    }
    char titled[NAME_MAX_BYTES];
    int n = snprintf(titled, sizeof titled, "%s-%s %c%s", a, b,
                     g->title[0] >= 'A' && g->title[0] <= 'Z' ? g->title[0] + 32 : g->title[0],
                     g->title + (g->title[0] != '\0'));
    if (n > 0 && (size_t)n < sizeof titled)
        memcpy(g->title, titled, (size_t)n + 1);
}

/* Mentions in sentence order: (sentence, agreement) pairs. */
struct occurrence {
    size_t head, start, end;
    int agr;
};

static void set_status(struct agreement *a, int status)
{
    /* What the text says last about an agreement's standing wins, except
     * that a replaced one stays superseded. */
    if (a->status == ST_SUPERSEDED)
        return;
    if (a->status == ST_PENDING && status == ST_SIGNED)
        return;
    a->status = status;
}

static bool has_word(const struct doc *d, size_t a, size_t b, const char *const *words)
{
    for (size_t k = a; k < b; k++)
        if (tok_in(d, k, words))
            return true;
    return false;
}

#define NOWHERE ((size_t)-1)

/* Where a word of the list first stands in [a, b), or NOWHERE. */
static size_t word_at(const struct doc *d, size_t a, size_t b, const char *const *words)
{
    for (size_t k = a; k < b; k++)
        if (tok_in(d, k, words))
            return k;
    return NOWHERE;
}

static size_t ratification_pending(const struct doc *d, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++) {
        const char *w = tok_norm(d, k);
        if (strncmp(w, "ratif", 5) != 0)
            continue;
        /* "to ratify", "has to be ratified", "awaiting ratification" */
        if (k > 0 && (tok_is(d, k - 1, "to") || tok_is(d, k - 1, "be") || tok_is(d, k - 1, "awaiting") ||
                      tok_is(d, k - 1, "pending") || tok_is(d, k - 1, "await") ||
                      tok_is(d, k - 1, "for")))
            return k;
        if (strcmp(w, "ratification") == 0)
            return k;
    }
    return NOWHERE;
}

/* "came into force", "took effect", "ratified" (done, not "to ratify"),
 * "extended": the agreement binds now. */
static size_t takes_effect(const struct doc *d, size_t a, size_t b)
{
    static const char *const FUTURE[] = {"to", "will", "would", "could", "should", "must", "may",
                                         "might", "be", "not", "never", NULL};
    for (size_t k = a; k < b; k++) {
        if (!tok_in(d, k, IN_FORCE_VERBS) || (k > a && tok_in(d, k - 1, FUTURE)))
            continue;
        if (tok_is(d, k, "force") || tok_is(d, k, "effect"))
            if (!(k > a && (tok_is(d, k - 1, "into") || tok_is(d, k - 1, "in") ||
                            tok_in(d, k - 1, (const char *const[]){"took", "take", "takes", "came", NULL}))))
                continue;
        /* "two years after it was ratified" still binds; "had to be ratified" does not (FUTURE) */
        return k;
    }
    return NOWHERE;
}

/* People before a sign verb in its clause, or after "by" in the passive. */
static void signatories(struct extraction *x, size_t first, size_t end, size_t verb, bool passive,
                        int *out, int *n)
{
    const struct doc *d = &x->body;
    if (passive) {
        size_t by = verb;
        while (by < end && !tok_is(d, by, "by"))
            by++;
        for (size_t k = by; k < end; k++) {
            int e = entity_at(x, k);
            if (e >= 0 && x->ents[e].type == ENT_PERSON && !x->ents[e].dropped)
                add_unique(out, n, 16, e);
        }
        return;
    }
    for (size_t k = first; k < verb; k++) {
        int e = entity_at(x, k);
        if (e >= 0 && x->ents[e].type == ENT_PERSON && !x->ents[e].dropped &&
            d->mentions[d->tok[k].mention].how != HOW_ADJECTIVE)
            add_unique(out, n, 16, e);
    }
}

static bool collective_in(const struct doc *d, size_t a, size_t b)
{
    for (size_t k = a; k + 1 < b; k++)
        if ((tok_is(d, k, "the") || tok_is(d, k, "both") || tok_is(d, k, "all")) &&
            (tok_in(d, k + 1, COLLECTIVES) ||
             (k + 2 < b && tok_in(d, k + 2, COLLECTIVES) &&
              (d->tok[k + 1].kind == TOK_WORD || d->tok[k + 1].kind == TOK_NUMBER))))
            return true;
    return false;
}

/* Whether occurrence q of the sentence's [o0, o1) is the one a word at
 * `at` speaks of: the last before it, else the first after it. */
static bool owns(const struct occurrence *occ, size_t o0, size_t o1, size_t q, size_t at)
{
    if (at == NOWHERE)
        return false;
    size_t owner = o0;
    for (size_t k = o0; k < o1; k++)
        if (occ[k].head < at)
            owner = k;
    return owner == q;
}

bool find_agreements(struct extraction *x)
{
    struct doc *d = &x->body;
    struct occurrence *occ = calloc(d->ntok + 1, sizeof *occ);
    size_t nocc = 0;
    int main_parties[16], nmain = 0;
    const char *pub = x->published_at;

    if (occ == NULL)
        return false;
    /* 1. Readings, matched to records. */
    for (size_t h = 0; h < d->ntok; h++) {
        struct reading r;
        if (head_kind(d, h) < 0 || !read_phrase(x, h, &r))
            continue;
        int a = antecedent(x, &r);
        if (a >= 0) {
            struct agreement *g = &x->agrs[a];
            if (r.titled && !g->titled) {
                snprintf(g->title, sizeof g->title, "%s", r.title);
                g->titled = true;
            }
            if (r.acronym[0] != '\0' && g->acronym[0] == '\0')
                snprintf(g->acronym, sizeof g->acronym, "%s", r.acronym);
            if (g->year == 0)
                g->year = r.year;
        } else {
            /* A first mention needs a verb that makes or names an
             * agreement in its sentence, or a proper name. */
            const struct sentence *s = &d->sent[d->tok[h].sent];
            if (!r.titled && r.definite && !has_word(d, s->first, s->end, AGREEMENT_VERBS) &&
                r.acronym[0] == '\0')
                continue;
            if (r.acronym[0] != '\0' && !r.titled && !is_punct(d, h + 1, '('))
                continue; /* an acronym never introduced */
            a = add_agreement(x, &r);
            if (a < 0) {
                free(occ);
                return false;
            }
        }
        occ[nocc++] = (struct occurrence){h, r.start, r.end, a};
        /* Names inside an agreement's own name are not mentions of their
         * own: "Gotland" in "Gotland Patrol Accord". */
        if (r.titled)
            for (size_t k = r.start; k < h; k++)
                x->body.tok[k].flags |= TF_IN_TITLE;
        h = r.end > h ? r.end - 1 : h;
    }
    /* "It supersedes ...": a pronoun subject is the last agreement named. */
    int last = -1;
    size_t o = 0;
    for (size_t si = 0; si < d->nsent; si++) {
        const struct sentence *s = &d->sent[si];
        size_t o0 = o;
        while (o < nocc && occ[o].head < s->end)
            o++;
        size_t o1 = o; /* occurrences [o0, o1) are in this sentence */
        if (o1 == o0)
            continue;
        /* Replacement: newer before the verb, older after it. */
        size_t replace_at = (size_t)-1;
        for (size_t k = s->first; k < s->end; k++)
            if (tok_in(d, k, REPLACE_VERBS) && !in_quotation(d, k) && !negated(d, k)) {
                replace_at = k;
                break;
            }
        if (replace_at != (size_t)-1) {
            bool passive = tok_is(d, replace_at + 1, "by");
            int before = -1, after = -1;
            for (size_t q = o0; q < o1; q++) {
                if (occ[q].head < replace_at)
                    before = occ[q].agr;
                else if (after < 0)
                    after = occ[q].agr;
            }
            for (size_t k = s->first; before < 0 && k < replace_at; k++)
                if (tok_is(d, k, "it"))
                    before = last; /* "it would replace ...": the last one named */
            int newer = passive ? after : before, older = passive ? before : after;
            if (newer >= 0 && older >= 0 && newer != older) {
                x->agrs[newer].supersedes = older;
                x->agrs[older].superseded_by = newer;
                x->agrs[older].status = ST_SUPERSEDED;
            }
        }
        /* Signing: the agreements of the clause, not the replaced one. */
        size_t sign_at = NOWHERE;
        for (size_t k = s->first; k < s->end; k++)
            if (tok_in(d, k, SIGN_VERBS) && !in_quotation(d, k)) {
                sign_at = k;
                break;
            }
        int sig[16], nsig = 0;
        int subject_parties[16], nsubject = 0;
        bool passive_sign = false;
        if (sign_at != NOWHERE) {
            passive_sign = sign_at > 0 && (tok_is(d, sign_at - 1, "was") || tok_is(d, sign_at - 1, "were") ||
                                           tok_is(d, sign_at - 1, "been") || tok_is(d, sign_at - 1, "be"));
            signatories(x, s->first, s->end, sign_at, passive_sign, sig, &nsig);
        }
        /* The parties are the subject of the verb that makes or moves the
         * agreement: "Defence ministers from Sweden, Finland ... signed",
         * "Norway and the United Kingdom agreed to extend", "The European
         * Union and Mercosur signed"; after "by" in the passive. */
        size_t verb_at = sign_at;
        if (verb_at == NOWHERE)
            for (size_t k = s->first; k < s->end && verb_at == NOWHERE; k++)
                if (tok_in(d, k, PARTY_VERBS) && !in_quotation(d, k) && !negated(d, k))
                    verb_at = k;
        if (verb_at != NOWHERE) {
            size_t from = passive_sign ? verb_at : s->first, to = passive_sign ? s->end : verb_at;
            /* The subject's clause: after a dateline's dash or "(Reuters)",
             * a colon or a semicolon. */
            for (size_t k = from; k < to; k++)
                if (d->tok[k].kind == TOK_DASH || d->tok[k].kind == TOK_QCLOSE || is_punct(d, k, ')') ||
                    is_punct(d, k, ';') || is_punct(d, k, ':'))
                    from = k + 1;
            /* "the Finnish and Estonian governments signed": demonyms of
             * a subject that is governments or ministers name parties too. */
            bool governments = has_word(d, from, to, GOVERNMENT_NOUNS);
            for (size_t k = from; k < to; k++) {
                int e = entity_at(x, k);
                if (e < 0 || (k > from && d->tok[k - 1].mention == d->tok[k].mention))
                    continue;
                bool adjective = d->mentions[d->tok[k].mention].how == HOW_ADJECTIVE;
                bool org = x->ents[e].type == ENT_ORGANIZATION && !x->ents[e].media && !adjective;
                if ((entity_is_country(x, e) && (governments || !adjective)) || org)
                    add_unique(subject_parties, &nsubject, 16, e);
            }
        }
        /* A status word is about the agreement named last before it (or
         * the first after it): "the plan would run alongside a 2021
         * agreement, which remains in force". */
        size_t pending_at = ratification_pending(d, s->first, s->end);
        size_t proposed_at = word_at(d, s->first, s->end, PROPOSE_WORDS);
        size_t in_force_at = takes_effect(d, s->first, s->end);
        bool proposed = proposed_at != NOWHERE;
        bool collective = collective_in(d, s->first, s->end);
        bool today = has_word(d, s->first, s->end, WEEKDAYS);
        bool other_year = false;
        for (size_t k = s->first; k < s->end; k++)
            if (year_of(d, k) && k > 0 && (tok_is(d, k - 1, "in") || tok_is(d, k - 1, "since") ||
                                           tok_in(d, k - 1, TIME_WORDS)) &&
                (pub == NULL || strncmp(d->text + d->tok[k].start, pub, 4) != 0))
                other_year = true; /* "signed in 1993": not today */
        for (size_t q = o0; q < o1; q++) {
            struct agreement *g = &x->agrs[occ[q].agr];
            bool replaced_here = replace_at != (size_t)-1 && occ[q].head > replace_at &&
                                 !tok_is(d, replace_at + 1, "by") &&
                                 x->agrs[occ[q].agr].status == ST_SUPERSEDED;
            /* "between Sweden, Finland and Estonia" */
            for (size_t k = occ[q].head + 1; k < s->end; k++) {
                /* "a deal with Airbus" names the other party too */
                if (!tok_is(d, k, "between") && !tok_is(d, k, "among") &&
                    !(tok_is(d, k, "with") && k <= occ[q].end))
                    continue;
                for (size_t m = k + 1; m < s->end && m < k + 16; m++) {
                    int e = entity_at(x, m);
                    if (e >= 0 && d->mentions[d->tok[m].mention].how != HOW_ADJECTIVE)
                        add_party(x, g, e);
                    else if (d->tok[m].kind == TOK_WORD && !tok_is(d, m, "and") && !tok_is(d, m, "the") &&
                             e < 0)
                        break;
                }
                break;
            }
            if (replaced_here)
                continue;
            /* "a 1960 accord" is not what was signed today. */
            bool dated_before = g->year != 0 && pub != NULL && atoi(pub) != g->year;
            if (verb_at != NOWHERE && !dated_before &&
                (passive_sign ? occ[q].head < verb_at : occ[q].head > verb_at))
                for (int i = 0; i < nsubject; i++)
                    add_party(x, g, subject_parties[i]);
            if (sign_at != NOWHERE && !dated_before &&
                (passive_sign ? occ[q].head < sign_at : occ[q].head > sign_at)) {
                for (int i = 0; i < nsig; i++) {
                    add_unique(g->signatories, &g->nsignatories, 16, sig[i]);
                    add_party(x, g, x->ents[sig[i]].affiliation);
                }
                if (proposed && !passive_sign && sign_at > 0 && tok_is(d, sign_at - 1, "to"))
                    set_status(g, ST_PROPOSED);
                else
                    set_status(g, ST_SIGNED);
                /* Signed that day: the sentence names the weekday, or no
                 * other year. */
                g->signed_today |= today || !other_year;
            }
            if (owns(occ, o0, o1, q, pending_at))
                set_status(g, ST_PENDING);
            else if (owns(occ, o0, o1, q, proposed_at) && g->status == ST_NONE)
                set_status(g, ST_PROPOSED);
            else if (owns(occ, o0, o1, q, in_force_at))
                set_status(g, ST_IN_FORCE);
            if (nmain == 0 && g->nparties > 0) {
                memcpy(main_parties, g->parties, sizeof main_parties);
                nmain = g->nparties;
            }
            last = occ[q].agr;
        }
        if (collective)
            for (size_t q = o0; q < o1; q++) {
                struct agreement *g = &x->agrs[occ[q].agr];
                for (int i = 0; i < nmain; i++)
                    add_party(x, g, main_parties[i]);
            }
        if (o1 > o0)
            last = occ[o1 - 1].agr;
    }
    /* Parties the text leaves implicit: a replaced agreement had its
     * successor's; any other, the article's main parties. */
    for (size_t i = 0; i < x->nagrs; i++) {
        struct agreement *g = &x->agrs[i];
        if (g->nparties == 0 && g->superseded_by >= 0) {
            const struct agreement *n = &x->agrs[g->superseded_by];
            for (int k = 0; k < n->nparties; k++)
                add_party(x, g, n->parties[k]);
        }
        /* "Norway, Iceland and the Faroe Islands are due to ... discuss a
         * proposed pact": the countries its own sentence names first. */
        if (g->nparties == 0)
            for (uint32_t k = d->sent[g->sent].first; k < g->t0; k++) {
                int e = entity_at(x, k);
                if (e >= 0 && d->mentions[d->tok[k].mention].how != HOW_ADJECTIVE &&
                    entity_is_country(x, e))
                    add_party(x, g, e);
            }
        if (g->nparties == 0)
            for (int k = 0; k < nmain; k++)
                add_party(x, g, main_parties[k]);
        if (g->status == ST_NONE)
            g->status = ST_IN_FORCE;
        if (!g->titled && g->nparties == 2)
            name_the_parties(x, g);
        g->signed_today &= g->status != ST_SUPERSEDED && g->status != ST_PROPOSED && pub != NULL;
    }
    free(occ);
    return true;
}
