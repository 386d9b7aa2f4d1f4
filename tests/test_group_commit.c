/* Group commit: record writes (ROUTE_GROUP_COMMIT) run on the write thread,
 * in batches that share one transaction, each write in a savepoint of its
 * own (server/server.c run_write_batch, db/transaction.c). These tests hold
 * the batch to what the same writes give one at a time: each answer is the
 * write's own, a refused write leaves its neighbours stored, every write
 * acknowledged is in the store, and a stop with writes queued answers them. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "support/http.h"
#include "support/test_server.h"

TestSuite(group_commit, .timeout = 60);

/* A write with the test key that never asserts (it runs on threads of the
 * test): false when no answer came. */
static bool send_write(const struct test_server *ts, CURL *kept, const char *method,
                       const char *path, const char *json, const char *key,
                       struct answer *out)
{
    char url[512], auth[128], idempotency[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", ts->port, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", ts->key);
    CURL *curl = kept != NULL ? kept : curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (key != NULL) {
        snprintf(idempotency, sizeof idempotency, "Idempotency-Key: %s", key);
        headers = curl_slist_append(headers, idempotency);
    }
    memset(out, 0, sizeof *out);
    bool ok = false;
    if (curl != NULL && headers != NULL) {
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, answer_collect);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        ok = curl_easy_perform(curl) == CURLE_OK;
        if (ok)
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    }
    curl_slist_free_all(headers);
    if (kept == NULL && curl != NULL)
        curl_easy_cleanup(curl);
    return ok;
}

/* A counter or gauge of /metrics; -1 when it is not there. */
static long long metric(const struct test_server *ts, const char *name)
{
    struct http_result res = http_get(ts, "/metrics");
    cr_assert_eq(res.status, 200);
    long long value = -1;
    char prefix[128];
    snprintf(prefix, sizeof prefix, "\n%s ", name);
    const char *at = strstr(res.body, prefix);
    if (at != NULL)
        value = strtoll(at + strlen(prefix), NULL, 10);
    http_result_free(&res);
    return value;
}

/* ---- one batch ----------------------------------------------------------- */

/* Waits until `requests` are in flight (the scrape is one more), then a
 * moment for the last of them to reach the write queue. */
static void wait_in_flight(const struct test_server *ts, int requests)
{
    for (int waited = 0; metric(ts, "wirebase_http_requests_in_flight") < requests + 1 &&
                         waited < 400;
         waited++)
        usleep(10000);
    usleep(300000);
}


struct one_write {
    const struct test_server *ts;
    const char *method, *path;
    char json[512];
    const char *long_json; /* sent instead of json when set */
    const char *key;       /* an Idempotency-Key, or NULL */
    struct answer got;
    bool answered;
};

static void *run_one_write(void *arg)
{
    struct one_write *w = arg;
    w->answered = send_write(w->ts, NULL, w->method, w->path,
                             w->long_json != NULL ? w->long_json : w->json, w->key, &w->got);
    return NULL;
}

enum { POSTS = 10, WRITES = POSTS + 3 };

/* Ten new articles, one whose second mention names an entity the store
 * lacks (422, found after the article and its first mention are written,
 * so only its savepoint's rollback takes them back), a
 * patch of the sample article and a delete of an article that does not
 * exist (404). */
static void plan_writes(const struct test_server *ts, struct one_write *w)
{
    for (int i = 0; i < WRITES; i++)
        w[i] = (struct one_write){.ts = ts, .method = "POST", .path = "/v1/articles"};
    for (int i = 0; i < POSTS; i++)
        snprintf(w[i].json, sizeof w[i].json,
                 "{\"title\": \"Batched article %d\", \"source\": \"Group Wire\","
                 " \"published_at\": \"2026-11-29\", \"body\": \"Batch%d words.\","
                 " \"mentions\": [{\"entity\": \"robert-gates\", \"count\": 1}]}",
                 i, i);
    snprintf(w[POSTS].json, sizeof w[POSTS].json,
             "{\"title\": \"Refused in a batch\", \"source\": \"Group Wire\","
             " \"published_at\": \"2026-11-29\", \"body\": \"Never stored.\","
             " \"mentions\": [{\"entity\": \"robert-gates\"}, {\"entity\": \"nobody-of-that-name\"}]}");
    w[POSTS + 1].method = "PATCH";
    w[POSTS + 1].path = "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties";
    snprintf(w[POSTS + 1].json, sizeof w[POSTS + 1].json, "{\"summary\": \"Patched in a batch.\"}");
    w[POSTS + 2].method = "DELETE";
    w[POSTS + 2].path = "/v1/articles/999999";
    w[POSTS + 2].json[0] = '\0';
}

