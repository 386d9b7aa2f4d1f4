#include "server/response_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Locks are striped by set: two workers rarely want the same stripe, and a
 * slot's copy in or out is a memcpy of at most max_body bytes. */
#define STRIPES 16
/* A key lives in one of the WAYS slots of its set. */
#define WAYS 4
/* The doorkeeper: fingerprints of the keys last offered, one per slot. */
#define DOOR_SLOTS 16384

struct entry {
    char *key; /* NULL: empty */
    uint64_t hash;
    int64_t version;
    char *body;
    size_t body_len;
    const char *content_type; /* a static string, as in struct reply */
    struct reply_header headers[REPLY_MAX_HEADERS];
    size_t header_count;
    uint64_t used; /* the cache's tick at its last put or hit */
};

struct response_cache {
    size_t count, max_body, max_bytes; /* count: slots, a multiple of WAYS */
    atomic_size_t bytes; /* bodies held, kept under max_bytes */
    atomic_size_t hand;  /* the next slot to empty when the budget is full */
    atomic_uint_fast64_t ticks;
    struct entry *entries;
    pthread_mutex_t locks[STRIPES];
    _Atomic uint32_t door[DOOR_SLOTS];
};

/* The first slot of a key's set: a key may live in any of the WAYS slots
 * from there, so hot keys that share a set do not keep evicting each other
 * while a colder answer sits beside them. */
static size_t set_of(const struct response_cache *cache, uint64_t h)
{
    return (size_t)(h % (cache->count / WAYS)) * WAYS;
}

static pthread_mutex_t *lock_of(struct response_cache *cache, size_t slot)
{
    return &cache->locks[(slot / WAYS) % STRIPES];
}

static uint64_t hash_of(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

static void entry_clear(struct entry *e)
{
    free(e->key);
    free(e->body);
    for (size_t i = 0; i < e->header_count; i++) {
        free(e->headers[i].name);
        free(e->headers[i].value);
    }
    memset(e, 0, sizeof *e);
}

struct response_cache *response_cache_new(size_t entries, size_t max_body, size_t max_bytes)
{
    if (entries == 0)
        return NULL;
    struct response_cache *cache = calloc(1, sizeof *cache);
    if (cache == NULL)
        return NULL;
    entries = (entries + WAYS - 1) / WAYS * WAYS;
    cache->entries = calloc(entries, sizeof *cache->entries);
    if (cache->entries == NULL) {
        free(cache);
        return NULL;
    }
    cache->count = entries;
    cache->max_body = max_body;
    cache->max_bytes = max_bytes;
    atomic_init(&cache->bytes, 0);
    atomic_init(&cache->hand, 0);
    atomic_init(&cache->ticks, 0);
    for (size_t i = 0; i < DOOR_SLOTS; i++)
        atomic_init(&cache->door[i], 0);
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&cache->locks[i], NULL);
    return cache;
}

void response_cache_free(struct response_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; i < cache->count; i++)
        entry_clear(&cache->entries[i]);
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&cache->locks[i]);
    free(cache->entries);
    free(cache);
}

/* Copies e into rep if it holds key at version. Call with e's lock held. */
static bool copy_out(struct entry *e, uint64_t h, const char *key, int64_t version,
                     struct reply *rep, uint64_t now)
{
    if (e->key == NULL || e->hash != h || e->version != version || strcmp(e->key, key) != 0)
        return false;
    char *body = malloc(e->body_len > 0 ? e->body_len : 1);
    if (body == NULL)
        return false;
    memcpy(body, e->body, e->body_len);
    rep->status = 200;
    rep->body = body;
    rep->body_len = e->body_len;
    rep->content_type = e->content_type;
    for (size_t i = 0; i < e->header_count; i++)
        reply_header(rep, e->headers[i].name, e->headers[i].value);
    e->used = now;
    return true;
}

bool response_cache_get(struct response_cache *cache, const char *key, int64_t version,
                        struct reply *rep)
{
    if (cache == NULL)
        return false;
    uint64_t h = hash_of(key);
    size_t first = set_of(cache, h);
    bool hit = false;
    pthread_mutex_lock(lock_of(cache, first));
    for (size_t way = 0; way < WAYS && !hit; way++)
        hit = copy_out(&cache->entries[first + way], h, key, version, rep,
                       atomic_fetch_add(&cache->ticks, 1));
    pthread_mutex_unlock(lock_of(cache, first));
    return hit;
}

