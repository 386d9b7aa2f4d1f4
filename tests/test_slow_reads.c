/* Slow reads (ROUTE_SLOW: search, related, graph, timeline) that the
 * response cache lacks are built on threads of their own while the
 * connection waits suspended (server/offload.c). These tests hold that
 * path to the answers an ordinary read gives: under concurrency, with
 * revalidation and paging, and across a stop with reads still queued.
 * The pool itself is tested alone (suite offload). */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"
#include "server/offload.h"
#include "support/http.h"
#include "support/test_server.h"

/* ---- the pool alone ---------------------------------------------------- */

struct counter {
    atomic_int ran;
    pthread_mutex_t gate; /* held by the test to keep the threads busy */
};

static void count_job(void *job)
{
    struct counter *c = job;
    pthread_mutex_lock(&c->gate);
    pthread_mutex_unlock(&c->gate);
    atomic_fetch_add(&c->ran, 1);
}

/* Takes a place and queues a job in it; false when no place was free. */
static bool queue_job(struct offload *pool, struct counter *c)
{
    if (!offload_reserve(pool))
        return false;
    offload_submit(pool, count_job, c);
    return true;
}

Test(offload, every_queued_job_runs_and_a_full_queue_says_so)
{
    struct counter c = {.gate = PTHREAD_MUTEX_INITIALIZER};
    atomic_init(&c.ran, 0);
    pthread_mutex_lock(&c.gate);
    struct offload *pool = offload_start(2, 4);
    cr_assert_not_null(pool);

    /* Two jobs block the two threads on the gate; four more fill the
     * queue, and the next one is refused, not dropped. */
    int accepted = 0;
    for (int i = 0; i < 6; i++)
        accepted += queue_job(pool, &c);
    for (int waited = 0; accepted < 6 && waited < 2000; waited++) {
        usleep(5000); /* until both threads have taken their first job */
        accepted += queue_job(pool, &c);
    }
    cr_assert_eq(accepted, 6, "the queue took %d of 6", accepted);
    cr_assert_not(offload_reserve(pool), "a full queue gave a place");

    /* A place reserved before the drain is still run by it: the caller
     * was promised its job would run. */
    pthread_mutex_unlock(&c.gate);
    for (int waited = 0; atomic_load(&c.ran) < 6 && waited < 2000; waited++)
        usleep(1000);
    cr_assert(offload_reserve(pool));
    offload_submit(pool, count_job, &c);

    /* Draining runs what is queued, then refuses new places; the pool
     * stays usable for that answer until it is freed. */
    offload_drain(pool);
    cr_assert_eq(atomic_load(&c.ran), 7);
    cr_assert_not(offload_reserve(pool), "a drained pool gave a place");
    offload_drain(pool);
    offload_free(pool);
}

Test(offload, a_pool_with_nothing_queued_drains_at_once)
{
    struct offload *pool = offload_start(3, 8);
    cr_assert_not_null(pool);
    offload_free(pool);
    offload_free(NULL);
}

/* ---- over HTTP ---------------------------------------------------------- */

/* Every read here misses the cache: each slow one goes through the pool. */
static void no_response_cache(struct config *cfg)
{
    cfg->response_cache_entries = 0;
}

TestSuite(slow_reads, .timeout = 60);

static const char *const paths[] = {
    "/v1/search?q=memorandum",
    "/v1/search?q=defense+cooperation&limit=2",
    "/v1/search?q=gates&type=entity",
    "/v1/search?q=%22not+a+threat%22",
    "/v1/search?q=",                          /* a 400, from a slow-read thread */
    "/v1/entities/robert-gates/related",
    "/v1/entities/no-such-entity/related",   /* a 404 */
    "/v1/graph?entity=robert-gates&depth=2",
    "/v1/timeline?entity=robert-gates",
    "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties",
    "/v1/entities?type=person",
};
#define PATH_COUNT (sizeof paths / sizeof paths[0])

/* A GET that never asserts (it runs on threads of the test): false when
 * no answer came. With a handle of the caller's, the connection is kept
 * alive from one request to the next. */
