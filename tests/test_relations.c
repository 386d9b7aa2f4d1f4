/* Relations and aggregates: related entities, the graph, the timeline,
 * supersedes chains and stats over HTTP, each answer checked against the
 * list endpoints it summarises; and their query plans on a store file. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/dataset.h"
#include "db/relations.h"
#include "server/sample.h"
#include "support/http.h"
#include "support/test_server.h"

#define MEMORANDUM "us-russia-defense-cooperation-memorandum-2010"
#define ACCORD "us-russia-defense-cooperation-accord-1993"

static struct test_server *ts;

static void start(void)
{
    ts = test_server_start();
}

static void stop(void)
{
    test_server_stop(ts);
}

TestSuite(relations, .init = start, .fini = stop, .timeout = 30);

/* ---- helpers ----------------------------------------------------------- */

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    cr_assert_not_null(s, "no string \"%s\"", key);
    return s;
}

static json_int_t num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    cr_assert(json_is_integer(v), "no integer \"%s\"", key);
    return json_integer_value(v);
}

/* GET path, which must answer 200 with JSON; the caller owns the body. */
static json_t *get_ok(const char *path)
{
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, 200, "GET %s: %ld %s", path, res.status, res.body);
    cr_assert_not_null(res.json, "GET %s: not JSON", path);
    json_t *body = json_incref(res.json);
    http_result_free(&res);
    return body;
}

/* Every item of a paginated list, following next_cursor (caller owns). */
static json_t *list_all(const char *first)
{
    json_t *all = json_array();
    char path[1024];
    snprintf(path, sizeof path, "%s", first);
    for (int pages = 0; pages < 100; pages++) {
        json_t *page = get_ok(path);
        json_array_extend(all, json_object_get(page, "data"));
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        if (next == NULL) {
            json_decref(page);
            return all;
        }
        snprintf(path, sizeof path, "%s%scursor=%s", first, strchr(first, '?') ? "&" : "?", next);
        json_decref(page);
    }
    cr_assert_fail("%s: pagination did not end", first);
    return all;
}

static bool has_id(const json_t *list, json_int_t id)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (num(item, "id") == id)
            return true;
    return false;
}

static const json_t *find_slug(const json_t *list, const char *slug)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (strcmp(str(item, "slug"), slug) == 0)
            return item;
    return NULL;
}

/* The slugs of a list, joined by spaces, for comparing orders in one go. */
static void slugs_line(const json_t *list, char *out, size_t len)
{
    size_t i, used = 0;
    json_t *item;
    out[0] = '\0';
    json_array_foreach(list, i, item) {
        int n = snprintf(out + used, len - used, "%s%s", i ? " " : "", str(item, "slug"));
        cr_assert(n > 0 && (size_t)n < len - used, "slug line too long");
        used += (size_t)n;
    }
}

static void assert_problem(const char *path, long status, const char *field)
{
    struct http_result res = http_get(ts, path);
    cr_assert_eq(res.status, status, "GET %s: %ld %s", path, res.status, res.body);
    http_assert_problem(&res, status, field);
    http_result_free(&res);
}

/* ---- related ----------------------------------------------------------- */

Test(relations, related_counts_the_articles_robert_gates_shares_with_anatoly_serdyukov)
{
    json_t *gates = list_all("/v1/articles?entity=robert-gates&limit=100");
    json_t *serdyukov = list_all("/v1/articles?entity=anatoly-serdyukov&limit=100");
    json_int_t shared = 0;
    size_t i;
    json_t *a;
    json_array_foreach(gates, i, a)
        shared += has_id(serdyukov, num(a, "id"));
    cr_assert_gt(shared, 0);

    json_t *related = get_ok("/v1/entities/robert-gates/related");
    const json_t *entity = json_object_get(related, "entity");
    cr_assert_str_eq(str(entity, "slug"), "robert-gates");
    cr_assert_str_eq(str(entity, "name"), "Robert Gates");
    cr_assert(json_is_integer(json_object_get(entity, "id")));
    json_t *data = json_object_get(related, "data");
    const json_t *anatoly = find_slug(data, "anatoly-serdyukov");
    cr_assert_not_null(anatoly, "Serdyukov is not related to Gates");
    cr_assert_eq(num(anatoly, "shared_articles"), shared);
    cr_assert_str_eq(str(anatoly, "type"), "person");
    cr_assert_str_eq(str(anatoly, "name"), "Anatoly Serdyukov");
    cr_assert_null(find_slug(data, "robert-gates"), "an entity is not related to itself");

    /* Strongest first, ties by name. */
    json_int_t last = 1 << 30;
    const char *last_name = "";
    json_array_foreach(data, i, a) {
        json_int_t n = num(a, "shared_articles");
        cr_assert_leq(n, last, "item %zu is stronger than the one before it", i);
        if (n == last)
            cr_assert_leq(strcasecmp(last_name, str(a, "name")), 0, "%s before %s", last_name,
                          str(a, "name"));
        cr_assert_geq(n, 1);
        last = n;
        last_name = str(a, "name");
    }
    json_decref(related);
    json_decref(serdyukov);
    json_decref(gates);
}

Test(relations, every_related_count_matches_the_article_lists)
{
    json_t *own = list_all("/v1/articles?entity=katherine-lyle&limit=100");
    json_t *related = get_ok("/v1/entities/katherine-lyle/related?limit=100");
    size_t i, j;
    json_t *r, *a;
    json_array_foreach(json_object_get(related, "data"), i, r) {
        char path[256];
        snprintf(path, sizeof path, "/v1/articles?entity=%s&limit=100", str(r, "slug"));
        json_t *theirs = list_all(path);
        json_int_t shared = 0;
        json_array_foreach(own, j, a)
            shared += has_id(theirs, num(a, "id"));
        cr_assert_eq(num(r, "shared_articles"), shared, "%s", str(r, "slug"));
        json_decref(theirs);
    }
    /* She is in one article with eleven others. */
    cr_assert_eq(json_array_size(json_object_get(related, "data")), 11);
    json_decref(related);
    json_decref(own);
}

Test(relations, related_takes_an_id_or_a_slug_and_a_limit)
{
    json_t *by_slug = get_ok("/v1/entities/robert-gates/related?limit=3");
    char path[128];
    snprintf(path, sizeof path, "/v1/entities/%lld/related?limit=3",
             (long long)num(json_object_get(by_slug, "entity"), "id"));
    json_t *by_id = get_ok(path);
    cr_assert(json_equal(by_slug, by_id));
    cr_assert_eq(json_array_size(json_object_get(by_slug, "data")), 3);
    cr_assert_null(json_object_get(by_slug, "next_cursor"), "a top-N has no cursor");
    json_decref(by_id);
    json_decref(by_slug);
}