/* With the writer's lock held by the test, the writes pile up in the write
 * queue; released, they run as one or two batches. Each answer is the one
 * the write gets alone, and the store holds exactly the writes that said
 * so. */
Test(group_commit, writes_queued_together_share_a_commit_and_keep_their_own_answers)
{
    struct test_server *ts = test_server_start();
    struct one_write w[WRITES];
    pthread_t threads[WRITES];
    plan_writes(ts, w);

    long long batches_before = metric(ts, "wirebase_db_write_batches_total");
    cr_assert(store_writer_begin(ts->store) != NULL);
    for (int i = 0; i < WRITES; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, run_one_write, &w[i]), 0);
    wait_in_flight(ts, WRITES);
    store_writer_end(ts->store);
    for (int i = 0; i < WRITES; i++)
        pthread_join(threads[i], NULL);

    for (int i = 0; i < POSTS; i++) {
        cr_assert(w[i].answered, "post %d got no answer", i);
        cr_assert_eq(w[i].got.status, 201, "post %d: %s", i, w[i].got.body);
        json_t *created = json_loads(w[i].got.body, 0, NULL);
        cr_assert_not_null(created);
        char path[128], title[64];
        snprintf(path, sizeof path, "/v1/articles/%s",
                 json_string_value(json_object_get(created, "slug")));
        snprintf(title, sizeof title, "Batched article %d", i);
        cr_assert_str_eq(json_string_value(json_object_get(created, "title")), title);
        json_decref(created);
        struct http_result stored = http_get(ts, path);
        cr_assert_eq(stored.status, 200, "%s after the batch: %ld", path, stored.status);
        cr_assert_str_eq(json_string_value(json_object_get(stored.json, "title")), title);
        http_result_free(&stored);
    }
    cr_assert_eq(w[POSTS].got.status, 422, "%s", w[POSTS].got.body);
    cr_assert(strstr(w[POSTS].got.body, "\"mentions[1].entity\"") != NULL, "%s",
              w[POSTS].got.body);
    struct http_result refused = http_get(ts, "/v1/articles/refused-in-a-batch");
    cr_assert_eq(refused.status, 404, "the refused write was stored");
    http_result_free(&refused);
    cr_assert_eq(w[POSTS + 1].got.status, 200, "%s", w[POSTS + 1].got.body);
    cr_assert(strstr(w[POSTS + 1].got.body, "Patched in a batch.") != NULL);
    cr_assert_eq(w[POSTS + 2].got.status, 404, "%s", w[POSTS + 2].got.body);

    /* Thirteen writes in fewer transactions than writes. */
    long long batches = metric(ts, "wirebase_db_write_batches_total") - batches_before;
    cr_assert_eq(metric(ts, "wirebase_db_batched_writes_total"), WRITES);
    cr_assert(batches >= 1 && batches < WRITES, "%lld batches for %d writes", batches, WRITES);
    for (int i = 0; i < WRITES; i++)
        free(w[i].got.body);
    test_server_stop(ts);
}

/* Two writes of one batch that collide (one slug): the second is refused
 * with 409 inside the batch and the first stays. */
