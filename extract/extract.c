/* The extractor's entry point: runs the passes over an article and writes
 * what they found as the API's JSON. */
#include <stdlib.h>
#include <string.h>

#include "extract/agreements.h"
#include "extract/extract.h"
#include "extract/state.h"

static const char *const STATUS_NAMES[] = {"signed", "proposed", "pending_ratification", "in_force",
                                           "superseded", "in_force"};

/* Code point offsets of every token's start and end, in one pass. */
static bool code_points(const struct doc *d, uint32_t **starts, uint32_t **ends)
{
    *starts = malloc((d->ntok + 1) * sizeof **starts);
    *ends = malloc((d->ntok + 1) * sizeof **ends);
    if (*starts == NULL || *ends == NULL)
        return false;
    size_t byte = 0, cp = 0;
    for (size_t i = 0; i < d->ntok; i++) {
        cp += utf8_count(d->text + byte, d->tok[i].start - byte);
        (*starts)[i] = (uint32_t)cp;
        cp += utf8_count(d->text + d->tok[i].start, tok_len(d, i));
        (*ends)[i] = (uint32_t)cp;
        byte = d->tok[i].end;
    }
    return true;
}

static json_t *span(const char *field, uint32_t start, uint32_t end)
{
    return json_pack("{s:s, s:I, s:I}", "field", field, "start", (json_int_t)start, "end",
                     (json_int_t)end);
}

/* Title mentions of names the body already gave: known names and the
 * aliases read in the body. Each form is tokenised once. */
static void title_mentions(struct extraction *x)
{
    struct doc *d = &x->title;
    for (size_t e = 0; e < x->nents; e++) {
        struct entity *ent = &x->ents[e];
        if (ent->dropped || ent->named == 0)
            continue;
        for (int f = -1; f < ent->naliases; f++) {
            const char *form = f < 0 ? ent->name : ent->aliases[f];
            struct doc fd;
            if (!doc_init(&fd, form, strlen(form)))
                return;
            for (size_t i = 0; fd.ntok > 0 && i + fd.ntok <= d->ntok; i++) {
                bool match = true;
                for (size_t k = 0; match && k < fd.ntok; k++)
                    match = d->tok[i + k].mention < 0 &&
                            strcmp(tok_norm(&fd, k), tok_norm(d, i + k)) == 0 &&
                            (d->tok[i + k].flags & TF_CAP) == (fd.tok[k].flags & TF_CAP);
                if (match && doc_add_mention(d, (uint32_t)i, (uint32_t)(i + fd.ntok), (int)e,
                                             HOW_ALIAS) >= 0)
                    i += fd.ntok - 1;
            }
            doc_free(&fd);
        }
    }
}

static json_t *entities_json(const struct extraction *x, const uint32_t *const cps[4])
{
    json_t *list = json_array();
    for (size_t e = 0; list != NULL && e < x->nents; e++) {
        const struct entity *ent = &x->ents[e];
        if (ent->dropped || ent->named == 0)
            continue;
        json_t *aliases = json_array(), *mentions = json_array();
        for (int a = 0; a < ent->naliases; a++)
            json_array_append_new(aliases, json_string(ent->aliases[a]));
        const struct doc *docs[2] = {&x->title, &x->body};
        for (int f = 0; f < 2; f++)
            for (size_t m = 0; m < docs[f]->nmentions; m++) {
                const struct mention *mn = &docs[f]->mentions[m];
                if (mn->entity != (int)e || mn->how == HOW_ADJECTIVE)
                    continue;
                const uint32_t *starts = cps[f * 2], *ends = cps[f * 2 + 1];
                json_array_append_new(mentions, span(f == 0 ? "title" : "body", starts[mn->t0],
                                                     ends[mn->t1 - 1]));
            }
        json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o, s:o}", "name", ent->name, "type",
                                              ent_type_name(ent->type), "aliases", aliases, "known",
                                              ent->ref > 0 ? json_integer(ent->ref) : json_null(),
                                              "mentions", mentions));
    }
    return list;
}

static json_t *quotes_json(const struct extraction *x, const uint32_t *starts, const uint32_t *ends)
{
    const struct doc *d = &x->body;
    json_t *list = json_array();
    for (size_t q = 0; list != NULL && q < x->nquotes; q++) {
        const struct quote *qt = &x->quotes[q];
        if (qt->t1 <= qt->t0)
            continue;
        size_t b0 = d->tok[qt->t0].start, b1 = d->tok[qt->t1 - 1].end;
        json_array_append_new(list, json_pack("{s:s, s:s%, s:I, s:I}", "speaker",
                                              x->ents[qt->speaker].name, "text", d->text + b0,
                                              b1 - b0, "start", (json_int_t)starts[qt->t0], "end",
                                              (json_int_t)ends[qt->t1 - 1]));
    }
    return list;
}

