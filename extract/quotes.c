/* Quotes: each quotation in double quotes, of three words or more (fewer
 * are scare quotes), with its speaker read from the usual wire patterns:
 *   "…," X said.   "…," said X, a … at Y.   X said "…".   "…," he said.
 *   "…," the report said.   X told AFP … "…".   a report in Z said … "…". */
#include <stdlib.h>
#include <string.h>

#include "extract/state.h"
#include "extract/words.h"


struct speaker_state {
    int last_person; /* the last person named as a speaker or a subject */
    int last_media;  /* the last news outlet named */
    int last_org;    /* the last organisation named */
    size_t scanned;  /* tokens before this were folded into the state */
};

static bool is_speaker_entity(const struct extraction *x, int e)
{
    if (e < 0 || x->ents[e].dropped)
        return false;
    return x->ents[e].type == ENT_PERSON || x->ents[e].type == ENT_ORGANIZATION;
}

/* The entity a non-adjective mention at token i names, or -1. */
static int named_at(const struct extraction *x, size_t i)
{
    const struct doc *d = &x->body;
    if (i >= d->ntok || d->tok[i].mention < 0)
        return -1;
    const struct mention *m = &d->mentions[d->tok[i].mention];
    if (m->entity < 0 || m->how == HOW_ADJECTIVE || x->ents[m->entity].dropped)
        return -1;
    return m->entity;
}

/* Follows the text up to token `to`: people who open a sentence or a
 * clause are its subjects; outlets named are remembered. */
static void advance(const struct extraction *x, struct speaker_state *s, size_t to)
{
    const struct doc *d = &x->body;
    bool in_quote = false;
    for (size_t i = s->scanned; i < to && i < d->ntok; i++) {
        if (d->tok[i].kind == TOK_QOPEN)
            in_quote = true;
        else if (d->tok[i].kind == TOK_QCLOSE || (d->tok[i].flags & TF_PARA_START))
            in_quote = false;
        if (in_quote)
            continue;
        int e = named_at(x, i);
        if (e < 0 || (i > 0 && d->tok[i - 1].mention == d->tok[i].mention))
            continue;
        if (x->ents[e].media)
            s->last_media = e;
        if (x->ents[e].type == ENT_ORGANIZATION)
            s->last_org = e;
        if (x->ents[e].type == ENT_PERSON)
            s->last_person = e;
    }
    if (to > s->scanned)
        s->scanned = to;
}

/* The speaker named by a phrase [a, b) before a speech verb: the last
 * person or organisation in it, a pronoun, or "the report". */
static int subject_in(const struct extraction *x, const struct speaker_state *s, size_t a, size_t b)
{
    const struct doc *d = &x->body;
    /* "Copa-Cogeca, the EU's largest farm lobby, said": the name before
     * the appositive speaks, not the one inside it. */
    if (b > a + 2 && is_punct(d, b - 1, ',')) {
        size_t k = a;
        while (k < b && d->tok[k].kind != TOK_QOPEN && d->tok[k].kind != TOK_QCLOSE &&
               !is_punct(d, k, ','))
            k++;
        if (k < b - 1 && k > a && is_punct(d, k, ',')) {
            int e = named_at(x, k - 1);
            if (is_speaker_entity(x, e))
                return e;
        }
    }
    for (size_t i = b; i > a; i--) {
        size_t k = i - 1;
        if (d->tok[k].kind == TOK_QCLOSE || d->tok[k].kind == TOK_QOPEN)
            break;
        int e = named_at(x, k);
        if (is_speaker_entity(x, e))
            return e;
        if (tok_in(d, k, PRONOUNS))
            return s->last_person;
        if (tok_in(d, k, REPORT_NOUNS) && k > 0 && (tok_is(d, k - 1, "the") || tok_is(d, k - 1, "its")))
            return s->last_media >= 0 ? s->last_media : s->last_org;
        /* "the group said", "it said": the organisation named last */
        if ((tok_in(d, k, GROUP_NOUNS) && k > 0 && tok_is(d, k - 1, "the")) ||
            (tok_is(d, k, "it") && k + 1 == b))
            return s->last_org;
    }
    return -1;
}

/* After the closing quote: ", X said", ", said X", ", he said". */
static int speaker_after(const struct extraction *x, const struct speaker_state *s, size_t close)
{
    const struct doc *d = &x->body;
    for (size_t v = close + 1; v < d->ntok && d->tok[v].sent == d->tok[close].sent; v++) {
        /* "…,” and Le Monde reported": another clause, another speaker */
        if (d->tok[v].kind == TOK_QOPEN ||
            (tok_in(d, v, CLAUSE_BREAKS) && (v == close + 1 || is_punct(d, v - 1, ','))))
            break;
        if (!tok_in(d, v, SPEECH_VERBS))
            continue;
        int e = subject_in(x, s, close + 1, v);
        if (e >= 0)
            return e;
        /* "said Olga Oliker, ...", "said Energy Minister Aino Kask" */
        size_t k = v + 1;
        while (k < d->ntok && k < v + 6 && named_at(x, k) < 0 &&
               (tok_is(d, k, "the") || tok_is(d, k, "a") || tok_in(d, k, TITLES) ||
                tok_in(d, k, TITLE_MODIFIERS) || (d->tok[k].mention >= 0)))
            k++;
        e = named_at(x, k);
        if (is_speaker_entity(x, e))
            return e;
        if (tok_in(d, k, REPORT_NOUNS))
            return s->last_media;
        return -1;
    }
    return -1;
}