Test(group_commit, a_conflict_inside_a_batch_refuses_only_the_second_write)
{
    struct test_server *ts = test_server_start();
    struct one_write w[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (struct one_write){.ts = ts, .method = "POST", .path = "/v1/entities"};
        snprintf(w[i].json, sizeof w[i].json,
                 "{\"name\": \"Twin %d\", \"slug\": \"the-twin\", \"type\": \"person\"}", i);
    }
    cr_assert(store_writer_begin(ts->store) != NULL);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, run_one_write, &w[i]), 0);
    wait_in_flight(ts, 2);
    store_writer_end(ts->store);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);

    int created = (w[0].got.status == 201) + (w[1].got.status == 201);
    int refused = (w[0].got.status == 409) + (w[1].got.status == 409);
    cr_assert(created == 1 && refused == 1, "answers %ld and %ld", w[0].got.status,
              w[1].got.status);
    int winner = w[0].got.status == 201 ? 0 : 1;
    char name[32];
    snprintf(name, sizeof name, "Twin %d", winner);
    struct http_result stored = http_get(ts, "/v1/entities/the-twin");
    cr_assert_eq(stored.status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(stored.json, "name")), name);
    http_result_free(&stored);
    for (int i = 0; i < 2; i++)
        free(w[i].got.body);
    test_server_stop(ts);
}

/* ---- many clients, and a stop ------------------------------------------- */

#define MAX_ACKED 4000

struct poster {
    const struct test_server *ts;
    int client;
    atomic_bool *stop;
    int acked[MAX_ACKED]; /* the numbers of the posts answered 201 */
    int acked_count, other;
    atomic_int answered;
};

static void *run_poster(void *arg)
{
    struct poster *p = arg;
    CURL *kept = curl_easy_init();
    for (int n = 0; n < MAX_ACKED && kept != NULL && !atomic_load(p->stop); n++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"title\": \"Poster %d post %d\", \"source\": \"Group Wire\","
                 " \"published_at\": \"2026-11-29\", \"body\": \"Client %d writes.\"}",
                 p->client, n, p->client);
        struct answer got;
        if (!send_write(p->ts, kept, "POST", "/v1/articles?extract=false", json, NULL, &got))
            break; /* the server went away */
        atomic_fetch_add(&p->answered, 1);
        if (got.status == 201)
            p->acked[p->acked_count++] = n;
        else
            p->other++;
        free(got.body);
    }
    if (kept != NULL)
        curl_easy_cleanup(kept);
    return NULL;
}

/* Eight clients post on keep-alive connections while the server stops
 * under them: the stop neither hangs nor aborts, and every post answered
 * 201 is in the store afterwards, read without the server. */
Test(group_commit, every_acknowledged_write_is_stored_across_a_stop)
{
    struct test_server *ts = test_server_start();
    enum { CLIENTS = 8 };
    static struct poster posters[CLIENTS];
    pthread_t threads[CLIENTS];
    atomic_bool stop;
    atomic_init(&stop, false);
    for (int i = 0; i < CLIENTS; i++) {
        posters[i] = (struct poster){.ts = ts, .client = i, .stop = &stop};
        atomic_init(&posters[i].answered, 0);
        cr_assert_eq(pthread_create(&threads[i], NULL, run_poster, &posters[i]), 0);
    }
    int answered = 0;
    for (int waited = 0; answered < 200 && waited < 2000; waited++) {
        usleep(5000);
        answered = 0;
        for (int i = 0; i < CLIENTS; i++)
            answered += atomic_load(&posters[i].answered);
    }
    server_stop(ts->server, 2000);
    ts->server = NULL;
    atomic_store(&stop, true);
    int acked = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        cr_expect_eq(posters[i].other, 0, "client %d got %d answers other than 201", i,
                     posters[i].other);
        acked += posters[i].acked_count;
    }
    cr_assert_geq(acked, 200, "only %d posts acknowledged", acked);

    struct db *db = store_reader(ts->store);
    cr_assert_not_null(db);
    for (int i = 0; i < CLIENTS; i++)
        for (int k = 0; k < posters[i].acked_count; k++) {
            char slug[64];
            int64_t id;
            snprintf(slug, sizeof slug, "poster-%d-post-%d", i, posters[i].acked[k]);
            cr_assert_eq(db_resolve(db, KIND_ARTICLE, slug, &id), DB_OK,
                         "%s was acknowledged and is not stored", slug);
        }
    test_server_stop(ts);
}