/* ---- graph ------------------------------------------------------------- */

/* Nodes are unique; edges join included nodes, once each, source < target,
 * and weigh at least min_weight. Returns the number of edges. */
static size_t assert_graph_well_formed(const json_t *graph, json_int_t min_weight)
{
    const json_t *nodes = json_object_get(graph, "nodes"), *edges = json_object_get(graph, "edges");
    cr_assert(json_is_array(nodes) && json_is_array(edges));
    size_t i, j;
    json_t *n, *e;
    json_array_foreach(nodes, i, n) {
        cr_assert_not_null(json_object_get(n, "slug"));
        cr_assert_not_null(json_object_get(n, "name"));
        cr_assert_not_null(json_object_get(n, "type"));
        for (j = 0; j < i; j++)
            cr_assert_neq(num(json_array_get(nodes, j), "id"), num(n, "id"), "node twice");
    }
    json_array_foreach(edges, i, e) {
        json_int_t s = num(e, "source"), t = num(e, "target");
        cr_assert_lt(s, t, "edge %zu: source %lld, target %lld", i, (long long)s, (long long)t);
        cr_assert(has_id(nodes, s) && has_id(nodes, t), "edge %zu leaves the nodes", i);
        cr_assert_geq(num(e, "weight"), min_weight);
        for (j = 0; j < i; j++) {
            const json_t *o = json_array_get(edges, j);
            cr_assert(num(o, "source") != s || num(o, "target") != t, "edge twice");
        }
    }
    return json_array_size(edges);
}

static const json_t *find_edge(const json_t *graph, json_int_t a, json_int_t b)
{
    json_int_t s = a < b ? a : b, t = a < b ? b : a;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(graph, "edges"), i, e)
        if (num(e, "source") == s && num(e, "target") == t)
            return e;
    return NULL;
}

Test(relations, graph_depth_1_is_the_entity_and_its_neighbours_weighed_by_shared_articles)
{
    json_t *graph = get_ok("/v1/graph?entity=robert-gates&limit=200");
    json_t *related = get_ok("/v1/entities/robert-gates/related?limit=100");
    const json_t *nodes = json_object_get(graph, "nodes");
    const json_t *neighbours = json_object_get(related, "data");
    json_int_t gates = num(json_object_get(related, "entity"), "id");

    assert_graph_well_formed(graph, 1);
    cr_assert_str_eq(str(json_array_get(nodes, 0), "slug"), "robert-gates", "the entity first");
    cr_assert_eq(json_array_size(nodes), json_array_size(neighbours) + 1);
    size_t i;
    json_t *r;
    json_array_foreach(neighbours, i, r) {
        cr_assert(has_id(nodes, num(r, "id")), "%s missing", str(r, "slug"));
        const json_t *e = find_edge(graph, gates, num(r, "id"));
        cr_assert_not_null(e, "no edge to %s", str(r, "slug"));
        cr_assert_eq(num(e, "weight"), num(r, "shared_articles"));
    }
    /* Neighbours are joined among themselves too: Serdyukov and Russia
     * appear in all three articles. */
    const json_t *e = find_edge(graph, num(find_slug(nodes, "anatoly-serdyukov"), "id"),
                                num(find_slug(nodes, "russia"), "id"));
    cr_assert_not_null(e);
    cr_assert_eq(num(e, "weight"), 3);
    json_decref(related);
    json_decref(graph);
}

Test(relations, min_weight_drops_weaker_neighbours_and_edges)
{
    json_t *all = get_ok("/v1/graph?entity=robert-gates&limit=200");
    json_t *strong = get_ok("/v1/graph?entity=robert-gates&min_weight=3&limit=200");
    json_t *related = get_ok("/v1/entities/robert-gates/related?limit=100");
    size_t i, expected = 1;
    json_t *r;
    json_array_foreach(json_object_get(related, "data"), i, r)
        expected += num(r, "shared_articles") >= 3;

    size_t strong_edges = assert_graph_well_formed(strong, 3);
    size_t all_edges = assert_graph_well_formed(all, 1);
    cr_assert_eq(json_array_size(json_object_get(strong, "nodes")), expected);
    cr_assert_lt(expected, json_array_size(json_object_get(all, "nodes")));
    cr_assert_lt(strong_edges, all_edges);
    cr_assert_null(find_slug(json_object_get(strong, "nodes"), "barack-obama"),
                   "Obama is in one of Gates's three articles");
    json_decref(related);
    json_decref(strong);
    json_decref(all);

    /* Moscow (articles 1 and 2) and Interfax (1 and 3) each share two
     * articles with Gates but only one with each other: both are in, the
     * edge between them is not. */
    json_t *two = get_ok("/v1/graph?entity=robert-gates&min_weight=2&limit=200");
    assert_graph_well_formed(two, 2);
    const json_t *moscow = find_slug(json_object_get(two, "nodes"), "moscow");
    const json_t *interfax = find_slug(json_object_get(two, "nodes"), "interfax");
    cr_assert(moscow != NULL && interfax != NULL);
    cr_assert_null(find_edge(two, num(moscow, "id"), num(interfax, "id")));
    cr_assert_not_null(find_edge(two, num(moscow, "id"),
                                 num(json_array_get(json_object_get(two, "nodes"), 0), "id")));
    json_decref(two);

    /* Above every weight only the entity itself is left. */
    json_t *alone = get_ok("/v1/graph?entity=robert-gates&min_weight=4");
    cr_assert_eq(json_array_size(json_object_get(alone, "nodes")), 1);
    cr_assert_eq(json_array_size(json_object_get(alone, "edges")), 0);
    json_decref(alone);
}