static json_t *names_json(const struct extraction *x, const int *ids, int n)
{
    json_t *list = json_array();
    for (int i = 0; list != NULL && i < n; i++)
        json_array_append_new(list, json_string(x->ents[ids[i]].name));
    return list;
}

/* The YYYY-MM-DD a publication time starts with; false when it starts with
 * none (the store checks dates; `wirebase extract` input may be anything). */
static bool date_of(const char *published_at, char date[11])
{
    static const char shape[] = "dddd-dd-dd";
    if (published_at == NULL || strlen(published_at) < 10)
        return false;
    for (int i = 0; i < 10; i++) {
        char c = published_at[i];
        if (shape[i] == 'd' ? !(c >= '0' && c <= '9') : c != '-')
            return false;
    }
    memcpy(date, published_at, 10);
    date[10] = '\0';
    return true;
}

static json_t *agreements_json(const struct extraction *x, const uint32_t *starts,
                               const uint32_t *ends)
{
    json_t *list = json_array();
    char date[11];
    for (size_t i = 0; list != NULL && i < x->nagrs; i++) {
        const struct agreement *a = &x->agrs[i];
        json_t *signed_on = json_null();
        if (a->signed_today && date_of(x->published_at, date)) {
            json_decref(signed_on);
            signed_on = json_string(date);
        }
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I}", "title", a->title,
                            "kind", AGREEMENT_KINDS[a->kind], "status", STATUS_NAMES[a->status],
                            "signed_on", signed_on, "parties",
                            names_json(x, a->parties, a->nparties), "signatories",
                            names_json(x, a->signatories, a->nsignatories), "supersedes",
                            a->supersedes >= 0 ? json_string(x->agrs[a->supersedes].title)
                                               : json_null(),
                            "start", (json_int_t)starts[a->t0], "end",
                            (json_int_t)ends[a->t1 > a->t0 ? a->t1 - 1 : a->t0]));
    }
    return list;
}

/* Parties named only by a demonym ("Swedish") are entities too, as are
 * speakers and signatories; names seen only inside an agreement's name
 * are not. */
static void keep_parties(struct extraction *x)
{
    for (size_t e = 0; e < x->nents; e++)
        x->ents[e].named = 0;
    for (size_t m = 0; m < x->body.nmentions; m++) {
        const struct mention *mn = &x->body.mentions[m];
        if (mn->entity >= 0 && mn->how != HOW_ADJECTIVE && !(x->body.tok[mn->t0].flags & TF_IN_TITLE))
            x->ents[mn->entity].named++;
    }
    for (size_t i = 0; i < x->nagrs; i++) {
        for (int k = 0; k < x->agrs[i].nparties; k++)
            if (x->ents[x->agrs[i].parties[k]].named == 0)
                x->ents[x->agrs[i].parties[k]].named = 1;
        for (int k = 0; k < x->agrs[i].nsignatories; k++)
            if (x->ents[x->agrs[i].signatories[k]].named == 0)
                x->ents[x->agrs[i].signatories[k]].named = 1;
    }
    /* Every speaker is an entity of the output, whatever its mentions. */
    for (size_t q = 0; q < x->nquotes; q++)
        if (x->ents[x->quotes[q].speaker].named == 0)
            x->ents[x->quotes[q].speaker].named = 1;
}

json_t *extract_run(const struct extract_input *in, const struct lexicon *known)
{
    struct extraction x = {0};
    uint32_t *cps[4] = {NULL, NULL, NULL, NULL};
    json_t *out = NULL;
    const char *title = in->title ? in->title : "";
    const char *body = in->body ? in->body : "";

    x.known = known;
    x.gazetteer = lexicon_gazetteer();
    x.published_at = in->published_at;
    if (!doc_init(&x.body, body, strlen(body)) || !doc_init(&x.title, title, strlen(title)))
        goto done;
    if (!find_entities(&x) || !find_quotes(&x) || !find_agreements(&x))
        goto done;
    keep_parties(&x);
    title_mentions(&x);
    if (!code_points(&x.title, &cps[0], &cps[1]) || !code_points(&x.body, &cps[2], &cps[3]))
        goto done;
    out = json_pack("{s:o, s:o, s:o}", "entities", entities_json(&x, (const uint32_t *const *)cps),
                    "quotes", quotes_json(&x, cps[2], cps[3]), "agreements",
                    agreements_json(&x, cps[2], cps[3]));
done:
    for (int i = 0; i < 4; i++)
        free(cps[i]);
    doc_free(&x.body);
    doc_free(&x.title);
    free(x.ents);
    free(x.quotes);
    free(x.agrs);
    return out;
}