/* ---- a batch that cannot commit ------------------------------------------ */

static void small_store_big_bodies(struct config *cfg)
{
    /* The sample takes about 270 KiB of it. */
    cfg->max_db_size_mib = 1;
}

/* A write that fills the store's size limit in a statement SQLite cannot
 * roll back alone ends SQLite's whole transaction, and with it the batch's
 * other writes. Here that is a 250 KB article whose answer, kept for its
 * Idempotency-Key in one plain INSERT, does not fit after the article does
 * (a bigger article fails in its own insert, which fires triggers and so
 * is rolled back alone). The batch's writes run again, each alone: the
 * small posts are stored and answer 201, the big one answers 507, as each
 * would have without the others. */
Test(group_commit, a_write_that_fills_the_store_fails_alone_in_its_batch)
{
    struct test_server *ts = test_server_start_config(small_store_big_bodies, true);
    enum { SMALL = 5, ALL = SMALL + 2 };
    struct one_write w[ALL];
    pthread_t threads[ALL];
    for (int i = 0; i < ALL; i++)
        w[i] = (struct one_write){.ts = ts, .method = "POST", .path = "/v1/articles?extract=false"};
    /* w[0] goes first and alone, so the other six make one batch. */
    for (int i = 0; i <= SMALL; i++)
        snprintf(w[i].json, sizeof w[i].json,
                 "{\"title\": \"Small post %d\", \"source\": \"Group Wire\","
                 " \"published_at\": \"2026-11-29\", \"body\": \"Fits%d.\"}",
                 i, i);
    /* Six-letter words, nearly all different. */
    size_t big_len = 250000;
    char *big = malloc(big_len + 200);
    cr_assert_not_null(big);
    int at = snprintf(big, 200, "{\"title\": \"Too big\", \"source\": \"Group Wire\","
                                " \"published_at\": \"2026-11-29\", \"body\": \"");
    for (size_t i = 0; i < big_len; i++) {
        /* Word w spells (w * a large odd number) in base 26. */
        uint64_t word = (uint64_t)(i / 7) * 2654435761u, letter = i % 7;
        for (uint64_t d = 0; d < letter; d++)
            word /= 26;
        big[at + i] = letter == 6 ? ' ' : (char)('a' + word % 26);
    }
    snprintf(big + at + big_len, 10, "\"}");
    w[SMALL + 1].long_json = big;
    w[SMALL + 1].key = "too-big-once";

    cr_assert(store_writer_begin(ts->store) != NULL);
    cr_assert_eq(pthread_create(&threads[0], NULL, run_one_write, &w[0]), 0);
    wait_in_flight(ts, 1);
    for (int i = 1; i <= SMALL; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, run_one_write, &w[i]), 0);
    cr_assert_eq(pthread_create(&threads[SMALL + 1], NULL, run_one_write, &w[SMALL + 1]), 0);
    wait_in_flight(ts, ALL);
    store_writer_end(ts->store);
    for (int i = 0; i < ALL; i++)
        pthread_join(threads[i], NULL);

    for (int i = 0; i <= SMALL; i++) {
        cr_assert_eq(w[i].got.status, 201, "small post %d: %s", i, w[i].got.body);
        char path[64];
        snprintf(path, sizeof path, "/v1/articles/small-post-%d", i);
        struct http_result stored = http_get(ts, path);
        cr_assert_eq(stored.status, 200, "%s is not stored", path);
        http_result_free(&stored);
        free(w[i].got.body);
    }
    cr_assert(w[SMALL + 1].answered);
    cr_assert_eq(w[SMALL + 1].got.status, 507, "%s", w[SMALL + 1].got.body);
    struct http_result refused = http_get(ts, "/v1/articles/too-big");
    cr_assert_eq(refused.status, 404);
    http_result_free(&refused);
    free(w[SMALL + 1].got.body);
    free(big);
    test_server_stop(ts);
}