/* Before the opening quote, in its sentence: the subject of the last
 * speech verb ("X said he hoped ... “…”"), else the sentence's subject
 * ("Gates saw “…”"). The clause starts after ", and", ";" or a colon's
 * earlier sentence. */
static int speaker_before(const struct extraction *x, const struct speaker_state *s, size_t open)
{
    const struct doc *d = &x->body;
    size_t first = d->sent[d->tok[open].sent].first;
    size_t clause = first;
    for (size_t k = first; k < open; k++) {
        if (d->tok[k].kind == TOK_QCLOSE)
            clause = k + 1;
        if (is_punct(d, k, ';') || (is_punct(d, k, ',') && tok_in(d, k + 1, CLAUSE_BREAKS)))
            clause = k + 1;
    }
    for (size_t v = open; v > clause; v--)
        if (tok_in(d, v - 1, SPEECH_VERBS)) {
            int e = subject_in(x, s, clause, v - 1);
            if (e >= 0)
                return e;
        }
    /* No speech verb: the clause's first person ("Sinn Féin defence
     * spokesman Declan Moriarty accused ... of “…”"), else its first
     * organisation. */
    int org = -1;
    for (size_t k = clause; k < open; k++) {
        int e = named_at(x, k);
        if (is_speaker_entity(x, e) && x->ents[e].type == ENT_PERSON)
            return e;
        if (is_speaker_entity(x, e) && org < 0)
            org = e;
        if (tok_in(d, k, PRONOUNS) && org < 0)
            return s->last_person;
    }
    return org;
}

static bool same_paragraph(const struct doc *d, size_t a, size_t b)
{
    for (size_t k = a + 1; k <= b && k < d->ntok; k++)
        if (d->tok[k].flags & TF_PARA_START)
            return false;
    return true;
}

/* The quotation opening at `open` starts its sentence: nothing but the
 * quotation says who speaks. */
static bool sentence_is_quotation(const struct doc *d, size_t open)
{
    return open == d->sent[d->tok[open].sent].first;
}

static size_t words_between(const struct doc *d, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t k = a; k < b; k++)
        n += d->tok[k].kind == TOK_WORD || d->tok[k].kind == TOK_NUMBER;
    return n;
}

static bool add_quote(struct extraction *x, int speaker, uint32_t t0, uint32_t t1)
{
    if (!array_grow((void **)&x->quotes, &x->quotes_cap, x->nquotes + 1, sizeof *x->quotes))
        return false;
    x->quotes[x->nquotes++] = (struct quote){speaker, t0, t1};
    return true;
}

bool find_quotes(struct extraction *x)
{
    const struct doc *d = &x->body;
    struct speaker_state s = {-1, -1, -1, 0};
    int prev_para_speaker = -1;
    size_t prev_para_end = 0;

    for (size_t o = 0; o < d->ntok; o++) {
        if (d->tok[o].kind != TOK_QOPEN)
            continue;
        /* The quotation runs to its closing quote, or to the paragraph's
         * end when it goes on in the next (wire style). */
        size_t c = o + 1;
        while (c < d->ntok && d->tok[c].kind != TOK_QCLOSE && d->tok[c].kind != TOK_QOPEN &&
               !(d->tok[c].flags & TF_PARA_START))
            c++;
        bool closed = c < d->ntok && d->tok[c].kind == TOK_QCLOSE;
        size_t next = closed ? c : c - 1;
        if (words_between(d, o + 1, c) < 3) {
            o = next;
            continue;
        }
        advance(x, &s, o);
        int speaker = closed ? speaker_after(x, &s, c) : -1;
        if (speaker < 0)
            speaker = speaker_before(x, &s, o);
        /* A paragraph that is all quotation continues the last speaker, and
         * so does a quotation that is the next sentence of a paragraph whose
         * last quotation was attributed: "…,” X said. “We have waited.”" */
        if (speaker < 0 && (d->tok[o].flags & TF_PARA_START) && prev_para_end + 1 >= o)
            speaker = prev_para_speaker;
        if (speaker < 0 && !(d->tok[o].flags & TF_PARA_START) && prev_para_speaker >= 0 &&
            same_paragraph(d, prev_para_end, o) && sentence_is_quotation(d, o))
            speaker = prev_para_speaker;
        if (speaker >= 0) {
            if (!add_quote(x, speaker, (uint32_t)o + 1, (uint32_t)c))
                return false;
            if (x->ents[speaker].type == ENT_PERSON)
                s.last_person = speaker;
        }
        advance(x, &s, closed ? c + 1 : c);
        prev_para_speaker = speaker;
        prev_para_end = c;
        o = next;
    }
    return true;
}
