/* /v1/entities over HTTP. */
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

TestSuite(entities, .init = start, .fini = stop, .timeout = 30);

static bool list_has_slug(const json_t *list, const char *slug)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (strcmp(json_string_value(json_object_get(item, "slug")), slug) == 0)
            return true;
    return false;
}

Test(entities, robert_gates_comes_with_his_quotes_agreements_and_articles)
{
    struct http_result res = http_get(ts, "/v1/entities/robert-gates");
    cr_assert_eq(res.status, 200, "%s", res.body);
    const json_t *e = res.json;
    cr_assert_str_eq(json_string_value(json_object_get(e, "name")), "Robert Gates");
    cr_assert_str_eq(json_string_value(json_object_get(e, "type")), "person");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(e, "aliases"), 0)), "Gates");
    cr_assert_not_null(json_string_value(json_object_get(e, "description")));
    cr_assert_eq(json_integer_value(json_object_get(e, "article_count")),
                 (json_int_t)json_array_size(json_object_get(e, "articles")));
    cr_assert_gt(json_integer_value(json_object_get(e, "mention_count")), 3);

    /* Four of the seed article's quotations are his. */
    json_t *quotes = json_object_get(e, "quotes");
    cr_assert_eq(json_array_size(quotes), 4);
    size_t i;
    json_t *q;
    bool threat = false;
    json_array_foreach(quotes, i, q) {
        threat |= strcmp(json_string_value(json_object_get(q, "text")),
                         "I don\xe2\x80\x99t see Russia as a threat") == 0;
        cr_assert_not_null(json_object_get(json_object_get(q, "article"), "slug"));
    }
    cr_assert(threat);

    /* He signed the memorandum and the working-group plan. */
    json_t *agreements = json_object_get(e, "agreements");
    cr_assert(list_has_slug(agreements, "us-russia-defense-cooperation-memorandum-2010"));
    cr_assert(list_has_slug(agreements, "us-russia-defense-working-group-plan"));
    json_t *a;
    json_array_foreach(agreements, i, a) {
        json_t *roles = json_object_get(a, "roles");
        cr_assert_geq(json_array_size(roles), 1);
        if (strcmp(json_string_value(json_object_get(a, "slug")),
                   "us-russia-defense-cooperation-memorandum-2010") == 0)
            cr_assert_str_eq(json_string_value(json_array_get(roles, 0)), "signatory");
    }
    cr_assert(list_has_slug(json_object_get(e, "articles"),
                            "us-russian-defense-chiefs-promote-deeper-ties"));
    http_result_free(&res);
}

Test(entities, a_country_is_party_to_agreements)
{
    struct http_result res = http_get(ts, "/v1/entities/united-states");
    cr_assert_eq(res.status, 200);
    json_t *agreements = json_object_get(res.json, "agreements");
    cr_assert_geq(json_array_size(agreements), 4);
    cr_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(json_array_get(agreements, 0), "roles"), 0)),
                     "party");
    http_result_free(&res);
}

Test(entities, the_list_filters_by_type_and_sorts_by_name_or_mentions)
{
    struct http_result res = http_get(ts, "/v1/entities?type=person&limit=100");
    cr_assert_eq(res.status, 200);
    json_t *data = json_object_get(res.json, "data");
    cr_assert_geq(json_array_size(data), 5);
    size_t i;
    json_t *e;
    char previous[256] = "";
    json_array_foreach(data, i, e) {
        cr_assert_str_eq(json_string_value(json_object_get(e, "type")), "person");
        const char *name = json_string_value(json_object_get(e, "name"));
        cr_assert(strcasecmp(previous, name) <= 0, "%s before %s", previous, name);
        snprintf(previous, sizeof previous, "%s", name);
        cr_assert(json_is_array(json_object_get(e, "aliases")));
    }
    http_result_free(&res);

    res = http_get(ts, "/v1/entities?sort=mentions&limit=100");
    cr_assert_eq(res.status, 200);
    json_int_t last = 1 << 30;
    json_array_foreach(json_object_get(res.json, "data"), i, e) {
        json_int_t m = json_integer_value(json_object_get(e, "mention_count"));
        cr_assert_leq(m, last);
        last = m;
    }
    http_result_free(&res);
}

