/* Rendered article documents (db/documents.h): an article read from its
 * kept document is byte for byte the one the store renders, every kind of
 * write forgets what it changes, another process's write forgets them
 * all, and a restart keeps them only for the same store at the same
 * version. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/articles.h"
#include "db/conn.h"
#include "db/db.h"
#include "db/documents.h"
#include "server/config.h"
#include "server/sample.h"
#include "support/http.h"
#include "support/test_server.h"

#define ARTICLE_1 "us-russian-defense-chiefs-promote-deeper-ties"
#define ARTICLE_2 "us-russian-defense-working-group-drafts-first-agenda"
#define ARTICLE_3 "pentagon-advances-mi-17-purchase-for-afghan-forces"

static const char *const sample_articles[] = {ARTICLE_1, ARTICLE_2, ARTICLE_3};

static struct test_server *ts;

/* No response cache: every GET builds its answer, so the documents are
 * what the test sees, not a kept answer. */
static void without_response_cache(struct config *cfg)
{
    cfg->response_cache_entries = 0;
}

static void start(void)
{
    ts = test_server_start_config(without_response_cache, true);
    cr_assert(store_keeps_documents(ts->store));
}

static void stop(void)
{
    test_server_stop(ts);
}

TestSuite(documents, .init = start, .fini = stop, .timeout = 60);

/* The article as the store renders it now, on a connection of its own,
 * which keeps no documents. NULL when it does not exist. */
static char *rendered_now(struct store *store, const char *slug, size_t *len)
{
    struct db *db = store_reader_open(store);
    cr_assert_not_null(db);
    cr_assert_eq(db_snapshot_begin(db), DB_OK);
    int64_t id;
    char *json = NULL, updated[40];
    if (db_resolve(db, KIND_ARTICLE, slug, &id) == DB_OK)
        cr_assert_eq(db_article_document(db, id, &json, len, updated, sizeof updated), DB_OK);
    db_snapshot_end(db);
    store_reader_close(db);
    return json;
}

static uint64_t served(void)
{
    uint64_t n, kept;
    store_documents_counts(ts->store, &n, &kept);
    return n;
}

/* GET of the article, twice (the first may render and keep it, the second
 * may read the kept one), each the store's rendering of now. */
static void assert_current(const char *slug)
{
    char path[200];
    snprintf(path, sizeof path, "/v1/articles/%s", slug);
    for (int round = 0; round < 2; round++) {
        size_t len = 0;
        char *expected = rendered_now(ts->store, slug, &len);
        struct http_result res = http_get(ts, path);
        if (expected == NULL) {
            cr_assert_eq(res.status, 404, "%s, round %d: gone, yet %d", slug, round, res.status);
        } else {
            cr_assert_eq(res.status, 200, "%s: %s", slug, res.body);
            cr_assert_eq(res.body_len, len, "%s, round %d: %zu bytes, the store renders %zu",
                         slug, round, res.body_len, len);
            cr_assert(memcmp(res.body, expected, len) == 0, "%s, round %d: not the store's", slug,
                      round);
        }
        free(expected);
        http_result_free(&res);
    }
}

static void assert_all_current(void)
{
    for (size_t i = 0; i < sizeof sample_articles / sizeof sample_articles[0]; i++)
        assert_current(sample_articles[i]);
}

static void write_ok(const char *method, const char *path, const char *body, int status)
{
    struct http_result res = http_write(ts, method, path, body, NULL);
    cr_assert_eq(res.status, status, "%s %s: %s", method, path, res.body);
    http_result_free(&res);
}

