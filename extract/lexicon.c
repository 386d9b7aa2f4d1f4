/* The lexicon: a trie over folded tokens, one automaton for every known
 * surface form. Walking it from each token finds the longest known name in
 * time proportional to the name, however many names there are. Edges live
 * in one open-addressing hash table keyed by (parent node, token). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "extract/lexicon.h"
#include "extract/words.h"

/* Capitalisation seen on the forms that share an edge. */
enum { CASE_LOWER = 1, CASE_CAP = 2, CASE_ALLCAPS = 4 };

struct edge {
    uint64_t hash; /* 0: empty slot */
    uint32_t parent, child;
    char *word;
    uint8_t cases;
};

struct node {
    int32_t entry; /* first entry ending here, -1 for none */
};

struct entry_item {
    struct lex_entry e;
    int32_t next; /* next entry of the same node */
};

struct lexicon {
    struct edge *edges;
    size_t nedges, edge_cap; /* edge_cap is a power of two */
    struct node *nodes;
    size_t nnodes, node_cap;
    struct entry_item *entries;
    size_t nentries, entry_cap;
    size_t forms;
};

static const char *const type_names[ENT_TYPES] = {"person", "organization", "location", "product"};

int ent_type_parse(const char *type)
{
    for (int i = 0; i < ENT_TYPES; i++)
        if (type != NULL && strcmp(type, type_names[i]) == 0)
            return i;
    return -1;
}

const char *ent_type_name(int type)
{
    return type >= 0 && type < ENT_TYPES ? type_names[type] : "organization";
}

static uint64_t hash_edge(uint32_t parent, const char *word)
{
    uint64_t h = 1469598103934665603ULL ^ parent;
    for (const unsigned char *p = (const unsigned char *)word; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

struct lexicon *lexicon_new(void)
{
    struct lexicon *lx = calloc(1, sizeof *lx);
    if (lx == NULL)
        return NULL;
    lx->edge_cap = 1024;
    lx->edges = calloc(lx->edge_cap, sizeof *lx->edges);
    if (lx->edges == NULL || !array_grow((void **)&lx->nodes, &lx->node_cap, 1, sizeof *lx->nodes)) {
        lexicon_free(lx);
        return NULL;
    }
    lx->nodes[0].entry = -1; /* the root */
    lx->nnodes = 1;
    return lx;
}

void lexicon_free(struct lexicon *lx)
{
    if (lx == NULL)
        return;
    for (size_t i = 0; i < lx->edge_cap; i++)
        free(lx->edges[i].word);
    for (size_t i = 0; i < lx->nentries; i++)
        free((char *)lx->entries[i].e.name);
    free(lx->edges);
    free(lx->nodes);
    free(lx->entries);
    free(lx);
}

size_t lexicon_size(const struct lexicon *lx)
{
    return lx ? lx->forms : 0;
}

static struct edge *find_edge(const struct lexicon *lx, uint32_t parent, const char *word,
                              uint64_t h)
{
    size_t mask = lx->edge_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct edge *e = &lx->edges[i];
        if (e->hash == 0)
            return e;
        if (e->hash == h && e->parent == parent && strcmp(e->word, word) == 0)
            return e;
    }
}

static bool rehash(struct lexicon *lx)
{
    size_t old_cap = lx->edge_cap;
    struct edge *old = lx->edges;
    struct edge *fresh = calloc(old_cap * 2, sizeof *fresh);
    if (fresh == NULL)
        return false;
    lx->edges = fresh;
    lx->edge_cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].hash != 0)
            *find_edge(lx, old[i].parent, old[i].word, old[i].hash) = old[i];
    free(old);
    return true;
}

/* The child of `parent` by `word`, made when missing; -1 out of memory. */
static int64_t child(struct lexicon *lx, uint32_t parent, const char *word, uint8_t cases)
{
    if ((lx->nedges + 1) * 4 > lx->edge_cap * 3 && !rehash(lx))
        return -1;
    uint64_t h = hash_edge(parent, word);
    struct edge *e = find_edge(lx, parent, word, h);
    if (e->hash != 0) {
        e->cases |= cases;
        return e->child;
    }
    if (!array_grow((void **)&lx->nodes, &lx->node_cap, lx->nnodes + 1, sizeof *lx->nodes))
        return -1;
    char *copy = strdup(word);
    if (copy == NULL)
        return -1;
    lx->nodes[lx->nnodes].entry = -1;
    *e = (struct edge){h, parent, (uint32_t)lx->nnodes, copy, cases};
    lx->nedges++;
    return (int64_t)lx->nnodes++;
}

static uint8_t token_case(const struct token *t)
{
    if (t->flags & TF_ALLCAPS)
        return CASE_ALLCAPS;
    return (t->flags & TF_CAP) ? CASE_CAP : CASE_LOWER;
}

