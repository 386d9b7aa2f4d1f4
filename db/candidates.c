#include "db/candidates.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db/text.h"

#define SLOTS 1024

/* A kept list, compact: each weighted count is a whole number, kept in 32
 * bits (16 bytes a row for a two-word search, against 28 as doubles). */
struct slot {
    char *key; /* NULL for a free slot */
    uint64_t hash, used;
    int64_t version, top_rowid;
    bool capped;
    struct rank_basis basis;
    size_t count, bytes;
    int64_t *rowids;
    int32_t *tokens;
    uint32_t *freq;
};

static struct slot slots[SLOTS];
static size_t kept_bytes;
static uint64_t ticks;
static long long reused;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

bool candidates_reserve(struct candidates *c, size_t capacity, int phrases)
{
    size_t per_row = phrases > 0 ? (size_t)phrases : 1;
    c->rowids = malloc(capacity * sizeof *c->rowids + 1);
    c->tokens = malloc(capacity * sizeof *c->tokens + 1);
    c->freq = malloc(capacity * per_row * sizeof *c->freq + 1);
    c->capacity = capacity;
    c->count = 0;
    return c->rowids != NULL && c->tokens != NULL && c->freq != NULL;
}

void candidates_clear(struct candidates *c)
{
    free(c->rowids);
    free(c->tokens);
    free(c->freq);
    *c = (struct candidates){0};
}

/* Frees what a slot holds; the slot is then free. */
static void slot_free(struct slot *s)
{
    free(s->key);
    free(s->rowids);
    free(s->tokens);
    free(s->freq);
    *s = (struct slot){0};
}

/* Empties a slot of the table; under the lock. */
static void slot_clear(struct slot *s)
{
    kept_bytes -= s->bytes;
    slot_free(s);
}

/* The slot keeping key; under the lock. */
static struct slot *find(const char *key, uint64_t hash)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].key != NULL && slots[i].hash == hash && strcmp(slots[i].key, key) == 0)
            return &slots[i];
    return NULL;
}

bool candidates_lookup(const char *key, struct candidates *out)
{
    bool found = false;
    pthread_mutex_lock(&lock);
    struct slot *s = find(key, text_hash(key));
    if (s != NULL && candidates_reserve(out, s->count, s->basis.phrases)) {
        s->used = ++ticks;
        out->version = s->version;
        out->top_rowid = s->top_rowid;
        out->capped = s->capped;
        out->basis = s->basis;
        out->count = s->count;
        memcpy(out->rowids, s->rowids, s->count * sizeof *s->rowids);
        memcpy(out->tokens, s->tokens, s->count * sizeof *s->tokens);
        for (size_t i = 0; i < s->count * (size_t)s->basis.phrases; i++)
            out->freq[i] = s->freq[i];
        found = true;
    }
    pthread_mutex_unlock(&lock);
    if (!found)
        candidates_clear(out);
    return found;
}

/* c in the compact form of a slot (not yet in the table); false when a
 * count is not a whole number of 32 bits, or without memory. */
static bool compact(const struct candidates *c, struct slot *s)
{
    size_t cells = c->count * (size_t)c->basis.phrases;
    for (size_t i = 0; i < cells; i++)
        if (!(c->freq[i] >= 0.0 && c->freq[i] <= 4294967295.0) ||
            (double)(uint32_t)c->freq[i] != c->freq[i])
            return false;
    s->rowids = malloc(c->count * sizeof *s->rowids + 1);
    s->tokens = malloc(c->count * sizeof *s->tokens + 1);
    s->freq = malloc(cells * sizeof *s->freq + 1);
    if (s->rowids == NULL || s->tokens == NULL || s->freq == NULL)
        return false;
    memcpy(s->rowids, c->rowids, c->count * sizeof *s->rowids);
    memcpy(s->tokens, c->tokens, c->count * sizeof *s->tokens);
    for (size_t i = 0; i < cells; i++)
        s->freq[i] = (uint32_t)c->freq[i];
    s->version = c->version;
    s->top_rowid = c->top_rowid;
    s->capped = c->capped;
    s->basis = c->basis;
    s->count = c->count;
    s->bytes = sizeof *s + c->count * (sizeof *s->rowids + sizeof *s->tokens) +
               cells * sizeof *s->freq;
    return true;
}

/* The least recently used slot; under the lock. */
static struct slot *oldest(void)
{
    struct slot *old = NULL;
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].key != NULL && (old == NULL || slots[i].used < old->used))
            old = &slots[i];
    return old;
}

void candidates_keep(const char *key, const struct candidates *c)
{
    struct slot made = {0};
    uint64_t hash = text_hash(key);
    if (!compact(c, &made) || made.bytes > CANDIDATES_BYTES_MAX ||
        (made.key = strdup(key)) == NULL) {
        slot_free(&made);
        return;
    }
    made.hash = hash;

    pthread_mutex_lock(&lock);
    struct slot *same = find(key, hash);
    if (same != NULL && same->version > made.version) {
        pthread_mutex_unlock(&lock);
        slot_free(&made);
        return;
    }
    if (same != NULL)
        slot_clear(same);
    struct slot *target = NULL;
    for (size_t i = 0; i < SLOTS && target == NULL; i++)
        if (slots[i].key == NULL)
            target = &slots[i];
    while (target == NULL || kept_bytes + made.bytes > CANDIDATES_BYTES_MAX) {
        struct slot *old = oldest();
        slot_clear(old);
        if (target == NULL)
            target = old;
    }
    made.used = ++ticks;
    *target = made;
    kept_bytes += made.bytes;
    pthread_mutex_unlock(&lock);
}

void candidates_forget(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].key != NULL)
            slot_clear(&slots[i]);
    pthread_mutex_unlock(&lock);
}

void candidates_note_reuse(void)
{
    pthread_mutex_lock(&lock);
    reused++;
    pthread_mutex_unlock(&lock);
}

long long candidates_reused(void)
{
    pthread_mutex_lock(&lock);
    long long n = reused;
    pthread_mutex_unlock(&lock);
    return n;
}