Test(documents, a_kept_document_is_the_article_the_store_renders)
{
    uint64_t before = served();
    assert_all_current();
    cr_assert_geq(served() - before, 3, "the second read of each came from its document");
    /* By slug and by number alike. */
    struct http_result by_slug = http_get(ts, "/v1/articles/" ARTICLE_1);
    json_t *id = json_object_get(by_slug.json, "id");
    char path[64];
    snprintf(path, sizeof path, "/v1/articles/%lld", (long long)json_integer_value(id));
    struct http_result by_id = http_get(ts, path);
    cr_assert_eq(by_id.body_len, by_slug.body_len);
    cr_assert(memcmp(by_id.body, by_slug.body, by_slug.body_len) == 0);
    cr_assert_str_eq(http_header(&by_id, "Last-Modified"), http_header(&by_slug, "Last-Modified"));
    http_result_free(&by_id);
    http_result_free(&by_slug);

    /* Operators see both counts in /metrics. */
    struct http_result metrics = http_get(ts, "/metrics");
    unsigned long long scraped_served = 0, scraped_kept = 0;
    const char *line = strstr(metrics.body, "\nwirebase_documents_served_total ");
    cr_assert_not_null(line, "%s", metrics.body);
    cr_assert_eq(sscanf(line, "\nwirebase_documents_served_total %llu", &scraped_served), 1);
    line = strstr(metrics.body, "\nwirebase_documents_kept_total ");
    cr_assert_not_null(line);
    cr_assert_eq(sscanf(line, "\nwirebase_documents_kept_total %llu", &scraped_kept), 1);
    cr_assert_geq(scraped_served, 4);
    cr_assert_geq(scraped_kept, 3);
    http_result_free(&metrics);
}

Test(documents, every_write_that_changes_an_article_forgets_its_document)
{
    uint64_t before = served();
    /* Each write follows reads that kept every document. */
    assert_all_current();
    write_ok("PATCH", "/v1/articles/" ARTICLE_1, "{\"title\": \"Defense chiefs meet\"}", 200);
    assert_all_current();
    write_ok("PATCH", "/v1/entities/robert-gates", "{\"name\": \"Robert M. Gates\"}", 200);
    assert_all_current();
    write_ok("PATCH", "/v1/entities/anatoly-serdyukov", "{\"type\": \"organization\"}", 200);
    assert_all_current();
    write_ok("POST", "/v1/quotes",
             "{\"article\": \"" ARTICLE_1 "\", \"speaker\": \"barack-obama\","
             " \"text\": \"The reset is working.\"}",
             201);
    assert_all_current();
    write_ok("PATCH", "/v1/quotes/the-reset-is-working", "{\"text\": \"The reset works.\"}", 200);
    assert_all_current();
    write_ok("DELETE", "/v1/quotes/the-reset-is-working", NULL, 204);
    assert_all_current();
    write_ok("PATCH", "/v1/agreements/us-russia-defense-cooperation-memorandum-2010",
             "{\"status\": \"in_force\", \"title\": \"Defense memorandum\"}", 200);
    assert_all_current();
    write_ok("POST", "/v1/entities/olga-oliker/merge", "{\"into\": \"geoff-morrell\"}", 200);
    assert_all_current();
    write_ok("DELETE", "/v1/entities/potomac-river", NULL, 204);
    assert_all_current();
    write_ok("DELETE", "/v1/agreements/mi-17-helicopter-purchase-deal", NULL, 204);
    assert_all_current();
    write_ok("DELETE", "/v1/articles/" ARTICLE_3, NULL, 204);
    assert_all_current();
    cr_assert_gt(served() - before, 10, "documents were read between the writes");
}

/* Reads racing writes: every answer is the article as of the version its
 * ETag names: never an older text (a document kept from a snapshot taken
 * before a write committed) and never a newer one. */
#define RACE_WRITES 120
#define RACE_READS 600

struct race_read {
    long long version;
    char title[64];
};

struct race {
    char path[64];
    long long written[RACE_WRITES + 1]; /* the version write n left */
    struct race_read reads[2][RACE_READS];
    int read_count[2];
    _Atomic int done;
};

static long long tag_version(const char *etag)
{
    return etag != NULL && strncmp(etag, "\"s", 2) == 0 ? strtoll(etag + 2, NULL, 10) : -1;
}

static struct race race;

static void *race_reader(void *arg)
{
    int me = (int)(intptr_t)arg;
    while (!atomic_load(&race.done) && race.read_count[me] < RACE_READS) {
        struct http_result res = http_get(ts, race.path);
        struct race_read *r = &race.reads[me][race.read_count[me]];
        r->version = tag_version(http_header(&res, "ETag"));
        snprintf(r->title, sizeof r->title, "%s",
                 res.status == 200 ? json_string_value(json_object_get(res.json, "title")) : "?");
        race.read_count[me]++;
        http_result_free(&res);
    }
    return NULL;
}