static bool fetch_with(CURL *kept, unsigned short port, const char *path, struct answer *out)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    CURL *curl = kept != NULL ? kept : curl_easy_init();
    if (curl == NULL)
        return false;
    memset(out, 0, sizeof *out);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, answer_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    bool ok = curl_easy_perform(curl) == CURLE_OK;
    if (ok)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    if (kept == NULL)
        curl_easy_cleanup(curl);
    return ok;
}

static bool fetch(unsigned short port, const char *path, struct answer *out)
{
    return fetch_with(NULL, port, path, out);
}

struct client {
    unsigned short port;
    unsigned offset;            /* where in paths this client starts */
    const struct answer *serial; /* the expected answers, by path */
    int rounds;
    int mismatches, failures;
    atomic_bool *stop;          /* NULL: run all rounds */
    atomic_int answered;
};

static void *run_client(void *arg)
{
    struct client *c = arg;
    /* One keep-alive connection per client, as a dashboard holds. */
    CURL *kept = curl_easy_init();
    for (int r = 0; r < c->rounds && kept != NULL; r++) {
        for (size_t i = 0; i < PATH_COUNT; i++) {
            if (c->stop != NULL && atomic_load(c->stop))
                goto done;
            size_t p = (i + c->offset) % PATH_COUNT;
            struct answer got;
            if (!fetch_with(kept, c->port, paths[p], &got)) {
                c->failures++;
                continue;
            }
            atomic_fetch_add(&c->answered, 1);
            if (c->serial != NULL &&
                (got.status != c->serial[p].status || got.len != c->serial[p].len ||
                 memcmp(got.body, c->serial[p].body, got.len) != 0))
                c->mismatches++;
            else if (c->serial == NULL && got.status != 200 && got.status != 400 &&
                     got.status != 404)
                c->mismatches++;
            free(got.body);
        }
    }
done:
    if (kept != NULL)
        curl_easy_cleanup(kept);
    return NULL;
}

/* Twelve clients, eight rounds each over every path, all at once: each
 * answer must be the one a lone client got. */
static void compare_concurrent_with_serial(struct test_server *ts)
{
    struct answer serial[PATH_COUNT];
    for (size_t p = 0; p < PATH_COUNT; p++)
        cr_assert(fetch(ts->port, paths[p], &serial[p]), "%s: no answer", paths[p]);
    cr_assert_eq(serial[0].status, 200, "%s", serial[0].body);
    cr_assert_eq(serial[4].status, 400, "%s", serial[4].body);
    cr_assert_eq(serial[6].status, 404, "%s", serial[6].body);
    for (size_t p = 7; p < PATH_COUNT; p++)
        cr_assert_eq(serial[p].status, 200, "%s: %s", paths[p], serial[p].body);

    enum { CLIENTS = 12 };
    struct client clients[CLIENTS];
    pthread_t threads[CLIENTS];
    for (unsigned i = 0; i < CLIENTS; i++) {
        clients[i] = (struct client){.port = ts->port, .offset = i, .serial = serial, .rounds = 8};
        cr_assert_eq(pthread_create(&threads[i], NULL, run_client, &clients[i]), 0);
    }
    int answered = 0;
    for (unsigned i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        cr_expect_eq(clients[i].failures, 0, "client %u: %d requests got no answer", i,
                     clients[i].failures);
        cr_expect_eq(clients[i].mismatches, 0, "client %u: %d answers differed", i,
                     clients[i].mismatches);
        answered += atomic_load(&clients[i].answered);
    }
    cr_assert_eq(answered, CLIENTS * 8 * (int)PATH_COUNT);
    for (size_t p = 0; p < PATH_COUNT; p++)
        free(serial[p].body);
}

Test(slow_reads, many_clients_at_once_get_what_one_client_gets)
{
    struct test_server *ts = test_server_start_config(no_response_cache, true);
    compare_concurrent_with_serial(ts);
    test_server_stop(ts);
}