Test(relations, depth_2_adds_the_neighbours_of_neighbours)
{
    /* Katherine Lyle is in one article; Barack Obama is in another, with
     * people she appears with. */
    json_t *near = get_ok("/v1/graph?entity=katherine-lyle&depth=1&limit=200");
    json_t *far = get_ok("/v1/graph?entity=katherine-lyle&depth=2&limit=200");
    json_t *plain = get_ok("/v1/graph?entity=katherine-lyle");
    assert_graph_well_formed(near, 1);
    assert_graph_well_formed(far, 1);
    cr_assert(json_equal(near, plain), "depth 1 is the default");
    const json_t *near_nodes = json_object_get(near, "nodes"), *far_nodes = json_object_get(far, "nodes");
    cr_assert_eq(json_array_size(near_nodes), 12);
    cr_assert_null(find_slug(near_nodes, "barack-obama"));
    cr_assert_not_null(find_slug(far_nodes, "barack-obama"));
    cr_assert_not_null(find_slug(far_nodes, "daniel-ferris"));
    /* The first ring comes first, in the same order. */
    for (size_t i = 0; i < json_array_size(near_nodes); i++)
        cr_assert_eq(num(json_array_get(near_nodes, i), "id"),
                     num(json_array_get(far_nodes, i), "id"));
    /* The sample's 32 entities all meet through shared neighbours. */
    cr_assert_eq(json_array_size(far_nodes), 32);
    json_decref(plain);
    json_decref(far);
    json_decref(near);
}

Test(relations, the_node_cap_keeps_the_strongest_neighbours)
{
    json_t *capped = get_ok("/v1/graph?entity=robert-gates&limit=5");
    json_t *related = get_ok("/v1/entities/robert-gates/related?limit=4");
    assert_graph_well_formed(capped, 1);
    const json_t *nodes = json_object_get(capped, "nodes");
    cr_assert_eq(json_array_size(nodes), 5);
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(str(json_array_get(nodes, i + 1), "slug"),
                         str(json_array_get(json_object_get(related, "data"), i), "slug"));
    json_decref(related);
    json_decref(capped);

    json_t *one = get_ok("/v1/graph?entity=robert-gates&depth=2&limit=1");
    cr_assert_eq(json_array_size(json_object_get(one, "nodes")), 1);
    cr_assert_eq(json_array_size(json_object_get(one, "edges")), 0);
    json_decref(one);
}

/* ---- timeline ---------------------------------------------------------- */

/* Counts the dates of `items[key]` by their first `len` characters into an
 * object period -> count; null dates are skipped. */
static json_t *tally(const json_t *items, const char *key, int len)
{
    json_t *counts = json_object();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        const char *date = json_string_value(json_object_get(item, key));
        if (date == NULL)
            continue;
        char period[11];
        snprintf(period, sizeof period, "%.*s", len, date);
        json_int_t n = json_integer_value(json_object_get(counts, period));
        json_object_set_new(counts, period, json_integer(n + 1));
    }
    return counts;
}

/* Checks a timeline's buckets against the items of the list endpoints, and
 * that they run from `first` to `last` in `count` steps without gaps. */
static void assert_buckets(const json_t *timeline, const json_t *articles,
                           const json_t *agreements, int len, const char *first,
                           const char *last, size_t count)
{
    json_t *by_articles = tally(articles, "published_at", len);
    json_t *by_agreements = tally(agreements, "signed_on", len);
    const json_t *buckets = json_object_get(timeline, "buckets");
    json_int_t article_sum = 0, agreement_sum = 0;
    const char *previous = "";
    size_t i;
    json_t *b;

    cr_assert_eq(json_array_size(buckets), count, "%zu buckets", json_array_size(buckets));
    cr_assert_str_eq(str(json_array_get(buckets, 0), "period"), first);
    cr_assert_str_eq(str(json_array_get(buckets, count - 1), "period"), last);
    json_array_foreach(buckets, i, b) {
        const char *period = str(b, "period");
        cr_assert_eq(strlen(period), (size_t)len);
        cr_assert_gt(strcmp(period, previous), 0, "periods in order");
        previous = period;
        cr_assert_eq(num(b, "articles"), json_integer_value(json_object_get(by_articles, period)),
                     "articles in %s", period);
        cr_assert_eq(num(b, "agreements"),
                     json_integer_value(json_object_get(by_agreements, period)),
                     "agreements in %s", period);
        article_sum += num(b, "articles");
        agreement_sum += num(b, "agreements");
    }
    /* Nothing fell outside the buckets. */
    const char *k;
    json_t *v;
    json_int_t listed = 0;
    json_object_foreach(by_articles, k, v)
        listed += json_integer_value(v);
    cr_assert_eq(article_sum, listed);
    listed = 0;
    json_object_foreach(by_agreements, k, v)
        listed += json_integer_value(v);
    cr_assert_eq(agreement_sum, listed);
    json_decref(by_agreements);
    json_decref(by_articles);
}

Test(relations, timeline_buckets_count_what_the_lists_hold_by_month_year_and_day)
{
    json_t *articles = list_all("/v1/articles?limit=100");
    json_t *agreements = list_all("/v1/agreements?limit=100");

    json_t *t = get_ok("/v1/timeline");
    cr_assert_str_eq(str(t, "interval"), "month", "month by default");
    /* From New START (2010-04-08) to the last article (2010-10-07). */
    assert_buckets(t, articles, agreements, 7, "2010-04", "2010-10", 7);
    json_decref(t);

    t = get_ok("/v1/timeline?interval=year");
    cr_assert_str_eq(str(t, "interval"), "year");
    assert_buckets(t, articles, agreements, 4, "2010", "2010", 1);
    json_decref(t);

    t = get_ok("/v1/timeline?interval=day");
    /* April 8 to October 7: 23 + 31 + 30 + 31 + 31 + 30 + 7 days. */
    assert_buckets(t, articles, agreements, 10, "2010-04-08", "2010-10-07", 183);
    json_decref(t);
    json_decref(agreements);
    json_decref(articles);
}

Test(relations, timeline_lists_dated_agreements_oldest_first_and_leaves_the_1993_accord_out)
{
    json_t *t = get_ok("/v1/timeline");
    const json_t *listed = json_object_get(t, "agreements");
    char line[1024];
    slugs_line(listed, line, sizeof line);
    cr_assert_str_eq(line, "new-start-treaty " MEMORANDUM " us-russia-defense-working-group-plan");
    cr_assert_null(find_slug(listed, ACCORD), "the accord has no date");
    cr_assert_str_eq(str(json_array_get(listed, 0), "signed_on"), "2010-04-08");
    cr_assert(json_is_false(json_object_get(t, "agreements_truncated")));

    /* Every dated agreement of the list endpoint is there, and only those. */
    json_t *all = list_all("/v1/agreements?limit=100");
    size_t i, dated = 0;
    json_t *g;
    json_array_foreach(all, i, g) {
        bool has_date = json_is_string(json_object_get(g, "signed_on"));
        dated += has_date;
        cr_assert_eq(find_slug(listed, str(g, "slug")) != NULL, has_date, "%s", str(g, "slug"));
    }
    cr_assert_eq(json_array_size(listed), dated);
    json_decref(all);
    json_decref(t);
}

