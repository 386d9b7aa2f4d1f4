/* /v1/agreements over HTTP. */
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

TestSuite(agreements, .init = start, .fini = stop, .timeout = 30);

static json_t *slugs_of(const json_t *list)
{
    json_t *slugs = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        json_array_append(slugs, json_object_get(item, "slug"));
    return slugs;
}

static bool has(const json_t *slugs, const char *slug)
{
    size_t i;
    json_t *s;
    json_array_foreach(slugs, i, s)
        if (strcmp(json_string_value(s), slug) == 0)
            return true;
    return false;
}

Test(agreements, status_signed_lists_the_memorandum_and_the_plan)
{
    struct http_result res = http_get(ts, "/v1/agreements?status=signed");
    cr_assert_eq(res.status, 200);
    json_t *slugs = slugs_of(json_object_get(res.json, "data"));
    cr_assert_eq(json_array_size(slugs), 2, "%s", res.body);
    cr_assert(has(slugs, "us-russia-defense-cooperation-memorandum-2010"));
    cr_assert(has(slugs, "us-russia-defense-working-group-plan"));
    json_decref(slugs);
    http_result_free(&res);
}

Test(agreements, the_memorandum_shows_parties_signatories_and_what_it_replaces)
{
    struct http_result res = http_get(ts, "/v1/agreements/us-russia-defense-cooperation-memorandum-2010");
    cr_assert_eq(res.status, 200);
    const json_t *g = res.json;
    cr_assert_str_eq(json_string_value(json_object_get(g, "kind")), "memorandum");
    cr_assert_str_eq(json_string_value(json_object_get(g, "signed_on")), "2010-09-15");
    json_t *parties = slugs_of(json_object_get(g, "parties"));
    cr_assert(has(parties, "united-states") && has(parties, "russia"));
    json_t *signatories = slugs_of(json_object_get(g, "signatories"));
    cr_assert_eq(json_array_size(signatories), 2);
    cr_assert(has(signatories, "robert-gates") && has(signatories, "anatoly-serdyukov"));
    json_t *older = json_object_get(g, "supersedes");
    cr_assert_str_eq(json_string_value(json_object_get(older, "slug")),
                     "us-russia-defense-cooperation-accord-1993");
    cr_assert_str_eq(json_string_value(json_object_get(older, "status")), "superseded");
    cr_assert_eq(json_array_size(json_object_get(g, "superseded_by")), 0);
    cr_assert_geq(json_array_size(json_object_get(g, "articles")), 1);
    json_decref(parties);
    json_decref(signatories);
    http_result_free(&res);

    /* And the accord points back. */
    res = http_get(ts, "/v1/agreements/us-russia-defense-cooperation-accord-1993");
    cr_assert_eq(res.status, 200);
    cr_assert(json_is_null(json_object_get(res.json, "supersedes")));
    cr_assert(json_is_null(json_object_get(res.json, "signed_on")));
    json_t *newer = slugs_of(json_object_get(res.json, "superseded_by"));
    cr_assert(has(newer, "us-russia-defense-cooperation-memorandum-2010"));
    json_decref(newer);
    http_result_free(&res);
}

Test(agreements, filters_by_party_signatory_kind_status_and_dates)
{
    struct {
        const char *query;
        size_t expected;
    } cases[] = {
        {"/v1/agreements?signatory=robert-gates", 2},
        {"/v1/agreements?signatory=anatoly-serdyukov&kind=plan", 1},
        {"/v1/agreements?party=north-atlantic-treaty-organization", 1},
        {"/v1/agreements?kind=treaty", 1},
        {"/v1/agreements?status=pending_ratification", 1},
        {"/v1/agreements?status=superseded", 1},
        {"/v1/agreements?since=2010-09-15&until=2010-09-15", 2},
        {"/v1/agreements?until=2010-06-30", 1}, /* New START, signed in April */
        {"/v1/agreements?since=2030-01-01", 0},
        {"/v1/agreements?party=russia&status=signed&kind=memorandum", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].query);
        cr_assert_eq(res.status, 200, "%s: %s", cases[i].query, res.body);
        cr_assert_eq(json_array_size(json_object_get(res.json, "data")), cases[i].expected,
                     "%s gave %s", cases[i].query, res.body);
        http_result_free(&res);
    }
}

Test(agreements, latest_signed_come_first_and_undated_last)
{
    struct http_result res = http_get(ts, "/v1/agreements?limit=100");
    json_t *data = json_object_get(res.json, "data");
    bool undated_seen = false;
    const char *previous = "9999-12-31";
    size_t i;
    json_t *g;
    json_array_foreach(data, i, g) {
        const char *date = json_string_value(json_object_get(g, "signed_on"));
        if (date == NULL) {
            undated_seen = true;
            continue;
        }
        cr_assert(!undated_seen, "a dated agreement after an undated one");
        cr_assert(strcmp(date, previous) <= 0);
        previous = date;
    }
    cr_assert(undated_seen);
    http_result_free(&res);

    json_t *paged = http_walk(ts, "/v1/agreements?limit=3");
    res = http_get(ts, "/v1/agreements?limit=100");
    json_t *ids = http_page_ids(res.json);
    cr_assert(json_equal(paged, ids));
    json_decref(paged);
    json_decref(ids);
    http_result_free(&res);
}

Test(agreements, bad_parameters_are_400_and_unknown_ids_404)
{
    struct {
        const char *path;
        long status;
        const char *field;
    } cases[] = {
        {"/v1/agreements?status=done", 400, "status"},
        {"/v1/agreements?kind=contract", 400, "kind"},
        {"/v1/agreements?party=atlantis", 400, "party"},
        {"/v1/agreements?signatory=0", 400, "signatory"},
        {"/v1/agreements?since=15-09-2010", 400, "since"},
        {"/v1/agreements?entity=robert-gates", 400, "entity"},
        {"/v1/agreements/no-such-deal", 404, NULL},
        {"/v1/agreements/77777", 404, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_result res = http_get(ts, cases[i].path);
        http_assert_problem(&res, cases[i].status, cases[i].field);
        http_result_free(&res);
    }
}
