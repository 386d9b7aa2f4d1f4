#pragma once
/* Rendered answers to reads, kept per store version. Every write moves the
 * version, so an entry can never be served for data that changed: it just
 * stops matching. Dashboards poll the same few URLs; each is then built
 * once per write instead of once per request. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/reply.h"

struct response_cache;

/* A cache of at most `entries` answers (each key may take any of the four
 * slots of its set), each body at most max_body bytes and all of them at
 * most max_bytes. NULL when entries is 0 (caching off) or on failure. */
struct response_cache *response_cache_new(size_t entries, size_t max_body, size_t max_bytes);
void response_cache_free(struct response_cache *cache);

/* Fills the empty `rep` with a copy of the answer cached for `key` at
 * `version` (status, body, content type and headers). False on a miss, and
 * then rep is left empty. Accepts a NULL cache (always a miss). */
bool response_cache_get(struct response_cache *cache, const char *key, int64_t version,
                        struct reply *rep);

/* An answer that took at least this long to build is kept on its first
 * offer: building it again would cost far more than the copy. */
#define RESPONSE_CACHE_COSTLY_US 1000

/* Keeps a copy of `rep` for `key` at `version` if it is a 200 with a body
 * (not a stream) of at most max_body bytes, the key was offered before or
 * the answer took at least RESPONSE_CACHE_COSTLY_US (`built_us`) to build
 * (the first offer of a cheap answer only marks its key: most reads are never
 * repeated, and copying them would cost more than it saves) and the budget
 * has room; replaces what one of the key's slots held. */
void response_cache_put(struct response_cache *cache, const char *key, int64_t version,
                        const struct reply *rep, uint64_t built_us);