Test(relations, timeline_for_an_entity_counts_its_articles_and_its_agreements)
{
    json_t *articles = list_all("/v1/articles?entity=robert-gates&limit=100");
    json_t *party = list_all("/v1/agreements?party=robert-gates&limit=100");
    json_t *signed_by = list_all("/v1/agreements?signatory=robert-gates&limit=100");
    size_t i;
    json_t *g;
    json_array_foreach(party, i, g)
        if (!has_id(signed_by, num(g, "id")))
            json_array_append(signed_by, g);

    json_t *t = get_ok("/v1/timeline?entity=robert-gates&interval=day");
    assert_buckets(t, articles, signed_by, 10, "2010-09-15", "2010-10-07", 23);
    char line[1024];
    slugs_line(json_object_get(t, "agreements"), line, sizeof line);
    cr_assert_str_eq(line, MEMORANDUM " us-russia-defense-working-group-plan");
    json_decref(t);

    /* A party counts as well as a signatory: Russia signed nothing. */
    t = get_ok("/v1/timeline?entity=russia&interval=year");
    json_t *buckets = json_object_get(t, "buckets");
    cr_assert_eq(json_array_size(buckets), 1);
    cr_assert_eq(num(json_array_get(buckets, 0), "agreements"), 3);
    json_decref(t);
    json_decref(signed_by);
    json_decref(party);
    json_decref(articles);
}

Test(relations, since_and_until_bound_the_timeline_and_every_period_in_between_is_shown)
{
    json_t *articles = list_all("/v1/articles?since=2010-09-01&until=2010-09-30&limit=100");
    json_t *agreements = list_all("/v1/agreements?since=2010-09-01&until=2010-09-30&limit=100");
    json_t *t = get_ok("/v1/timeline?since=2010-09-01&until=2010-09-30&interval=day");
    assert_buckets(t, articles, agreements, 10, "2010-09-01", "2010-09-30", 30);
    char line[1024];
    slugs_line(json_object_get(t, "agreements"), line, sizeof line);
    cr_assert_str_eq(line, MEMORANDUM " us-russia-defense-working-group-plan");
    json_decref(t);
    json_decref(agreements);
    json_decref(articles);

    /* A range with nothing in it is all zeros, not empty. */
    t = get_ok("/v1/timeline?since=2001-01-01&until=2003-12-31&interval=year");
    json_t *buckets = json_object_get(t, "buckets");
    cr_assert_eq(json_array_size(buckets), 3);
    cr_assert_str_eq(str(json_array_get(buckets, 2), "period"), "2003");
    cr_assert_eq(num(json_array_get(buckets, 1), "articles"), 0);
    cr_assert_eq(json_array_size(json_object_get(t, "agreements")), 0);
    json_decref(t);

    /* Only one end: the data gives the other. */
    t = get_ok("/v1/timeline?since=2010-09-20");
    buckets = json_object_get(t, "buckets");
    cr_assert_eq(json_array_size(buckets), 2);
    cr_assert_eq(num(json_array_get(buckets, 0), "articles"), 1);
    cr_assert_eq(num(json_array_get(buckets, 0), "agreements"), 0);
    json_decref(t);
}

Test(relations, a_day_timeline_over_decades_is_refused_naming_interval)
{
    assert_problem("/v1/timeline?interval=day&since=1990-01-01&until=2020-12-31", 400, "interval");
    /* The same range by month is fine. */
    json_t *t = get_ok("/v1/timeline?interval=month&since=1990-01-01&until=2020-12-31");
    cr_assert_eq(json_array_size(json_object_get(t, "buckets")), 31 * 12);
    json_decref(t);
}

/* ---- chains ------------------------------------------------------------ */

static void assert_chain(const char *agreement, const char *expected)
{
    char path[256], line[2048];
    snprintf(path, sizeof path, "/v1/agreements/%s/chain", agreement);
    json_t *chain = get_ok(path);
    slugs_line(json_object_get(chain, "data"), line, sizeof line);
    cr_assert_str_eq(line, expected, "chain of %s", agreement);
    json_decref(chain);
}

Test(relations, the_memorandum_and_the_accord_share_one_chain_oldest_first)
{
    assert_chain(MEMORANDUM, ACCORD " " MEMORANDUM);
    assert_chain(ACCORD, ACCORD " " MEMORANDUM);
    assert_chain("new-start-treaty", "new-start-treaty");

    json_t *chain = get_ok("/v1/agreements/" MEMORANDUM "/chain");
    const json_t *first = json_array_get(json_object_get(chain, "data"), 0);
    cr_assert_str_eq(str(first, "kind"), "accord");
    cr_assert_str_eq(str(first, "status"), "superseded");
    cr_assert(json_is_null(json_object_get(first, "signed_on")));
    cr_assert_str_eq(str(first, "title"), "1993 defense cooperation accord");
    json_decref(chain);
}

static void post_agreement(const char *json)
{
    struct http_result res = http_write(ts, "POST", "/v1/agreements", json, NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);
}

Test(relations, a_chain_that_branches_holds_every_branch_through_the_agreement)
{
    /* Two more agreements supersede the accord, one undated; a third
     * supersedes the memorandum. */
    post_agreement("{\"title\": \"Rival accord\", \"slug\": \"rival\", \"kind\": \"accord\","
                   " \"status\": \"signed\", \"signed_on\": \"2011-01-01\","
                   " \"supersedes\": \"" ACCORD "\"}");
    post_agreement("{\"title\": \"Undated accord\", \"slug\": \"undated\", \"kind\": \"accord\","
                   " \"status\": \"proposed\", \"supersedes\": \"" ACCORD "\"}");
    post_agreement("{\"title\": \"Memorandum of 2012\", \"slug\": \"memo-2012\","
                   " \"kind\": \"memorandum\", \"status\": \"signed\","
                   " \"signed_on\": \"2012-05-01\", \"supersedes\": \"" MEMORANDUM "\"}");

    /* By distance, then date (undated last), then id. */
    assert_chain(ACCORD, ACCORD " " MEMORANDUM " rival undated memo-2012");
    /* A branch that does not pass through an agreement is not its chain. */
    assert_chain(MEMORANDUM, ACCORD " " MEMORANDUM " memo-2012");
    assert_chain("memo-2012", ACCORD " " MEMORANDUM " memo-2012");
    assert_chain("rival", ACCORD " rival");
    assert_chain("undated", ACCORD " undated");
}

/* ---- stats ------------------------------------------------------------- */

