/* The response cache on its own: what it keeps, for which version, within
 * which budget, and that it holds up under threads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/response_cache.h"

static struct reply answer(const char *body, const char *etag)
{
    struct reply rep = {0};
    rep.status = 200;
    rep.body = strdup(body);
    rep.body_len = strlen(body);
    rep.content_type = "application/json";
    reply_header(&rep, "ETag", etag);
    return rep;
}

Test(response_cache, keeps_an_answer_for_its_key_and_version_only)
{
    struct response_cache *cache = response_cache_new(64, 1024, 1 << 20);
    struct reply rep = answer("{\"a\":1}", "\"s7-1\"");
    struct reply got = {0};
    /* The first offer only marks the key; the second is kept. */
    response_cache_put(cache, "i/v1/stats", 7, &rep, 0);
    cr_assert_not(response_cache_get(cache, "i/v1/stats", 7, &got), "kept on its first offer");
    response_cache_put(cache, "i/v1/stats", 7, &rep, 0);
    reply_free(&rep);

    cr_assert(response_cache_get(cache, "i/v1/stats", 7, &got));
    cr_assert_eq(got.status, 200);
    cr_assert_eq(got.body_len, 7);
    cr_assert(memcmp(got.body, "{\"a\":1}", 7) == 0);
    cr_assert_str_eq(got.content_type, "application/json");
    cr_assert_eq(got.header_count, 1);
    cr_assert_str_eq(got.headers[0].value, "\"s7-1\"");
    reply_free(&got);

    cr_assert_not(response_cache_get(cache, "i/v1/stats", 8, &got), "another version");
    cr_assert_not(response_cache_get(cache, "g/v1/stats", 7, &got), "another encoding");
    cr_assert_null(got.body);

    /* An answer that was costly to build is kept at its first offer. */
    struct reply costly = answer("{\"hits\":[]}", "\"s7-2\"");
    response_cache_put(cache, "i/v1/search?q=rare", 7, &costly, RESPONSE_CACHE_COSTLY_US);
    reply_free(&costly);
    cr_assert(response_cache_get(cache, "i/v1/search?q=rare", 7, &got), "a costly answer was not kept");
    reply_free(&got);

    /* After a write, a key offered before is kept at its first new offer. */
    rep = answer("{\"a\":2}", "\"s8-1\"");
    response_cache_put(cache, "i/v1/stats", 8, &rep, 0);
    reply_free(&rep);
    cr_assert(response_cache_get(cache, "i/v1/stats", 8, &got));
    cr_assert(memcmp(got.body, "{\"a\":2}", 7) == 0);
    reply_free(&got);
    response_cache_free(cache);
}

Test(response_cache, keeps_only_whole_200s_within_its_limits)
{
    struct response_cache *cache = response_cache_new(64, 16, 40);
    struct reply got = {0};

    struct reply big = answer("{\"too\":\"long for the limit\"}", "\"s1-1\"");
    response_cache_put(cache, "big", 1, &big, 0);
    response_cache_put(cache, "big", 1, &big, 0);
    cr_assert_not(response_cache_get(cache, "big", 1, &got), "over max_body");
    reply_free(&big);

    struct reply missing = answer("{}", "\"s1-2\"");
    missing.status = 404;
    response_cache_put(cache, "missing", 1, &missing, 0);
    response_cache_put(cache, "missing", 1, &missing, 0);
    cr_assert_not(response_cache_get(cache, "missing", 1, &got), "not a 200");
    reply_free(&missing);

    /* Three 15-byte bodies against a 40-byte budget: at most two are kept. */
    int kept = 0;
    for (int i = 0; i < 3; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        struct reply r = answer("{\"n\":1234567890}", "\"s1-3\"");
        cr_assert_eq(r.body_len, 16);
        response_cache_put(cache, key, 1, &r, 0);
        response_cache_put(cache, key, 1, &r, 0);
        reply_free(&r);
    }
    for (int i = 0; i < 3; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        if (response_cache_get(cache, key, 1, &got)) {
            kept++;
            reply_free(&got);
        }
    }
    cr_assert_leq(kept, 2);
    cr_assert_geq(kept, 1);
    /* A full budget makes room: the newest answer is kept, older ones go. */
    cr_assert(response_cache_get(cache, "k2", 1, &got), "the newest answer was not kept");
    reply_free(&got);
    struct reply newer = answer("{\"n\":1234567890}", "\"s2-1\"");
    response_cache_put(cache, "k0", 2, &newer, RESPONSE_CACHE_COSTLY_US);
    reply_free(&newer);
    cr_assert(response_cache_get(cache, "k0", 2, &got), "no room was made at a new version");
    reply_free(&got);
    response_cache_free(cache);
    cr_assert_null(response_cache_new(0, 16, 40), "0 entries is caching off");
}

/* Answers being read now settle in the cache even when it is full of
 * answers from before: of the four slots of a key's set, the one used
 * longest ago gives way, so keys that share a set do not keep evicting each
 * other. */
Test(response_cache, answers_read_now_displace_answers_read_before)
{
    /* The bench's case: the server's 1024 slots, full of entity pages,
     * then its 156 search URLs. */
    struct response_cache *cache = response_cache_new(1024, 64, 1 << 20);
    char key[32];
    struct reply got = {0};
    for (int cold = 0; cold < 4096; cold++) {
        snprintf(key, sizeof key, "before%d", cold);
        struct reply r = answer("{\"hot\":false}", "\"c\"");
        response_cache_put(cache, key, 1, &r, RESPONSE_CACHE_COSTLY_US);
        reply_free(&r);
    }
    int late_misses = 0;
    for (int round = 0; round < 40; round++)
        for (int hot = 0; hot < 156; hot++) {
            snprintf(key, sizeof key, "now%d", hot);
            if (response_cache_get(cache, key, 1, &got)) {
                reply_free(&got);
                continue;
            }
            late_misses += round >= 20;
            struct reply r = answer("{\"hot\":true}", "\"h\"");
            response_cache_put(cache, key, 1, &r, RESPONSE_CACHE_COSTLY_US);
            reply_free(&r);
        }
    cr_assert_leq(late_misses, 0, "%d misses after 20 rounds of the same 156 keys", late_misses);
    response_cache_free(cache);
}

static struct response_cache *shared;

static void *hammer(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    for (int i = 0; i < 20000; i++) {
        char key[16], body[64];
        int k = (int)(rand_r(&seed) % 50);
        int64_t version = rand_r(&seed) % 3;
        snprintf(key, sizeof key, "key%d", k);
        snprintf(body, sizeof body, "{\"key\":%d,\"version\":%lld}", k, (long long)version);
        struct reply got = {0};
        if (response_cache_get(shared, key, version, &got)) {
            /* What comes back is what was put for that key and version. */
            if (got.body_len != strlen(body) || memcmp(got.body, body, got.body_len) != 0)
                abort();
            reply_free(&got);
        } else {
            struct reply r = answer(body, "\"t\"");
            response_cache_put(shared, key, version, &r, 0);
            reply_free(&r);
        }
    }
    return NULL;
}

Test(response_cache, four_threads_get_back_only_what_was_put)
{
    shared = response_cache_new(32, 64, 1024);
    pthread_t threads[4];
    for (size_t i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, hammer, (void *)(i + 1));
    for (size_t i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    response_cache_free(shared);
}
