#include "server/response_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Locks are striped: two workers rarely want the same stripe, and a slot's
 * copy in or out is a memcpy of at most max_body bytes. */
#define STRIPES 16
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
};

struct response_cache {
    size_t count, max_body, max_bytes;
    atomic_size_t bytes; /* bodies held, kept under max_bytes */
    struct entry *entries;
    pthread_mutex_t locks[STRIPES];
    _Atomic uint32_t door[DOOR_SLOTS];
};

/* Each key may live in one of two slots (two independent hashes), so two
 * hot keys that share one slot do not keep evicting each other. */
static size_t slot_of(const struct response_cache *cache, uint64_t h, int way)
{
    return (size_t)(way == 0 ? h : (h >> 32) ^ (h << 7)) % cache->count;
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
    cache->entries = calloc(entries, sizeof *cache->entries);
    if (cache->entries == NULL) {
        free(cache);
        return NULL;
    }
    cache->count = entries;
    cache->max_body = max_body;
    cache->max_bytes = max_bytes;
    atomic_init(&cache->bytes, 0);
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
static bool copy_out(const struct entry *e, uint64_t h, const char *key, int64_t version,
                     struct reply *rep)
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
    return true;
}

bool response_cache_get(struct response_cache *cache, const char *key, int64_t version,
                        struct reply *rep)
{
    if (cache == NULL)
        return false;
    uint64_t h = hash_of(key);
    for (int way = 0; way < 2; way++) {
        size_t slot = slot_of(cache, h, way);
        pthread_mutex_lock(&cache->locks[slot % STRIPES]);
        bool hit = copy_out(&cache->entries[slot], h, key, version, rep);
        pthread_mutex_unlock(&cache->locks[slot % STRIPES]);
        if (hit)
            return true;
    }
    return false;
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

void response_cache_put(struct response_cache *cache, const char *key, int64_t version,
                        const struct reply *rep, uint64_t built_us)
{
    if (cache == NULL || rep->status != 200 || rep->body == NULL || rep->stream.read != NULL ||
        rep->body_len > cache->max_body)
        return;
    if (built_us < RESPONSE_CACHE_COSTLY_US && !offered_before(cache, hash_of(key)))
        return;
    /* Built outside the lock; swapped in under it. */
    struct entry fresh = {.hash = hash_of(key), .version = version,
                          .body_len = rep->body_len, .content_type = rep->content_type};
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
    /* The slot to take: the key's own, else an empty one, else the one
     * built at the older version (the likelier to be stale already). */
    size_t a = slot_of(cache, fresh.hash, 0), b = slot_of(cache, fresh.hash, 1), slot = a;
    pthread_mutex_lock(&cache->locks[b % STRIPES]);
    const struct entry *eb = &cache->entries[b];
    bool b_is_own = eb->key != NULL && eb->hash == fresh.hash && strcmp(eb->key, key) == 0;
    bool b_is_empty = eb->key == NULL;
    int64_t b_version = eb->version;
    pthread_mutex_unlock(&cache->locks[b % STRIPES]);
    pthread_mutex_lock(&cache->locks[a % STRIPES]);
    const struct entry *ea = &cache->entries[a];
    bool a_is_own = ea->key != NULL && ea->hash == fresh.hash && strcmp(ea->key, key) == 0;
    if (!a_is_own && (b_is_own || (ea->key != NULL && (b_is_empty || b_version < ea->version))))
        slot = b;
    pthread_mutex_unlock(&cache->locks[a % STRIPES]);

    struct entry old;
    pthread_mutex_lock(&cache->locks[slot % STRIPES]);
    old = cache->entries[slot];
    /* Over the byte budget the answer is simply not kept. The check may
     * race another stripe's put by one body; the count itself stays exact. */
    bool fits = atomic_load(&cache->bytes) - old.body_len + fresh.body_len <= cache->max_bytes;
    if (fits) {
        cache->entries[slot] = fresh;
        atomic_fetch_add(&cache->bytes, fresh.body_len);
        atomic_fetch_sub(&cache->bytes, old.body_len);
    }
    pthread_mutex_unlock(&cache->locks[slot % STRIPES]);
    entry_clear(fits ? &old : &fresh);
}