static json_int_t count_of(const char *path)
{
    json_t *items = list_all(path);
    json_int_t n = (json_int_t)json_array_size(items);
    json_decref(items);
    return n;
}

static void assert_stats_match_the_lists(void)
{
    static const char *const types[] = {"person", "organization", "location", "product"};
    static const char *const statuses[] = {"proposed", "signed", "pending_ratification",
                                           "in_force", "superseded", "expired"};
    static const char *const kinds[] = {"memorandum", "treaty", "accord", "plan", "deal",
                                        "agreement"};
    char path[128];
    json_t *stats = get_ok("/v1/stats");

    json_t *articles = list_all("/v1/articles?limit=100");
    cr_assert_eq(num(stats, "articles"), (json_int_t)json_array_size(articles));
    json_t *sources = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(articles, i, a)
        json_object_set_new(sources, str(a, "source"), json_true());
    cr_assert_eq(num(stats, "sources"), (json_int_t)json_object_size(sources));
    json_decref(sources);
    json_decref(articles);
    cr_assert_eq(num(stats, "quotes"), count_of("/v1/quotes?limit=100"));

    const json_t *entities = json_object_get(stats, "entities");
    cr_assert_eq(json_object_size(entities), 5, "total and the four types");
    cr_assert_eq(num(entities, "total"), count_of("/v1/entities?limit=100"));
    for (size_t t = 0; t < 4; t++) {
        snprintf(path, sizeof path, "/v1/entities?type=%s&limit=100", types[t]);
        cr_assert_eq(num(entities, types[t]), count_of(path), "%s", types[t]);
    }

    const json_t *agreements = json_object_get(stats, "agreements");
    cr_assert_eq(num(agreements, "total"), count_of("/v1/agreements?limit=100"));
    const json_t *by_status = json_object_get(agreements, "by_status");
    cr_assert_eq(json_object_size(by_status), 6);
    for (size_t s = 0; s < 6; s++) {
        snprintf(path, sizeof path, "/v1/agreements?status=%s&limit=100", statuses[s]);
        cr_assert_eq(num(by_status, statuses[s]), count_of(path), "%s", statuses[s]);
    }
    const json_t *by_kind = json_object_get(agreements, "by_kind");
    cr_assert_eq(json_object_size(by_kind), 6);
    for (size_t k = 0; k < 6; k++) {
        snprintf(path, sizeof path, "/v1/agreements?kind=%s&limit=100", kinds[k]);
        cr_assert_eq(num(by_kind, kinds[k]), count_of(path), "%s", kinds[k]);
    }
    json_decref(stats);
}

Test(relations, stats_match_the_list_counts_and_name_every_value_even_at_zero)
{
    assert_stats_match_the_lists();
    json_t *stats = get_ok("/v1/stats");
    const json_t *agreements = json_object_get(stats, "agreements");
    cr_assert_eq(num(json_object_get(agreements, "by_status"), "expired"), 0);
    cr_assert_eq(num(json_object_get(agreements, "by_kind"), "agreement"), 0);
    cr_assert_eq(num(json_object_get(stats, "entities"), "product"), 1);
    json_decref(stats);
}

Test(relations, stats_follow_a_write)
{
    json_t *before = get_ok("/v1/stats");
    post_agreement("{\"title\": \"Lapsed pact\", \"kind\": \"agreement\", \"status\": \"expired\"}");
    struct http_result res = http_write(ts, "POST", "/v1/entities",
                                        "{\"name\": \"Su-27\", \"type\": \"product\"}", NULL);
    cr_assert_eq(res.status, 201, "%s", res.body);
    http_result_free(&res);

    json_t *after = get_ok("/v1/stats");
    const json_t *ga = json_object_get(after, "agreements"), *gb = json_object_get(before, "agreements");
    cr_assert_eq(num(ga, "total"), num(gb, "total") + 1);
    cr_assert_eq(num(json_object_get(ga, "by_status"), "expired"), 1);
    cr_assert_eq(num(json_object_get(ga, "by_kind"), "agreement"), 1);
    const json_t *ea = json_object_get(after, "entities"), *eb = json_object_get(before, "entities");
    cr_assert_eq(num(ea, "total"), num(eb, "total") + 1);
    cr_assert_eq(num(ea, "product"), num(eb, "product") + 1);
    cr_assert_eq(num(after, "articles"), num(before, "articles"));
    assert_stats_match_the_lists();
    json_decref(after);
    json_decref(before);
}

/* Each tally has triggers for insert, delete and the update of what it
 * counts by; each kind of write here fires one of them, and the lists
 * (counted by walking them) must agree after every step. */
Test(relations, stats_follow_every_kind_of_write)
{
    static const struct {
        const char *method, *path, *body;
        long status;
    } writes[] = {
        {"POST", "/v1/articles", "{\"slug\": \"tally-a\", \"title\": \"Tally A\","
         " \"source\": \"Tally Wire\", \"published_at\": \"2013-01-01\", \"body\": \"a\"}", 201},
        {"POST", "/v1/articles", "{\"slug\": \"tally-b\", \"title\": \"Tally B\","
         " \"source\": \"Tally Wire\", \"published_at\": \"2013-01-02\", \"body\": \"b\"}", 201},
        {"PATCH", "/v1/articles/tally-a", "{\"source\": \"Other Wire\"}", 200},
        {"DELETE", "/v1/articles/tally-b", NULL, 204},
        {"PATCH", "/v1/articles/tally-a", "{\"source\": \"Third Wire\"}", 200},
        {"POST", "/v1/quotes", "{\"slug\": \"tally-q\", \"text\": \"Counted.\","
         " \"speaker\": \"robert-gates\", \"article\": \"tally-a\"}", 201},
        {"DELETE", "/v1/articles/tally-a", NULL, 204},
        {"POST", "/v1/entities", "{\"slug\": \"tally-e\", \"name\": \"Tally Org\","
         " \"type\": \"organization\"}", 201},
        {"PATCH", "/v1/entities/tally-e", "{\"type\": \"product\"}", 200},
        {"POST", "/v1/entities", "{\"slug\": \"tally-f\", \"name\": \"Tally Place\","
         " \"type\": \"location\"}", 201},
        {"POST", "/v1/entities/tally-f/merge", "{\"into\": \"tally-e\"}", 200},
        {"PATCH", "/v1/agreements/" ACCORD, "{\"status\": \"expired\", \"kind\": \"treaty\"}", 200},
        {"DELETE", "/v1/entities/tally-e", NULL, 204},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        struct http_result res = http_write(ts, writes[i].method, writes[i].path, writes[i].body,
                                            NULL);
        cr_assert_eq(res.status, writes[i].status, "%s %s: %ld %s", writes[i].method,
                     writes[i].path, res.status, res.body);
        http_result_free(&res);
        assert_stats_match_the_lists();
    }
}

