/* The sample data answers what the seed article reports. Where the shared
 * gold annotation is beside the repository, every quotation, entity and
 * agreement in it is checked against the live API too. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/http.h"
#include "support/test_server.h"

#define SEED_SLUG "us-russian-defense-chiefs-promote-deeper-ties"

static struct test_server *ts;

static void start(void)
{
    ts = test_server_start();
}

static void stop(void)
{
    test_server_stop(ts);
}

TestSuite(seed, .init = start, .fini = stop, .timeout = 30);

static json_t *load_gold(void)
{
    const char *shared = getenv("WIREBASE_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/eval/seed.json", shared ? shared : "../shared");
    return json_load_file(path, 0, NULL);
}

static const json_t *find_by(const json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (strcmp(json_string_value(json_object_get(item, key)), value) == 0)
            return item;
    return NULL;
}

static bool names_match(const json_t *entities, const json_t *gold_names)
{
    if (json_array_size(entities) != json_array_size(gold_names))
        return false;
    size_t i;
    json_t *name;
    json_array_foreach(gold_names, i, name)
        if (find_by(entities, "name", json_string_value(name)) == NULL)
            return false;
    return true;
}

Test(seed, the_memorandum_replaces_the_1993_accord_and_new_start_awaits_ratification)
{
    struct http_result memo = http_get(ts, "/v1/agreements?kind=memorandum");
    const json_t *m = json_array_get(json_object_get(memo.json, "data"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(m, "status")), "signed");
    char path[200];
    snprintf(path, sizeof path, "/v1/agreements/%s", json_string_value(json_object_get(m, "slug")));
    struct http_result detail = http_get(ts, path);
    const json_t *older = json_object_get(detail.json, "supersedes");
    cr_assert_str_eq(json_string_value(json_object_get(older, "kind")), "accord");
    cr_assert_not_null(strstr(json_string_value(json_object_get(older, "title")), "1993"));
    cr_assert_str_eq(json_string_value(json_object_get(older, "status")), "superseded");
    json_t *signatories = json_object_get(detail.json, "signatories");
    cr_assert_not_null(find_by(signatories, "name", "Robert Gates"));
    cr_assert_not_null(find_by(signatories, "name", "Anatoly Serdyukov"));

    struct http_result treaty = http_get(ts, "/v1/agreements?kind=treaty");
    const json_t *t = json_array_get(json_object_get(treaty.json, "data"), 0);
    cr_assert_not_null(strstr(json_string_value(json_object_get(t, "title")), "START"));
    cr_assert_str_eq(json_string_value(json_object_get(t, "status")), "pending_ratification");
    http_result_free(&memo);
    http_result_free(&detail);
    http_result_free(&treaty);
}

Test(seed, every_gold_quotation_is_stored_exactly_with_its_speaker)
{
    json_t *gold = load_gold();
    if (gold == NULL)
        cr_skip_test("the shared gold annotation is not beside the repository");
    struct http_result res = http_get(ts, "/v1/quotes?article=" SEED_SLUG "&limit=100");
    json_t *quotes = json_object_get(res.json, "data");
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(gold, "quotes"), i, g) {
        const char *text = json_string_value(json_object_get(g, "text"));
        const json_t *q = find_by(quotes, "text", text);
        cr_assert_not_null(q, "quotation missing: %s", text);
        cr_assert_str_eq(json_string_value(json_object_get(json_object_get(q, "speaker"), "name")),
                         json_string_value(json_object_get(g, "speaker")), "speaker of %s", text);
    }
    cr_assert_eq(json_array_size(quotes), json_array_size(json_object_get(gold, "quotes")));
    http_result_free(&res);
    json_decref(gold);
}

Test(seed, every_gold_entity_is_in_the_article_with_its_type_and_aliases)
{
    json_t *gold = load_gold();
    if (gold == NULL)
        cr_skip_test("the shared gold annotation is not beside the repository");
    struct http_result article = http_get(ts, "/v1/articles/" SEED_SLUG);
    json_t *entities = json_object_get(article.json, "entities");
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(gold, "entities"), i, g) {
        const char *name = json_string_value(json_object_get(g, "name"));
        const json_t *e = find_by(entities, "name", name);
        cr_assert_not_null(e, "entity missing from the article: %s", name);
        cr_assert_str_eq(json_string_value(json_object_get(e, "type")),
                         json_string_value(json_object_get(g, "type")), "type of %s", name);
        char path[200];
        snprintf(path, sizeof path, "/v1/entities/%s", json_string_value(json_object_get(e, "slug")));
        struct http_result detail = http_get(ts, path);
        cr_assert(json_equal(json_object_get(detail.json, "aliases"), json_object_get(g, "aliases")),
                  "aliases of %s", name);
        http_result_free(&detail);
    }
    http_result_free(&article);
    json_decref(gold);
}

Test(seed, every_gold_agreement_has_its_kind_status_parties_and_signatories)
{
    json_t *gold = load_gold();
    if (gold == NULL)
        cr_skip_test("the shared gold annotation is not beside the repository");
    struct http_result article = http_get(ts, "/v1/articles/" SEED_SLUG);
    json_t *linked = json_object_get(article.json, "agreements");
    cr_assert_eq(json_array_size(linked), json_array_size(json_object_get(gold, "agreements")));
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(gold, "agreements"), i, g) {
        const char *title = json_string_value(json_object_get(g, "title"));
        const json_t *brief = find_by(linked, "title", title);
        cr_assert_not_null(brief, "agreement missing: %s", title);
        char path[200];
        snprintf(path, sizeof path, "/v1/agreements/%s",
                 json_string_value(json_object_get(brief, "slug")));
        struct http_result res = http_get(ts, path);
        const json_t *a = res.json;
        cr_assert_str_eq(json_string_value(json_object_get(a, "kind")),
                         json_string_value(json_object_get(g, "kind")), "%s", title);
        cr_assert_str_eq(json_string_value(json_object_get(a, "status")),
                         json_string_value(json_object_get(g, "status")), "%s", title);
        cr_assert(names_match(json_object_get(a, "parties"), json_object_get(g, "parties")),
                  "parties of %s", title);
        cr_assert(names_match(json_object_get(a, "signatories"), json_object_get(g, "signatories")),
                  "signatories of %s", title);
        bool supersedes = !json_is_null(json_object_get(g, "supersedes"));
        cr_assert_eq(!json_is_null(json_object_get(a, "supersedes")), supersedes, "%s", title);
        http_result_free(&res);
    }
    http_result_free(&article);
    json_decref(gold);
}

Test(seed, the_article_facts_are_the_seed_facts)
{
    json_t *gold = load_gold();
    struct http_result res = http_get(ts, "/v1/articles/" SEED_SLUG);
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(res.json, "title")),
                     "US, Russian defense chiefs promote deeper ties");
    cr_assert_str_eq(json_string_value(json_object_get(res.json, "source")), "Expatica news");
    cr_assert_str_eq(json_string_value(json_object_get(res.json, "published_at")), "2010-09-15");
    if (gold != NULL) {
        /* The body is retold in our own words, not the wire text. */
        cr_assert_str_neq(json_string_value(json_object_get(res.json, "body")),
                          json_string_value(json_object_get(gold, "body")));
    }
    http_result_free(&res);
    json_decref(gold);
}