Test(documents, a_read_racing_writes_is_the_article_at_its_etags_version)
{
    struct http_result first = http_get(ts, "/v1/articles/" ARTICLE_2);
    snprintf(race.path, sizeof race.path, "/v1/articles/%lld",
             (long long)json_integer_value(json_object_get(first.json, "id")));
    race.written[0] = tag_version(http_header(&first, "ETag"));
    char original[128];
    snprintf(original, sizeof original, "%s", json_string_value(json_object_get(first.json, "title")));
    http_result_free(&first);

    pthread_t readers[2];
    for (intptr_t i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&readers[i], NULL, race_reader, (void *)i), 0);
    for (int n = 1; n <= RACE_WRITES; n++) {
        char body[64];
        snprintf(body, sizeof body, "{\"title\": \"Race %d\"}", n);
        struct http_result res = http_write(ts, "PATCH", race.path, body, NULL);
        cr_assert_eq(res.status, 200, "%s", res.body);
        race.written[n] = tag_version(http_header(&res, "ETag"));
        cr_assert_gt(race.written[n], race.written[n - 1]);
        http_result_free(&res);
    }
    atomic_store(&race.done, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(readers[i], NULL);

    int checked = 0;
    for (int me = 0; me < 2; me++) {
        for (int i = 0; i < race.read_count[me]; i++) {
            const struct race_read *r = &race.reads[me][i];
            int n = -1;
            for (int w = RACE_WRITES; w >= 0 && n < 0; w--)
                if (race.written[w] <= r->version)
                    n = w;
            cr_assert_geq(n, 0, "a read at version %lld, before the test began", r->version);
            char expected[128];
            if (n == 0)
                snprintf(expected, sizeof expected, "%s", original);
            else
                snprintf(expected, sizeof expected, "Race %d", n);
            cr_assert_str_eq(r->title, expected, "read at version %lld", r->version);
            checked++;
        }
    }
    cr_assert_gt(checked, 100);
}

/* What another process writes goes through no trigger of ours: the
 * documents are not read while the store is at a version our writer did
 * not publish, and the checkpointer, within a few seconds, forgets them and
 * takes that version. */