/* ---- refusals ---------------------------------------------------------- */

Test(relations, every_bad_parameter_is_a_400_naming_it)
{
    static const struct {
        const char *path;
        const char *field;
    } cases[] = {
        {"/v1/graph", "entity"},
        {"/v1/graph?depth=1", "entity"},
        {"/v1/graph?entity=nobody-at-all", "entity"},
        {"/v1/graph?entity=999999", "entity"},
        {"/v1/graph?entity=Not%20A%20Slug", "entity"},
        {"/v1/graph?entity=robert-gates&depth=3", "depth"},
        {"/v1/graph?entity=robert-gates&depth=0", "depth"},
        {"/v1/graph?entity=robert-gates&depth=one", "depth"},
        {"/v1/graph?entity=robert-gates&min_weight=0", "min_weight"},
        {"/v1/graph?entity=robert-gates&min_weight=-1", "min_weight"},
        {"/v1/graph?entity=robert-gates&min_weight=1.5", "min_weight"},
        {"/v1/graph?entity=robert-gates&limit=0", "limit"},
        {"/v1/graph?entity=robert-gates&limit=201", "limit"},
        {"/v1/graph?entity=robert-gates&colour=red", "colour"},
        {"/v1/timeline?interval=week", "interval"},
        {"/v1/timeline?interval=", "interval"},
        {"/v1/timeline?since=2011-01-01&until=2010-01-01", "until"},
        {"/v1/timeline?since=yesterday", "since"},
        {"/v1/timeline?until=2010-02-30", "until"},
        {"/v1/timeline?entity=nobody-at-all", "entity"},
        {"/v1/timeline?limit=5", "limit"},
        {"/v1/timeline?cursor=abc", "cursor"},
        {"/v1/entities/robert-gates/related?limit=0", "limit"},
        {"/v1/entities/robert-gates/related?limit=101", "limit"},
        {"/v1/entities/robert-gates/related?cursor=abc", "cursor"},
        {"/v1/entities/robert-gates/related?sort=name", "sort"},
        {"/v1/agreements/" MEMORANDUM "/chain?depth=2", "depth"},
        {"/v1/stats?type=person", "type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_problem(cases[i].path, 400, cases[i].field);
}

Test(relations, unknown_ids_are_404)
{
    assert_problem("/v1/entities/nobody-at-all/related", 404, NULL);
    assert_problem("/v1/entities/999999/related", 404, NULL);
    assert_problem("/v1/agreements/no-such-agreement/chain", 404, NULL);
    assert_problem("/v1/agreements/999999/chain", 404, NULL);
    /* An entity's slug names no agreement. */
    assert_problem("/v1/agreements/robert-gates/chain", 404, NULL);
}

/* ---- a bigger store ---------------------------------------------------- */

#define SPOKES 60

/* A hub mentioned with 60 spokes across five articles: spoke i is in the
 * first 1 + i % 5 of them, so it shares that many articles with the hub and
 * min(w_i, w_j) with spoke j. Two far entities meet only spoke 1, in an
 * article of their own. An archive article from 1950 stretches the store's
 * dates over six decades. (caller owns) */
static json_t *hub_dataset(void)
{
    json_t *entities = json_array(), *articles = json_array();
    char slug[32], name[32], date[16];

    json_array_append_new(entities, json_pack("{s:s, s:s, s:s}", "slug", "hub", "name",
                                              "Hub Person", "type", "person"));
    for (int i = 1; i <= SPOKES; i++) {
        snprintf(slug, sizeof slug, "spoke-%02d", i);
        snprintf(name, sizeof name, "Spoke %02d", i);
        json_array_append_new(entities, json_pack("{s:s, s:s, s:s}", "slug", slug, "name", name,
                                                  "type", "organization"));
    }
    json_array_append_new(entities, json_pack("{s:s, s:s, s:s}", "slug", "far-one", "name",
                                              "Far One", "type", "location"));
    json_array_append_new(entities, json_pack("{s:s, s:s, s:s}", "slug", "far-two", "name",
                                              "Far Two", "type", "location"));
    for (int k = 1; k <= 5; k++) {
        json_t *mentions = json_array();
        json_array_append_new(mentions, json_pack("{s:s, s:i}", "entity", "hub", "count", 1));
        for (int i = 1; i <= SPOKES; i++) {
            if (1 + i % 5 < k)
                continue;
            snprintf(slug, sizeof slug, "spoke-%02d", i);
            json_array_append_new(mentions, json_pack("{s:s, s:i}", "entity", slug, "count", 1));
        }
        snprintf(slug, sizeof slug, "hub-article-%d", k);
        snprintf(date, sizeof date, "2012-01-%02d", k);
        json_array_append_new(articles, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "slug", slug,
                                                  "title", slug, "source", "Hub Wire",
                                                  "published_at", date, "body", "text",
                                                  "mentions", mentions));
    }
    json_array_append_new(
        articles, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}]}",
                            "slug", "far-article", "title", "Far away", "source", "Hub Wire",
                            "published_at", "2012-02-01", "body", "text", "mentions", "entity",
                            "spoke-01", "count", 1, "entity", "far-one", "count", 1, "entity",
                            "far-two", "count", 1));
    json_array_append_new(articles, json_pack("{s:s, s:s, s:s, s:s, s:s}", "slug",
                                              "archive-article", "title", "From the archive",
                                              "source", "Archive", "published_at", "1950-01-01",
                                              "body", "text"));
    return json_pack("{s:o, s:o}", "entities", entities, "articles", articles);
}

static void start_hub(void)
{
    json_t *doc = hub_dataset();
    char *text = json_dumps(doc, 0);
    ts = test_server_start_with(text);
    free(text);
    json_decref(doc);
}

TestSuite(relations_hub, .init = start_hub, .fini = stop, .timeout = 30);

static json_int_t hub_weight(int spoke)
{
    return 1 + spoke % 5;
}