/* A queue of one: most slow reads find it full and are built by the worker
 * that took them, without suspending the connection. */
static void tiny_slow_read_queue(struct config *cfg)
{
    cfg->response_cache_entries = 0;
    cfg->slow_reads_queued = 1;
}

Test(slow_reads, a_full_queue_has_the_worker_build_the_same_answers)
{
    struct test_server *ts = test_server_start_config(tiny_slow_read_queue, true);
    compare_concurrent_with_serial(ts);
    test_server_stop(ts);
}

Test(slow_reads, a_slow_read_carries_its_tag_pages_and_revalidates)
{
    struct test_server *ts = test_server_start_config(no_response_cache, true);
    struct http_result first = http_get(ts, "/v1/search?q=defense&limit=1");
    cr_assert_eq(first.status, 200, "%s", first.body);
    cr_assert_not_null(http_header(&first, "ETag"));
    cr_assert_not_null(http_header(&first, "Link"), "a first page of several has a next link");
    cr_assert_str_eq(http_header(&first, "Vary"), "Accept-Encoding, Origin");

    /* http_header's answer lives until the next call: keep a copy. */
    char first_tag[80], tag[96];
    snprintf(first_tag, sizeof first_tag, "%s", http_header(&first, "ETag"));
    snprintf(tag, sizeof tag, "If-None-Match: %s", first_tag);
    const char *const held[] = {tag, NULL};
    struct http_result again = http_request(ts, "GET", "/v1/search?q=defense&limit=1", NULL, 0,
                                            held);
    cr_assert_eq(again.status, 304);
    cr_assert_eq(again.body_len, 0);

    /* The slow-read thread sees the request's headers (copied before the
     * connection was suspended): a client taking gzip gets the gzip tag. */
    static const char *const gzip[] = {"Accept-Encoding: gzip", NULL};
    struct http_result zipped = http_request(ts, "GET", "/v1/search?q=defense&limit=1", NULL, 0,
                                             gzip);
    cr_assert_eq(zipped.status, 200);
    cr_assert_not_null(http_header(&zipped, "ETag"));
    cr_assert_str_neq(http_header(&zipped, "ETag"), first_tag);
    http_result_free(&zipped);

    struct http_result head = http_request(ts, "HEAD", "/v1/search?q=defense&limit=1", NULL, 0,
                                           NULL);
    cr_assert_eq(head.status, 200);
    cr_assert_str_eq(http_header(&head, "ETag"), first_tag);
    cr_assert_eq(head.body_len, 0);

    http_result_free(&head);
    http_result_free(&again);
    http_result_free(&first);
    test_server_stop(ts);
}

Test(slow_reads, stopping_with_slow_reads_in_flight_answers_or_closes_each)
{
    struct test_server *ts = test_server_start_config(no_response_cache, true);
    enum { CLIENTS = 16 };
    atomic_bool stop;
    atomic_init(&stop, false);
    struct client clients[CLIENTS];
    pthread_t threads[CLIENTS];
    for (unsigned i = 0; i < CLIENTS; i++) {
        clients[i] = (struct client){.port = ts->port, .offset = i, .rounds = 1000, .stop = &stop};
        cr_assert_eq(pthread_create(&threads[i], NULL, run_client, &clients[i]), 0);
    }
    /* Until the clients have been answered a few hundred times, then stop
     * the server under them. Their keep-alive connections go on sending
     * slow reads through the stop (after the pool has drained, the workers
     * build them): every read is answered or its connection closed, and
     * the process neither hangs, nor aborts, nor touches freed memory. */
    int answered = 0;
    for (int waited = 0; answered < 300 && waited < 2000; waited++) {
        usleep(5000);
        answered = 0;
        for (unsigned i = 0; i < CLIENTS; i++)
            answered += atomic_load(&clients[i].answered);
    }
    test_server_stop(ts);
    atomic_store(&stop, true);
    for (unsigned i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        cr_expect_eq(clients[i].mismatches, 0, "client %u had an unexpected status", i);
    }
    cr_assert_geq(answered, 300);
}