Test(documents, another_process_write_forgets_them_all)
{
    assert_all_current();
    sqlite3 *other = NULL;
    cr_assert_eq(sqlite3_open(ts->db_path, &other), SQLITE_OK);
    sqlite3_busy_timeout(other, 5000);
    cr_assert_eq(sqlite3_exec(other,
                              "BEGIN IMMEDIATE;"
                              " UPDATE articles SET title = 'Changed elsewhere' WHERE slug = '" ARTICLE_2 "';"
                              " UPDATE entities SET name = 'Pentagon HQ' WHERE slug = 'pentagon';"
                              " UPDATE store_meta SET version = version + 1;"
                              " COMMIT;",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(other));
    sqlite3_close(other);
    assert_all_current();
    struct http_result res = http_get(ts, "/v1/articles/" ARTICLE_2);
    cr_assert_str_eq(json_string_value(json_object_get(res.json, "title")), "Changed elsewhere");
    http_result_free(&res);

    /* Read from documents again once the checkpointer took the version. */
    uint64_t before = served();
    for (int i = 0; i < 60 && served() == before; i++) {
        assert_all_current();
        usleep(100 * 1000);
    }
    cr_assert_gt(served(), before, "documents were never read again");
    assert_all_current();
}

/* ---- across a restart ---------------------------------------------------- */

static char dir[64], path[128];

static struct store *open_at(bool documents)
{
    struct store_options opts = {.path = path, .busy_timeout_ms = 5000, .cache_size_kib = 2048,
                                 .documents = documents};
    char err[512];
    bool created = false;
    struct store *store = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(store, "%s", err);
    if (created)
        cr_assert_eq(sample_load(store, NULL, err, sizeof err), DB_OK, "%s", err);
    return store;
}

/* Reads every sample article through the store's reader; returns how many
 * came from documents. */
static uint64_t read_all(struct store *store)
{
    uint64_t before, after, kept;
    store_documents_counts(store, &before, &kept);
    struct db *db = store_reader(store);
    for (size_t i = 0; i < sizeof sample_articles / sizeof sample_articles[0]; i++) {
        size_t len;
        char *expected = rendered_now(store, sample_articles[i], &len);
        cr_assert_eq(db_snapshot_begin(db), DB_OK);
        int64_t id;
        char *json = NULL, updated[40];
        size_t got;
        cr_assert_eq(db_resolve(db, KIND_ARTICLE, sample_articles[i], &id), DB_OK);
        cr_assert_eq(db_article_document(db, id, &json, &got, updated, sizeof updated), DB_OK);
        db_snapshot_end(db);
        cr_assert_eq(got, len);
        cr_assert(memcmp(json, expected, len) == 0, "%s", sample_articles[i]);
        free(json);
        free(expected);
    }
    store_reader_park(store);
    store_documents_counts(store, &after, &kept);
    return after - before;
}

static void make_dir(void)
{
    test_temp_db_path(dir, sizeof dir, path, sizeof path);
}

static void remove_dir(void)
{
    test_temp_dir_remove(dir);
}

TestSuite(documents_kept, .init = make_dir, .fini = remove_dir, .timeout = 60);

Test(documents_kept, a_clean_restart_keeps_them_and_a_changed_store_does_not)
{
    struct store *store = open_at(true);
    cr_assert_eq(read_all(store), 0, "nothing kept before the first reads");
    cr_assert_eq(read_all(store), 3);
    store_close(store);

    store = open_at(true);
    cr_assert_eq(read_all(store), 3, "kept across a clean restart");
    store_close(store);

    /* Written while no server kept them. */
    store = open_at(false);
    cr_assert_not(store_keeps_documents(store));
    struct db *w = store_writer_begin(store);
    cr_assert_eq(sqlite3_exec(w->handle,
                              "UPDATE articles SET title = 'Retitled' WHERE slug = '" ARTICLE_1 "';"
                              " UPDATE store_meta SET version = version + 1;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    store_writer_end(store);
    store_close(store);
    store = open_at(true);
    cr_assert_eq(read_all(store), 0, "the store moved on: none is used");
    cr_assert_eq(read_all(store), 3);
    store_close(store);

    /* A new store at the same path, at whatever version: not theirs. */
    char side[200];
    cr_assert_eq(unlink(path), 0);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    store = open_at(true);
    cr_assert_eq(read_all(store), 0, "another store's documents were used");
    store_close(store);
}

/* Removes the store's files at `path`, as an operator deleting it would. */
static void remove_store_files(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-docs", "-docs.idx"};
    char file[200];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        unlink(file);
    }
}

Test(documents_kept, a_store_deleted_under_a_server_leaves_the_new_ones_documents_alone)
{
    struct store *old = open_at(true);
    cr_assert_eq(read_all(old), 0);
    cr_assert_eq(read_all(old), 3);

    /* Deleted and made again at the same path while `old` still runs. */
    remove_store_files();
    struct store *made = open_at(true);
    cr_assert_eq(read_all(made), 0, "the deleted store's documents were used");
    cr_assert_eq(read_all(made), 3);
    store_close(made);

    /* The old server stops last: its index is not the new store's. */
    store_close(old);
    made = open_at(true);
    cr_assert_eq(read_all(made), 3, "the new store's documents were lost");
    store_close(made);
}

Test(documents_kept, a_second_process_does_not_share_them)
{
    struct store *store = open_at(true);
    cr_assert(store_keeps_documents(store));
    char err[200];
    struct documents *again = documents_open(path, "x", 1, err, sizeof err);
    cr_assert_null(again, "two holders of one file");
    cr_assert(strstr(err, "in use") != NULL, "%s", err);
    store_close(store);
}

/* `wirebase documents` rebuilds a file that writes have left mostly
 * forgotten text, rather than add to it. */
Test(documents_kept, a_file_of_mostly_forgotten_documents_says_so)
{
    char err[200];
    struct documents *docs = documents_open(path, "unit", 7, err, sizeof err);
    cr_assert_not_null(docs, "%s", err);
    cr_assert_not(documents_mostly_forgotten(docs), "an empty file");

    /* Eight documents of 200 KB each, all kept. */
    size_t len = 200 * 1024;
    char *big = malloc(len);
    cr_assert_not_null(big);
    memset(big, 'x', len);
    big[0] = '"';
    big[len - 1] = '"';
    for (int64_t id = 1; id <= 8; id++)
        documents_offer(docs, id, 7, big, len, "2010-09-15T00:00:00Z");
    cr_assert_not(documents_mostly_forgotten(docs), "every document is kept");

    /* Writes forget five (1 MB forgotten, against 600 KB kept and the
     * 1 MiB of slack), then two more (1.4 MB, against 200 KB). */
    documents_writer_enter(docs);
    documents_writer_began(docs, 7);
    for (int64_t id = 1; id <= 5; id++)
        documents_forget(docs, id);
    documents_writer_committed(docs, 8);
    documents_writer_leave(docs, 8);
    cr_assert_not(documents_mostly_forgotten(docs), "1 MB forgotten is not worth a rebuild");
    documents_writer_enter(docs);
    documents_writer_began(docs, 8);
    documents_forget(docs, 6);
    documents_forget(docs, 7);
    documents_writer_committed(docs, 9);
    documents_writer_leave(docs, 9);
    cr_assert(documents_mostly_forgotten(docs));

    documents_reset(docs);
    cr_assert_not(documents_mostly_forgotten(docs), "a rebuilt file");
    free(big);
    documents_close(docs, false);
}

/* The rule that keeps a stale rendering out: a document is kept only for
 * the published version and while no write is open. */
Test(documents_kept, a_document_is_kept_only_at_the_published_version_between_writes)
{
    char err[200], *json = NULL, updated[40];
    size_t len;
    struct documents *docs = documents_open(path, "unit", 7, err, sizeof err);
    cr_assert_not_null(docs, "%s", err);
    documents_offer(docs, 5, 6, "{\"old\":1}", 9, "2010-09-15T00:00:00Z");
    cr_assert_not(documents_read(docs, 5, 6, &json, &len, updated, sizeof updated));
    cr_assert_not(documents_read(docs, 5, 7, &json, &len, updated, sizeof updated));

    documents_writer_enter(docs);
    documents_offer(docs, 5, 7, "{\"old\":1}", 9, "2010-09-15T00:00:00Z");
    documents_writer_leave(docs, 7);
    cr_assert_not(documents_read(docs, 5, 7, &json, &len, updated, sizeof updated),
                  "kept while a write was open");

    documents_offer(docs, 5, 7, "{\"v\":7}", 7, "2010-09-15T00:00:00Z");
    cr_assert(documents_read(docs, 5, 7, &json, &len, updated, sizeof updated));
    cr_assert_eq(len, 7);
    cr_assert(memcmp(json, "{\"v\":7}", 7) == 0);
    cr_assert_str_eq(updated, "2010-09-15T00:00:00Z");
    free(json);

    /* Our write that does not touch article 5 leaves it, at the new version. */
    documents_writer_enter(docs);
    documents_writer_began(docs, 7);
    documents_forget(docs, 6);
    documents_writer_committed(docs, 8);
    documents_writer_leave(docs, 8);
    cr_assert_not(documents_read(docs, 5, 7, &json, &len, updated, sizeof updated),
                  "read at a version that is not the published one");
    cr_assert(documents_read(docs, 5, 8, &json, &len, updated, sizeof updated));
    free(json);

    /* One that does forgets it. */
    documents_writer_enter(docs);
    documents_writer_began(docs, 8);
    documents_forget(docs, 5);
    documents_writer_committed(docs, 9);
    documents_writer_leave(docs, 9);
    cr_assert_not(documents_read(docs, 5, 9, &json, &len, updated, sizeof updated));

    /* A version that is neither ours nor the last: another process. */
    documents_offer(docs, 5, 9, "{\"v\":9}", 7, "2010-09-15T00:00:00Z");
    cr_assert(documents_read(docs, 5, 9, &json, &len, updated, sizeof updated));
    free(json);
    documents_check(docs, 8);
    cr_assert(documents_read(docs, 5, 9, &json, &len, updated, sizeof updated),
              "an older version read is not another process's write");
    free(json);
    documents_check(docs, 11);
    cr_assert_not(documents_read(docs, 5, 11, &json, &len, updated, sizeof updated));
    documents_close(docs, false);
}