/* Whether the key was offered before (at any version) since its door slot
 * last changed hands. An answer is copied in only on its second offer: a
 * read nobody repeats (an article picked among a million) then costs a
 * hash and one atomic exchange instead of a copy, a lock and an eviction,
 * while a URL a dashboard polls is kept from its second request on, and
 * again at once after each write. */
static bool offered_before(struct response_cache *cache, uint64_t h)
{
    uint32_t fingerprint = (uint32_t)h | 1u; /* never 0, an empty slot */
    _Atomic uint32_t *slot = &cache->door[(h >> 32) % DOOR_SLOTS];
    return atomic_exchange_explicit(slot, fingerprint, memory_order_relaxed) == fingerprint;
}

/* Empties slots in turn, from where the last call stopped, until `wanted`
 * more bytes fit the budget: first answers of an older version among the
 * next few dozen slots (they can never be served again), then any, going
 * round the table at most once. */
static void make_room(struct response_cache *cache, size_t wanted, int64_t version)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t step = 0; step < (pass == 0 ? 64 : cache->count); step++) {
            if (atomic_load(&cache->bytes) + wanted <= cache->max_bytes)
                return;
            size_t slot = atomic_fetch_add(&cache->hand, 1) % cache->count;
            struct entry old = {0};
            pthread_mutex_lock(lock_of(cache, slot));
            struct entry *e = &cache->entries[slot];
            /* The first pass takes only what is stale. */
            if (e->key != NULL && (pass == 1 || e->version < version)) {
                old = *e;
                memset(e, 0, sizeof *e);
                atomic_fetch_sub(&cache->bytes, old.body_len);
            }
            pthread_mutex_unlock(lock_of(cache, slot));
            entry_clear(&old);
        }
}

void response_cache_put(struct response_cache *cache, const char *key, int64_t version,
                        const struct reply *rep, uint64_t built_us)
{
    if (cache == NULL || rep->status != 200 || rep->body == NULL || rep->stream.read != NULL ||
        rep->body_len > cache->max_body)
        return;
    uint64_t hash = hash_of(key);
    if (built_us < RESPONSE_CACHE_COSTLY_US && !offered_before(cache, hash))
        return;
    /* Built outside the lock; swapped in under it. */
    struct entry fresh = {.hash = hash, .version = version,
                          .body_len = rep->body_len, .content_type = rep->content_type,
                          .used = atomic_fetch_add(&cache->ticks, 1)};
    fresh.key = strdup(key);
    fresh.body = malloc(rep->body_len > 0 ? rep->body_len : 1);
    bool complete = fresh.key != NULL && fresh.body != NULL;
    if (complete)
        memcpy(fresh.body, rep->body, rep->body_len);
    for (size_t i = 0; complete && i < rep->header_count; i++) {
        struct reply_header *h = &fresh.headers[fresh.header_count];
        h->name = strdup(rep->headers[i].name);
        h->value = strdup(rep->headers[i].value);
        fresh.header_count++;
        complete = h->name != NULL && h->value != NULL;
    }
    if (!complete) {
        entry_clear(&fresh);
        return;
    }
    make_room(cache, fresh.body_len, version);
    /* The slot to take: the key's own, else an empty one, else the one
     * built at the oldest version (the likeliest to be stale already), else
     * the one used longest ago. */
    size_t first = set_of(cache, fresh.hash), slot = first;
    pthread_mutex_lock(lock_of(cache, first));
    for (size_t way = 0; way < WAYS; way++) {
        const struct entry *e = &cache->entries[first + way], *best = &cache->entries[slot];
        if (e->key != NULL && e->hash == fresh.hash && strcmp(e->key, key) == 0) {
            slot = first + way;
            break;
        }
        if (best->key == NULL)
            continue;
        if (e->key == NULL || e->version < best->version ||
            (e->version == best->version && e->used < best->used))
            slot = first + way;
    }
    struct entry old = cache->entries[slot];
    /* Over the byte budget the answer is simply not kept. The check may
     * race another stripe's put by one body; the count itself stays exact. */
    bool fits = atomic_load(&cache->bytes) - old.body_len + fresh.body_len <= cache->max_bytes;
    if (fits) {
        cache->entries[slot] = fresh;
        atomic_fetch_add(&cache->bytes, fresh.body_len);
        atomic_fetch_sub(&cache->bytes, old.body_len);
    }
    pthread_mutex_unlock(lock_of(cache, first));
    entry_clear(fits ? &old : &fresh);
}
