/* /v1/articles over HTTP against a real server and store. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/http.h"
#include "support/test_server.h"

static struct test_server *ts;

static void start(void)
{
    ts = test_server_start();
}

static void stop(void)
{
    test_server_stop(ts);
}

TestSuite(articles, .init = start, .fini = stop, .timeout = 30);

Test(articles, the_list_shows_the_seed_article_newest_first)
{
    struct http_result res = http_get(ts, "/v1/articles");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(http_header(&res, "Content-Type"), "application/json");
    json_t *data = json_object_get(res.json, "data");
    cr_assert_eq(json_array_size(data), 3);
    cr_assert(json_is_null(json_object_get(res.json, "next_cursor")));

    const char *previous = "9999";
    bool seen_seed = false;
    size_t i;
    json_t *item;
    json_array_foreach(data, i, item) {
        const char *date = json_string_value(json_object_get(item, "published_at"));
        cr_assert(strcmp(date, previous) <= 0, "newest first");
        previous = date;
        /* Summaries leave the body out. */
        cr_assert_null(json_object_get(item, "body"));
        if (strcmp(json_string_value(json_object_get(item, "slug")),
                   "us-russian-defense-chiefs-promote-deeper-ties") == 0) {
            seen_seed = true;
            cr_assert_str_eq(json_string_value(json_object_get(item, "title")),
                             "US, Russian defense chiefs promote deeper ties");
            cr_assert_str_eq(json_string_value(json_object_get(item, "source")), "Expatica news");
            cr_assert_str_eq(date, "2010-09-15");
        }
    }
    cr_assert(seen_seed);
    http_result_free(&res);
}

Test(articles, one_article_by_slug_and_by_id_is_the_same_with_its_links)
{
    struct http_result by_slug = http_get(ts, "/v1/articles/us-russian-defense-chiefs-promote-deeper-ties");
    cr_assert_eq(by_slug.status, 200);
    json_int_t id = json_integer_value(json_object_get(by_slug.json, "id"));
    char path[64];
    snprintf(path, sizeof path, "/v1/articles/%lld", (long long)id);
    struct http_result by_id = http_get(ts, path);
    cr_assert_eq(by_id.status, 200);
    cr_assert(json_equal(by_slug.json, by_id.json));

    const json_t *a = by_slug.json;
    static const char *const fields[] = {"id", "slug", "title", "source", "url", "published_at",
                                         "summary", "body", "entities", "quotes", "agreements",
                                         "created_at", "updated_at"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        cr_assert_not_null(json_object_get(a, fields[i]), "field %s", fields[i]);
    cr_assert_gt(json_string_length(json_object_get(a, "body")), 200);

    /* Entities carry their mention counts, most mentioned first. */
    json_t *entities = json_object_get(a, "entities");
    cr_assert_geq(json_array_size(entities), 20);
    json_int_t last = 1 << 30;
    bool gates = false;
    size_t i;
    json_t *e;
    json_array_foreach(entities, i, e) {
        json_int_t m = json_integer_value(json_object_get(e, "mention_count"));
        cr_assert_gt(m, 0);
        cr_assert_leq(m, last);
        last = m;
        gates |= strcmp(json_string_value(json_object_get(e, "slug")), "robert-gates") == 0;
        cr_assert_not_null(json_string_value(json_object_get(e, "type")));
    }
    cr_assert(gates);

    json_t *quotes = json_object_get(a, "quotes");
    cr_assert_eq(json_array_size(quotes), 9);
    json_t *speaker = json_object_get(json_array_get(quotes, 0), "speaker");
    cr_assert_not_null(json_string_value(json_object_get(speaker, "slug")));

    json_t *agreements = json_object_get(a, "agreements");
    cr_assert_eq(json_array_size(agreements), 6);
    json_array_foreach(agreements, i, e) {
        cr_assert_not_null(json_string_value(json_object_get(e, "kind")));
        cr_assert_not_null(json_string_value(json_object_get(e, "status")));
    }
    http_result_free(&by_slug);
    http_result_free(&by_id);
}

Test(articles, filters_by_source_entity_agreement_and_dates)
{
    struct {
        const char *query;
        size_t expected;
    } cases[] = {
        {"/v1/articles?source=Expatica%20news", 1},
        {"/v1/articles?source=Expatica+news", 1},
        {"/v1/articles?source=expatica%20news", 0}, /* exact match */
        {"/v1/articles?entity=robert-gates", 3},
        {"/v1/articles?entity=olga-oliker", 1},
        {"/v1/articles?agreement=mi-17-helicopter-purchase-deal", 1},
        {"/v1/articles?agreement=us-russia-defense-cooperation-memorandum-2010", 2},
        {"/v1/articles?since=2010-09-15&until=2010-09-15", 1},
        {"/v1/articles?since=2010-09-16", 2},
        {"/v1/articles?until=2010-09-14", 0},
        {"/v1/articles?entity=olga-oliker&source=Wirebase%20staff", 0},
        {"/v1/articles?entity=robert-gates&since=2010-09-20&until=2010-10-31", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].query);
        cr_assert_eq(res.status, 200, "%s: %s", cases[i].query, res.body);
        cr_assert_eq(json_array_size(json_object_get(res.json, "data")), cases[i].expected,
                     "%s gave %s", cases[i].query, res.body);
        http_result_free(&res);
    }
}