Test(entities, q_is_a_case_insensitive_prefix_of_a_name_or_alias)
{
    struct {
        const char *query;
        const char *slug;
        bool found;
    } cases[] = {
        {"/v1/entities?q=rob", "robert-gates", true},
        {"/v1/entities?q=ROBERT%20G", "robert-gates", true},
        {"/v1/entities?q=gat", "robert-gates", true}, /* the alias Gates */
        {"/v1/entities?q=nato", "north-atlantic-treaty-organization", true},
        {"/v1/entities?q=obert", "robert-gates", false}, /* a prefix, not a substring */
        {"/v1/entities?q=r%25", "robert-gates", false},  /* % is literal */
        {"/v1/entities?q=r_bert", "robert-gates", false},
        {"/v1/entities?q=rob&type=location", "robert-gates", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].query);
        cr_assert_eq(res.status, 200, "%s", cases[i].query);
        cr_assert_eq(list_has_slug(json_object_get(res.json, "data"), cases[i].slug),
                     cases[i].found, "%s: %s", cases[i].query, res.body);
        http_result_free(&res);
    }
}

Test(entities, pages_by_name_and_by_mentions_have_no_duplicates_or_gaps)
{
    const char *orders[][2] = {{"/v1/entities?limit=3", "/v1/entities?limit=100"},
                               {"/v1/entities?sort=mentions&limit=3",
                                "/v1/entities?sort=mentions&limit=100"},
                               {"/v1/entities?type=location&limit=2",
                                "/v1/entities?type=location&limit=100"}};
    for (size_t o = 0; o < 3; o++) {
        json_t *paged = http_walk(ts, orders[o][0]);
        struct http_result whole = http_get(ts, orders[o][1]);
        json_t *ids = http_page_ids(whole.json);
        cr_assert_gt(json_array_size(ids), 3);
        cr_assert(json_equal(paged, ids), "%s paged differently", orders[o][0]);
        json_decref(paged);
        json_decref(ids);
        http_result_free(&whole);
    }
}

Test(entities, a_cursor_of_one_order_is_refused_by_the_other)
{
    struct http_result first = http_get(ts, "/v1/entities?limit=2");
    char path[256];
    snprintf(path, sizeof path, "/v1/entities?sort=mentions&cursor=%s",
             json_string_value(json_object_get(first.json, "next_cursor")));
    struct http_result res = http_get(ts, path);
    http_assert_problem(&res, 400, "cursor");
    http_result_free(&first);
    http_result_free(&res);
}

Test(entities, bad_parameters_and_unknown_entities)
{
    struct {
        const char *path;
        long status;
        const char *field;
    } cases[] = {
        {"/v1/entities?type=people", 400, "type"},
        {"/v1/entities?sort=popularity", 400, "sort"},
        {"/v1/entities?q=", 400, "q"},
        {"/v1/entities?limit=1000", 400, "limit"},
        {"/v1/entities?name=x", 400, "name"},
        {"/v1/entities/nobody", 404, NULL},
        {"/v1/entities/123456", 404, NULL},
        {"/v1/entities/Robert%20Gates", 400, "id"},
        {"/v1/entities/robert-gates?limit=5", 400, "limit"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].path);
        http_assert_problem(&res, cases[i].status, cases[i].field);
        http_result_free(&res);
    }
}

Test(entities, an_entity_both_party_and_signatory_lists_the_agreement_once_with_both_roles)
{
    struct http_result res = http_write(ts, "POST", "/v1/agreements",
                                        "{\"slug\": \"two-roles\", \"title\": \"Two roles pact\","
                                        " \"kind\": \"deal\", \"status\": \"signed\","
                                        " \"signed_on\": \"2030-01-01\","
                                        " \"parties\": [\"robert-gates\", \"russia\"],"
                                        " \"signatories\": [\"robert-gates\"]}",
                                        NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);

    res = http_get(ts, "/v1/entities/robert-gates");
    cr_assert_eq(res.status, 200);
    const json_t *agreements = json_object_get(res.json, "agreements");
    const json_t *newest = json_array_get(agreements, 0);
    cr_assert_str_eq(json_string_value(json_object_get(newest, "slug")), "two-roles",
                     "the newest agreement comes first");
    const json_t *roles = json_object_get(newest, "roles");
    cr_assert_eq(json_array_size(roles), 2);
    cr_assert_str_eq(json_string_value(json_array_get(roles, 0)), "party");
    cr_assert_str_eq(json_string_value(json_array_get(roles, 1)), "signatory");
    size_t i, seen = 0;
    json_t *a;
    json_array_foreach(agreements, i, a)
        seen += strcmp(json_string_value(json_object_get(a, "slug")), "two-roles") == 0;
    cr_assert_eq(seen, 1);
    http_result_free(&res);
}