Test(relations_hub, a_hub_graph_is_capped_at_50_nodes_by_default_keeping_the_strongest)
{
    json_t *graph = get_ok("/v1/graph?entity=hub");
    assert_graph_well_formed(graph, 1);
    const json_t *nodes = json_object_get(graph, "nodes");
    cr_assert_eq(json_array_size(nodes), 50);
    /* The 49 kept spokes are at least as strong as every spoke left out. */
    json_int_t weakest_kept = 5, strongest_dropped = 0;
    for (int i = 1; i <= SPOKES; i++) {
        char slug[32];
        snprintf(slug, sizeof slug, "spoke-%02d", i);
        if (find_slug(nodes, slug) != NULL)
            weakest_kept = hub_weight(i) < weakest_kept ? hub_weight(i) : weakest_kept;
        else if (hub_weight(i) > strongest_dropped)
            strongest_dropped = hub_weight(i);
    }
    cr_assert_geq(weakest_kept, strongest_dropped);
    /* Among included nodes, every pair of spokes is joined: 49 + 49 * 48 / 2. */
    cr_assert_eq(json_array_size(json_object_get(graph, "edges")), 49 + 49 * 48 / 2);
    json_decref(graph);

    graph = get_ok("/v1/graph?entity=hub&limit=200");
    cr_assert_eq(json_array_size(json_object_get(graph, "nodes")), 1 + SPOKES);
    json_decref(graph);
}

Test(relations_hub, min_weight_on_a_hub_keeps_the_pairs_that_share_enough)
{
    json_t *graph = get_ok("/v1/graph?entity=hub&min_weight=5&limit=200");
    assert_graph_well_formed(graph, 5);
    /* Spokes 4, 9, ... 59 are in all five articles. */
    cr_assert_eq(json_array_size(json_object_get(graph, "nodes")), 13);
    cr_assert_eq(json_array_size(json_object_get(graph, "edges")), 13 * 12 / 2);
    json_decref(graph);

    json_t *related = get_ok("/v1/entities/hub/related?limit=100");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(related, "data"), i, r) {
        int spoke = atoi(str(r, "slug") + strlen("spoke-"));
        cr_assert_eq(num(r, "shared_articles"), hub_weight(spoke), "%s", str(r, "slug"));
    }
    cr_assert_eq(json_array_size(json_object_get(related, "data")), SPOKES);
    json_decref(related);
}

Test(relations_hub, depth_2_reaches_the_hub_from_afar_within_the_cap)
{
    json_t *near = get_ok("/v1/graph?entity=far-one");
    char line[256];
    slugs_line(json_object_get(near, "nodes"), line, sizeof line);
    cr_assert_str_eq(line, "far-one far-two spoke-01");
    json_decref(near);

    json_t *far = get_ok("/v1/graph?entity=far-one&depth=2&limit=5");
    assert_graph_well_formed(far, 1);
    slugs_line(json_object_get(far, "nodes"), line, sizeof line);
    /* Spoke 1 shares two articles with the hub and with the spokes in at
     * least two; ties go by name. */
    cr_assert_str_eq(line, "far-one far-two spoke-01 hub spoke-02");
    json_decref(far);

    far = get_ok("/v1/graph?entity=far-one&depth=2&min_weight=2&limit=200");
    assert_graph_well_formed(far, 2);
    cr_assert_eq(json_array_size(json_object_get(far, "nodes")), 1, "far-one shares one article");
    json_decref(far);
}

Test(relations_hub, a_day_timeline_of_the_whole_store_is_refused_but_a_year_timeline_is_not)
{
    assert_problem("/v1/timeline?interval=day", 400, "interval");
    json_t *t = get_ok("/v1/timeline?interval=year");
    json_t *buckets = json_object_get(t, "buckets");
    cr_assert_eq(json_array_size(buckets), 2012 - 1950 + 1);
    cr_assert_str_eq(str(json_array_get(buckets, 0), "period"), "1950");
    cr_assert_eq(num(json_array_get(buckets, 0), "articles"), 1);
    cr_assert_eq(num(json_array_get(buckets, 1), "articles"), 0);
    json_decref(t);

    /* One entity's days fit. */
    t = get_ok("/v1/timeline?interval=day&entity=hub");
    buckets = json_object_get(t, "buckets");
    cr_assert_eq(json_array_size(buckets), 5);
    cr_assert_eq(num(json_array_get(buckets, 4), "articles"), 1);
    json_decref(t);
}

/* ---- query plans ------------------------------------------------------- */

static char plan_dir[256], plan_path[300];
static struct store *plan_store;

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* A store file with the sample and the hub data, read directly. */
static void open_plan_store(void)
{
    struct store_options opts = {.path = plan_path, .busy_timeout_ms = 5000,
                                 .cache_size_kib = 2048};
    char err[512];
    bool created;
    test_temp_db_path(plan_dir, sizeof plan_dir, plan_path, sizeof plan_path);
    plan_store = store_open(&opts, &created, err, sizeof err);
    cr_assert_not_null(plan_store, "%s", err);
    cr_assert_eq(sample_load(plan_store, NULL, err, sizeof err), DB_OK, "%s", err);
    json_t *doc = hub_dataset();
    cr_assert_eq(db_dataset_load(plan_store, doc, NULL, err, sizeof err), DB_OK, "%s", err);
    json_decref(doc);
}