Test(articles, an_entity_filter_accepts_the_numeric_id_too)
{
    struct http_result entity = http_get(ts, "/v1/entities/olga-oliker");
    char path[80];
    snprintf(path, sizeof path, "/v1/articles?entity=%lld",
             (long long)json_integer_value(json_object_get(entity.json, "id")));
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, 200);
    cr_assert_eq(json_array_size(json_object_get(res.json, "data")), 1);
    http_result_free(&entity);
    http_result_free(&res);
}

Test(articles, bad_parameters_are_400_naming_the_parameter)
{
    struct {
        const char *query;
        const char *field;
    } cases[] = {
        {"/v1/articles?limit=0", "limit"},
        {"/v1/articles?limit=101", "limit"},
        {"/v1/articles?limit=-1", "limit"},
        {"/v1/articles?limit=abc", "limit"},
        {"/v1/articles?limit=1.5", "limit"},
        {"/v1/articles?limit=", "limit"},
        {"/v1/articles?limit=99999999999999999999", "limit"},
        {"/v1/articles?cursor=nonsense", "cursor"},
        {"/v1/articles?cursor=", "cursor"},
        {"/v1/articles?since=2010-02-30", "since"},
        {"/v1/articles?since=yesterday", "since"},
        {"/v1/articles?until=2010-9-1", "until"},
        {"/v1/articles?since=2010-10-01&until=2010-09-01", "until"},
        {"/v1/articles?entity=nobody-at-all", "entity"},
        {"/v1/articles?entity=Not%20A%20Slug", "entity"},
        {"/v1/articles?agreement=999999", "agreement"},
        {"/v1/articles?source=", "source"},
        {"/v1/articles?sort=name", "sort"},
        {"/v1/articles?limit=5&limit=6", "limit"},
        {"/v1/articles?entity=%zz", "entity"},
        {"/v1/articles?source=%00", "source"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].query);
        cr_assert_eq(res.status, 400, "%s: %ld %s", cases[i].query, res.status, res.body);
        http_assert_problem(&res, 400, cases[i].field);
        http_result_free(&res);
    }
}

Test(articles, an_unknown_article_is_404_and_a_malformed_id_400)
{
    struct http_result res = http_get(ts, "/v1/articles/999999");
    http_assert_problem(&res, 404, NULL);
    http_result_free(&res);
    res = http_get(ts, "/v1/articles/no-such-article");
    http_assert_problem(&res, 404, NULL);
    http_result_free(&res);
    res = http_get(ts, "/v1/articles/Bad_Slug");
    http_assert_problem(&res, 400, "id");
    http_result_free(&res);
    res = http_get(ts, "/v1/articles/%ZZ");
    http_assert_problem(&res, 400, "id");
    http_result_free(&res);
    res = http_get(ts, "/v1/articles/0");
    http_assert_problem(&res, 400, "id");
    http_result_free(&res);
}

/* A dataset of n extra articles, several per day so that date ties are
 * exercised, half of them mentioning Robert Gates. */