static bool add_form(struct lexicon *lx, const char *surface, const char *name, int type,
                     int64_t ref, bool adjective, bool country)
{
    struct doc d;
    bool ok = false;
    int64_t node = 0;

    if (!doc_init(&d, surface, strlen(surface)))
        goto done;
    if (d.ntok == 0) {
        ok = true; /* nothing to match */
        goto done;
    }
    for (size_t i = 0; i < d.ntok && node >= 0; i++)
        node = child(lx, (uint32_t)node, tok_norm(&d, i), token_case(&d.tok[i]));
    if (node < 0)
        goto done;
    /* The same entity by another form ending here is kept once. */
    for (int32_t k = lx->nodes[node].entry; k >= 0; k = lx->entries[k].next)
        if (lx->entries[k].e.ref == ref && lx->entries[k].e.adjective == adjective &&
            strcmp(lx->entries[k].e.name, name) == 0) {
            ok = true;
            goto done;
        }
    if (!array_grow((void **)&lx->entries, &lx->entry_cap, lx->nentries + 1, sizeof *lx->entries))
        goto done;
    char *copy = strdup(name);
    if (copy == NULL)
        goto done;
    /* Appended last, so the first form given for a surface wins ties. */
    struct entry_item *item = &lx->entries[lx->nentries];
    *item = (struct entry_item){{copy, ref, (uint8_t)type, adjective, country}, -1};
    int32_t *link = &lx->nodes[node].entry;
    while (*link >= 0)
        link = &lx->entries[*link].next;
    *link = (int32_t)lx->nentries++;
    lx->forms++;
    ok = true;
done:
    doc_free(&d);
    return ok;
}

bool lexicon_add(struct lexicon *lx, const char *surface, const char *name, const char *type,
                 int64_t ref)
{
    int t = ent_type_parse(type);
    if (lx == NULL || surface == NULL || name == NULL || t < 0)
        return false;
    return add_form(lx, surface, name, t, ref, false, false);
}

static bool case_fits(uint8_t cases, const struct token *t)
{
    if (t->flags & TF_ALLCAPS)
        return true;
    if (t->flags & TF_CAP)
        return (cases & (CASE_CAP | CASE_LOWER)) != 0;
    return (cases & CASE_LOWER) != 0;
}

bool lexicon_longest(const struct lexicon *lx, const struct doc *d, size_t t0, size_t *t1,
                     const struct lex_entry **entry)
{
    uint32_t node = 0;
    bool found = false;

    if (lx == NULL)
        return false;
    for (size_t i = t0; i < d->ntok; i++) {
        /* A name does not run across a sentence or a paragraph. */
        if (i > t0 && (d->tok[i].flags & TF_PARA_START))
            break;
        const char *w = tok_norm(d, i);
        const struct edge *e = find_edge(lx, node, w, hash_edge(node, w));
        /* "central Asia", "the south Caucasus": copy writes directions
         * either way. */
        if (e->hash == 0 || (!case_fits(e->cases, &d->tok[i]) && !tok_in(d, i, DIRECTIONS)))
            break;
        node = e->child;
        if (lx->nodes[node].entry >= 0) {
            found = true;
            *t1 = i + 1;
            *entry = &lx->entries[lx->nodes[node].entry].e;
        }
    }
    return found;
}

const struct lex_entry *lexicon_find_name(const struct lexicon *lx, const char *name)
{
    struct doc d;
    const struct lex_entry *hit = NULL;
    size_t t1;
    if (lx == NULL || !doc_init(&d, name, strlen(name)))
        return NULL;
    const struct lex_entry *e;
    if (d.ntok > 0 && lexicon_longest(lx, &d, 0, &t1, &e) && t1 == d.ntok)
        hit = e;
    doc_free(&d);
    return hit;
}

/* ---- the gazetteer ----------------------------------------------------- */

extern const unsigned char gazetteer_tsv[];
extern const size_t gazetteer_tsv_len;

static struct lexicon *gazetteer;
static pthread_once_t gazetteer_once = PTHREAD_ONCE_INIT;

/* Adds each "|"-separated form of a column. */
static bool add_forms(struct lexicon *lx, char *column, const char *name, int type, bool adjective,
                      bool country)
{
    char *save = NULL;
    for (char *f = strtok_r(column, "|", &save); f != NULL; f = strtok_r(NULL, "|", &save))
        if (*f != '\0' && !add_form(lx, f, name, type, 0, adjective, country))
            return false;
    return true;
}

static void build_gazetteer(void)
{
    struct lexicon *lx = lexicon_new();
    char *copy = malloc(gazetteer_tsv_len + 1);
    char *save = NULL;

    if (lx == NULL || copy == NULL)
        goto fail;
    memcpy(copy, gazetteer_tsv, gazetteer_tsv_len);
    copy[gazetteer_tsv_len] = '\0';
    for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *cols[4] = {0};
        char *p = line;
        for (int c = 0; c < 4 && p != NULL; c++) {
            cols[c] = p;
            p = strchr(p, '\t');
            if (p != NULL)
                *p++ = '\0';
        }
        int type = ent_type_parse(cols[0]);
        if (type < 0 || cols[1] == NULL || cols[1][0] == '\0')
            continue; /* the data's own test rejects such lines */
        char *name = cols[1];
        /* A place with a demonym is a country: a party to agreements. */
        bool country = type == ENT_LOCATION && cols[3] != NULL && cols[3][0] != '\0';
        if (!add_form(lx, name, name, type, 0, false, country) ||
            (cols[2] && !add_forms(lx, cols[2], name, type, false, country)) ||
            (cols[3] && !add_forms(lx, cols[3], name, type, true, country)))
            goto fail;
    }
    free(copy);
    gazetteer = lx;
    return;
fail:
    free(copy);
    lexicon_free(lx);
    fprintf(stderr, "wirebase: out of memory building the gazetteer\n");
}

const struct lexicon *lexicon_gazetteer(void)
{
    pthread_once(&gazetteer_once, build_gazetteer);
    return gazetteer;
}
