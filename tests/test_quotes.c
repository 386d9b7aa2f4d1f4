/* /v1/quotes over HTTP. */
#include <criterion/criterion.h>
#include <stdio.h>
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

TestSuite(quotes, .init = start, .fini = stop, .timeout = 30);

Test(quotes, the_list_filters_by_speaker_and_article)
{
    struct {
        const char *query;
        size_t expected;
    } cases[] = {
        {"/v1/quotes?limit=100", 11},
        {"/v1/quotes?speaker=robert-gates", 4},
        {"/v1/quotes?speaker=olga-oliker", 2},
        {"/v1/quotes?speaker=nezavisimaya-gazeta", 2},
        {"/v1/quotes?article=us-russian-defense-chiefs-promote-deeper-ties", 9},
        {"/v1/quotes?article=us-russian-defense-chiefs-promote-deeper-ties&speaker=anatoly-serdyukov", 1},
        {"/v1/quotes?speaker=barack-obama", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].query);
        cr_assert_eq(res.status, 200, "%s: %s", cases[i].query, res.body);
        cr_assert_eq(json_array_size(json_object_get(res.json, "data")), cases[i].expected,
                     "%s gave %s", cases[i].query, res.body);
        http_result_free(&res);
    }
}

Test(quotes, one_quote_names_its_speaker_and_article)
{
    struct http_result list = http_get(ts, "/v1/quotes?speaker=anatoly-serdyukov");
    json_t *q = json_array_get(json_object_get(list.json, "data"), 0);
    char path[160];
    snprintf(path, sizeof path, "/v1/quotes/%s", json_string_value(json_object_get(q, "slug")));
    struct http_result one = http_get(ts, path);
    cr_assert_eq(one.status, 200);
    cr_assert(json_equal(q, one.json), "list item and detail agree");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(one.json, "speaker"), "name")),
                     "Anatoly Serdyukov");
    cr_assert_str_eq(json_string_value(json_object_get(one.json, "text")),
                     "will provide a very powerful impetus to the development of the relationship"
                     " between our nations.");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(one.json, "article"), "slug")),
                     "us-russian-defense-chiefs-promote-deeper-ties");

    snprintf(path, sizeof path, "/v1/quotes/%lld",
             (long long)json_integer_value(json_object_get(q, "id")));
    struct http_result by_id = http_get(ts, path);
    cr_assert(json_equal(by_id.json, one.json));
    http_result_free(&list);
    http_result_free(&one);
    http_result_free(&by_id);
}

Test(quotes, pages_cover_the_list)
{
    json_t *paged = http_walk(ts, "/v1/quotes?limit=4");
    struct http_result whole = http_get(ts, "/v1/quotes?limit=100");
    json_t *ids = http_page_ids(whole.json);
    cr_assert_eq(json_array_size(ids), 11);
    cr_assert(json_equal(paged, ids));
    json_decref(paged);
    json_decref(ids);
    http_result_free(&whole);
}

Test(quotes, bad_parameters_are_400_and_unknown_ids_404)
{
    struct {
        const char *path;
        long status;
        const char *field;
    } cases[] = {
        {"/v1/quotes?speaker=nobody", 400, "speaker"},
        {"/v1/quotes?article=42424242", 400, "article"},
        {"/v1/quotes?text=threat", 400, "text"},
        {"/v1/quotes?cursor=%%%", 400, "cursor"},
        {"/v1/quotes/424242", 404, NULL},
        {"/v1/quotes/-1", 400, "id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].path);
        http_assert_problem(&res, cases[i].status, cases[i].field);
        http_result_free(&res);
    }
}