static char *many_articles(int n)
{
    json_t *articles = json_array();
    for (int i = 0; i < n; i++) {
        char title[64], date[16];
        snprintf(title, sizeof title, "Pager story %d", i);
        snprintf(date, sizeof date, "2011-%02d-%02d", 1 + (i / 3) % 12, 1 + i % 3);
        json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", title, "source", "Pager Wire",
                              "published_at", date, "body", "A generated story for paging.",
                              "summary", "Paging.");
        if (i % 2 == 0)
            json_object_set_new(a, "mentions",
                                json_pack("[{s:s, s:i}]", "entity", "robert-gates", "count", 1));
        json_array_append_new(articles, a);
    }
    json_t *doc = json_pack("{s:o}", "articles", articles);
    char *text = json_dumps(doc, 0);
    json_decref(doc);
    return text;
}

static void assert_same_set(json_t *paged, json_t *whole)
{
    cr_assert_eq(json_array_size(paged), json_array_size(whole), "paged %zu, whole %zu",
                 json_array_size(paged), json_array_size(whole));
    for (size_t i = 0; i < json_array_size(whole); i++)
        cr_assert(json_equal(json_array_get(paged, i), json_array_get(whole, i)),
                  "position %zu differs", i);
}

Test(articles, pages_cover_the_list_with_no_duplicates_or_gaps)
{
    test_server_stop(ts);
    char *extra = many_articles(47);
    ts = test_server_start_with(extra);
    free(extra);

    const char *lists[] = {"/v1/articles", "/v1/articles?entity=robert-gates",
                           "/v1/articles?source=Pager%20Wire", "/v1/articles?since=2011-03-01"};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        char small[256], whole[256];
        snprintf(small, sizeof small, "%s%slimit=4", lists[l], strchr(lists[l], '?') ? "&" : "?");
        snprintf(whole, sizeof whole, "%s%slimit=100", lists[l], strchr(lists[l], '?') ? "&" : "?");
        json_t *paged = http_walk(ts, small);
        struct http_result res = http_get(ts, whole);
        json_t *ids = http_page_ids(res.json);
        cr_assert_gt(json_array_size(ids), 4, "%s has several pages", lists[l]);
        assert_same_set(paged, ids);
        json_decref(paged);
        json_decref(ids);
        http_result_free(&res);
    }
}

Test(articles, a_cursor_stays_valid_when_newer_articles_arrive)
{
    test_server_stop(ts);
    char *extra = many_articles(10);
    ts = test_server_start_with(extra);
    free(extra);

    struct http_result first = http_get(ts, "/v1/articles?limit=5");
    const char *cursor = json_string_value(json_object_get(first.json, "next_cursor"));
    cr_assert_not_null(cursor);
    char path[256];
    snprintf(path, sizeof path, "/v1/articles?limit=5&cursor=%s", cursor);
    struct http_result before = http_get(ts, path);

    char err[256];
    json_t *doc = json_loads("{\"articles\":[{\"title\":\"Breaking\",\"source\":\"Late Wire\","
                             "\"published_at\":\"2030-01-01\",\"body\":\"New.\"}]}", 0, NULL);
    cr_assert_eq(db_dataset_load(ts->store, doc, NULL, err, sizeof err), DB_OK, "%s", err);
    json_decref(doc);

    /* Keyset pages do not shift when a newer row lands in front of them. */
    struct http_result after = http_get(ts, path);
    cr_assert(json_equal(json_object_get(before.json, "data"), json_object_get(after.json, "data")));
    http_result_free(&first);
    http_result_free(&before);
    http_result_free(&after);
}

Test(articles, a_cursor_from_another_list_is_refused)
{
    struct http_result agreements = http_get(ts, "/v1/agreements?limit=1");
    const char *cursor = json_string_value(json_object_get(agreements.json, "next_cursor"));
    cr_assert_not_null(cursor);
    char path[256];
    snprintf(path, sizeof path, "/v1/articles?cursor=%s", cursor);
    struct http_result res = http_get(ts, path);
    http_assert_problem(&res, 400, "cursor");
    http_result_free(&res);
    http_result_free(&agreements);
}
