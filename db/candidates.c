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
    int64_t version, top_rowid;
    bool capped;
    struct rank_basis basis;
    size_t count, bytes;
    int64_t *rowids;
    int32_t *tokens;
    uint32_t *freq;
};

static struct slot slots[SLOTS];
/* Each slot's key hash (0: free) and last use, apart from the slots so a
 * lookup reads 8 KiB rather than a line of every slot. */
static uint64_t hashes[SLOTS], last_used[SLOTS];
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

/* Empties slot i of the table; under the lock. */
static void slot_clear(size_t i)
{
    kept_bytes -= slots[i].bytes;
    slot_free(&slots[i]);
    hashes[i] = 0;
}

/* A key's hash, never 0 (a free slot's). */
static uint64_t hash_of(const char *key)
{
    uint64_t h = text_hash(key);
    return h != 0 ? h : 1;
}

/* The index of the slot keeping key, or SLOTS; under the lock. */
static size_t find(const char *key, uint64_t hash)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (hashes[i] == hash && strcmp(slots[i].key, key) == 0)
            return i;
    return SLOTS;
}

bool candidates_lookup(const char *key, struct candidates *out)
{
    bool found = false;
    pthread_mutex_lock(&lock);
    size_t at = find(key, hash_of(key));
    struct slot *s = at < SLOTS ? &slots[at] : NULL;
    if (s != NULL && candidates_reserve(out, s->count, s->basis.phrases)) {
        last_used[at] = ++ticks;
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

/* The index of the least recently used slot (one is in use); under the
 * lock. */
static size_t oldest(void)
{
    size_t old = SLOTS;
    for (size_t i = 0; i < SLOTS; i++)
        if (hashes[i] != 0 && (old == SLOTS || last_used[i] < last_used[old]))
            old = i;
    return old;
}

void candidates_keep(const char *key, const struct candidates *c)
{
    struct slot made = {0};
    uint64_t hash = hash_of(key);
    bool locked = false;

    if (!compact(c, &made) || made.bytes > CANDIDATES_BYTES_MAX ||
        (made.key = strdup(key)) == NULL)
        goto done;
    pthread_mutex_lock(&lock);
    locked = true;
    size_t same = find(key, hash);
    if (same < SLOTS && slots[same].version > made.version)
        goto done;
    if (same < SLOTS)
        slot_clear(same);
    size_t target = SLOTS;
    for (size_t i = 0; i < SLOTS && target == SLOTS; i++)
        if (hashes[i] == 0)
            target = i;
    while (target == SLOTS || kept_bytes + made.bytes > CANDIDATES_BYTES_MAX) {
        size_t old = oldest();
        if (old == SLOTS)
            break; /* nothing left to free: kept_bytes is 0 */
        slot_clear(old);
        if (target == SLOTS)
            target = old;
    }
    slots[target] = made;
    hashes[target] = hash;
    last_used[target] = ++ticks;
    kept_bytes += made.bytes;
    made = (struct slot){0}; /* the table's now */
done:
    if (locked)
        pthread_mutex_unlock(&lock);
    slot_free(&made);
}

void candidates_forget(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < SLOTS; i++)
        if (hashes[i] != 0)
            slot_clear(i);
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