static void close_plan_store(void)
{
    store_close(plan_store);
    nftw(plan_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(relation_plans, .init = open_plan_store, .fini = close_plan_store, .timeout = 30);

/* True for a plan line that reads a whole table: "SCAN t" without an index.
 * Allowed: "(subquery-N)" and CONSTANT ROW, which read no table; json_each
 * (also as f), which reads the list of ids bound to the query (at most
 * GRAPH_MAX_NODES);
 * and the chain's recursive tables older and newer, which hold one row per
 * step of the chain, at most CHAIN_MAX_DEPTH each. */
static bool is_table_scan(const char *line)
{
    static const char *const allowed[] = {"(subquery", "CONSTANT ROW", "json_each VIRTUAL TABLE",
                                          "f VIRTUAL TABLE", "older", "newer"};
    while (*line == ' ')
        line++;
    if (strncmp(line, "SCAN ", 5) != 0 || strstr(line, " USING ") != NULL)
        return false;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        size_t n = strlen(allowed[i]);
        if (strncmp(line + 5, allowed[i], n) == 0 &&
            (line[5 + n] == '\0' || line[5 + n] == ' ' || line[5 + n] == '-'))
            return false;
    }
    return true;
}

/* Checks the plan of the last list query db ran, and that it names `index`
 * (when not NULL). */
static void expect_indexed(struct db *db, const char *what, const char *index)
{
    json_t *plan = NULL;
    cr_assert_eq(db_explain_last(db, &plan), DB_OK, "%s: no plan", what);
    char *dump = json_dumps(plan, JSON_INDENT(2));
    size_t i;
    json_t *line;
    json_array_foreach(plan, i, line)
        cr_expect_not(is_table_scan(json_string_value(line)), "%s scans a table: \"%s\"\n%s", what,
                      json_string_value(line), dump);
    if (index != NULL)
        cr_expect_not_null(strstr(dump, index), "%s does not use %s:\n%s", what, index, dump);
    free(dump);
    json_decref(plan);
}

static int64_t resolve(struct db *db, enum db_kind kind, const char *ref)
{
    int64_t id = 0;
    cr_assert_eq(db_resolve(db, kind, ref, &id), DB_OK, "%s", ref);
    return id;
}

Test(relation_plans, the_plan_checker_catches_a_table_scan)
{
    cr_assert(is_table_scan("SCAN articles"));
    cr_assert(is_table_scan("SCAN m1"));
    cr_assert(is_table_scan("SCAN oldest"), "only the chain's own tables are allowed");
    cr_assert_not(is_table_scan("SCAN articles USING COVERING INDEX articles_by_date"));
    cr_assert_not(is_table_scan("SCAN json_each VIRTUAL TABLE INDEX 1:"));
    cr_assert_not(is_table_scan("SCAN (subquery-2)"));
    cr_assert_not(is_table_scan("SEARCH m2 USING PRIMARY KEY (article_id=?)"));
}

Test(relation_plans, related_and_graph_walk_the_mention_indexes)
{
    struct db *db = store_reader(plan_store);
    int64_t hub = resolve(db, KIND_ENTITY, "hub");
    json_t *out = NULL;

    cr_assert_eq(db_relations_related(db, hub, 20, RELATIONS_WINDOW, &out), DB_OK);
    json_decref(out);
    expect_indexed(db, "related", "mentions_by_entity");

    for (int depth = 1; depth <= 2; depth++) {
        struct graph_query q = {.entity_id = hub, .depth = depth, .min_weight = 2, .limit = 50,
                               .window = {RELATIONS_WINDOW, RELATIONS_BUDGET}};
        cr_assert_eq(db_relations_graph(db, &q, &out), DB_OK);
        json_decref(out);
        expect_indexed(db, depth == 1 ? "graph edges, depth 1" : "graph edges, depth 2",
                       "mentions_by_entity");
    }
}

/* The hub is in five articles, dated 2012-01-01 to 05; spoke i is in the
 * first 1 + i % 5. Its two most recent articles (4 and 5) hold the spokes
 * with i % 5 == 4 in both and those with i % 5 == 3 in article 4 only. */
Test(relation_plans, a_window_counts_only_the_most_recent_articles_and_says_so)
{
    struct db *db = store_reader(plan_store);
    int64_t hub = resolve(db, KIND_ENTITY, "hub");
    json_t *out = NULL;
    size_t i;
    json_t *r;

    cr_assert_eq(db_relations_related(db, hub, 100, 2, &out), DB_OK);
    json_t *basis = json_object_get(out, "basis");
    cr_assert_eq(num(basis, "recent_articles"), 2);
    cr_assert(json_is_false(json_object_get(basis, "complete")));
    cr_assert_eq(json_array_size(json_object_get(out, "data")), 2 * SPOKES / 5);
    json_array_foreach(json_object_get(out, "data"), i, r) {
        int spoke = atoi(str(r, "slug") + strlen("spoke-"));
        cr_assert_eq(num(r, "shared_articles"), spoke % 5 == 4 ? 2 : 1, "%s", str(r, "slug"));
        cr_assert(spoke % 5 >= 3, "%s is not in the hub's two latest articles", str(r, "slug"));
    }
    json_decref(out);

    /* A window as long as the hub's articles is complete. */
    for (int window = 5; window <= 6; window++) {
        cr_assert_eq(db_relations_related(db, hub, 100, window, &out), DB_OK);
        cr_assert(json_is_true(json_object_get(json_object_get(out, "basis"), "complete")));
        cr_assert_eq(json_array_size(json_object_get(out, "data")), SPOKES);
        json_decref(out);
    }

    /* The graph's nodes and edges follow the same windows. */
    struct graph_query q = {.entity_id = hub, .depth = 1, .min_weight = 1, .limit = 200,
                            .window = {2, 2}};
    cr_assert_eq(db_relations_graph(db, &q, &out), DB_OK);
    cr_assert_eq(num(json_object_get(out, "basis"), "recent_articles"), 2);
    cr_assert_eq(json_array_size(json_object_get(out, "nodes")), 1 + 2 * SPOKES / 5);
    json_array_foreach(json_object_get(out, "edges"), i, r)
        cr_assert_leq(num(r, "weight"), 2);
    json_decref(out);
}

Test(relation_plans, every_timeline_query_uses_an_index)
{
    struct db *db = store_reader(plan_store);
    int64_t gates = resolve(db, KIND_ENTITY, "robert-gates");
    for (int n = 0; n < 8; n++) {
        struct timeline_filter f = {
            .entity_id = n & 1 ? gates : 0,
            .since = n & 2 ? "2010-01-01" : NULL,
            .until = n & 4 ? "2012-12-31" : NULL,
            .interval = TIMELINE_MONTH,
        };
        char what[96];
        json_t *out = NULL;
        bool more;
        snprintf(what, sizeof what, "timeline%s%s%s", f.entity_id ? " entity" : "",
                 f.since ? " since" : "", f.until ? " until" : "");
        cr_assert_eq(db_relations_timeline_counts(db, &f, 5000, &out), DB_OK, "%s", what);
        json_decref(out);
        expect_indexed(db, what, f.entity_id ? "mentions_by_entity" : NULL);
        cr_assert_eq(db_relations_timeline_agreements(db, &f, 1000, &out, &more), DB_OK, "%s",
                     what);
        json_decref(out);
        strcat(what, " agreements");
        expect_indexed(db, what, NULL);
    }
}

Test(relation_plans, chain_and_stats_use_indexes)
{
    struct db *db = store_reader(plan_store);
    json_t *out = NULL;
    cr_assert_eq(db_relations_chain(db, resolve(db, KIND_AGREEMENT, ACCORD), &out), DB_OK);
    cr_assert_eq(json_array_size(out), 2);
    json_decref(out);
    expect_indexed(db, "chain", "agreements_by_supersedes");

    cr_assert_eq(db_relations_stats(db, &out), DB_OK);
    cr_assert_eq(json_integer_value(json_object_get(out, "articles")), 3 + 7);
    json_decref(out);
    /* Stats read the tallies by key, whatever the store's size. */
    expect_indexed(db, "stats", "tallies USING PRIMARY KEY");
}
